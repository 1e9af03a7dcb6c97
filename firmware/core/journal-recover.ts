// Reading a journal back (format 3, journal-format.ts): recover() authenticates
// every record and streams it into a sink, so the caller folds the state as it
// goes and nothing is held per record (a board has no room for thousands).
//
// The rules: an empty store is "empty". A partial last record is a torn tail
// (dropped, its bytes reported) only where a power cut can leave one: beyond what
// the store says it committed, and never in place of the snapshot. Everything else
// that is wrong stops the replay with a named error, its offset and seq, every
// record before it kept: a store shorter than it committed (truncated), a
// format-2 journal (old-format, refused as it is: its records are not
// authenticated), an unknown type, a failed header check, a record that is not
// authentic — named seq-gap or seq-repeat when it is genuine but out of place —,
// records in the wrong order or undecodable. Time is not judged here: the
// controller compares the last record's time with its clock.
// Platform-free and Espruino-safe.

import type { MacFactory } from "./cmac.ts";
import { toHex } from "./console/bytes.ts";
import {
  EVENT, EVENT_FIXED, FORMAT, HEAD, HEAD_BYTES, ID_BYTES, INTENT, MOVE, MOVE_FAULTS, MOVE_WIDE, NO_EST, OLD_MAGIC, SNAPSHOT, SNAPSHOT_FIXED, TAG_BYTES, VAR_HEADER,
  copyOf, fromNm, getInt16, getInt32, getUint, journalKey, recordSize, tagOf,
} from "./journal-format.ts";

export type JournalErrorCode = "old-format" | "bad-head" | "bad-type" | "bad-header" | "bad-tag" | "seq-gap" | "seq-repeat" | "bad-payload" | "bad-order" | "bad-tail" | "truncated";

export interface JournalError {
  code: JournalErrorCode;
  offset: number;
  /** The seq the refused record would have had (-1 at the head). */
  seq: number;
  /** What is wrong, in words (the message also says where and what was kept). */
  why: string;
  message: string;
}

/** What recovery hands over, record by record, each one authenticated first. */
export interface RecordSink {
  snapshot(seq: number, tMs: number, payload: any): void;
  intent(seq: number, tMs: number, steps: number, dir: number, estUm: number): void;
  move(seq: number, tMs: number, issued: number, requested: number, dir: number, fault: string, estUm: number): void;
  event(seq: number, tMs: number, code: string, detail: string): void;
}

export interface OpenIntent {
  seq: number;
  tMs: number;
  steps: number;
  dir: number;
  /** The gap estimate when the move was asked for (µm). */
  estUm: number;
}

export interface Recovery {
  /** "empty" (no bytes), "v3", or "old" (a format-2 journal, refused). */
  format: string;
  /** The journal id (hex), "" when none could be read. */
  journalId: string;
  baseSeq: number;
  nextSeq: number;
  /** Authenticated records, the head included. */
  records: number;
  /** Time of the last record (ms), -1 without one. */
  lastTMs: number;
  /** The last intent with no move after it: a move that may have been cut short. */
  openIntent: OpenIntent | null;
  /** Length of the authenticated prefix; end of the snapshot record. */
  validBytes: number;
  snapshotEnd: number;
  /** A torn tail (what a power cut left of a record being written): its size and bytes. */
  droppedBytes: number;
  dropped: Uint8Array | null;
  error: JournalError | null;
  /** The estimate the next short move is relative to (nm; the writer's own state). */
  estBaseNm: number;
}

/** How far a failed tag is tried at other places, to tell a gap or a repeat from a forgery. */
const SEQ_SEARCH = 16;

function refuse(r: Recovery, total: number, code: JournalErrorCode, offset: number, seq: number, why: string): Recovery {
  r.error = {
    code,
    offset,
    seq,
    why,
    message: "journal " + code + " at byte " + offset + " (record seq " + (seq < 0 ? "?" : seq) + "): " + why + "; " +
      r.records + " records before it kept, " + (total - offset) + " bytes from there not replayed",
  };
  return r;
}

export function emptyRecovery(): Recovery {
  return { format: "empty", journalId: "", baseSeq: 0, nextSeq: 1, records: 0, lastTMs: -1, openIntent: null, validBytes: 0, snapshotEnd: 0, droppedBytes: 0, dropped: null, error: null, estBaseNm: NO_EST };
}

