// Shared by the journal tests: a device key, a journal on a store, a sink that
// collects what recovery streams out, recovery of a store's bytes, and a Node
// device's journal file read with the key in its vault file.

import { Journal } from "../firmware/core/journal.ts";
import { recover } from "../firmware/core/journal-recover.ts";
import type { RecordSink, Recovery } from "../firmware/core/journal-recover.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { inspectJournal } from "../firmware/core/journal-boot.ts";
import { Restore } from "../firmware/core/persist.ts";
import type { AuditEvent } from "../firmware/core/audit.ts";
import type { Store } from "../hal/types.ts";
import { FileStore } from "../hal/node/file-store.ts";
import { vaultStore } from "../hal/node/storage.ts";

export const KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 5) & 255);
export const OTHER_KEY = Uint8Array.from({ length: 16 }, (_, i) => (i * 31 + 9) & 255);
export const JOURNAL_ID = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

export interface Rec {
  seq: number;
  type: "snapshot" | "intent" | "move" | "event";
  tMs: number;
  data: any;
}

export function collect(): RecordSink & { recs: Rec[] } {
  const recs: Rec[] = [];
  return {
    recs,
    snapshot: (seq, tMs, payload) => recs.push({ seq, type: "snapshot", tMs, data: payload }),
    intent: (seq, tMs, steps, dir, estUm) => recs.push({ seq, type: "intent", tMs, data: { steps, dir, estUm } }),
    move: (seq, tMs, issued, requested, dir, fault, estUm) => recs.push({ seq, type: "move", tMs, data: { issued, requested, dir, fault, estUm } }),
    event: (seq, tMs, code, detail) => recs.push({ seq, type: "event", tMs, data: { code, detail } }),
  };
}

/** Recovers `bytes` (committed = its length unless told) under `key`: the recovery and the records streamed. */
export function read(bytes: Uint8Array, committed = bytes.length, key = KEY): { r: Recovery; recs: Rec[] } {
  const sink = collect();
  const r = recover(bytes, committed, cmacAes128, key, sink);
  return { r, recs: sink.recs };
}

/** A journal on `store` under KEY, created with a first snapshot at t = 0. */
export function created(store: Store, compactAtBytes = 1 << 20, snapshot: object = { start: true }, estUm = 100): Journal {
  const j = new Journal(store, compactAtBytes, cmacAes128, KEY);
  if (!j.create(JOURNAL_ID, 1, snapshot, 0, estUm)) throw new Error("create failed: " + j.lastError);
  return j;
}

/** Asserts a journal write succeeded; returns its seq. */
export function ok(seq: number, j: Journal): number {
  if (seq < 0) throw new Error("journal write refused: " + j.lastError);
  return seq;
}

/** The audit trail a device's journal holds (read with the key in its vault), oldest first. */
export function journaledEvents(hal: { store: Store; vault: Store }): AuditEvent[] {
  const restore = new Restore(1, Infinity);
  const r = inspectJournal(hal.store, hal.vault, cmacAes128, restore);
  if (!r) throw new Error("no vault key to read the journal with");
  return restore.audit.events;
}

/**
 * A Node device's journal file read with the key in its vault file, writing nothing,
 * as its next start would (the committed count included): the recovery and the
 * records streamed; null when the vault holds no key yet.
 */
export function readJournalFile(journalFile: string, vaultFile: string): { r: Recovery; recs: Rec[] } | null {
  const sink = collect();
  const r = inspectJournal(new FileStore(journalFile), vaultStore(vaultFile), cmacAes128, sink);
  return r ? { r, recs: sink.recs } : null;
}
