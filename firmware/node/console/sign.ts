// Signing for the console tools: a privileged request (auth with role, key id, the
// device's nonce and the signature over requestMessage) and a prescription (its
// exact JSON text, signed with rxMessage). The device checks both with the same
// core/console/signing.ts functions.

import { requestMessage, rxMessage } from "../../core/console/signing.ts";
import { decodeUtf8 } from "../../core/console/bytes.ts";
import { repeatedKey } from "../../core/console/json-text.ts";
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

/** The longest prescription text the device's rx command takes (core/console/cmd-treatment.ts). */
export const MAX_RX_TEXT = 1500;

/**
 * The first number literal in JSON text that a double cannot hold as written
 * (beyond its range, or with more significant digits than it keeps), or "".
 */
export function unrepresentableNumber(text: string): string {
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === "\"") {
      i++;
      while (i < text.length && text.charAt(i) !== "\"") i += text.charAt(i) === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      let j = i + 1;
      while (j < text.length && "0123456789.eE+-".indexOf(text.charAt(j)) >= 0) j++;
      const token = text.substring(i, j);
      const mantissa = token.replace(/^-/, "").replace(/[eE].*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
      if (!isFinite(Number(token)) || mantissa.length > 17) return token;
      i = j;
      continue;
    }
    i++;
  }
  return "";
}

/**
 * Checks a prescription file's bytes before they are signed, exactly as they are:
 * "" when they can be, else why not (not UTF-8, not a JSON object, a repeated key,
 * a number a double cannot hold, longer than the device takes).
 */
export function signableRx(bytes: Uint8Array): { text: string; problem: string } {
  const text = decodeUtf8(bytes, 0, bytes.length);
  if (text === null) return { text: "", problem: "it is not valid UTF-8" };
  if (text.length > MAX_RX_TEXT) return { text, problem: "it has " + text.length + " characters; the device takes at most " + MAX_RX_TEXT };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e: any) {
    return { text, problem: "it is not JSON: " + e.message };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { text, problem: "it is not a JSON object" };
  const dup = repeatedKey(text);
  if (dup !== "") return { text, problem: "it repeats the key " + JSON.stringify(dup) + " (a reader and the device could disagree on which counts)" };
  const n = unrepresentableNumber(text);
  if (n !== "") return { text, problem: "the number " + n + " cannot be held as written (it would be read as " + JSON.stringify(Number(n)) + ")" };
  return { text, problem: "" };
}
