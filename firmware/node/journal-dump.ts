// Reads a journal file the way a device would (core/journal.ts recover()) and lays
// every record out for a person: sequence, byte offset, type, time, CRC status and
// the decoded payload. A damaged journal says where (byte offset, record sequence)
// and why; the records recovery would not replay past the damage are still found
// (by scanning for the next record whose header and CRC check out) and listed as
// "after the damage", so nothing that survived is hidden. Read-only.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { recover } from "../core/journal.ts";
import type { JournalError, JournalRecord } from "../core/journal.ts";
import { MS_PER_DAY } from "../core/units.ts";

export interface DumpRecord {
  seq: number;
  offset: number;
  size: number;
  type: string;
  tMs: number;
  /** Header CRC-8 and record CRC-32 both checked ("ok": recover() accepts nothing else). */
  crc: "ok";
  /** False for records found after the damage: recovery stops at the damage and does not replay them. */
  replayed: boolean;
  payload: any;
}

export interface JournalDump {
  file: string;
  bytes: number;
  records: DumpRecord[];
  /** The first damage recovery stops at (null for a healthy journal). */
  damage: JournalError | null;
  /** Further damage met while scanning past the first. */
  laterDamage: JournalError[];
  /** Bytes of a partial last record (a torn write; dropped by recovery, not damage). */
  tornTailBytes: number;
}

/** DIR (its journal.bin) or FILE. */
export function journalFile(pathArg: string): string {
  let isDir = false;
  try {
    isDir = statSync(pathArg).isDirectory();
  } catch (e: any) {
    throw Object.assign(new Error("cannot read journal " + pathArg + ": " + (e.code === "ENOENT" ? "no such file or directory" : e.message)), { code: "invalid" });
  }
  return isDir ? join(pathArg, "journal.bin") : pathArg;
}

function rows(recs: JournalRecord[], base: number, replayed: boolean): DumpRecord[] {
  return recs.map((r) => ({ seq: r.seq, offset: base + r.offset, size: r.size, type: r.type, tMs: r.tMs, crc: "ok", replayed, payload: r.payload }));
}

/** The next offset after `from` where at least one whole record checks out, or -1. */
function resync(bytes: Uint8Array, from: number): number {
  for (let off = from; off < bytes.length; off++) {
    const r = recover(bytes.subarray(off), Infinity, 0);
    if (r.records.length > 0) return off;
  }
  return -1;
}

export function dumpJournal(bytes: Uint8Array, file: string): JournalDump {
  // Infinity: a dump has no "now", so it cannot call a record future (the device can, at boot)
  const first = recover(bytes, Infinity, 0);
  const out: JournalDump = { file, bytes: bytes.length, records: rows(first.records, 0, true), damage: first.error, laterDamage: [], tornTailBytes: first.droppedBytes };
  let err = first.error;
  while (err) {
    const at = resync(bytes, err.offset + 1);
    if (at < 0) break;
    const r = recover(bytes.subarray(at), Infinity, 0);
    out.records.push(...rows(r.records, at, false));
    out.tornTailBytes = r.droppedBytes;
    err = r.error ? Object.assign({}, r.error, { offset: r.error.offset + at }) : null;
    if (err) out.laterDamage.push(err);
  }
  return out;
}

export function readJournalDump(pathArg: string): JournalDump {
  const file = journalFile(pathArg);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e: any) {
    throw Object.assign(new Error("cannot read journal " + file + ": " + (e.code === "ENOENT" ? "no such file" : e.message)), { code: "invalid" });
  }
  return dumpJournal(bytes, file);
}

function payloadText(r: DumpRecord): string {
  const p = r.payload;
  if (r.type === "intent") return "steps " + p.steps + " dir " + p.dir + " target " + p.target;
  if (r.type === "done") return "issued " + p.issued + (p.fault ? " fault " + p.fault : "");
  if (r.type === "event") return p.code + (p.detail ? ": " + p.detail : "");
  return JSON.stringify(p);
}

function recordLine(r: DumpRecord): string {
  return "  " + (r.replayed ? " " : "~") + String(r.seq).padStart(7) + "  " + String(r.offset).padStart(9) + "  " + r.type.padEnd(9) + "  " + String(r.tMs).padStart(13) + "  " + (r.tMs / MS_PER_DAY).toFixed(4).padStart(9) + "  " + r.crc + "   " + payloadText(r);
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
  return [d.file + ": " + d.bytes + " bytes", "   " + "seq".padStart(7) + "  " + "offset".padStart(9) + "  " + "type".padEnd(9) + "  " + "tMs".padStart(13) + "  " + "day".padStart(9) + "  crc  payload"].concat(items.map((i) => i.line), [end]).join("\n") + "\n";
}
