// What is signed, byte for byte, shared by the device (verifying) and the tools
// (signing): a prescription is signed as its exact JSON text, a privileged request
// as its canonical JSON (without the signature) bound to the device serial and a
// device-issued nonce. The Ed25519 verifier itself is injected (node:crypto on
// Node, a pure-JS one on Espruino).

import { encodeUtf8 } from "./bytes.ts";
import { canonicalJson } from "./json-text.ts";

export interface Verifier {
  /** Ed25519: true when `signature` (64 bytes) by `publicKey` (32 bytes) covers `message`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const RX_DOMAIN = "osteodrive-rx-v1\n";
export const REQUEST_DOMAIN = "osteodrive-request-v1\n";

/** The bytes a prescription's signature covers: the domain tag, then the prescription text exactly as sent. */
export function rxMessage(rxText: string): Uint8Array {
  return encodeUtf8(RX_DOMAIN + rxText);
}

/**
 * The bytes a request's signature covers: the domain tag, the device serial, then
 * the canonical JSON of the request with `auth.sig` left out (so cmd, arguments,
 * id, role, key and nonce are all covered). Null when the request holds a number
 * that is not an integer (signed requests carry integers only).
 */
export function requestMessage(serial: string, request: any): Uint8Array | null {
  const copy: any = {};
  const keys = Object.keys(request);
  for (let i = 0; i < keys.length; i++) copy[keys[i]] = request[keys[i]];
  const auth: any = {};
  const a = request.auth;
  const akeys = Object.keys(a);
  for (let i = 0; i < akeys.length; i++) if (akeys[i] !== "sig") auth[akeys[i]] = a[akeys[i]];
  copy.auth = auth;
  const text = canonicalJson(copy);
  return text === null ? null : encodeUtf8(REQUEST_DOMAIN + serial + "\n" + text);
}
