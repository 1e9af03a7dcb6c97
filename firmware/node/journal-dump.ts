// Reads a journal file the way a device would (core/journal-recover.ts recover(),
// under the device key from the vault beside it) and lays every record out for a
// person: sequence, byte offset, type, time, tag status and the decoded payload. A
// damaged journal says where (byte offset, record sequence) and why; the records
// recovery would not replay past the damage are still found (by trying each
// offset after it for a record that is authentic under a nearby sequence number)
// and listed as "after the damage", so nothing that survived is hidden. Past the
// damage a short move's time and estimate are relative to records that may be
// lost: they read as unknown until the next record with its own time. Read-only.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { authenticator, emptyRecovery, recover, replayRecords } from "../core/journal-recover.ts";
import type { Authentic, JournalError, RecordSink } from "../core/journal-recover.ts";
import { HEAD, HEAD_BYTES, ID_BYTES, MOVE, MOVE_BYTES, copyOf, getUint, recordSize } from "../core/journal-format.ts";
import { cmacAes128 } from "../core/cmac.ts";
import { toHex } from "../core/console/bytes.ts";
import { Vault } from "../core/vault.ts";
import { MS_PER_DAY } from "../core/units.ts";
import { FileStore } from "../../hal/node/file-store.ts";
import { vaultBeside, vaultStore } from "../../hal/node/storage.ts";

export interface DumpRecord {
  seq: number;
  offset: number;
  size: number;
  type: "head" | "snapshot" | "intent" | "move" | "event";
  /** NaN (null in JSON) for a short move past damage: its time is relative to records that may be lost. */
  tMs: number;
  /** The record's CMAC tag checked under the journal key for this seq ("ok": recovery accepts nothing else). */
  tag: "ok";
  /** False for records found after the damage: recovery stops at the damage and does not replay them. */
  replayed: boolean;
  payload: any;
}

export interface JournalDump {
  file: string;
  /** The vault whose device key the journal was read with. */
  vault: string;
  bytes: number;
  /** What the store says it committed (-1: it cannot tell). */
  committedBytes: number;
  journalId: string;
  records: DumpRecord[];
  /** The first damage recovery stops at (null for a healthy journal). */
  damage: JournalError | null;
  /** Further damage met while scanning past the first. */
  laterDamage: JournalError[];
  /** Bytes of a partial last record (a torn write; dropped by recovery, not damage). */
  tornTailBytes: number;
}

function invalid(message: string): Error {
  return Object.assign(new Error(message), { code: "invalid" });
}

/** DIR (its journal.bin) or FILE. */
export function journalFile(pathArg: string): string {
  let isDir = false;
  try {
    isDir = statSync(pathArg).isDirectory();
  } catch (e: any) {
    throw invalid("cannot read journal " + pathArg + ": " + (e.code === "ENOENT" ? "no such file or directory" : e.message));
  }
  return isDir ? join(pathArg, "journal.bin") : pathArg;
}

/** The vault of a journal file: a trial's (vault.bin in the same directory) or a device's (DIR.vault beside --journal DIR). */
export function vaultFileFor(file: string): string {
  const candidates = [join(dirname(file), "vault.bin"), vaultBeside(dirname(file))];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw invalid("no vault for " + file + " (looked for " + candidates.join(" and ") + "): a journal is read with the device key in its vault; give --vault FILE");
  return found;
}

/** The device key in a vault file. */
export function deviceKeyIn(vaultFile: string): Uint8Array {
  const v = new Vault(vaultStore(vaultFile), cmacAes128);
  v.load();
  if (!v.key) throw invalid("no device key in the vault " + vaultFile + ": " + (v.problem || "it is empty"));
  return v.key;
}

/** Collects what recovery streams, each record placed by walking the sizes from `off` (the sink is called in file order). */
class Rows implements RecordSink {
  rows: DumpRecord[] = [];
  private bytes: Uint8Array;
  private off: number;
  private replayed: boolean;
  /** False past damage until a record with its own time (and estimate) arrives. */
  private anchored: boolean;

