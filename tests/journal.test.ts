// The journal's normal life (format 3): the cipher against its standard vectors,
// round trip of every record kind, sizes, sequence continuity across reopen and
// power cuts, open intents, storage failure, compaction (and a power cut in its
// middle), the file store, and the figures for a day of continuous 1 mm/day.

import test from "ava";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Journal } from "../firmware/core/journal.ts";
import { HEAD_BYTES, MOVE_BYTES } from "../firmware/core/journal-format.ts";
import { Cmac, cmacAes128 } from "../firmware/core/cmac.ts";
import { encryptWords, expandKey } from "../firmware/core/aes.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import { FileStore } from "../hal/node/file-store.ts";
import type { FileOps } from "../hal/node/file-store.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { JOURNAL_ID, KEY, created, ok, read } from "./journal-fixtures.ts";

const none = { snapshot() {}, intent() {}, move() {}, event() {} };
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("AES-128 and AES-128-CMAC match FIPS-197 and RFC 4493", (t) => {
  const st = new Int32Array(4);
  const pt = hex("00112233445566778899aabbccddeeff");
  for (let w = 0; w < 4; w++) st[w] = Buffer.from(pt).readInt32BE(4 * w);
  encryptWords(expandKey(hex("000102030405060708090a0b0c0d0e0f")), st);
  t.is(Array.from(st, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(""), "69c4e0d86a7b0430d8cdb78070b4c55a");
  const m = new Cmac(hex("2b7e151628aed2a6abf7158809cf4f3c"));
  const msg = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const out = new Uint8Array(16);
  const want: Array<[number, string]> = [[0, "bb1d6929e95937287fa37d129b756746"], [16, "070a16b46b4d4144f79bdd9dd04a287c"], [40, "dfa66747de9ae63030ca32611497c827"], [64, "51f0bebf7e3b9d92fc49741779363cfe"]];
  for (const [n, tag] of want) {
    m.tag(msg, 0, n, out, 0, 16);
    t.is(toHex(out), tag, n + " bytes");
  }
  t.throws(() => new Cmac(new Uint8Array(15)), { message: /16-byte key/ });
});

test("round trip: every kind with its time, numbers and text; a completed move is 14 bytes", (t) => {
  const store = new PowerCutStore();
  const j = created(store, 1 << 20, { phase: "latency", note: "0.25 µm" }, 100.25);
  t.is(store.length, j.sizeBytes);
  t.is(ok(j.event("phase", "latency → distraction, 0.25 µm", 5000), j), 3);
  const before = store.length;
  t.is(ok(j.move(2, 2, 1, "", 100.367, 15000), j), 4);
  t.is(store.length - before, MOVE_BYTES);
  t.is(ok(j.intent(4250, 1, 100.5, 6 * 3600000), j), 5);
  t.is(ok(j.move(4100, 4250, 1, "timeout", 100.5, 6 * 3600000 + 2200), j), 6);
  t.is(ok(j.move(7, 7, -1, "", -3.125, 281474976710655), j), 7);
  t.is(ok(j.move(0, 3, 1, "disabled", NaN, 281474976710655), j), 8);
  const { r, recs } = read(store.read());
  t.is(r.error, null);
  t.is(r.journalId, toHex(JOURNAL_ID));
  t.deepEqual([r.baseSeq, r.nextSeq, r.records, r.validBytes, r.lastTMs], [1, 9, 8, store.length, 281474976710655]);
  t.deepEqual(recs.map((x) => [x.seq, x.type, x.tMs, x.data]), [
    [2, "snapshot", 0, { phase: "latency", note: "0.25 µm" }],
    [3, "event", 5000, { code: "phase", detail: "latency → distraction, 0.25 µm" }],
    [4, "move", 15000, { issued: 2, requested: 2, dir: 1, fault: "", estUm: 100.367 }],
    [5, "intent", 6 * 3600000, { steps: 4250, dir: 1, estUm: 100.5 }],
    [6, "move", 6 * 3600000 + 2200, { issued: 4100, requested: 4250, dir: 1, fault: "timeout", estUm: 100.5 }],
    [7, "move", 281474976710655, { issued: 7, requested: 7, dir: -1, fault: "", estUm: -3.125 }],
    [8, "move", 281474976710655, { issued: 0, requested: 3, dir: 1, fault: "disabled", estUm: NaN }],
  ]);
});

test("journal time never goes backwards: an earlier stamp is stored at the last record's time", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  ok(j.move(2, 2, 1, "", 100.1, 50000), j);
  ok(j.event("x", "", 20000), j);
  ok(j.move(2, 2, 1, "", 100.2, 40000), j);
  t.deepEqual(read(store.read()).recs.map((x) => x.tMs), [0, 50000, 50000, 50000]);
});

