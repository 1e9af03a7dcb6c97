// Recovery from damaged and forged journals, at the codec (format 3): a torn tail
// at every byte, a bit flip at every bit, a cut at every byte, records left out,
// repeated, swapped or copied from another journal, records and whole journals
// forged without the key, a format-2 journal, garbage. The rule: every record
// before the damage is kept; only a torn last write (beyond what the store
// committed) is dropped; anything else is named, with its offset and seq.

import test from "ava";
import type { ExecutionContext } from "ava";
import { Journal } from "../firmware/core/journal.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { recordSize } from "../firmware/core/journal-format.ts";
import type { JournalErrorCode, Recovery } from "../firmware/core/journal-recover.ts";
import { Journal as JournalV2 } from "../bench/journal-v2.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { JOURNAL_ID, KEY, OTHER_KEY, ok, read } from "./journal-fixtures.ts";

/** A small journal of every record kind: the bytes and where each record starts. */
function smallJournal(key = KEY, id = JOURNAL_ID): { bytes: Uint8Array; starts: number[] } {
  const store = new PowerCutStore();
  const j = new Journal(store, 1 << 20, cmacAes128, key);
  j.create(id, 1, { stepCount: 0, phase: "distraction" }, 0, 100);
  ok(j.event("phase", "distraction", 1000), j);
  ok(j.intent(4250, 1, 100, 2000), j);
  ok(j.move(4250, 4250, 1, "", 100, 4200), j);
  ok(j.move(2, 2, 1, "", 350.4, 14200), j);
  ok(j.move(2, 2, 1, "", 350.5, 24200), j);
  ok(j.event("warning:force-soft-limit", "41.3 N", 24300), j);
  const bytes = store.read();
  const starts = [0];
  let off = 0;
  while (off < bytes.length) {
    off += recordSize(bytes, off, bytes.length - off);
    if (off < bytes.length) starts.push(off);
  }
  return { bytes, starts };
}

const J = smallJournal();
const N = J.starts.length; // head, snapshot, event, intent, move, move, move, event
const sizeOf = (i: number) => (i + 1 < N ? J.starts[i + 1] : J.bytes.length) - J.starts[i];
const recordAt = (i: number) => J.bytes.subarray(J.starts[i], J.starts[i] + sizeOf(i));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Asserts recovery stopped at record `index` (its offset, the seq it would have had) with one of `codes`, keeping every record before it. */
function stoppedAt(t: ExecutionContext, r: Recovery, index: number, codes: JournalErrorCode[], label: string): void {
  t.truthy(r.error, label + ": no error reported");
  if (!r.error) return;
  t.true(codes.includes(r.error.code), label + ": " + r.error.code + " — " + r.error.message);
  t.is(r.error.offset, J.starts[index], label);
  t.is(r.error.seq, index === 0 ? -1 : index + 1, label);
  t.true(r.error.message.includes("at byte " + J.starts[index]), label + ": " + r.error.message);
  t.is(r.records, index, label + ": records kept");
  t.is(r.validBytes, index === 0 ? 0 : J.starts[index], label);
}

test("the test journal is what it claims", (t) => {
  const { r, recs } = read(J.bytes);
  t.is(r.error, null);
  t.is(N, 8);
  t.deepEqual(recs.map((x) => x.type), ["snapshot", "event", "intent", "move", "move", "move", "event"]);
  t.deepEqual(recs.map((x) => x.seq), [2, 3, 4, 5, 6, 7, 8]);
});

test("a torn tail at every byte of the last record is dropped (beyond what was committed), every earlier record kept", (t) => {
  const last = N - 1;
  for (let k = 1; k < sizeOf(last); k++) {
    const bytes = J.bytes.subarray(0, J.starts[last] + k);
    const { r } = read(bytes, J.starts[last]);
    t.is(r.error, null, "cut after " + k + " bytes");
    t.is(r.droppedBytes, k);
    t.deepEqual(Array.from(r.dropped!), Array.from(bytes.subarray(J.starts[last])), "the torn bytes are reported as they were");
    t.is(r.records, last);
  }
});

test("the same partial record inside what the store committed is damage (bad-tail), never a torn tail", (t) => {
  const last = N - 1;
  for (let k = 1; k < sizeOf(last); k++) stoppedAt(t, read(J.bytes.subarray(0, J.starts[last] + k)).r, last, ["bad-tail"], "partial " + k);
  stoppedAt(t, read(J.bytes.subarray(0, J.starts[1] + 5), J.starts[1]).r, 1, ["bad-tail"], "a partial snapshot is never torn");
});

test("a store cut anywhere short of what it committed is named truncated, whatever the cut looks like", (t) => {
  for (let cut = 0; cut < J.bytes.length; cut++) {
    const { r } = read(J.bytes.subarray(0, cut), J.bytes.length);
    t.is(r.error?.code, "truncated", "cut at " + cut);
    t.true(r.error!.message.includes("committed " + J.bytes.length + " bytes and holds " + cut), r.error!.message);
    t.true(r.records <= N);
  }
});

