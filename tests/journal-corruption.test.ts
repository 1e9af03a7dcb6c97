// Recovery from damaged journals: a torn tail at every byte, a bit flip at every
// bit, truncated and spliced records, a wrong CRC, records from the future, a
// sequence going backwards or skipping, empty and garbage files. The rule: every
// record before the damage is kept; damage in the tail is dropped, anywhere else
// it is reported by name with its offset and sequence number.

import test from "ava";
import type { ExecutionContext } from "ava";
import { Journal, MAGIC, recover } from "../firmware/core/journal.ts";
import type { JournalErrorCode, JournalRecord, Recovery } from "../firmware/core/journal.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";

/** A small journal of every record type, times 0, 1000, 2000, ... */
function smallJournal(): { bytes: Uint8Array; records: JournalRecord[] } {
  const store = new PowerCutStore();
  const j = new Journal(store, 1 << 20);
  j.open(Infinity, 0);
  j.append("event", { code: "phase", detail: "distraction" }, 0);
  j.append("intent", { steps: 2, dir: 1, target: 2 }, 1000);
  j.append("done", { issued: 2, fault: "" }, 2000);
  j.append("snapshot", { stepCount: 2 }, 3000);
  j.append("intent", { steps: 3, dir: 1, target: 5 }, 4000);
  j.append("done", { issued: 3, fault: "" }, 5000);
  const bytes = store.read();
  return { bytes, records: recover(bytes, Infinity, 0).records };
}

const J = smallJournal();
const seqs = (r: Recovery) => r.records.map((x) => x.seq);
const upTo = (n: number) => J.records.slice(0, n).map((x) => x.seq);
const recordBytes = (rec: JournalRecord) => J.bytes.subarray(rec.offset, rec.offset + rec.size);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Asserts recovery stopped at record `index` with `code` (any code when null), keeping all
 * before it. The reported seq is the one expected there unless `seq` says otherwise.
 */
function stoppedAt(t: ExecutionContext, r: Recovery, index: number, code: JournalErrorCode | null, label: string, seq = index > 0 ? J.records[index].seq : -1): void {
  const rec = J.records[index];
  t.truthy(r.error, label + ": no error reported");
  if (!r.error) return;
  if (code !== null) t.is(r.error.code, code, label);
  t.is(r.error.offset, rec.offset, label);
  t.is(r.error.seq, seq, label);
  t.true(r.error.message.includes("at byte " + rec.offset), label + ": " + r.error.message);
  t.deepEqual(seqs(r), upTo(index), label);
  t.is(r.validBytes, rec.offset, label);
}

test("the test journal is what it claims", (t) => {
  t.deepEqual(J.records.map((x) => x.type), ["event", "intent", "done", "snapshot", "intent", "done"]);
  t.deepEqual(upTo(6), [1, 2, 3, 4, 5, 6]);
});

test("a torn tail at every byte of the last record is dropped, all previous records kept", (t) => {
  const last = J.records[J.records.length - 1];
  for (let k = 0; k < last.size; k++) {
    const r = recover(J.bytes.subarray(0, last.offset + k), Infinity, 0);
    t.is(r.error, null, "cut after " + k + " bytes");
    t.is(r.droppedBytes, k);
    t.deepEqual(seqs(r), upTo(J.records.length - 1));
    t.is(r.openIntent?.seq, 5, "the cut-off done leaves its intent open");
  }
});

test("a power cut at every byte of an append: reopen drops the torn part and the sequence continues", (t) => {
  const prefix = J.bytes.subarray(0, J.records[5].offset);
  for (let k = 0; k < J.records[5].size; k++) {
    const store = new PowerCutStore(prefix);
    const j = new Journal(store, 1 << 20);
    j.open(Infinity, 0);
    store.cutAtByte(prefix.length + k);
    t.is(j.append("done", { issued: 3, fault: "" }, 5000), -1);
    t.false(store.powered);
    store.powerOn();
    const again = new Journal(store, 1 << 20);
    t.is(again.open(Infinity, 0).droppedBytes, k);
    t.is(store.length, prefix.length, "torn tail cut off the store");
    t.is(again.append("done", { issued: 3, fault: "power-cut" }, 9000), 6);
    const r = recover(store.read(), Infinity, 0);
    t.is(r.error, null);
    t.deepEqual(seqs(r), upTo(6));
  }
});

test("a bit flip anywhere in a journal is detected at the damaged record, everything before it kept", (t) => {
  for (let i = 0; i < J.bytes.length; i++) {
    const index = J.records.findIndex((x) => i < x.offset + x.size);
    for (let bit = 0; bit < 8; bit++) {
      const store = new PowerCutStore(J.bytes);
      store.flipBit(i, bit);
      stoppedAt(t, recover(store.read(), Infinity, 0), index, null, "byte " + i + " bit " + bit);
    }
  }
});