test("an empty store recovers as empty and latches no-journal; nothing is written before create()", (t) => {
  const store = new PowerCutStore();
  const { r } = read(store.read(), 0);
  t.is(r.format, "empty");
  t.is(r.error, null);
  const j = new Journal(store, 1 << 20, cmacAes128, KEY);
  t.is(j.event("x", "", 0), -1);
  t.is(j.lastError, "not-open");
  t.is(j.open(none).format, "empty");
  t.is(j.latched, "no-journal");
  t.is(j.move(1, 1, 1, "", 1, 1), -1);
  t.is(store.length, 0);
});

test("bad times, moves and oversized records are refused without writing", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  const n = store.length;
  for (const tMs of [-1, NaN, Infinity, 2 ** 48]) {
    t.is(j.event("x", "", tMs), -1);
    t.is(j.lastError, "bad-time");
  }
  t.is(j.move(1.5, 2, 1, "", 1, 10), -1);
  t.is(j.lastError, "bad-payload");
  t.is(j.move(1, 1, 0, "", 1, 10), -1);
  t.is(j.move(1, 1, 1, "gremlins", 1, 10), -1);
  t.is(j.lastError, "bad-payload");
  t.is(j.event("x", "y".repeat(70000), 0), -1);
  t.is(j.lastError, "too-large");
  t.is(store.length, n);
  t.is(ok(j.event("x", "", 0), j), 3, "nothing was latched");
});

test("the sequence continues across reopen and across a power cut at every byte of an append", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  for (let i = 0; i < 5; i++) ok(j.move(2, 2, 1, "", 100 + i / 10, i * 10000), j);
  const prefix = store.read();
  const reopened = new Journal(store, 1 << 20, cmacAes128, KEY);
  t.is(reopened.open(none).nextSeq, 8);
  t.is(ok(reopened.move(2, 2, 1, "", 100.6, 60000), reopened), 8);
  const full = store.read();
  for (let k = 0; k < MOVE_BYTES; k++) {
    const s = new PowerCutStore(prefix);
    const w = new Journal(s, 1 << 20, cmacAes128, KEY);
    w.open(none);
    s.cutAtAppend(1, k);
    t.is(w.move(2, 2, 1, "", 100.6, 60000), -1);
    t.is(w.lastError, "storage-failure");
    s.powerOn();
    const again = new Journal(s, 1 << 20, cmacAes128, KEY);
    const r = again.open(none);
    t.is(r.error, null);
    t.is(r.droppedBytes, k);
    t.is(s.length, prefix.length + k, "open() writes nothing");
    t.true(again.cutTornTail(r));
    t.is(s.length, prefix.length, "the torn tail is cut off");
    t.is(ok(again.move(2, 2, 1, "", 100.6, 60000), again), 8);
    t.deepEqual(s.read(), full, "and the record written again is the same bytes");
  }
});

test("an intent without its move is reported open; the move closes it", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  ok(j.intent(4250, 1, 100, 1000), j);
  ok(j.event("force-soft", "41.0 N", 1100), j);
  let { r } = read(store.read());
  t.deepEqual(r.openIntent, { seq: 3, tMs: 1000, steps: 4250, dir: 1, estUm: 100 });
  t.deepEqual(j.openIntent, r.openIntent);
  ok(j.move(4250, 4250, 1, "", 100, 3200), j);
  r = read(store.read()).r;
  t.is(r.openIntent, null);
  t.is(j.openIntent, null);
});

test("a failing store latches storage-failure until a compaction writes the whole state again", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  ok(j.move(2, 2, 1, "", 100, 5), j);
  store.failAppends = true;
  t.is(j.move(2, 2, 1, "", 100.1, 10), -1);
  t.is(j.lastError, "storage-failure");
  store.failAppends = false;
  t.is(j.event("x", "", 20), -1, "latched: the failed write may have left part of a record");
  t.is(j.compact({ x: 1 }, 30), 5, "compaction loses nothing: every record was written here");
  t.is(ok(j.event("storage-back", "", 30), j), 6);
  t.is(read(store.read()).r.error, null);
});