  constructor(bytes: Uint8Array, off: number, replayed: boolean) {
    this.bytes = bytes;
    this.off = off;
    this.replayed = replayed;
    this.anchored = replayed;
  }

  private push(seq: number, type: DumpRecord["type"], tMs: number, payload: any): void {
    const size = recordSize(this.bytes, this.off, this.bytes.length - this.off);
    if (this.bytes[this.off] !== MOVE) this.anchored = true;
    if (!this.anchored && "estUm" in payload) payload.estUm = NaN;
    this.rows.push({ seq, offset: this.off, size, type, tMs: this.anchored ? tMs : NaN, tag: "ok", replayed: this.replayed, payload });
    this.off += size;
  }

  snapshot(seq: number, tMs: number, payload: any): void {
    this.push(seq, "snapshot", tMs, payload);
  }
  intent(seq: number, tMs: number, steps: number, dir: number, estUm: number): void {
    this.push(seq, "intent", tMs, { steps, dir, estUm });
  }
  move(seq: number, tMs: number, issued: number, requested: number, dir: number, fault: string, estUm: number): void {
    this.push(seq, "move", tMs, { issued, requested, dir, fault, estUm });
  }
  event(seq: number, tMs: number, code: string, detail: string): void {
    this.push(seq, "event", tMs, { code, detail });
  }
}

/** How far below the expected seq a record past damage is looked for (a repeat); above, as far as the skipped bytes could hold records. */
const SEQ_BELOW = 16;
const SEQ_ABOVE = 16;

/** The first record at or after `from` that is authentic as some seq near `seq`, or null. */
function resync(bytes: Uint8Array, from: number, seq: number, baseSeq: number, auth: Authentic): { off: number; seq: number } | null {
  for (let off = from; off < bytes.length; off++) {
    const size = recordSize(bytes, off, bytes.length - off);
    if (size <= 0 || size > bytes.length - off || bytes[off] === HEAD) continue;
    // every record is at least MOVE_BYTES long: the bytes skipped hold at most that many
    const hi = seq + SEQ_ABOVE + Math.ceil((off - from) / MOVE_BYTES);
    for (let s = Math.max(baseSeq + 1, seq - SEQ_BELOW); s <= hi; s++) if (auth(off, size, s)) return { off, seq: s };
  }
  return null;
}

function later(e: JournalError): JournalError {
  return Object.assign({}, e, { message: "journal " + e.code + " at byte " + e.offset + " (record seq " + (e.seq < 0 ? "?" : e.seq) + "): " + e.why });
}

/** A journal image read with `deviceKey`; `committedBytes` as its store reports it (-1: unknown). */
export function dumpJournal(bytes: Uint8Array, file: string, deviceKey: Uint8Array, committedBytes = -1, vault = ""): JournalDump {
  const first = new Rows(bytes, HEAD_BYTES, true);
  const r = recover(bytes, committedBytes, cmacAes128, deviceKey, first);
  const out: JournalDump = { file, vault, bytes: bytes.length, committedBytes, journalId: r.journalId, records: first.rows, damage: r.error, laterDamage: [], tornTailBytes: r.droppedBytes };
  const headed = bytes.length >= HEAD_BYTES && bytes[0] === HEAD;
  if (headed) {
    out.journalId = toHex(copyOf(bytes, 2, 2 + ID_BYTES));
    if (!r.error || r.error.offset > 0) out.records.unshift({ seq: r.baseSeq, offset: 0, size: HEAD_BYTES, type: "head", tMs: NaN, tag: "ok", replayed: true, payload: { journalId: out.journalId, baseSeq: r.baseSeq } });
  }
  if (!headed) return out;
  const auth = authenticator(bytes, cmacAes128, deviceKey);
  const baseSeq = getUint(bytes, 10, 4);
  let err = r.error;
  while (err && err.code !== "truncated" && err.code !== "bad-tail") {
    // a gap or a repeat is a genuine record in the wrong place: start from it
    const from = err.offset === 0 ? HEAD_BYTES : err.code === "seq-gap" || err.code === "seq-repeat" ? err.offset : err.offset + 1;
    const found = resync(bytes, from, err.seq < 0 ? baseSeq + 1 : err.seq, baseSeq, auth);
    if (!found) break;
    const rest = emptyRecovery();
    rest.format = "v3";
    rest.baseSeq = baseSeq;
    rest.records = 2; // past the snapshot: another snapshot here is out of order
    rest.nextSeq = found.seq;
    rest.estBaseNm = 0; // short moves until the next record with an estimate read as unknown (Rows)
    const rows = new Rows(bytes, found.off, false);
    replayRecords(bytes, committedBytes, rest, found.off, auth, rows);
    out.records.push(...rows.rows);
    out.tornTailBytes = rest.droppedBytes;
    err = rest.error;
    if (err) out.laterDamage.push(later(err));
  }
  return out;
}

