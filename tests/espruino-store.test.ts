// The flash store of the Espruino driver on the shim's Storage model: framing
// round trip, appends and replacements, power cuts in every write (an append is
// all-or-nothing, a replacement leaves the old or the new content), a full file,
// no flash byte written twice, and the core journal running on it across reboots.

import test from "ava";
import { COMMIT, DATA, END, ERASED, ESC, commitFrame, encodeFrame, parseFile } from "../hal/espruino/frame.ts";
import { FlashStore } from "../hal/espruino/store.ts";
import { StorageModel } from "../sim/espruino-shim/storage.ts";
import { Journal } from "../firmware/core/journal.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { JOURNAL_ID, KEY, collect } from "./journal-fixtures.ts";

function bytes(...b: number[]): Uint8Array {
  return new Uint8Array(b);
}

/** Every byte value, including the markers. */
const ALL = new Uint8Array(256).map((_, i) => i);

function fileOf(...frames: Uint8Array[]): Uint8Array {
  const n = frames.reduce((a, f) => a + f.length, 0);
  const out = new Uint8Array(n + 8).fill(ERASED);
  let k = 0;
  for (const f of frames) {
    out.set(f, k);
    k += f.length;
  }
  return out;
}

test("frames escape the marker bytes and decode to the payload", (t) => {
  const f = encodeFrame(DATA, ALL);
  t.is(f[0], DATA);
  t.is(f[f.length - 1], END);
  for (let i = 1; i < f.length - 1; i++) t.true(f[i] < COMMIT || f[i] === ESC, "byte " + i);
  const p = parseFile(fileOf(f, commitFrame(7)));
  t.is(p.generation, 7);
  t.deepEqual(p.data, ALL);
  t.is(p.end, f.length + commitFrame(7).length);
});

test("a frame cut anywhere is dropped; the frames around it survive", (t) => {
  const a = encodeFrame(DATA, bytes(1, 2, 0xff));
  const b = encodeFrame(DATA, bytes(3, 0xfb, 4));
  const c = encodeFrame(DATA, bytes(5));
  for (let cut = 0; cut < b.length; cut++) {
    const p = parseFile(fileOf(commitFrame(1), a, b.subarray(0, cut), c));
    t.deepEqual(p.data, bytes(1, 2, 0xff, 5), "cut at " + cut);
  }
  t.is(parseFile(fileOf(a)).generation, -1, "no commit frame: never committed");
});

function store(capacity = 512, storage = new StorageModel(8192)): { s: FlashStore; storage: StorageModel } {
  return { s: new FlashStore(storage, "odj", capacity), storage };
}

test("appends read back in order, survive a reboot, and never write a flash byte twice", (t) => {
  const { s, storage } = store();
  t.deepEqual(s.read(), bytes());
  t.true(s.append(bytes(1, 2)));
  t.true(s.append(ALL.subarray(250)));
  const again = new FlashStore(storage, "odj", 512);
  t.deepEqual(again.read(), bytes(1, 2, 250, 251, 252, 253, 254, 255));
  t.true(again.append(bytes(9)));
  t.deepEqual(new FlashStore(storage, "odj", 512).read(), bytes(1, 2, 250, 251, 252, 253, 254, 255, 9));
  t.is(storage.rewrites, 0);
});

test("replace swaps files: old erased, new content, appends continue after it", (t) => {
  const { s, storage } = store();
  s.append(bytes(1));
  t.true(s.replace(bytes(7, 8)));
  t.true(s.append(bytes(9)));
  t.deepEqual(s.read(), bytes(7, 8, 9));
  t.is(storage.list().length, 1);
  t.deepEqual(new FlashStore(storage, "odj", 512).read(), bytes(7, 8, 9));
  t.is(storage.rewrites, 0);
});

test("a full file refuses the append (the journal then compacts) and a too-large snapshot is refused", (t) => {
  const { s } = store(64);
  let n = 0;
  while (s.append(bytes(1, 2, 3, 4, 5, 6, 7, 8))) n++;
  t.true(n >= 4 && n <= 6);
  t.is(s.read().length, n * 8);
  t.false(s.replace(new Uint8Array(100)));
  t.is(s.read().length, n * 8, "the old content stays");
  t.true(s.replace(bytes(1)));
  t.deepEqual(s.read(), bytes(1));
});

