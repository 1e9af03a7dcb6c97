// Signing for the console tools: a privileged request (auth with role, key id, the
// device's nonce and the signature over requestMessage) and a prescription (its
// exact JSON text, signed with rxMessage). The device checks both with the same
// core/console/signing.ts functions.

import { requestMessage, rxMessage } from "../../core/console/signing.ts";
import { signHex } from "./ed25519.ts";
import type { KeyFile } from "./keyfile.ts";

/** The request with `auth` added and signed for the device `serial` and its `nonce`. */
export function signRequest(req: { [k: string]: unknown }, key: KeyFile, serial: string, nonce: string): { [k: string]: unknown } {
  const signed: { [k: string]: unknown } = Object.assign({}, req, { auth: { role: key.role, key: key.id, nonce } });
  const msg = requestMessage(serial, signed);
  if (!msg) throw new Error("a signed request may carry whole numbers only");
  (signed.auth as { [k: string]: string }).sig = signHex(key, msg);
  return signed;
}

/** A signed prescription: the `rx` command's arguments {rx, key, sig}. */
export function signPrescription(rxText: string, key: KeyFile): { rx: string; key: string; sig: string } {
  return { rx: rxText, key: key.id, sig: signHex(key, rxMessage(rxText)) };
}