/** The journal at DIR|FILE, read with the key in `vaultArg` or the vault found beside it. */
export function readJournalDump(pathArg: string, vaultArg = ""): JournalDump {
  const file = journalFile(pathArg);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e: any) {
    throw invalid("cannot read journal " + file + ": " + (e.code === "ENOENT" ? "no such file" : e.message));
  }
  const vault = vaultArg || vaultFileFor(file);
  return dumpJournal(bytes, file, deviceKeyIn(vault), new FileStore(file).committedBytes(), vault);
}

function um(v: number): string {
  return isFinite(v) ? v.toFixed(3) + " µm" : "?";
}

function payloadText(r: DumpRecord): string {
  const p = r.payload;
  if (r.type === "head") return "journal " + p.journalId + ", first seq " + p.baseSeq;
  if (r.type === "intent") return "steps " + p.steps + " dir " + p.dir + " from " + um(p.estUm);
  if (r.type === "move") return "issued " + p.issued + (p.requested !== p.issued ? " of " + p.requested : "") + " dir " + p.dir + " from " + um(p.estUm) + (p.fault ? " fault " + p.fault : "");
  if (r.type === "event") return p.code + (p.detail ? ": " + p.detail : "");
  return JSON.stringify(p);
}

function recordLine(r: DumpRecord): string {
  const t = isFinite(r.tMs);
  return "  " + (r.replayed ? " " : "~") + String(r.seq).padStart(7) + "  " + String(r.offset).padStart(9) + "  " + r.type.padEnd(9) + "  " + (t ? String(r.tMs) : "?").padStart(13) + "  " + (t ? (r.tMs / MS_PER_DAY).toFixed(4) : "?").padStart(9) + "  " + r.tag + "   " + payloadText(r);
}

/** One line per record in file order, each damage where it is, and a closing line. */
export function formatDump(d: JournalDump): string {
  const damages = (d.damage ? [d.damage] : []).concat(d.laterDamage);
  const items: Array<{ offset: number; line: string }> = d.records.map((r) => ({ offset: r.offset, line: recordLine(r) }));
  for (const e of damages) items.push({ offset: e.offset - 0.5, line: "  !! DAMAGE " + e.message });
  items.sort((a, b) => a.offset - b.offset);
  const replayed = d.records.filter((r) => r.replayed).length;
  const after = d.records.length - replayed;
  const end = replayed + " records replayed by recovery" +
    (d.damage ? "; DAMAGED at byte " + d.damage.offset + " (" + d.damage.code + ")" + (after ? ", " + after + " intact records after it (marked ~, not replayed)" : "") : "; no damage") +
    (d.tornTailBytes ? "; torn tail of " + d.tornTailBytes + " bytes (a write cut short, dropped)" : "");
  const head = d.file + ": " + d.bytes + " bytes" + (d.journalId ? ", journal " + d.journalId : "") + (d.vault ? ", key from " + d.vault : "");
  return [head, "   " + "seq".padStart(7) + "  " + "offset".padStart(9) + "  " + "type".padEnd(9) + "  " + "tMs".padStart(13) + "  " + "day".padStart(9) + "  tag  payload"].concat(items.map((i) => i.line), [end]).join("\n") + "\n";
}
