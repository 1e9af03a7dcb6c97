// Key files of the console tools: JSON {id, role, publicKey, privateKey} (hex of
// the raw Ed25519 public key and private seed), written mode 0600. The public part
// is what goes into the device profile's consoleKeys.

import { writeFileSync } from "node:fs";
import { readJsonFile } from "../../../sim/json-file.ts";
import type { Role } from "../../core/console/keys.ts";
import { fromHex } from "../../core/console/bytes.ts";
import type { RawKeyPair } from "./ed25519.ts";

export interface KeyFile extends RawKeyPair {
  id: string;
  role: Role;
}

export function readKeyFile(file: string): KeyFile {
  const k = readJsonFile(file, "key file");
  const ok = k && typeof k.id === "string" && k.id !== "" && (k.role === "clinician" || k.role === "bench") && fromHex(k.publicKey, 32) && fromHex(k.privateKey, 32);
  if (!ok) throw new Error("key file " + file + " must hold {id, role: clinician|bench, publicKey, privateKey} (hex)");
  return k as KeyFile;
}

export function writeKeyFile(file: string, key: KeyFile): void {
  writeFileSync(file, JSON.stringify(key, null, 2) + "\n", { mode: 0o600, flag: "wx" });
}

/** The entry for the profile's consoleKeys.<role> list. */
export function profileEntry(key: KeyFile): { id: string; publicKey: string } {
  return { id: key.id, publicKey: key.publicKey };
}
