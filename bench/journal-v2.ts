// The baseline for `osteodrive bench`: the format-2 journal exactly as it shipped
// before issue 12 (firmware/core/journal.ts at df11aae), kept verbatim so the
// format-3 journal is measured against it side by side in one run, and so the
// tests can make a format-2 journal and check it is refused, never misread. (Its
// asciiJson, unchanged, now lives in firmware/core/journal-format.ts.)
//
// The power-cut-proof journal: append-only records on a HAL Store, and a pure
// recover() that replays them after a reset. Platform-free and Espruino-safe.
//
// Record (little-endian), 19 bytes of framing + payload:
//   0  magic 0xA7          1  type (1 intent, 2 done, 3 snapshot, 4 event)
//   2  payload length u16  4  sequence u32 (exactly +1 per record)
//   8  tMs u48             14 CRC-8 of bytes 0..13 (so a damaged length is never
//                             mistaken for a torn tail)
//   15 payload: ASCII JSON (non-ASCII escaped as \uXXXX); intent/done/event as
//      positional arrays ([steps,dir,target], [issued,fault], [code,detail]),
//      snapshot as the caller's object
//   15+len CRC-32 of everything before it
//
// Recovery: replays up to the last valid record. A partial last record (torn
// write) is dropped silently and its size reported. Anything else that is wrong
// (bad magic, header, CRC, type or payload; a sequence that goes backwards or
// skips; a timestamp later than now + tolerance) stops the replay with a named
// error giving the byte offset and the sequence number; every record before it is
// kept. An empty store is a fresh journal.
//
// API:
//   recover(bytes, nowMs, toleranceMs): Recovery          (pure)
//   new Journal(store, compactAtBytes)
//   .open(nowMs, toleranceMs): Recovery   reads the store, truncates a torn tail
//   .append(type, payload, tMs): seq, or -1 with .lastError set
//   .compact(snapshot, tMs): seq of the snapshot, or -1 — atomically rewrites the
//        store as [snapshot, the still-open intent if any]
//   .shouldCompact(): more than compactAtBytes appended since the last snapshot
//   .records(fromSeq): the valid records with seq >= fromSeq
// Bounded size: after each done the caller asks shouldCompact() and, when true,
// calls compact() with its full state; the store then holds at most about
// compactAtBytes + one snapshot + one move.
// A failed append (the store may hold part of it) and a recovery error latch:
// appends return -1 with that code until open() (after a storage failure) or
// compact() (the way out of a corrupt journal, once the caller has raised the
// fault) succeeds.

import type { Store } from "../hal/types.ts";
import { crc32 } from "./crc32.ts";
import { asciiJson } from "../firmware/core/journal-format.ts";

export type RecordType = "intent" | "done" | "snapshot" | "event";

export interface IntentPayload {
  steps: number;
  dir: number;
  /** What the move aims at (e.g. the step count it should end at; integers encode shortest). */
  target: number;
}

export interface DonePayload {
  issued: number;
  fault: string;
}

export interface EventPayload {
  code: string;
  detail: string;
}

export interface Payloads {
  intent: IntentPayload;
  done: DonePayload;
  snapshot: object;
  event: EventPayload;
}

export interface JournalRecord {
  seq: number;
  type: RecordType;
  tMs: number;
  payload: any;
  /** Where the record starts in the store and how many bytes it takes. */
  offset: number;
  size: number;
}

export type JournalErrorCode = "bad-magic" | "bad-header" | "bad-crc" | "bad-type" | "bad-payload" | "seq-backwards" | "seq-gap" | "future-record";

export interface JournalError {
  code: JournalErrorCode;
  offset: number;
  /**
   * The refused record's sequence number: as stored once its CRC checks out;
   * before that, the one expected there (previous + 1, or -1 for a file's first record).
   */
  seq: number;
  message: string;
}

export interface Recovery {
  records: JournalRecord[];
  lastSnapshot: JournalRecord | null;
  /** The last intent with no done after it: a move that may have been cut short. */
  openIntent: JournalRecord | null;
  nextSeq: number;
  /** Length of the valid prefix (where the next record goes). */
  validBytes: number;
  /** Size of a torn tail (a partial last record), dropped. */
  droppedBytes: number;
  error: JournalError | null;
}

export const MAGIC = 0xa7;
export const HEADER_BYTES = 15;
export const OVERHEAD_BYTES = HEADER_BYTES + 4;
export const MAX_PAYLOAD_BYTES = 65535;
const MAX_TIME_MS = 281474976710655; // 2^48 - 1
const TYPES: RecordType[] = ["intent", "done", "snapshot", "event"];
const FIELDS: { [type: string]: string[] } = {
  intent: ["steps", "dir", "target"],
  done: ["issued", "fault"],
  event: ["code", "detail"],
};

function putUint(b: Uint8Array, o: number, n: number, value: number): void {
  for (let i = 0; i < n; i++) {
    b[o + i] = value % 256;
    value = Math.floor(value / 256);
  }
}

function getUint(b: Uint8Array, o: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[o + i];
  return v;
}

