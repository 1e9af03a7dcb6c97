// The journal's byte layout (format 3), shared by the writer (journal.ts) and the
// reader (journal-recover.ts). Numbers little-endian, times in ms on the
// controller's time base, gap estimates in nm (i32):
//
//   HEAD      4D ver id[8] baseSeq u32                          +tag   22 bytes
//   SNAPSHOT  5A len u16 chk | tMs u48 est i32 json              +tag   22 + json
//   EVENT     63 len u16 chk | tMs u48 json ["code","detail"]    +tag   18 + json
//   MOVE      36 dt u16 issued u8 dEst i16                       +tag   14 bytes
//   MOVE_WIDE 95 tMs u48 issued u32 asked u32 dir fault est i32  +tag   29 bytes
//   INTENT    B8 tMs u48 steps u32 dir est i32                   +tag   24 bytes
//
// `tag` is the first 8 bytes of AES-128-CMAC, under the journal's key (derived from
// the device key and the journal id), of (seq u32, the record without its tag).
// Records carry no sequence number: a record's seq is its place after the head.
// The type bytes are three bits apart from each other and from 0x00, 0xFF and the
// format-2 magic 0xA7, so one or two flipped bits never turn one record kind into
// another; `chk` is a CRC-8 of a variable record's type and length. Platform-free
// and Espruino-safe.

import type { Mac, MacFactory } from "./cmac.ts";

export const FORMAT = 3;
export const OLD_MAGIC = 0xa7;
export const TAG_BYTES = 8;
export const ID_BYTES = 8;

export const HEAD = 0x4d;
export const SNAPSHOT = 0x5a;
export const EVENT = 0x63;
export const MOVE = 0x36;
export const MOVE_WIDE = 0x95;
export const INTENT = 0xb8;

export const HEAD_BYTES = 22;
export const MOVE_BYTES = 14;
export const WIDE_BYTES = 29;
export const INTENT_BYTES = 24;
/** Variable records: type, length u16, check, then `length` body bytes, then the tag. */
export const VAR_HEADER = 4;
/** Body bytes before the text: time (6), and for a snapshot the estimate (4). */
export const EVENT_FIXED = 6;
export const SNAPSHOT_FIXED = 10;
export const MAX_BODY = 65535;
export const MAX_TIME_MS = 281474976710655; // 2^48 - 1
/** The estimate "none yet" (the i32 minimum). */
export const NO_EST = -2147483648;

/** Move faults by their stored index; power-cut* are what recovery writes for a move cut short. */
export const MOVE_FAULTS = ["", "busy", "disabled", "timeout", "driver-fault", "too-large", "link-lost", "power-cut", "power-cut-unmeasured"];

export function putUint(b: Uint8Array, o: number, n: number, value: number): void {
  for (let i = 0; i < n; i++) {
    b[o + i] = value % 256;
    value = Math.floor(value / 256);
  }
}

export function getUint(b: Uint8Array, o: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[o + i];
  return v;
}

export function putInt32(b: Uint8Array, o: number, v: number): void {
  putUint(b, o, 4, v < 0 ? v + 4294967296 : v);
}

export function getInt32(b: Uint8Array, o: number): number {
  const v = getUint(b, o, 4);
  return v >= 2147483648 ? v - 4294967296 : v;
}

export function getInt16(b: Uint8Array, o: number): number {
  const v = b[o] + 256 * b[o + 1];
  return v >= 32768 ? v - 65536 : v;
}

/** An estimate in µm as stored (nm), NO_EST when not a finite i32 of nm. */
export function toNm(estUm: number): number {
  if (!isFinite(estUm)) return NO_EST;
  const v = Math.round(estUm * 1000);
  return v <= NO_EST || v > 2147483647 ? NO_EST : v;
}

export function fromNm(estNm: number): number {
  return estNm === NO_EST ? NaN : estNm / 1000;
}

/** A copy of b[start, end) (typed-array slice() is not on every interpreter). */
export function copyOf(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(b.subarray(start, end));
  return out;
}

/** JSON with every character outside ASCII escaped (\uXXXX), so one character is one byte. */
export function asciiJson(value: unknown): string {
  const s = JSON.stringify(value);
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    out += s.substring(from, i) + "\\u" + ("000" + c.toString(16)).slice(-4);
    from = i + 1;
  }
  return from === 0 ? s : out + s.substring(from);
}

let CRC8: Uint8Array | null = null;