test("a power cut in the middle of an append loses that append only, at every byte", (t) => {
  const frameLen = encodeFrame(DATA, bytes(0xfd, 0xfe, 3, 4)).length;
  for (let cut = 0; cut < frameLen; cut++) {
    const { s, storage } = store();
    s.append(bytes(1));
    storage.cutAfterBytes = cut;
    t.false(s.append(bytes(0xfd, 0xfe, 3, 4)));
    t.true(s.append(bytes(5)), "the next append after the cut at " + cut);
    t.deepEqual(new FlashStore(storage, "odj", 512).read(), bytes(1, 5), "after a reboot, cut at " + cut);
  }
});

test("a power cut in the middle of a replace keeps the old content; after its commit, the new one", (t) => {
  const image = encodeFrame(DATA, bytes(7, 7, 7)).length + commitFrame(2).length;
  for (let cut = 0; cut <= image; cut++) {
    const { s, storage } = store();
    s.append(bytes(1, 2));
    storage.cutAfterBytes = cut;
    const ok = s.replace(bytes(7, 7, 7));
    const after = new FlashStore(storage, "odj", 512).read();
    t.deepEqual(after, ok ? bytes(7, 7, 7) : bytes(1, 2), "cut at " + cut);
  }
});

test("a reset between committing the new file and erasing the old one keeps the newer", (t) => {
  const storage = new StorageModel(8192);
  const s = new FlashStore(storage, "odj", 512);
  s.replace(bytes(1));
  const older = storage.readArrayBuffer("odj" + s.current)!;
  s.replace(bytes(2));
  // Put the older committed file back under the other name, as if its erase never happened.
  storage.write("odj" + (1 - s.current), new Uint8Array(older), 0, 512);
  const rebooted = new FlashStore(storage, "odj", 512);
  t.deepEqual(rebooted.read(), bytes(2));
  t.is(storage.list().length, 1);
});

test("the core journal runs on the flash store, compacts into it and recovers after a reboot", (t) => {
  const storage = new StorageModel(16384);
  const j = new Journal(new FlashStore(storage, "odj", 2048), 1024, cmacAes128, KEY);
  t.true(j.create(JOURNAL_ID, 1, { v: 1, note: "start" }, 0, 100));
  let tMs = 0;
  let note = "start";
  let movesSince = 0;
  for (let i = 0; i < 400; i++) {
    tMs += 10000;
    t.true(j.move(2, 2, 1, "", 100 + i * 0.12, tMs) >= 0);
    movesSince++;
    if (j.shouldCompact()) {
      note = "at " + i;
      t.true(j.compact({ v: 1, note }, tMs + 1) >= 0);
      movesSince = 0;
    }
  }
  t.not(note, "start", "the journal compacted at least once");
  const store = new FlashStore(storage, "odj", 2048);
  const sink = collect();
  const rec = new Journal(store, 1024, cmacAes128, KEY).open(sink);
  t.is(rec.error, null);
  t.is(sink.recs[0].data.note, note);
  t.is(sink.recs.filter((r) => r.type === "move").length, movesSince);
  t.true(store.generation > 2);
  t.is(storage.rewrites, 0);
});

test("preserve copies the content into a file of its own and leaves the store empty", (t) => {
  const storage = new StorageModel(16384);
  const s = new FlashStore(storage, "odj", 512);
  t.true(s.append(bytes(1, 2, 3)));
  t.is(s.committedBytes(), -1);
  const name = s.preserve("refused");
  t.is(name, "odjx1");
  t.deepEqual(new Uint8Array(storage.readArrayBuffer("odjx1")!), bytes(1, 2, 3));
  t.deepEqual(s.read(), bytes());
  t.true(s.append(bytes(4)));
  t.deepEqual(new FlashStore(storage, "odj", 512).read(), bytes(4));
  t.is(s.preserve("refused"), "odjx2");
});

test("with no room for a first file the store refuses appends instead of writing an uncommitted file", (t) => {
  const storage = new StorageModel(100);
  const s = new FlashStore(storage, "odj", 512);
  t.false(s.append(bytes(1)));
  t.deepEqual(s.read(), bytes());
  t.deepEqual(storage.list(), []);
});