/** CRC-8 (polynomial 0x07) of the header: catches any 1- or 2-bit damage to it. */
function crc8(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = (c & 0x80) !== 0 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

function toRow(fields: string[], payload: any): any[] {
  const row: any[] = [];
  for (let i = 0; i < fields.length; i++) row.push(payload[fields[i]]);
  return row;
}

function fromRow(fields: string[], row: any[]): any {
  const out: any = {};
  for (let i = 0; i < fields.length; i++) out[fields[i]] = row[i];
  return out;
}

function payloadJson(type: RecordType, payload: any): string {
  const fields = FIELDS[type];
  return asciiJson(fields === undefined ? payload : toRow(fields, payload));
}

/** The payload object, or null when the bytes are not what this type holds. */
function decodePayload(type: RecordType, b: Uint8Array, start: number, len: number): any {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(b[start + i]);
  let v: any;
  try {
    v = JSON.parse(s);
  } catch (e) {
    return null;
  }
  const fields = FIELDS[type];
  if (fields === undefined) return typeof v === "object" && v !== null ? v : null;
  return Array.isArray(v) && v.length === fields.length ? fromRow(fields, v) : null;
}

function encodeRecord(typeCode: number, seq: number, tMs: number, text: string): Uint8Array {
  const n = text.length;
  const b = new Uint8Array(OVERHEAD_BYTES + n);
  b[0] = MAGIC;
  b[1] = typeCode;
  putUint(b, 2, 2, n);
  putUint(b, 4, 4, seq);
  putUint(b, 8, 6, tMs);
  b[14] = crc8(b, 0, 14);
  for (let i = 0; i < n; i++) b[HEADER_BYTES + i] = text.charCodeAt(i);
  putUint(b, HEADER_BYTES + n, 4, crc32(b, 0, HEADER_BYTES + n));
  return b;
}

/** The journal's own copy of an intent it wrote (the caller may reuse its payload object). */
function intentRecord(seq: number, tMs: number, payload: any, offset: number, size: number): JournalRecord {
  return { seq, type: "intent", tMs, payload: fromRow(FIELDS.intent, toRow(FIELDS.intent, payload)), offset, size };
}

function refuse(r: Recovery, total: number, code: JournalErrorCode, offset: number, seq: number, why: string): void {
  r.error = {
    code,
    offset,
    seq,
    message: "journal " + code + " at byte " + offset + " (record seq " + (seq < 0 ? "?" : seq) + "): " + why + "; " +
      r.records.length + " records before it kept, " + (total - offset) + " bytes from there not replayed",
  };
}

/** Replays a journal image. Timestamps above nowMs + toleranceMs are refused. */
export function recover(bytes: Uint8Array, nowMs: number, toleranceMs: number): Recovery {
  const r: Recovery = { records: [], lastSnapshot: null, openIntent: null, nextSeq: 1, validBytes: 0, droppedBytes: 0, error: null };
  const total = bytes.length;
  let off = 0;
  while (off < total) {
    const rest = total - off;
    const expected = r.records.length > 0 ? r.nextSeq : -1;
    if (bytes[off] !== MAGIC) {
      refuse(r, total, "bad-magic", off, expected, "byte 0x" + bytes[off].toString(16) + " where a record should start");
      break;
    }
    if (rest < HEADER_BYTES) {
      r.droppedBytes = rest;
      break;
    }
    if (crc8(bytes, off, off + 14) !== bytes[off + 14]) {
      refuse(r, total, "bad-header", off, expected, "header check failed");
      break;
    }
    const len = getUint(bytes, off + 2, 2);
    const size = OVERHEAD_BYTES + len;
    if (size > rest) {
      r.droppedBytes = rest;
      break;
    }
    const crc = getUint(bytes, off + HEADER_BYTES + len, 4);
    const actual = crc32(bytes, off, off + HEADER_BYTES + len);
    if (crc !== actual) {
      refuse(r, total, "bad-crc", off, expected, "CRC-32 stored 0x" + crc.toString(16) + ", computed 0x" + actual.toString(16));
      break;
    }
    const seq = getUint(bytes, off + 4, 4);
    const type = TYPES[bytes[off + 1] - 1];
    if (type === undefined) {
      refuse(r, total, "bad-type", off, seq, "unknown record type " + bytes[off + 1]);
      break;
    }
    if (expected >= 0 && seq !== expected) {
      refuse(r, total, seq < expected ? "seq-backwards" : "seq-gap", off, seq, "sequence " + seq + " after " + (expected - 1));
      break;
    }
    const tMs = getUint(bytes, off + 8, 6);
    if (tMs > nowMs + toleranceMs) {
      refuse(r, total, "future-record", off, seq, "timestamp " + tMs + " ms is after now (" + nowMs + " ms) + " + toleranceMs + " ms tolerance");
      break;
    }
    const payload = decodePayload(type, bytes, off + HEADER_BYTES, len);
    if (payload === null) {
      refuse(r, total, "bad-payload", off, seq, "payload is not a valid " + type);
      break;
    }
    const rec: JournalRecord = { seq, type, tMs, payload, offset: off, size };
    r.records.push(rec);
    if (type === "snapshot") r.lastSnapshot = rec;
    if (type === "intent") r.openIntent = rec;
    if (type === "done") r.openIntent = null;
    r.nextSeq = seq + 1;
    off += size;
    r.validBytes = off;
  }
  return r;
}

export class Journal {
  store: Store;
  compactAtBytes: number;
  nextSeq: number;
  /** Bytes in the store (the valid part). */
  sizeBytes: number;
  /** Bytes appended after the last snapshot (drives shouldCompact). */
  sinceSnapshotBytes: number;
  /** The intent waiting for its done (carried over by compaction), or null. */
  openIntent: JournalRecord | null;
  /** Why appends are refused until open() or compact() succeeds; "" when healthy. */
  latched: string;
  /** Why the last call failed; "" after a success. */
  lastError: string;

  constructor(store: Store, compactAtBytes: number) {
    this.store = store;
    this.compactAtBytes = compactAtBytes;
    this.nextSeq = 1;
    this.sizeBytes = 0;
    this.sinceSnapshotBytes = 0;
    this.openIntent = null;
    this.latched = "not-open";
    this.lastError = "";
  }

  /** Reads and replays the store; cuts a torn tail off so new records follow the last valid one. */
  open(nowMs: number, toleranceMs: number): Recovery {
    const bytes = this.store.read();
    const r = recover(bytes, nowMs, toleranceMs);
    this.nextSeq = r.nextSeq;
    this.sizeBytes = r.validBytes;
    this.sinceSnapshotBytes = r.lastSnapshot ? r.validBytes - r.lastSnapshot.offset - r.lastSnapshot.size : r.validBytes;
    this.openIntent = r.openIntent;
    this.latched = "";
    if (r.error) this.latched = r.error.code;
    else if (r.droppedBytes > 0 && !this.store.replace(bytes.subarray(0, r.validBytes))) this.latched = "storage-failure";
    this.lastError = this.latched;
    return r;
  }

  /** Appends one record; returns its sequence number, or -1 (see lastError). */
  append<T extends RecordType>(type: T, payload: Payloads[T], tMs: number): number {
    if (this.latched !== "") return this.fail(this.latched);
    const b = this.encode(type, payload, tMs, this.nextSeq);
    if (b === null) return -1;
    if (!this.store.append(b)) {
      this.latched = "storage-failure";
      return this.fail(this.latched);
    }
    this.sizeBytes += b.length;
    this.sinceSnapshotBytes = type === "snapshot" ? 0 : this.sinceSnapshotBytes + b.length;
    if (type === "intent") this.openIntent = intentRecord(this.nextSeq, Math.round(tMs), payload, this.sizeBytes - b.length, b.length);
    if (type === "done") this.openIntent = null;
    this.lastError = "";
    return this.nextSeq++;
  }

  /**
   * Replaces the whole store, atomically, with a snapshot of the caller's full
   * state followed by the still-open intent (re-sequenced), so a move in flight
   * still pairs with its done. Returns the snapshot's seq, or -1 (the old content
   * stays as it was).
   */
  compact(snapshot: object, tMs: number): number {
    if (this.latched === "not-open") return this.fail(this.latched);
    const seq = this.nextSeq;
    const oi = this.openIntent;
    const snap = this.encode("snapshot", snapshot, tMs, seq);
    const intent = oi ? this.encode("intent", oi.payload, oi.tMs, seq + 1) : new Uint8Array(0);
    if (snap === null || intent === null) return -1;
    const image = new Uint8Array(snap.length + intent.length);
    image.set(snap, 0);
    image.set(intent, snap.length);
    if (!this.store.replace(image)) return this.fail("storage-failure");
    this.nextSeq = oi ? seq + 2 : seq + 1;
    this.sizeBytes = image.length;
    this.sinceSnapshotBytes = intent.length;
    if (oi) this.openIntent = intentRecord(seq + 1, oi.tMs, oi.payload, snap.length, intent.length);
    this.latched = "";
    this.lastError = "";
    return seq;
  }

  shouldCompact(): boolean {
    return this.latched === "" && this.sinceSnapshotBytes >= this.compactAtBytes;
  }

  records(fromSeq: number): JournalRecord[] {
    const all = recover(this.store.read(), Infinity, 0).records;
    const out: JournalRecord[] = [];
    for (let i = 0; i < all.length; i++) if (all[i].seq >= fromSeq) out.push(all[i]);
    return out;
  }

  private encode(type: RecordType, payload: any, tMs: number, seq: number): Uint8Array | null {
    const t = Math.round(tMs);
    if (!(t >= 0 && t <= MAX_TIME_MS)) {
      this.fail("bad-time");
      return null;
    }
    const text = payloadJson(type, payload);
    if (text.length > MAX_PAYLOAD_BYTES) {
      this.fail("too-large");
      return null;
    }
    return encodeRecord(TYPES.indexOf(type) + 1, seq, t, text);
  }

  private fail(code: string): number {
    this.lastError = code;
    return -1;
  }
}
