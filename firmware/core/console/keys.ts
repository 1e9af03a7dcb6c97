// The console's key ring, provisioned in the device profile JSON as an optional
// key the profile parser ignores:
//   "consoleKeys": { "clinician": [{ "id": "dr-lee", "publicKey": "<64 hex>" }],
//                    "bench":     [{ "id": "rig-1",  "publicKey": "<64 hex>" }] }
// Clinician keys sign prescriptions and privileged requests; bench keys sign bench
// requests (which also need the physical bench-mode input). No keys: only the
// patient role exists and no prescription can be loaded over the console.

import { fromHex } from "./bytes.ts";
import { checker, isPlainObject, throwIfErrors } from "../validate.ts";
import type { Checker } from "../validate.ts";

export type Role = "patient" | "clinician" | "bench";

export interface ConsoleKey {
  id: string;
  publicKey: Uint8Array;
}

export interface KeyRing {
  clinician: ConsoleKey[];
  bench: ConsoleKey[];
}

function keyList(c: Checker, v: any, field: string): ConsoleKey[] {
  const out: ConsoleKey[] = [];
  if (v === undefined) return out;
  if (!Array.isArray(v)) {
    c.fail(field, "expected an array of {id, publicKey}");
    return out;
  }
  for (let i = 0; i < v.length; i++) {
    const f = field + "[" + i + "].";
    const id = c.str(v[i], "id", null, f);
    const raw = isPlainObject(v[i]) ? v[i].publicKey : undefined;
    const pk = fromHex(raw, 32);
    if (!pk) c.fail(f + "publicKey", "expected 64 lowercase hex digits (a raw Ed25519 public key)");
    else if (id !== "") out.push({ id, publicKey: pk });
  }
  return out;
}

/** Reads `consoleKeys` from a profile's JSON; throws (code "invalid") naming every bad field. */
export function parseKeyRing(profileJson: any): KeyRing {
  const c = checker();
  const k = isPlainObject(profileJson) ? profileJson.consoleKeys : undefined;
  if (k !== undefined && !isPlainObject(k)) c.fail("profile.consoleKeys", "expected an object {clinician: [...], bench: [...]}");
  const o = isPlainObject(k) ? k : {};
  const ring: KeyRing = { clinician: keyList(c, o.clinician, "profile.consoleKeys.clinician"), bench: keyList(c, o.bench, "profile.consoleKeys.bench") };
  throwIfErrors("console keys", c.errors);
  return ring;
}

/** The key with this id in a role's list, or null. */
export function findKey(ring: KeyRing, role: Role, id: unknown): ConsoleKey | null {
  const list = role === "clinician" ? ring.clinician : role === "bench" ? ring.bench : [];
  for (let i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
  return null;
}
