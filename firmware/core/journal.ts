// The journal writer (format 3: journal-format.ts; reading back: journal-recover.ts):
// authenticated append-only records on a HAL Store. A completed move is one
// 14-byte record, encoded into one reused buffer (no allocation per move; the
// store copies what it is given); a move whose cut could matter is preceded by an
// intent. Compaction replaces the store with a head and a snapshot of the
// caller's state (the caller keeps that state in memory: nothing is re-read).
// Times never go backwards in the journal: a record stamped before the last one
// is stored at the last one's time (the controller, not the codec, judges the clock).
// A failed write (the store may hold part of it) latches storage-failure until
// the next compaction writes the whole state again; a refused recovery latches its
// code until create() starts a new journal. Platform-free and Espruino-safe.

import type { Store } from "../../hal/types.ts";
import type { Mac, MacFactory } from "./cmac.ts";
import { toHex } from "./console/bytes.ts";
import {
  EVENT, HEAD_BYTES, asciiJson, ID_BYTES, INTENT_BYTES, MAX_TIME_MS, MOVE, MOVE_BYTES, MOVE_FAULTS, MOVE_WIDE, NO_EST, SNAPSHOT, TAG_BYTES, WIDE_BYTES,
  copyOf, fromNm, headRecord, journalKey, putInt32, putIntent, putUint, tagOf, toNm, varRecord,
} from "./journal-format.ts";
import type { OpenIntent, RecordSink, Recovery } from "./journal-recover.ts";
import { recover } from "./journal-recover.ts";

/** What the controller and the boot need of a journal writer (the bench's format-2 baseline is another). */
export interface JournalWriter {
  /** Why writes are refused ("" when healthy); see Journal.latched. */
  latched: string;
  lastError: string;
  nextSeq: number;
  lastTMs: number;
  sizeBytes: number;
  deviceKey: Uint8Array;
  idHex(): string;
  open(sink: RecordSink): Recovery;
  cutTornTail(r: Recovery): boolean;
  create(id: Uint8Array, baseSeq: number, snapshot: object, tMs: number, estUm: number): boolean;
  intent(steps: number, dir: number, estUm: number, tMs: number): number;
  move(issued: number, requested: number, dir: number, fault: string, estUm: number, tMs: number): number;
  event(code: string, detail: string, tMs: number): number;
  compact(snapshot: object, tMs: number): number;
  shouldCompact(): boolean;
}

export class Journal implements JournalWriter {
  store: Store;
  compactAtBytes: number;
  mac: MacFactory;
  deviceKey: Uint8Array;
  /** This journal's id (meaningful once open() or create() succeeded) and the MAC under its key. */
  id: Uint8Array;
  private tagger: Mac | null;
  nextSeq: number;
  /** Bytes in the store (the valid part), and appended since the last snapshot. */
  sizeBytes: number;
  sinceSnapshotBytes: number;
  /** The intent waiting for its move (carried over by compaction), or null. */
  openIntent: OpenIntent | null;
  /**
   * Why writes are refused; "" when healthy. "storage-failure" (a write failed)
   * clears with the next compaction; anything else (what recovery or the boot
   * checks refused) only with create().
   */
  latched: string;
  /** Why the last call failed; "" after a success. */
  lastError: string;
  /** Time of the last record (ms). */
  lastTMs: number;
  private lastEstNm: number;
  /** seq (4 bytes) then the fixed record being written, and views of the record for each fixed size. */
  private buf: Uint8Array;
  private views: { [size: number]: Uint8Array };

  constructor(store: Store, compactAtBytes: number, mac: MacFactory, deviceKey: Uint8Array) {
    this.store = store;
    this.compactAtBytes = compactAtBytes;
    this.mac = mac;
    this.deviceKey = deviceKey;
    this.id = new Uint8Array(ID_BYTES);
    this.tagger = null;
    this.nextSeq = 1;
    this.sizeBytes = 0;
    this.sinceSnapshotBytes = 0;
    this.openIntent = null;
    this.latched = "not-open";
    this.lastError = "";
    this.lastTMs = 0;
    this.lastEstNm = NO_EST;
    this.buf = new Uint8Array(4 + WIDE_BYTES);
    this.views = {};
    this.views[MOVE_BYTES] = this.buf.subarray(4, 4 + MOVE_BYTES);
    this.views[INTENT_BYTES] = this.buf.subarray(4, 4 + INTENT_BYTES);
    this.views[WIDE_BYTES] = this.buf.subarray(4, 4 + WIDE_BYTES);
  }

  /** The journal id as hex ("" before open/create succeeded). */
  idHex(): string {
    return this.tagger ? toHex(this.id) : "";
  }