test("a bit flip in a torn tail is either dropped with it or reported there", (t) => {
  const last = J.records[5];
  const torn = J.bytes.subarray(0, last.offset + 20);
  for (let i = last.offset; i < torn.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const store = new PowerCutStore(torn);
      store.flipBit(i, bit);
      const r = recover(store.read(), Infinity, 0);
      if (r.error) stoppedAt(t, r, 5, null, "byte " + i + " bit " + bit);
      else t.is(r.droppedBytes, 20);
      t.deepEqual(seqs(r), upTo(5));
    }
  }
});

test("a record truncated in the middle of the journal is reported there, by every length", (t) => {
  const mid = J.records[2];
  for (let k = 0; k < mid.size; k++) {
    const bytes = concat([J.bytes.subarray(0, mid.offset + k), J.bytes.subarray(mid.offset + mid.size)]);
    if (k === 0) stoppedAt(t, recover(bytes, Infinity, 0), 2, "seq-gap", "record left out", 4);
    else stoppedAt(t, recover(bytes, Infinity, 0), 2, null, "kept " + k + " bytes");
  }
});

test("a wrong CRC names the offset and the sequence number", (t) => {
  const store = new PowerCutStore(J.bytes);
  const rec = J.records[3];
  store.flipBit(rec.offset + rec.size - 1, 7);
  const r = recover(store.read(), Infinity, 0);
  stoppedAt(t, r, 3, "bad-crc", "crc");
  t.regex(r.error?.message ?? "", /^journal bad-crc at byte \d+ \(record seq 4\): CRC-32 stored 0x[0-9a-f]+, computed 0x[0-9a-f]+; 3 records before it kept, \d+ bytes from there not replayed$/);
});

test("a record from the future is refused; within the tolerance it is kept", (t) => {
  stoppedAt(t, recover(J.bytes, 3500, 1000), 5, "future-record", "now 3500 + 1 s");
  t.is(recover(J.bytes, 4500, 500).error, null);
  const j = new Journal(new PowerCutStore(J.bytes), 1 << 20);
  t.is(j.open(2000, 0).error?.code, "future-record");
  t.is(j.append("event", { code: "x", detail: "" }, 2000), -1);
  t.is(j.lastError, "future-record");
});

test("a sequence going backwards or skipping is refused", (t) => {
  const spliced = (rec: JournalRecord) => recover(concat([J.bytes.subarray(0, J.records[4].offset), recordBytes(rec)]), Infinity, 0);
  let r = spliced(J.records[1]);
  t.is(r.error?.code, "seq-backwards");
  t.is(r.error?.seq, 2);
  t.is(r.error?.offset, J.records[4].offset);
  t.deepEqual(seqs(r), upTo(4));
  r = spliced(J.records[3]);
  t.is(r.error?.code, "seq-backwards", "a repeated sequence number goes backwards too");
  r = spliced(J.records[5]);
  t.is(r.error?.code, "seq-gap");
  t.is(r.error?.seq, 6);
  t.deepEqual(seqs(r), upTo(4));
});

test("a journal may start at any sequence (after compaction)", (t) => {
  const r = recover(J.bytes.subarray(J.records[3].offset), Infinity, 0);
  t.is(r.error, null);
  t.deepEqual(seqs(r), [4, 5, 6]);
  t.is(r.lastSnapshot?.seq, 4);
});

test("garbage files are refused at byte 0", (t) => {
  let seed = 12345;
  const noise = new Uint8Array(300).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  noise[0] = MAGIC;
  const files = [new TextEncoder().encode("hello, journal\n"), new Uint8Array(64), new Uint8Array(64).fill(0xff), noise];
  for (const f of files) {
    const r = recover(f, Infinity, 0);
    t.is(r.records.length, 0);
    t.is(r.error?.offset, 0);
    t.is(r.error?.seq, -1);
    t.true(r.error?.code === "bad-magic" || r.error?.code === "bad-header", r.error?.message);
  }
  t.is(recover(Uint8Array.of(MAGIC, 1, 2), Infinity, 0).droppedBytes, 3, "a fragment shorter than a header is a torn tail");
});

test("garbage after valid records is reported after them", (t) => {
  const r = recover(concat([J.bytes, new TextEncoder().encode("some stray text that is not a record")]), Infinity, 0);
  t.is(r.error?.code, "bad-magic");
  t.is(r.error?.offset, J.bytes.length);
  t.is(r.error?.seq, 7);
  t.deepEqual(seqs(r), upTo(6));
});
