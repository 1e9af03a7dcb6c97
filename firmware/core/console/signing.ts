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
  /**
   * A verifier that checks in slices between control ticks (a microcontroller's,
   * core/console/sliced-verifier.ts) answers true here right after a verify() it
   * could not finish at once: it has started checking exactly those bytes. The
   * console then holds the request (code VERIFYING) and runs it again, with the
   * same bytes, when the verifier calls back.
   */
  pending?(): boolean;
}

/** The code a check returns while the signature is still being verified (never sent: the console holds the request). */
export const VERIFYING = "verifying";

/** Whether a verify() that returned false is still running (the request is held, not refused). */
export function stillVerifying(v: Verifier): boolean {
  return v.pending !== undefined && v.pending();
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