  /**
   * Reads the store and replays it into `sink`, writing nothing. An empty store
   * latches "no-journal" and any damage its code: nothing is written until
   * create(). A torn tail is left for cutTornTail(), once the caller's own checks
   * have passed.
   */
  open(sink: RecordSink): Recovery {
    const bytes = this.store.read();
    const r = recover(bytes, this.store.committedBytes(), this.mac, this.deviceKey, sink);
    this.latched = r.error ? r.error.code : r.format === "empty" ? "no-journal" : "";
    this.lastError = this.latched;
    if (this.latched !== "") return r;
    this.id = copyOf(bytes, 2, 2 + ID_BYTES);
    this.tagger = this.mac(journalKey(this.mac, this.deviceKey, this.id));
    this.nextSeq = r.nextSeq;
    this.sizeBytes = r.validBytes;
    this.sinceSnapshotBytes = r.validBytes - r.snapshotEnd;
    this.lastTMs = r.lastTMs;
    this.lastEstNm = r.estBaseNm;
    this.openIntent = r.openIntent;
    return r;
  }

  /**
   * Cuts a torn tail (what a power cut left of the write it interrupted) off the
   * store, so new records follow the last valid one: the authenticated records are
   * written back as they were. False when the store refused (latched).
   */
  cutTornTail(r: Recovery): boolean {
    if (r.droppedBytes === 0) return true;
    const bytes = this.store.read();
    if (bytes.length !== r.validBytes + r.droppedBytes || !this.store.replace(bytes.subarray(0, r.validBytes))) return this.latch("storage-failure") > 0;
    return true;
  }

  /**
   * Starts a journal (provisioning, or a clinician's new journal after damage):
   * replaces the store with a head (journal `id`, first seq `baseSeq`) and a
   * snapshot. False when refused (the old content stays).
   */
  create(id: Uint8Array, baseSeq: number, snapshot: object, tMs: number, estUm: number): boolean {
    if (!timeOk(tMs)) return this.fail("bad-time") > 0;
    const tagger = this.mac(journalKey(this.mac, this.deviceKey, id));
    const t = Math.round(tMs);
    const image = this.image(tagger, id, baseSeq, snapshot, t, toNm(estUm), null);
    if (image === null) return false;
    if (!this.store.replace(image)) return this.fail("storage-failure") > 0;
    this.id = copyOf(id, 0, ID_BYTES);
    this.tagger = tagger;
    this.nextSeq = baseSeq + 2;
    this.sizeBytes = image.length;
    this.sinceSnapshotBytes = 0;
    this.openIntent = null;
    this.lastTMs = t;
    this.lastEstNm = toNm(estUm);
    this.latched = "";
    this.lastError = "";
    return true;
  }

  /** A move about to start (only where a cut inside it could matter): its seq, or -1. */
  intent(steps: number, dir: number, estUm: number, tMs: number): number {
    if (this.refused(tMs) || !this.moveOk(steps, dir)) return -1;
    const t = this.clamp(tMs);
    const e = toNm(estUm);
    putIntent(this.buf, 4, t, steps, dir, e);
    const seq = this.commit(INTENT_BYTES, t, e);
    if (seq > 0) this.openIntent = { seq, tMs: t, steps, dir, estUm: fromNm(e) };
    return seq;
  }

  /** A move that ended: `issued` of `requested` steps in `dir`, its fault ("" = completed) and the estimate when it was asked for. Its seq, or -1. */
  move(issued: number, requested: number, dir: number, fault: string, estUm: number, tMs: number): number {
    if (this.refused(tMs) || !this.moveOk(issued, dir) || !this.moveOk(requested, dir)) return -1;
    const f = fault === "" ? 0 : MOVE_FAULTS.indexOf(fault);
    if (f < 0) return this.fail("bad-payload");
    const t = this.clamp(tMs);
    const e = toNm(estUm);
    const dt = t - this.lastTMs;
    const d = e - this.lastEstNm;
    const b = this.buf;
    let size = WIDE_BYTES;
    if (f === 0 && dir === 1 && issued === requested && issued < 256 && dt < 65536 && this.lastEstNm !== NO_EST && e !== NO_EST && d >= -32768 && d < 32768) {
      size = MOVE_BYTES;
      b[4] = MOVE;
      b[5] = dt & 255;
      b[6] = dt >> 8;
      b[7] = issued;
      const u = d < 0 ? d + 65536 : d;
      b[8] = u & 255;
      b[9] = u >> 8;
    } else {
      b[4] = MOVE_WIDE;
      putUint(b, 5, 6, t);
      putUint(b, 11, 4, issued);
      putUint(b, 15, 4, requested);
      b[19] = dir === 1 ? 1 : 255;
      b[20] = f;
      putInt32(b, 21, e);
    }
    const seq = this.commit(size, t, e);
    if (seq > 0) this.openIntent = null;
    return seq;
  }