test("a bit flip anywhere is detected at the damaged record, everything before it kept", (t) => {
  for (let i = 0; i < J.bytes.length; i++) {
    let index = 0;
    while (index + 1 < N && J.starts[index + 1] <= i) index++;
    for (let bit = 0; bit < 8; bit++) {
      const b = J.bytes.slice();
      b[i] ^= 1 << bit;
      stoppedAt(t, read(b).r, index, index === 0 ? ["bad-head", "bad-tag"] : ["bad-tag", "bad-type", "bad-header"], "byte " + i + " bit " + bit);
    }
  }
});

test("records left out, repeated or swapped are named where they break the sequence", (t) => {
  const without = (i: number) => concat([J.bytes.subarray(0, J.starts[i]), J.bytes.subarray(J.starts[i] + sizeOf(i))]);
  for (let i = 2; i < N - 1; i++) {
    const r = read(without(i)).r;
    t.is(r.error?.code, "seq-gap", "record " + i + " left out");
    t.is(r.error?.offset, J.starts[i]);
    t.true(r.error!.message.includes("1 record(s) before it are missing"), r.error!.message);
    t.is(r.records, i);
  }
  const dup = read(concat([J.bytes.subarray(0, J.starts[5]), recordAt(4), J.bytes.subarray(J.starts[5])])).r;
  t.is(dup.error?.code, "seq-repeat");
  t.is(dup.error?.offset, J.starts[5]);
  const swapped = read(concat([J.bytes.subarray(0, J.starts[4]), recordAt(5), recordAt(4), J.bytes.subarray(J.starts[6])])).r;
  t.is(swapped.error?.code, "seq-gap");
  t.is(swapped.error?.offset, J.starts[4]);
  const leftOutLast = read(J.bytes.subarray(0, J.starts[N - 1])).r;
  t.is(leftOutLast.error, null, "a journal that simply ends earlier is valid by itself: the store's committed count is what tells (previous test)");
});

test("forged records are never accepted: another key, another journal, a copy from an earlier image", (t) => {
  const forged = smallJournal(OTHER_KEY);
  const whole = read(forged.bytes).r;
  t.is(whole.error?.code, "bad-tag", "a whole journal written with another key");
  t.is(whole.records, 0);
  for (let i = 2; i < N; i++) {
    const spliced = concat([J.bytes.subarray(0, J.starts[i]), forged.bytes.subarray(forged.starts[i], forged.starts[i] + sizeOf(i)), J.bytes.subarray(J.starts[i] + sizeOf(i))]);
    stoppedAt(t, read(spliced).r, i, ["bad-tag"], "record " + i + " forged with another key");
  }
  const other = smallJournal(KEY, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
  for (let i = 2; i < N; i++) {
    const spliced = concat([J.bytes.subarray(0, J.starts[i]), other.bytes.subarray(other.starts[i], other.starts[i] + sizeOf(i)), J.bytes.subarray(J.starts[i] + sizeOf(i))]);
    stoppedAt(t, read(spliced).r, i, ["bad-tag"], "record " + i + " from another journal of this device");
  }
  // after a compaction the sequence goes on: records of the image before it do not fit
  const store = new PowerCutStore(J.bytes);
  const j = new Journal(store, 1 << 20, cmacAes128, KEY);
  j.open({ snapshot() {}, intent() {}, move() {}, event() {} });
  j.compact({ stepCount: 4252 }, 30000);
  const replayed = read(concat([store.read(), recordAt(4), recordAt(5)])).r;
  t.truthy(replayed.error);
  t.true(["bad-tag", "seq-repeat"].includes(replayed.error!.code), replayed.error!.message);
});

test("a format-2 journal is refused as old-format, never misread", (t) => {
  const store = new PowerCutStore();
  const old = new JournalV2(store, 1 << 20);
  old.open(Infinity, 0);
  old.append("snapshot", { v: 2, stepCount: 5 }, 0);
  old.append("intent", { steps: 2, dir: 1, target: 2 }, 1000);
  old.append("done", { issued: 2, fault: "" }, 1300);
  const { r, recs } = read(store.read());
  t.is(r.format, "old");
  t.is(r.error?.code, "old-format");
  t.is(r.error?.offset, 0);
  t.deepEqual(recs, []);
});

test("garbage is refused at byte 0", (t) => {
  let seed = 12345;
  const noise = new Uint8Array(300).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (const f of [new TextEncoder().encode("hello, journal\n"), new Uint8Array(64), new Uint8Array(64).fill(0xff), noise, Uint8Array.of(0x4d, 3)]) {
    const { r, recs } = read(f);
    t.is(r.error?.offset, 0);
    t.true(r.error?.code === "bad-head" || r.error?.code === "bad-tag", r.error?.message);
    t.deepEqual(recs, []);
  }
});

test("garbage after valid records is reported after them", (t) => {
  const r = read(concat([J.bytes, new TextEncoder().encode("some stray text that is not a record")])).r;
  t.true(r.error?.code === "bad-type" || r.error?.code === "bad-tag", r.error?.message);
  t.is(r.error?.offset, J.bytes.length);
  t.is(r.error?.seq, N + 1);
  t.is(r.records, N);
});