/** CRC-8 (polynomial 0x07) by table: catches every 1- and 2-bit error in a header. */
export function crc8(b: Uint8Array, start: number, end: number): number {
  if (CRC8 === null) {
    CRC8 = new Uint8Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = (c & 0x80) !== 0 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
      CRC8[n] = c;
    }
  }
  let c = 0;
  for (let i = start; i < end; i++) c = CRC8[c ^ b[i]];
  return c;
}

/**
 * The size of the record whose type byte is at b[o]: 0 for an unknown type, -1 when
 * a variable record's header is cut off (fewer than `avail` < 4 bytes), -2 when it
 * fails its check.
 */
export function recordSize(b: Uint8Array, o: number, avail: number): number {
  const t = b[o];
  if (t === MOVE) return MOVE_BYTES;
  if (t === INTENT) return INTENT_BYTES;
  if (t === MOVE_WIDE) return WIDE_BYTES;
  if (t === HEAD) return HEAD_BYTES;
  if (t !== SNAPSHOT && t !== EVENT) return 0;
  if (avail < VAR_HEADER) return -1;
  if (crc8(b, o, o + 3) !== b[o + 3]) return -2;
  return VAR_HEADER + getUint(b, o + 1, 2) + TAG_BYTES;
}

/** The journal's own key, from the device key and the journal id (NIST SP 800-108 counter mode, CMAC as the PRF). */
export function journalKey(mac: MacFactory, deviceKey: Uint8Array, id: Uint8Array): Uint8Array {
  const label = "osteodrive-journal";
  const input = new Uint8Array(1 + label.length + 1 + ID_BYTES + 2);
  input[0] = 1;
  for (let i = 0; i < label.length; i++) input[1 + i] = label.charCodeAt(i);
  input.set(id, 2 + label.length);
  input[input.length - 1] = 128; // output length in bits, big-endian 0x0080
  const out = new Uint8Array(16);
  mac(deviceKey).tag(input, 0, input.length, out, 0, 16);
  return out;
}

/**
 * The tag of rec[o, o+size) as record `seq`: computed over (seq, the record without
 * its tag) in `scratch` (≥ size + 4 bytes), written to out[at, at + TAG_BYTES).
 */
export function tagOf(m: Mac, rec: Uint8Array, o: number, size: number, seq: number, scratch: Uint8Array, out: Uint8Array, at: number): void {
  const body = size - TAG_BYTES;
  putUint(scratch, 0, 4, seq);
  for (let i = 0; i < body; i++) scratch[4 + i] = rec[o + i];
  m.tag(scratch, 0, 4 + body, out, at, TAG_BYTES);
}

/** A head record for journal `id` whose first seq is `baseSeq`. */
export function headRecord(m: Mac, id: Uint8Array, baseSeq: number): Uint8Array {
  const b = new Uint8Array(HEAD_BYTES);
  b[0] = HEAD;
  b[1] = FORMAT;
  b.set(id, 2);
  putUint(b, 10, 4, baseSeq);
  tagOf(m, b, 0, HEAD_BYTES, baseSeq, new Uint8Array(HEAD_BYTES + 4), b, HEAD_BYTES - TAG_BYTES);
  return b;
}

/** Writes an intent's fields (type, time, steps, dir, estimate) at b[o]; the tag is the caller's. */
export function putIntent(b: Uint8Array, o: number, tMs: number, steps: number, dir: number, estNm: number): void {
  b[o] = INTENT;
  putUint(b, o + 1, 6, tMs);
  putUint(b, o + 7, 4, steps);
  b[o + 11] = dir === 1 ? 1 : 255;
  putInt32(b, o + 12, estNm);
}

/** A snapshot or event record (tagged as record `seq`), or null when its text is too long. */
export function varRecord(m: Mac, type: number, seq: number, tMs: number, text: string, estNm: number): Uint8Array | null {
  const fixed = type === SNAPSHOT ? SNAPSHOT_FIXED : EVENT_FIXED;
  const len = fixed + text.length;
  if (len > MAX_BODY) return null;
  const size = VAR_HEADER + len + TAG_BYTES;
  const rec = new Uint8Array(size);
  rec[0] = type;
  putUint(rec, 1, 2, len);
  rec[3] = crc8(rec, 0, 3);
  putUint(rec, VAR_HEADER, 6, tMs);
  if (type === SNAPSHOT) putInt32(rec, VAR_HEADER + EVENT_FIXED, estNm);
  for (let i = 0; i < text.length; i++) rec[VAR_HEADER + fixed + i] = text.charCodeAt(i);
  tagOf(m, rec, 0, size, seq, new Uint8Array(size + 4), rec, size - TAG_BYTES);
  return rec;
}