test("a journal refused at recovery stays read-only: only create() starts writing again", (t) => {
  const store = new PowerCutStore();
  created(store);
  store.flipBit(HEAD_BYTES + 3, 0);
  const damaged = store.read();
  const j = new Journal(store, 1 << 20, cmacAes128, KEY);
  t.truthy(j.open(none).error);
  t.is(j.event("x", "", 1), -1);
  t.is(j.compact({ x: 1 }, 1), -1);
  t.is(j.move(1, 1, 1, "", 1, 1), -1);
  t.deepEqual(store.read(), damaged);
  t.true(j.create(Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1), 10, { fresh: true }, 0, 0));
  t.is(ok(j.event("x", "", 1), j), 12);
});

test("compaction keeps head and snapshot, carries the open intent, and the sequence goes on", (t) => {
  const store = new PowerCutStore();
  const j = created(store, 60);
  for (let k = 0; k < 5; k++) ok(j.move(2, 2, 1, "", 100 + k, k * 10000), j);
  t.true(j.shouldCompact());
  ok(j.intent(3000, 1, 106, 50000), j);
  t.is(j.compact({ stepCount: 10 }, 50100), 10, "the head takes seq 9, the snapshot 10");
  t.false(j.shouldCompact());
  let { r, recs } = read(store.read());
  t.deepEqual(recs.map((x) => [x.seq, x.type, x.tMs]), [[10, "snapshot", 50100], [11, "intent", 50100]]);
  t.deepEqual(recs[0].data, { stepCount: 10 });
  t.is(r.openIntent?.seq, 11);
  t.is(ok(j.move(3000, 3000, 1, "", 106, 51600), j), 12);
  ok(j.move(2, 2, 1, "", 106.2, 60000), j);
  ({ r, recs } = read(store.read()));
  t.is(r.error, null);
  t.is(r.openIntent, null);
  t.is(r.nextSeq, 14);
  t.is(j.sizeBytes, store.length);
  t.is(recs[3].data.estUm, 106.2, "short moves after a compaction are relative to the snapshot's estimate");
});

test("a power cut in the middle of compaction leaves the old journal whole", (t) => {
  const store = new PowerCutStore();
  const j = created(store);
  for (let k = 0; k < 4; k++) ok(j.move(2, 2, 1, "", 100 + k, k * 1000), j);
  const before = store.read();
  store.cutInNextReplace();
  t.is(j.compact({ stepCount: 1 }, 10000), -1);
  t.is(j.lastError, "storage-failure");
  t.deepEqual(store.read(), before);
  store.powerOn();
  const j2 = new Journal(store, 1 << 20, cmacAes128, KEY);
  t.is(j2.open(none).nextSeq, 7);
  t.is(j2.compact({ stepCount: 1 }, 10000), 8);
  t.is(read(store.read()).recs[0].seq, 8);
});

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-journal-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("file store: round trip, a torn tail cut off on open, compaction", (t) => {
  const file = join(tempDir(t), "journal.bin");
  t.is(new FileStore(file).read().length, 0);
  const j = created(new FileStore(file));
  ok(j.move(2, 2, 1, "", 100.1, 1000), j);
  fs.appendFileSync(file, Uint8Array.of(0x36, 3, 9)); // a move torn after 3 bytes, beyond what the store committed
  const j2 = new Journal(new FileStore(file), 1 << 20, cmacAes128, KEY);
  const r = j2.open(none);
  t.is(r.error, null);
  t.is(r.droppedBytes, 3);
  t.true(j2.cutTornTail(r));
  t.is(fs.statSync(file).size, r.validBytes);
  t.is(ok(j2.event("boot", "", 400), j2), 4);
  t.is(j2.compact({ stepCount: 2 }, 500), 6);
  t.deepEqual(read(fs.readFileSync(file)).recs.map((x) => [x.seq, x.type]), [[6, "snapshot"]]);
  t.false(fs.existsSync(file + ".tmp"));
});

