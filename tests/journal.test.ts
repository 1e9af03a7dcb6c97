// The journal's normal life: round trip, sequence continuity across reopen, open
// intents, storage failure, compaction (and a power cut in its middle), the file
// store, and the figures for a day of continuous 1 mm/day distraction.

import test from "ava";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Journal, OVERHEAD_BYTES, recover } from "../firmware/core/journal.ts";
import type { JournalRecord, Payloads, RecordType } from "../firmware/core/journal.ts";
import { crc32 } from "../firmware/core/crc32.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import { FileStore } from "../hal/node/file-store.ts";
import type { FileOps } from "../hal/node/file-store.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import type { Store } from "../hal/types.ts";

const COMPACT_AT = 64 * 1024;

function opened(store: Store, compactAtBytes = COMPACT_AT): Journal {
  const j = new Journal(store, compactAtBytes);
  j.open(Infinity, 0);
  return j;
}

function append<T extends RecordType>(j: Journal, type: T, payload: Payloads[T], tMs: number): number {
  const seq = j.append(type, payload, tMs);
  if (seq < 0) throw new Error("append " + type + " failed: " + j.lastError);
  return seq;
}

const brief = (rs: JournalRecord[]) => rs.map((r) => [r.seq, r.type, r.tMs, r.payload]);

/** A controller-like state: phase, fused position and a 24 h travel window of minute buckets. */
function snapshotOf(stepCount: number, tMs: number): object {
  const buckets: number[] = [];
  for (let i = 0; i < 1441; i++) buckets.push(11 + (i % 3));
  return {
    phase: { phase: "distraction", sinceMs: 7 * MS_PER_DAY, interrupted: "idle", reachedAtMs: -1, fault: "", reason: "latency over: distraction starts" },
    gov: { stepCount, biasUm: -3.27, biasReady: true, lastPositionAtMs: tMs - 400, allowanceUm: 1.42, lastTargetUm: stepCount * 0.0589, lastMs: tMs },
    window: { bucketMs: 60000, head: Math.floor(tMs / 60000), sum: 16980, buckets },
  };
}

test("crc32 is the IEEE/zlib CRC", (t) => {
  t.is(crc32(new TextEncoder().encode("123456789"), 0, 9), 0xcbf43926);
  t.is(crc32(new Uint8Array(0), 0, 0), 0);
});

test("round trip: every type, its payload and time come back; non-ASCII text survives", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  t.is(append(j, "event", { code: "phase", detail: "latency → distraction, 0.25 µm" }, 0), 1);
  t.is(append(j, "intent", { steps: 3, dir: 1, target: 510003 }, 10000), 2);
  t.is(append(j, "done", { issued: 3, fault: "" }, 10450), 3);
  t.is(append(j, "snapshot", { stepCount: 510003, nested: { a: [1, 2.5, null] } }, 20000), 4);
  t.is(append(j, "intent", { steps: 2, dir: -1, target: 510001 }, 281474976710655), 5);
  const rs = new Journal(store, COMPACT_AT).open(Infinity, 0);
  t.deepEqual(brief(rs.records), [
    [1, "event", 0, { code: "phase", detail: "latency → distraction, 0.25 µm" }],
    [2, "intent", 10000, { steps: 3, dir: 1, target: 510003 }],
    [3, "done", 10450, { issued: 3, fault: "" }],
    [4, "snapshot", 20000, { stepCount: 510003, nested: { a: [1, 2.5, null] } }],
    [5, "intent", 281474976710655, { steps: 2, dir: -1, target: 510001 }],
  ]);
  t.is(rs.lastSnapshot?.seq, 4);
  t.is(rs.error, null);
  t.is(rs.validBytes, store.length);
  t.deepEqual(brief(j.records(3)), brief(rs.records.slice(2)));
});

test("an empty store is a fresh journal starting at seq 1", (t) => {
  const r = recover(new Uint8Array(0), 0, 0);
  t.deepEqual(r, { records: [], lastSnapshot: null, openIntent: null, nextSeq: 1, validBytes: 0, droppedBytes: 0, error: null });
  const j = opened(new PowerCutStore());
  t.is(append(j, "event", { code: "boot", detail: "" }, 5), 1);
});

