// A signed prescription as the console receives it: its JSON text, the id of the
// clinician key that signed it and the Ed25519 signature over rxMessage(text).
// Checked in a fixed order, each failure with its own code: unsigned, unknown key,
// bad signature, malformed, other device, replayed counter, expired, out of range.
// The prescription continues from the length reached: targetLengthMm is what it
// adds, checked against the stroke left.

import type { DeviceProfile } from "../profile.ts";
import type { Prescription } from "../prescription.ts";
import { RX_KEYS, parsePrescription } from "../prescription.ts";
import { isPlainObject } from "../validate.ts";
import { fromHex } from "./bytes.ts";
import { repeatedKey } from "./json-text.ts";
import { parseUtc } from "./calendar.ts";
import type { KeyRing } from "./keys.ts";
import { findKey } from "./keys.ts";
import type { Verifier } from "./signing.ts";
import { VERIFYING, rxMessage, stillVerifying } from "./signing.ts";


export interface RxContext {
  ring: KeyRing;
  verifier: Verifier;
  profile: DeviceProfile;
  /** The highest counter ever accepted (the vault's, never below the one in force): a new one must be higher. */
  lastCounter: number;
  /** The device's wall clock now (ms since 1970). */
  wallMs: number;
  lengthReachedUm: number;
}

export interface RxVerdict {
  /** "ok" or the refusal code. */
  code: string;
  message: string;
  rx: Prescription | null;
}

function refuse(code: string, message: string): RxVerdict {
  return { code, message, rx: null };
}

/** Parses prescription text already accepted once (journal restore, or after the checks below). */
export function parseRxText(text: string, profile: DeviceProfile, lengthReachedUm: number): RxVerdict {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return refuse("rx-malformed", "the prescription text is not JSON");
  }
  if (!isPlainObject(json)) return refuse("rx-malformed", "the prescription must be a JSON object");
  const dup = repeatedKey(text);
  if (dup !== "") return refuse("rx-malformed", "the prescription repeats the key " + JSON.stringify(dup) + ": each field once");
  const keys = Object.keys(json);
  for (let i = 0; i < keys.length; i++) {
    if (RX_KEYS.indexOf(keys[i]) < 0) return refuse("rx-malformed", "unknown field " + JSON.stringify(keys[i]) + " (known: " + RX_KEYS.join(", ") + ")");
  }
  try {
    return { code: "ok", message: "", rx: parsePrescription(json, profile, lengthReachedUm / 1000) };
  } catch (e: any) {
    return refuse("rx-out-of-range", e.message);
  }
}

export function checkSignedRx(text: string, keyId: unknown, sig: unknown, ctx: RxContext): RxVerdict {
  if (keyId === undefined || sig === undefined) return refuse("rx-unsigned", "a prescription needs `key` and `sig` (Ed25519 by a clinician key)");
  const key = findKey(ctx.ring, "clinician", keyId);
  if (!key) return refuse("rx-unknown-key", "no clinician key " + JSON.stringify(keyId) + " is provisioned on this device");
  const s = fromHex(sig, 64);
  if (!s || !ctx.verifier.verify(key.publicKey, rxMessage(text), s)) {
    if (s && stillVerifying(ctx.verifier)) return refuse(VERIFYING, "");
    return refuse("rx-bad-signature", "the signature does not match the prescription and key " + JSON.stringify(keyId));
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    json = null;
  }
  if (!isPlainObject(json)) return refuse("rx-malformed", "the prescription text is not a JSON object");
  if (repeatedKey(text) !== "") return refuse("rx-malformed", "the prescription repeats the key " + JSON.stringify(repeatedKey(text)) + ": each field once");
  if (json.deviceSerial !== ctx.profile.serial) return refuse("rx-wrong-device", "prescription for " + JSON.stringify(json.deviceSerial) + "; this device is " + JSON.stringify(ctx.profile.serial));
  const counter = json.counter;
  if (typeof counter !== "number" || Math.floor(counter) !== counter) return refuse("rx-malformed", "counter must be a whole number");
  if (counter <= ctx.lastCounter) return refuse("rx-replayed", "counter " + counter + " is not above " + ctx.lastCounter + ", the highest this device has accepted");
  const expires = parseUtc(json.expires);
  if (isNaN(expires)) return refuse("rx-malformed", "expires must be a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
  if (expires <= ctx.wallMs) return refuse("rx-expired", "expired at " + json.expires);
  return parseRxText(text, ctx.profile, ctx.lengthReachedUm);
}