function textOf(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function jsonOf(b: Uint8Array, start: number, end: number): any {
  try {
    return JSON.parse(textOf(b, start, end));
  } catch (e) {
    return undefined;
  }
}

function cutShort(committedBytes: number, total: number): string {
  return "the store committed " + committedBytes + " bytes and holds " + total + ": the rest was lost from the middle, not torn by a power cut";
}

/**
 * Replays a journal image into `sink`, authenticating every record under the
 * device key. `committedBytes` is what the store says it committed (-1 when it
 * cannot tell).
 */
export function recover(bytes: Uint8Array, committedBytes: number, mac: MacFactory, deviceKey: Uint8Array, sink: RecordSink): Recovery {
  const r = emptyRecovery();
  const total = bytes.length;
  if (total === 0 && committedBytes <= 0) return r;
  r.format = "v3";
  if (committedBytes > total && total < HEAD_BYTES) return refuse(r, total, "truncated", total, -1, cutShort(committedBytes, total));
  if (bytes[0] === OLD_MAGIC) {
    r.format = "old";
    return refuse(r, total, "old-format", 0, -1, "a format-2 journal, whose records are not authenticated: kept as it is");
  }
  if (total < HEAD_BYTES || bytes[0] !== HEAD || bytes[1] !== FORMAT) return refuse(r, total, "bad-head", 0, -1, "the image does not start with a format-" + FORMAT + " head");
  const authentic = authenticator(bytes, mac, deviceKey);
  const base = getUint(bytes, 10, 4);
  if (!authentic(0, HEAD_BYTES, base)) return refuse(r, total, "bad-tag", 0, -1, "the head is not authentic (damaged, or not written with this device's key)");
  r.journalId = toHex(copyOf(bytes, 2, 2 + ID_BYTES));
  r.baseSeq = base;
  r.records = 1;
  r.nextSeq = base + 1;
  r.validBytes = HEAD_BYTES;
  return replayRecords(bytes, committedBytes, r, HEAD_BYTES, authentic, sink);
}

/** Whether the record at `off` of `size` bytes is authentic as seq `seq` (the journal key derived from the id in the head). */
export type Authentic = (off: number, size: number, seq: number) => boolean;

export function authenticator(bytes: Uint8Array, mac: MacFactory, deviceKey: Uint8Array): Authentic {
  const m = mac(journalKey(mac, deviceKey, copyOf(bytes, 2, 2 + ID_BYTES)));
  let scratch = new Uint8Array(64);
  const tag = new Uint8Array(TAG_BYTES);
  return (off, size, seq) => {
    if (scratch.length < size + 4) scratch = new Uint8Array(size + 4);
    tagOf(m, bytes, off, size, seq, scratch, tag, 0);
    for (let i = 0; i < TAG_BYTES; i++) if (tag[i] !== bytes[off + size - TAG_BYTES + i]) return false;
    return true;
  };
}

/**
 * The records from `off` on, the first expected as seq r.nextSeq, continuing `r`
 * (its lastTMs and estBaseNm are where times and short moves start from). recover()
 * calls it after the head; a dump calls it again past damage to list what survived.
 */
export function replayRecords(bytes: Uint8Array, committedBytes: number, r: Recovery, from: number, authentic: Authentic, sink: RecordSink): Recovery {
  const total = bytes.length;
  const lost = committedBytes > total;
  const cut = cutShort(committedBytes, total);
  const base = r.baseSeq;
  let off = from;
  let lastT = r.lastTMs < 0 ? 0 : r.lastTMs;
  let estNm = r.estBaseNm;
  while (off < total) {
    const seq = r.nextSeq;
    const avail = total - off;
    const size = recordSize(bytes, off, avail);
    if (size === 0) return refuse(r, total, "bad-type", off, seq, "byte 0x" + bytes[off].toString(16) + " where a record should start");
    if (size === -2) return refuse(r, total, "bad-header", off, seq, "the length check failed");
    if (size === -1 || size > avail) {
      const what = "a record cut short (" + avail + " bytes of " + (size < 0 ? "its header" : size) + ")";
      if (lost) return refuse(r, total, "truncated", off, seq, what + "; " + cut);
      if (r.records === 1) return refuse(r, total, "bad-tail", off, seq, what + " where the snapshot belongs");
      if (committedBytes >= 0 && off < committedBytes) return refuse(r, total, "bad-tail", off, seq, what + " inside what the store committed (" + committedBytes + " bytes)");
      r.droppedBytes = avail;
      r.dropped = copyOf(bytes, off, total);
      return r;
    }
    if (!authentic(off, size, seq)) {
      let k = 1;
      while (k <= SEQ_SEARCH && !authentic(off, size, seq + k)) k++;
      if (k <= SEQ_SEARCH) return refuse(r, total, "seq-gap", off, seq, "the record here is seq " + (seq + k) + ": " + k + " record(s) before it are missing");
      k = 1;
      while (k <= SEQ_SEARCH && seq - k > base && !authentic(off, size, seq - k)) k++;
      if (k <= SEQ_SEARCH && seq - k > base) return refuse(r, total, "seq-repeat", off, seq, "the record here is seq " + (seq - k) + ", repeated or out of order");
      return refuse(r, total, "bad-tag", off, seq, "the record is not authentic (damaged, or not written with this device's key)");
    }
    const t = bytes[off];
    if (t === HEAD || (t === SNAPSHOT) !== (r.records === 1)) return refuse(r, total, "bad-order", off, seq, t === HEAD ? "a second head" : t === SNAPSHOT ? "a snapshot after the first record" : "no snapshot after the head");
    if (t === MOVE) {
      if (estNm === NO_EST) return refuse(r, total, "bad-payload", off, seq, "a short move with no estimate before it");
      lastT += getUint(bytes, off + 1, 2);
      estNm += getInt16(bytes, off + 4);
      r.openIntent = null;
      sink.move(seq, lastT, bytes[off + 3], bytes[off + 3], 1, "", fromNm(estNm));
    } else {
      const tMs = getUint(bytes, off + (t === SNAPSHOT || t === EVENT ? VAR_HEADER : 1), 6);
      if (tMs < lastT) return refuse(r, total, "bad-payload", off, seq, "time " + tMs + " ms before the record before it (" + lastT + " ms)");
      lastT = tMs;
      if (t === INTENT || t === MOVE_WIDE) {
        const n = getUint(bytes, off + 7, 4);
        const at = t === INTENT ? off + 11 : off + 15;
        const dir = bytes[at] === 1 ? 1 : bytes[at] === 255 ? -1 : 0;
        const fault = t === INTENT ? "" : MOVE_FAULTS[bytes[at + 1]];
        if (dir === 0 || fault === undefined) return refuse(r, total, "bad-payload", off, seq, "direction or fault code out of range");
        estNm = getInt32(bytes, t === INTENT ? at + 1 : at + 2);
        if (t === INTENT) {
          r.openIntent = { seq, tMs, steps: n, dir, estUm: fromNm(estNm) };
          sink.intent(seq, tMs, n, dir, fromNm(estNm));
        } else {
          r.openIntent = null;
          sink.move(seq, tMs, n, getUint(bytes, off + 11, 4), dir, fault, fromNm(estNm));
        }
      } else if (t === SNAPSHOT) {
        const v = jsonOf(bytes, off + VAR_HEADER + SNAPSHOT_FIXED, off + size - TAG_BYTES);
        if (typeof v !== "object" || v === null || Array.isArray(v)) return refuse(r, total, "bad-payload", off, seq, "the snapshot is not a JSON object");
        estNm = getInt32(bytes, off + VAR_HEADER + EVENT_FIXED);
        r.snapshotEnd = off + size;
        sink.snapshot(seq, tMs, v);
      } else {
        const v = jsonOf(bytes, off + VAR_HEADER + EVENT_FIXED, off + size - TAG_BYTES);
        if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string" || typeof v[1] !== "string") return refuse(r, total, "bad-payload", off, seq, "the event is not [code, detail]");
        sink.event(seq, tMs, v[0], v[1]);
      }
    }
    r.records++;
    r.nextSeq = seq + 1;
    r.lastTMs = lastT;
    r.estBaseNm = estNm;
    off += size;
    r.validBytes = off;
  }
  if (lost) return refuse(r, total, "truncated", total, r.nextSeq, cut);
  if (r.records === 1) return refuse(r, total, "bad-order", off, r.nextSeq, "no snapshot after the head");
  return r;
}
