// The clinician's way out of a journal fault (the console's `journal renew`):
// the journal that boot refused is moved aside byte for byte, read-only
// (Store.preserve), and a new journal starts whose first snapshot carries where it
// came from: the old journal's SHA-256 digest, its length, how far it could be
// read, the fault, where the copy was put, and the gap length the position sensor
// measured, as confirmed by the clinician. The sequence numbers go on from the old
// journal's. If the vault itself was lost, a new device key is made (the replay
// counter then starts again from the prescriptions seen from here on: said so in
// the new journal). Platform-free and Espruino-safe.

import { toHex } from "./console/bytes.ts";
import type { JournalBoot } from "./journal-boot.ts";
import { ID_BYTES } from "./journal-format.ts";
import { KEY_BYTES } from "./vault.ts";

export interface Predecessor {
  journalId: string;
  sha256: string;
  bytes: number;
  /** How much of it recovery could authenticate, and the last seq it reached. */
  validBytes: number;
  lastSeq: number;
  fault: string;
  reason: string;
  preservedAs: string;
  /** Where a damaged vault was kept ("" when it was not damaged). */
  vaultPreservedAs: string;
  measuredUm: number;
  confirmedUm: number;
  by: string;
  note: string;
  /** The vault was lost with the journal: the device key and the replay counter start again. */
  newDeviceKey: boolean;
}

export interface Renewal {
  /** "" when done, else the refusal code (nothing changed). */
  code: string;
  message: string;
  predecessor: Predecessor | null;
  /** The new journal's first seq (its head). */
  baseSeq: number;
  id: Uint8Array;
}


function refused(code: string, message: string): Renewal {
  return { code, message, predecessor: null, baseSeq: 0, id: new Uint8Array(0) };
}

/**
 * Moves the refused journal aside and readies a new one (vault key, id, first seq);
 * the caller writes the new journal's first snapshot with `predecessor` in it
 * (startJournal) once it has set its own state.
 */
export function preserveRefused(jb: JournalBoot, fault: string, reason: string, measuredUm: number, confirmedUm: number, by: string, note: string): Renewal {
  const c = jb.config;
  let old: Uint8Array = new Uint8Array(0);
  try {
    old = c.store.read();
  } catch (e: any) {
    return refused("cannot-preserve", "the journal cannot be read, so it cannot be moved aside: " + e.message);
  }
  const r = jb.recovery;
  const oldId = r && r.journalId !== "" ? r.journalId : jb.vault.journalId;
  const digest = toHex(c.digest(old));
  const preservedAs = old.length > 0 ? c.store.preserve("refused") : "";
  if (old.length > 0 && preservedAs === "") return refused("cannot-preserve", "the store cannot keep a copy of the refused journal (" + old.length + " bytes): it stays as it is");
  const newKey = jb.vault.status !== "ok";
  // a damaged vault is evidence too: kept aside before a new one is written
  const vaultAs = jb.vault.status === "damaged" ? c.vault.preserve("refused") : "";
  if (jb.vault.status === "damaged" && vaultAs === "") return refused("cannot-preserve", "the vault store cannot keep a copy of the damaged vault");
  if (newKey && !jb.vault.makeKey(c.random(KEY_BYTES))) return refused("storage-failure", "the vault refused a new device key");
  let id: Uint8Array = c.random(ID_BYTES);
  while (toHex(id) === oldId) id = c.random(ID_BYTES);
  const lastSeq = r && r.records > 0 ? r.nextSeq - 1 : jb.vault.seq;
  return {
    code: "",
    message: "",
    baseSeq: lastSeq + 1,
    id,
    predecessor: { journalId: oldId, sha256: digest, bytes: old.length, validBytes: r ? r.validBytes : 0, lastSeq, fault, reason, preservedAs, vaultPreservedAs: vaultAs, measuredUm, confirmedUm, by, note, newDeviceKey: newKey },
  };
}

/** Writes the new journal (head + `snapshot`) and names it in the vault; "" or why not. */
export function startJournal(jb: JournalBoot, rn: Renewal, snapshot: object, estUm: number): string {
  jb.journal.deviceKey = jb.vault.key!;
  if (!jb.journal.create(rn.id, rn.baseSeq, snapshot, 0, estUm)) return "cannot write the new journal: " + jb.journal.lastError;
  if (!jb.vault.setJournal(toHex(rn.id), rn.baseSeq + 1)) return "the vault refused the new journal's id";
  jb.kind = "resume";
  jb.fault = "";
  jb.reason = "";
  return "";
}