  /** An audit or phase event: its seq, or -1. */
  event(code: string, detail: string, tMs: number): number {
    if (this.refused(tMs)) return -1;
    const t = this.clamp(tMs);
    const rec = varRecord(this.tagger!, EVENT, this.nextSeq, t, asciiJson([code, detail]), NO_EST);
    if (rec === null) return this.fail("too-large");
    if (!this.store.append(rec)) return this.latch("storage-failure");
    return this.advance(rec.length, t, this.lastEstNm);
  }

  /**
   * Replaces the whole store, atomically, with a head, a snapshot of the caller's
   * full state and the still-open intent (re-numbered), so a move in flight still
   * pairs with its end. The snapshot's seq, or -1 (the old content stays).
   */
  compact(snapshot: object, tMs: number): number {
    // a failed write is no reason to refuse: every record was read or written here, so the snapshot loses nothing
    if (this.latched === "storage-failure") this.latched = "";
    if (this.refused(tMs)) return -1;
    const t = this.clamp(tMs);
    const base = this.nextSeq;
    const oi = this.openIntent;
    const image = this.image(this.tagger!, this.id, base, snapshot, t, this.lastEstNm, oi);
    if (image === null) return -1;
    if (!this.store.replace(image)) return this.latch("storage-failure");
    this.nextSeq = base + (oi ? 3 : 2);
    this.sizeBytes = image.length;
    this.sinceSnapshotBytes = oi ? INTENT_BYTES : 0;
    this.lastTMs = t;
    if (oi) this.openIntent = { seq: base + 2, tMs: t, steps: oi.steps, dir: oi.dir, estUm: oi.estUm };
    return base + 1;
  }

  shouldCompact(): boolean {
    return this.latched === "" && this.sinceSnapshotBytes >= this.compactAtBytes;
  }

  /** head + snapshot (+ the open intent, re-numbered), or null when the snapshot is too large. */
  private image(tagger: Mac, id: Uint8Array, base: number, snapshot: object, t: number, estNm: number, oi: OpenIntent | null): Uint8Array | null {
    const snap = varRecord(tagger, SNAPSHOT, base + 1, t, asciiJson(snapshot), estNm);
    if (snap === null) {
      this.fail("too-large");
      return null;
    }
    const image = new Uint8Array(HEAD_BYTES + snap.length + (oi ? INTENT_BYTES : 0));
    image.set(headRecord(tagger, id, base), 0);
    image.set(snap, HEAD_BYTES);
    if (oi) {
      const at = HEAD_BYTES + snap.length;
      putIntent(image, at, t, oi.steps, oi.dir, toNm(oi.estUm));
      tagOf(tagger, image, at, INTENT_BYTES, base + 2, new Uint8Array(INTENT_BYTES + 4), image, at + INTENT_BYTES - TAG_BYTES);
    }
    return image;
  }

  /** The journal's time for a record stamped tMs: never before the last record. */
  private clamp(tMs: number): number {
    const t = Math.round(tMs);
    return t > this.lastTMs ? t : this.lastTMs;
  }

  /** True (lastError set) when writes are latched off or tMs is no journal time. */
  private refused(tMs: number): boolean {
    if (this.latched !== "") return this.fail(this.latched) < 0;
    if (!timeOk(tMs)) return this.fail("bad-time") < 0;
    return false;
  }

  private moveOk(steps: number, dir: number): boolean {
    if (steps >= 0 && steps <= 4294967295 && Math.floor(steps) === steps && (dir === 1 || dir === -1)) return true;
    this.fail("bad-payload");
    return false;
  }

  /** Tags the fixed record in the buffer as seq nextSeq and appends it: its seq, or -1 (latched). */
  private commit(size: number, t: number, estNm: number): number {
    const b = this.buf;
    const seq = this.nextSeq;
    b[0] = seq & 255;
    b[1] = (seq >>> 8) & 255;
    b[2] = (seq >>> 16) & 255;
    b[3] = (seq >>> 24) & 255;
    this.tagger!.tag(b, 0, 4 + size - TAG_BYTES, b, 4 + size - TAG_BYTES, TAG_BYTES);
    if (!this.store.append(this.views[size])) return this.latch("storage-failure");
    return this.advance(size, t, estNm);
  }

  private advance(size: number, t: number, estNm: number): number {
    this.sizeBytes += size;
    this.sinceSnapshotBytes += size;
    this.lastTMs = t;
    this.lastEstNm = estNm;
    this.lastError = "";
    return this.nextSeq++;
  }

  private latch(code: string): number {
    this.latched = code;
    return this.fail(code);
  }

  private fail(code: string): number {
    this.lastError = code;
    return -1;
  }
}

function timeOk(tMs: number): boolean {
  return tMs >= 0 && tMs <= MAX_TIME_MS;
}
