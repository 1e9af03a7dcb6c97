// What the Node app keeps across power cuts, as a HAL driver takes it: the journal
// in one file, the vault (device key, provisioning marker, replay counter) in
// another, which a caller puts apart from the journal's directory, so that losing
// the journal's directory does not lose the vault with it. Random bytes from
// node:crypto.

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import type { HalStorage } from "../types.ts";
import { FileStore } from "./file-store.ts";

export function fileStorage(journalFile: string, vaultFile: string): HalStorage {
  return { store: new FileStore(journalFile), vault: vaultStore(vaultFile), persistent: true, vaultApart: true, random: (n) => new Uint8Array(randomBytes(n)) };
}

/** Where a device keeps the vault of the journal folder DIR unless told: DIR.vault, beside the folder, not in it. */
export function vaultBeside(journalDir: string): string {
  return journalDir.replace(/[\\/]+$/, "") + ".vault";
}

/** The vault's file store: readable by the device's own user only (the device key is in it). */
export function vaultStore(file: string): FileStore {
  return new FileStore(file, fs, 0o600);
}
