// Opening the journal at boot, before anything is written: the vault first (the
// device key, which journal this device keeps, the replay counter, the watermark),
// then the journal, authenticated record by record into a Restore. The outcome is
// one of three, and nothing read is ever changed on the way:
//  - fresh:  never provisioned (no vault and no journal, or a key but no journal
//            yet: provisioning was cut short) — the prescription starts now;
//  - resume: a journal this device wrote, whole up to at most a torn last write;
//  - fault:  anything else, named — the vault damaged or missing beside a journal,
//            the journal unreadable, missing, damaged, cut short, in the old format,
//            another journal than the vault names, or older than the vault has seen.
//            The journal is left exactly as found and latched read-only: only a
//            clinician's new journal (journal-renew.ts) moves it aside.
// A fresh start happens only on a device that never had a journal.
// Platform-free and Espruino-safe.

import type { Store } from "../../hal/types.ts";
import type { MacFactory } from "./cmac.ts";
import { Journal } from "./journal.ts";
import type { JournalWriter } from "./journal.ts";
import type { RecordSink, Recovery } from "./journal-recover.ts";
import { recover } from "./journal-recover.ts";
import { Restore } from "./persist.ts";
import { Vault } from "./vault.ts";
import { KEY_BYTES } from "./vault.ts";
import { ID_BYTES, OLD_MAGIC } from "./journal-format.ts";
import { toHex } from "./console/bytes.ts";

export interface JournalConfig {
  store: Store;
  vault: Store;
  /** HalCaps.vault: the vault lives apart from the journal's store. */
  vaultApart: boolean;
  mac: MacFactory;
  /** SHA-256 (core/sha256.ts, or a board's native one): the digest a new journal keeps of the one it replaces. */
  digest: (bytes: Uint8Array) => Uint8Array;
  random: (n: number) => Uint8Array;
  compactAtBytes: number;
  /** Most audit events kept (Infinity on Node; a microcontroller caps it). */
  auditKeep: number;
}

export interface JournalBoot {
  kind: "fresh" | "resume" | "fault";
  /** The fault code and its reason when kind is "fault". */
  fault: string;
  reason: string;
  journal: JournalWriter;
  vault: Vault;
  /** What the records add up to (empty on a fresh start). */
  restore: Restore;
  recovery: Recovery | null;
  config: JournalConfig;
}

const ERROR_FAULT: { [code: string]: string } = { "truncated": "journal-truncated", "old-format": "journal-old-format" };

function outcome(jb: JournalBoot, kind: "fresh" | "resume" | "fault", fault: string, reason: string): JournalBoot {
  jb.kind = kind;
  jb.fault = fault;
  jb.reason = reason;
  if (kind === "fault" && jb.journal.latched === "") jb.journal.latched = fault;
  return jb;
}

export function openJournal(c: JournalConfig, umPerStep: number): JournalBoot {
  const vault = new Vault(c.vault, c.mac);
  const jb: JournalBoot = { kind: "fresh", fault: "", reason: "", journal: new Journal(c.store, c.compactAtBytes, c.mac, new Uint8Array(KEY_BYTES)), vault, restore: new Restore(umPerStep, c.auditKeep), recovery: null, config: c };
  if (!c.vaultApart) return outcome(jb, "fault", "vault-missing", "this HAL keeps no vault apart from the journal: the journal cannot be authenticated");
  vault.load();
  if (vault.status === "damaged") return outcome(jb, "fault", "vault-damaged", vault.problem);
  let bytes: Uint8Array;
  let committed: number;
  try {
    bytes = c.store.read();
    committed = c.store.committedBytes();
  } catch (e: any) {
    return outcome(jb, "fault", "journal-unreadable", "the journal cannot be read: " + e.message);
  }
  const none = bytes.length === 0 && committed <= 0;
  // a device whose firmware wrote format 2 had no vault: the format is what is wrong
  if (bytes.length > 0 && bytes[0] === OLD_MAGIC) return outcome(jb, "fault", "journal-old-format", "a format-2 journal (" + bytes.length + " bytes), whose records are not authenticated: kept as it is, never read as format 3");
  if (vault.status === "empty") return none ? outcome(jb, "fresh", "", "") : outcome(jb, "fault", "vault-missing", "a journal of " + bytes.length + " bytes and no vault: its records cannot be authenticated");
  if (none) return vault.journalId === "" ? outcome(jb, "fresh", "", "") : outcome(jb, "fault", "journal-missing", "the vault names journal " + vault.journalId + " (seq " + vault.seq + " committed) and the journal store is empty");
  jb.journal.deviceKey = vault.key!;
  const r = jb.journal.open(jb.restore);
  jb.recovery = r;
  if (r.error) return outcome(jb, "fault", ERROR_FAULT[r.error.code] || "journal-damaged", r.error.message);
  if (vault.journalId !== "" && r.journalId !== vault.journalId) return outcome(jb, "fault", "journal-foreign", "the journal is " + r.journalId + "; this device keeps " + vault.journalId);
  if (r.nextSeq - 1 < vault.seq) return outcome(jb, "fault", "journal-rolled-back", "the journal ends at seq " + (r.nextSeq - 1) + "; seq " + vault.seq + " was committed before: an older copy");
  return outcome(jb, "resume", "", "");
}

/**
 * Starts the first journal of a never-provisioned device: the device key (made now
 * unless a cut-short provisioning left one), a journal with `snapshot`, then the
 * vault names it. "" or why it could not.
 */
export function provision(jb: JournalBoot, snapshot: object): string {
  const v = jb.vault;
  if (!v.key && !v.makeKey(jb.config.random(KEY_BYTES))) return "the vault refused the device key";
  jb.journal.deviceKey = v.key!;
  const id = jb.config.random(ID_BYTES);
  if (!jb.journal.create(id, 1, snapshot, 0, NaN)) return "cannot write the first snapshot: " + jb.journal.lastError;
  if (!v.setJournal(toHex(id), 2)) return "the vault refused the journal id";
  return "";
}

/** After the boot checks passed: a torn tail is cut off, and a provisioning the vault did not finish naming is named. "" or why not. */
export function settle(jb: JournalBoot): string {
  const r = jb.recovery;
  if (!r) return "";
  if (r.droppedBytes > 0 && !jb.journal.cutTornTail(r)) return "cannot cut the torn tail off: " + jb.journal.lastError;
  if (jb.vault.journalId === "" && !jb.vault.setJournal(r.journalId, r.nextSeq - 1)) return "the vault refused the journal id";
  return "";
}

const NO_SINK: RecordSink = { snapshot() {}, intent() {}, move() {}, event() {} };

/**
 * Reads a journal with the key in its vault, writing nothing (tools, reports,
 * tests), into `sink` if given: the recovery, or null when there is no vault key
 * or the store cannot be read.
 */
export function inspectJournal(store: Store, vaultStore: Store, mac: MacFactory, sink?: RecordSink): Recovery | null {
  const v = new Vault(vaultStore, mac);
  v.load();
  if (!v.key) return null;
  try {
    return recover(store.read(), store.committedBytes(), mac, v.key, sink || NO_SINK);
  } catch (e) {
    return null;
  }
}