test("appends before open() are refused", (t) => {
  const j = new Journal(new PowerCutStore(), COMPACT_AT);
  t.is(j.append("event", { code: "boot", detail: "" }, 0), -1);
  t.is(j.lastError, "not-open");
});

test("bad times and oversized payloads are refused without writing", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  t.is(j.append("event", { code: "x", detail: "" }, -1), -1);
  t.is(j.lastError, "bad-time");
  t.is(j.append("event", { code: "x", detail: "" }, NaN), -1);
  t.is(j.append("event", { code: "x", detail: "y".repeat(70000) }, 0), -1);
  t.is(j.lastError, "too-large");
  t.is(store.length, 0);
  t.is(append(j, "event", { code: "x", detail: "" }, 0), 1);
});

test("the sequence continues across reopen, power cut or not", (t) => {
  const store = new PowerCutStore();
  let j = opened(store);
  for (let i = 0; i < 5; i++) append(j, "event", { code: "tick", detail: String(i) }, i * 1000);
  j = opened(store);
  t.is(j.nextSeq, 6);
  t.is(append(j, "event", { code: "tick", detail: "5" }, 5000), 6);
  store.cutAtAppend(2, 7);
  append(j, "event", { code: "tick", detail: "6" }, 6000);
  t.is(j.append("event", { code: "tick", detail: "7" }, 7000), -1);
  t.is(j.lastError, "storage-failure");
  store.powerOn();
  const again = new Journal(store, COMPACT_AT);
  const r = again.open(Infinity, 0);
  t.is(r.droppedBytes, 7);
  t.is(r.records.length, 7);
  t.is(append(again, "event", { code: "tick", detail: "7 again" }, 7000), 8);
  t.deepEqual(recover(store.read(), Infinity, 0).records.map((x) => x.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test("open intent: an intent without done is reported, intent + done is not", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  append(j, "intent", { steps: 2, dir: 1, target: 2 }, 0);
  append(j, "done", { issued: 2, fault: "" }, 300);
  t.is(recover(store.read(), Infinity, 0).openIntent, null);
  append(j, "intent", { steps: 3, dir: 1, target: 5 }, 10000);
  append(j, "event", { code: "force-soft", detail: "41.0 N" }, 10100);
  const r = recover(store.read(), Infinity, 0);
  t.is(r.openIntent?.seq, 3);
  t.deepEqual(r.openIntent?.payload, { steps: 3, dir: 1, target: 5 });
  t.is(opened(store).openIntent?.seq, 3);
  append(j, "done", { issued: 1, fault: "timeout" }, 10600);
  t.is(recover(store.read(), Infinity, 0).openIntent, null);
});

test("a failing store latches storage-failure until reopened", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  append(j, "event", { code: "boot", detail: "" }, 0);
  store.failAppends = true;
  t.is(j.append("intent", { steps: 1, dir: 1, target: 1 }, 10), -1);
  t.is(j.lastError, "storage-failure");
  store.failAppends = false;
  t.is(j.append("event", { code: "x", detail: "" }, 20), -1, "latched: the failed write may have left part of a record");
  t.is(j.lastError, "storage-failure");
  j.open(Infinity, 0);
  t.is(append(j, "event", { code: "storage-back", detail: "" }, 30), 2);
});

test("compaction keeps the snapshot and carries the open intent; the sequence goes on", (t) => {
  const store = new PowerCutStore();
  const j = opened(store, 200);
  append(j, "event", { code: "boot", detail: "" }, 0);
  for (let k = 0; k < 5; k++) {
    append(j, "intent", { steps: 2, dir: 1, target: 2 * k + 2 }, k * 10000);
    append(j, "done", { issued: 2, fault: "" }, k * 10000 + 300);
  }
  t.true(j.shouldCompact());
  append(j, "intent", { steps: 2, dir: 1, target: 12 }, 50000);
  t.is(j.compact({ stepCount: 10 }, 50100), 13);
  t.false(j.shouldCompact());
  let r = recover(store.read(), Infinity, 0);
  t.deepEqual(brief(r.records), [
    [13, "snapshot", 50100, { stepCount: 10 }],
    [14, "intent", 50000, { steps: 2, dir: 1, target: 12 }],
  ]);
  t.is(r.lastSnapshot?.seq, 13);
  t.is(r.openIntent?.seq, 14);
  t.is(append(j, "done", { issued: 2, fault: "" }, 50300), 15);
  r = recover(store.read(), Infinity, 0);
  t.is(r.openIntent, null);
  t.is(r.nextSeq, 16);
  t.is(j.sizeBytes, store.length);
});

test("a power cut in the middle of compaction leaves the old journal valid", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  for (let k = 0; k < 4; k++) append(j, "event", { code: "tick", detail: String(k) }, k);
  const before = store.read();
  store.cutInNextReplace();
  t.is(j.compact({ stepCount: 1 }, 10), -1);
  t.is(j.lastError, "storage-failure");
  t.deepEqual(store.read(), before);
  store.powerOn();
  const j2 = new Journal(store, COMPACT_AT);
  const r = j2.open(Infinity, 0);
  t.is(r.error, null);
  t.deepEqual(r.records.map((x) => x.seq), [1, 2, 3, 4]);
  t.is(j2.compact({ stepCount: 1 }, 10), 5);
  t.is(recover(store.read(), Infinity, 0).lastSnapshot?.seq, 5);
});

test("compaction is the way out of a corrupt journal", (t) => {
  const store = new PowerCutStore();
  const j = opened(store);
  for (let k = 0; k < 3; k++) append(j, "event", { code: "tick", detail: String(k) }, k);
  store.flipBit(store.length - 2, 0);
  const j2 = new Journal(store, COMPACT_AT);
  t.is(j2.open(Infinity, 0).error?.code, "bad-crc");
  t.is(j2.append("event", { code: "x", detail: "" }, 5), -1);
  t.is(j2.lastError, "bad-crc");
  t.false(j2.shouldCompact());
  t.is(j2.compact({ stepCount: 0 }, 5), 3, "the unreadable record's seq is reused: it never counted");
  t.is(append(j2, "event", { code: "journal-reset", detail: "after bad-crc" }, 6), 4);
  t.is(recover(store.read(), Infinity, 0).error, null);
});

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-journal-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("file store: round trip, torn tail cut off on open, and compaction", (t) => {
  const file = join(tempDir(t), "journal.bin");
  t.is(new FileStore(file).read().length, 0);
  const j = opened(new FileStore(file));
  append(j, "intent", { steps: 2, dir: 1, target: 2 }, 0);
  append(j, "done", { issued: 2, fault: "" }, 300);
  fs.appendFileSync(file, Uint8Array.of(0xa7, 3, 9)); // a record torn after 3 bytes
  const j2 = new Journal(new FileStore(file), COMPACT_AT);
  const r = j2.open(Infinity, 0);
  t.is(r.droppedBytes, 3);
  t.is(fs.statSync(file).size, r.validBytes);
  t.is(append(j2, "event", { code: "boot", detail: "" }, 400), 3);
  t.is(j2.compact({ stepCount: 2 }, 500), 4);
  t.deepEqual(brief(recover(fs.readFileSync(file), Infinity, 0).records), [[4, "snapshot", 500, { stepCount: 2 }]]);
  t.false(fs.existsSync(file + ".tmp"));
});

test("file store: a crash between writing the temp file and the rename leaves the old file intact", (t) => {
  const file = join(tempDir(t), "journal.bin");
  const j = opened(new FileStore(file));
  for (let k = 0; k < 3; k++) append(j, "event", { code: "tick", detail: String(k) }, k);
  const before = fs.readFileSync(file);
  const crashing: FileOps = { ...fs, renameSync: () => { throw new Error("power cut before rename"); } };
  const jc = opened(new FileStore(file, crashing));
  t.is(jc.compact({ stepCount: 9 }, 10), -1);
  t.is(jc.lastError, "storage-failure");
  t.true(fs.existsSync(file + ".tmp"), "the half-done replace left its temp file");
  t.deepEqual(fs.readFileSync(file), before);
  const after = new Journal(new FileStore(file), COMPACT_AT);
  t.deepEqual(after.open(Infinity, 0).records.map((x) => x.seq), [1, 2, 3]);
  t.is(after.compact({ stepCount: 9 }, 10), 4);
  t.is(recover(fs.readFileSync(file), Infinity, 0).lastSnapshot?.seq, 4);
});

test("file store: errors come back as false, never as a throw", (t) => {
  const store = new FileStore(join(tempDir(t), "missing-dir", "journal.bin"));
  t.false(store.append(Uint8Array.of(1, 2, 3)));
  t.false(store.replace(Uint8Array.of(1, 2, 3)));
  t.is(store.read().length, 0);
});

test("a day of continuous 1 mm/day: bytes per record, journal size with compaction, recovery time", (t) => {
  const movesPerDay = 8640; // one move every 10 s
  const stepsPerDay = 17000; // ~1 mm/day at 0.059 µm per microstep
  const day0 = 30 * MS_PER_DAY;
  const startSteps = 23 * stepsPerDay;
  const sizes: { [type: string]: number } = {};
  const runDay = (compactAtBytes: number) => {
    const store = new PowerCutStore();
    const j = opened(store, compactAtBytes);
    let steps = startSteps;
    let maxBytes = 0;
    let compactions = 0;
    j.compact(snapshotOf(steps, day0), day0);
    for (let k = 0; k < movesPerDay; k++) {
      const n = Math.floor(((k + 1) * stepsPerDay) / movesPerDay) - Math.floor((k * stepsPerDay) / movesPerDay);
      const tMs = day0 + k * 10000;
      let before = j.sizeBytes;
      append(j, "intent", { steps: n, dir: 1, target: steps + n }, tMs);
      sizes.intent = j.sizeBytes - before;
      before = j.sizeBytes;
      append(j, "done", { issued: n, fault: "" }, tMs + 340);
      sizes.done = j.sizeBytes - before;
      steps += n;
      if (k % 1440 === 0) append(j, "event", { code: "force-soft", detail: "soft limit 40 N: 41.3 N, slowed" }, tMs + 400);
      maxBytes = Math.max(maxBytes, j.sizeBytes);
      if (j.shouldCompact()) {
        if (j.compact(snapshotOf(steps, tMs + 400), tMs + 400) < 0) throw new Error("compact failed: " + j.lastError);
        compactions++;
      }
    }
    const image = store.read();
    const t0 = performance.now();
    const r = recover(image, Infinity, 0);
    const recoverMs = performance.now() - t0;
    // Replay: the snapshot's step count plus every done after it gives the state.
    const snap = r.lastSnapshot as JournalRecord;
    let replayed = snap ? snap.payload.gov.stepCount : startSteps;
    for (const rec of r.records) if (rec.type === "done" && (!snap || rec.seq > snap.seq)) replayed += rec.payload.issued;
    t.is(replayed, steps);
    t.is(r.error, null);
    return { compactAtBytes, records: r.records.length, finalBytes: image.length, maxBytes, compactions, writtenBytes: store.bytesAppended + store.bytesReplaced, recoverMs: +recoverMs.toFixed(1) };
  };
  const none = runDay(Infinity);
  const policies = [16 * 1024, COMPACT_AT].map(runDay);
  sizes.event = OVERHEAD_BYTES + JSON.stringify(["force-soft", "soft limit 40 N: 41.3 N, slowed"]).length;
  sizes.snapshot = OVERHEAD_BYTES + JSON.stringify(snapshotOf(startSteps, day0)).length;
  t.true(sizes.intent < 40 && sizes.done < 30, JSON.stringify(sizes));
  t.is(none.compactions, 0);
  for (const p of policies) t.true(p.maxBytes <= sizes.snapshot + p.compactAtBytes + sizes.intent + sizes.done + sizes.event);
  t.log("bytes per record:", JSON.stringify(sizes), "(framing " + OVERHEAD_BYTES + " bytes)");
  t.log("one simulated day, " + movesPerDay + " moves, no compaction:", JSON.stringify({ ...none, compactAtBytes: "never" }));
  for (const p of policies) t.log("one simulated day, compact at " + p.compactAtBytes + " bytes:", JSON.stringify(p));
});