test("file store: a crash between writing the temp file and the rename leaves the old file intact", (t) => {
  const file = join(tempDir(t), "journal.bin");
  const j = created(new FileStore(file));
  for (let k = 0; k < 3; k++) ok(j.event("tick", String(k), k), j);
  const before = fs.readFileSync(file);
  const crashing: FileOps = { ...fs, renameSync: () => { throw new Error("power cut before rename"); } };
  const jc = new Journal(new FileStore(file, crashing), 1 << 20, cmacAes128, KEY);
  jc.open(none);
  t.is(jc.compact({ stepCount: 9 }, 10), -1);
  t.is(jc.lastError, "storage-failure");
  t.true(fs.existsSync(file + ".tmp"), "the half-done replace left its temp file");
  t.deepEqual(fs.readFileSync(file), before);
  const after = new Journal(new FileStore(file), 1 << 20, cmacAes128, KEY);
  t.is(after.open(none).nextSeq, 6);
  t.is(after.compact({ stepCount: 9 }, 10), 7);
});

test("file store: write errors come back as false, never as a throw", (t) => {
  const store = new FileStore(join(tempDir(t), "missing-dir", "journal.bin"));
  t.false(store.append(Uint8Array.of(1, 2, 3)));
  t.false(store.replace(Uint8Array.of(1, 2, 3)));
});

test("a day of continuous 1 mm/day: bytes per record, journal size with compaction, recovery time", (t) => {
  const movesPerDay = 8640; // one move every 10 s
  const stepsPerDay = 17000; // ~1 mm/day at 0.059 µm per microstep
  const day0 = 30 * MS_PER_DAY;
  const snapshot = { phase: { phase: "distraction", sinceMs: 7 * MS_PER_DAY, interrupted: "idle", reachedAtMs: -1, fault: "", reason: "latency over: distraction starts" }, stepCount: 0, window: { head: 43200, cells: new Array(97).fill(177) }, audit: { events: [], dropped: 0 } };
  const runDay = (compactAtBytes: number) => {
    const store = new PowerCutStore();
    const j = new Journal(store, compactAtBytes, cmacAes128, KEY);
    j.create(JOURNAL_ID, 1, snapshot, day0, 23000);
    let steps = 0;
    let maxBytes = 0;
    let compactions = 0;
    const w0 = performance.now();
    for (let k = 0; k < movesPerDay; k++) {
      const n = Math.floor(((k + 1) * stepsPerDay) / movesPerDay) - Math.floor((k * stepsPerDay) / movesPerDay);
      const tMs = day0 + k * 10000;
      ok(j.move(n, n, 1, "", 23000 + steps * 0.0589 + ((k * 7) % 5) * 0.3, tMs), j);
      steps += n;
      if (k % 1440 === 0) ok(j.event("warning:force-soft-limit", "soft limit 40 N: 41.3 N, slowed", tMs + 400), j);
      maxBytes = Math.max(maxBytes, j.sizeBytes);
      if (j.shouldCompact()) {
        if (j.compact(Object.assign({}, snapshot, { stepCount: steps }), tMs + 400) < 0) throw new Error("compact failed: " + j.lastError);
        compactions++;
      }
    }
    const writeUsPerMove = ((performance.now() - w0) * 1000) / movesPerDay;
    const image = store.read();
    let replayed = 0;
    const t0 = performance.now();
    const sink = { snapshot: (_s: number, _t: number, p: any) => (replayed = p.stepCount), intent() {}, move: (_s: number, _t: number, issued: number) => (replayed += issued), event() {} };
    const r = new Journal(new PowerCutStore(image), compactAtBytes, cmacAes128, KEY).open(sink);
    const recoverMs = performance.now() - t0;
    t.is(r.error, null);
    t.is(replayed, steps, "snapshot + moves after it give the step count");
    return { compactAtBytes, records: r.records, finalBytes: image.length, maxBytes, compactions, writtenBytes: store.bytesAppended + store.bytesReplaced, writeUsPerMove: +writeUsPerMove.toFixed(2), recoverMs: +recoverMs.toFixed(1) };
  };
  const none1 = runDay(Infinity);
  const policies = [16 * 1024, 64 * 1024].map(runDay);
  t.is(none1.compactions, 0);
  t.true(none1.writtenBytes < movesPerDay * MOVE_BYTES + 2000, "a day of moves is " + none1.writtenBytes + " bytes");
  for (const p of policies) t.true(p.maxBytes <= HEAD_BYTES + 1000 + p.compactAtBytes + 100);
  t.log("one simulated day, " + movesPerDay + " moves, no compaction:", JSON.stringify({ ...none1, compactAtBytes: "never" }));
  for (const p of policies) t.log("one simulated day, compact at " + p.compactAtBytes + " bytes:", JSON.stringify(p));
});
