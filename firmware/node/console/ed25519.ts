// Ed25519 on Node with node:crypto: the console's Verifier for the Node app, and
// key generation and signing for the client tools. Keys travel as lowercase hex of
// their raw 32 bytes (public key; private seed), imported through JWK.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { Verifier } from "../../core/console/signing.ts";
import { fromHex, toHex } from "../../core/console/bytes.ts";

export interface RawKeyPair {
  publicKey: string;
  privateKey: string;
}

function b64url(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64url");
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

export function newKeyPair(): RawKeyPair {
  const pair = generateKeyPairSync("ed25519");
  const jwk = pair.privateKey.export({ format: "jwk" });
  return { publicKey: Buffer.from(jwk.x!, "base64url").toString("hex"), privateKey: Buffer.from(jwk.d!, "base64url").toString("hex") };
}

/** Imported private keys by their pair's hex: a tool signs with a few keys, many times. */
const signers = new Map<string, KeyObject>();
/** How many imported keys are kept before the cache starts again. */
const SIGNERS_KEPT = 16;

/** Signs a message with a raw key pair; returns the signature as 128 hex digits. */
export function signHex(pair: RawKeyPair, message: Uint8Array): string {
  const id = pair.publicKey + pair.privateKey;
  let key = signers.get(id);
  if (!key) {
    if (!fromHex(pair.publicKey, 32) || !fromHex(pair.privateKey, 32)) throw new Error("a key pair is 64 hex digits each for publicKey and privateKey");
    key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(pair.publicKey), d: b64url(pair.privateKey) }, format: "jwk" });
    if (signers.size >= SIGNERS_KEPT) signers.clear();
    signers.set(id, key);
  }
  return toHex(new Uint8Array(sign(null, message, key)));
}

/** The node:crypto verifier; imported public keys are cached by their hex. */
export class NodeVerifier implements Verifier {
  private cache: { [hex: string]: KeyObject } = {};

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const hex = toHex(publicKey);
    let key = this.cache[hex];
    if (!key) {
      try {
        key = publicKeyObject(publicKey);
      } catch (e) {
        return false;
      }
      this.cache[hex] = key;
    }
    return verify(null, message, key, signature);
  }
}
