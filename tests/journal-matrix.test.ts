// The corruption matrix (issue 14): a simulated device's journal and vault, as a
// treatment leaves them (a console prescription, a clock correction, staircase
// moves with their intents, audit events), damaged every way a medium, a power cut
// or an attacker without the device key can damage them, then booted. Every case
// must end in exact recovery (a torn last write, dropped) or a named fault with
// the journal and the vault left byte for byte as found: no silent fresh start, no
// record lost, nothing forged acted on. The figures per class are printed.

import test from "ava";
import type { ExecutionContext } from "ava";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole } from "../firmware/node/console/sim-console.ts";
import { recordSize, HEAD_BYTES } from "../firmware/core/journal-format.ts";
import { Journal } from "../firmware/core/journal.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { Vault } from "../firmware/core/vault.ts";
import { formatUtc } from "../firmware/core/console/calendar.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { Journal as JournalV2 } from "../bench/journal-v2.ts";
import { FileStore } from "../hal/node/file-store.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { worldImage } from "../sim/world-file.ts";
import { SC, one, powerCycle, runTo, rx, signed } from "./device-fixtures.ts";
import { collect } from "./journal-fixtures.ts";

/** The outcomes a case may have; the last three must never happen. */
type Outcome = "exact" | "named" | "fresh-start" | "records-lost" | "forged-acted-on";

/** Faults that name what boot found wrong with the journal, the vault or the prescription. */
const NAMED = ["journal-damaged", "journal-truncated", "journal-old-format", "journal-missing", "journal-unreadable", "journal-foreign", "journal-rolled-back", "vault-damaged", "vault-missing", "rx-unverified", "storage-failure"];

interface Stores {
  store: PowerCutStore;
  vault: PowerCutStore;
}

/** The treated device: its stores when the power was cut, and what an undamaged boot resumes with. */
function treated() {
  const d = simConsole(SC, {});
  runTo(d, 0.05 * MS_PER_DAY);
  if (one(d, rx(2, 1.0, 48)).code !== "ok") throw new Error("rx refused");
  if (one(d, signed(d, { cmd: "time", set: formatUtc(d.clock.wallMs() + 30000) })).code !== "ok") throw new Error("time refused");
  runTo(d, 0.25 * MS_PER_DAY);
  one(d, { cmd: "pause", reason: "shower" });
  one(d, signed(d, { cmd: "resume" }));
  for (let i = 0; i < 5; i++) one(d, { cmd: "status" });
  runTo(d, 0.4 * MS_PER_DAY);
  const atMs = d.sim.clock.monoMs();
  const ref = powerCycle(d, 60000, () => {});
  // the plant where the cut left it: every boot below finds the gap the journal says
  const image = { store: d.store.read(), vault: d.vault.read(), atMs, world: worldImage(d.world.plant, d.world.clock) };
  const state = ref.ctl.status();
  return { image, steps: state.stepCount, phase: state.phase.phase, nextSeq: ref.device.journal!.nextSeq, counter: ref.ctl.prescription().counter };
}

const T = treated();
const starts: number[] = [];
for (let off = 0; off < T.image.store.length; off += recordSize(T.image.store, off, T.image.store.length - off)) starts.push(off);
const kindOf = (off: number) => ({ 0x4d: "head", 0x5a: "snapshot", 0x63: "event", 0x36: "move", 0x95: "wide-move", 0xb8: "intent" } as { [t: number]: string })[T.image.store[off]];

function fresh(): Stores {
  return { store: new PowerCutStore(T.image.store), vault: new PowerCutStore(T.image.vault) };
}

/**
 * Boots a device on the stores (after the same outage as the reference) and says how it ended, `runMs` after the
 * boot (a store that refuses writes is known at the first write: a move, or the heartbeat within 10 minutes).
 */
function boot(s: Stores, forged = false, runMs = 0): Outcome {
  let bytes: Uint8Array = new Uint8Array(0);
  try {
    bytes = s.store.read();
  } catch (e) {
    // an unreadable store: nothing to compare but that the boot wrote nothing (it cannot)
  }
  const before = { store: bytes, vault: s.vault.read() };
  const d: SimConsole = simConsole(SC, { store: s.store, vault: s.vault, plantFrom: T.image.world, startMs: T.image.atMs + 60000 });
  if (runMs > 0) d.sim.clock.runUntil(d.sim.clock.monoMs() + runMs);
  const st = d.ctl.status();
  if (st.phase.phase === "fault" && NAMED.indexOf(st.phase.fault) >= 0) {
    d.sim.clock.runUntil(d.sim.clock.monoMs() + MS_PER_HOUR);
    let now = before.store;
    try {
      now = d.store.read();
    } catch (e) {
      // still unreadable
    }
    const kept = Buffer.from(now.subarray(0, before.store.length)).equals(Buffer.from(before.store)) && Buffer.from(d.vault.read()).equals(Buffer.from(before.vault));
    return kept && !d.sim.stepper.isEnabled() ? "named" : "records-lost";
  }
  if (forged) return "forged-acted-on";
  if (st.stepCount === 0 && (st.phase.phase === "latency" || st.phase.phase === "idle")) return "fresh-start";
  return st.stepCount === T.steps && st.phase.phase === T.phase && d.device.journal!.nextSeq >= T.nextSeq - 1 && d.ctl.prescription().counter === T.counter ? "exact" : "records-lost";
}

const figures: { [cls: string]: { [o: string]: number } } = {};

function tally(t: ExecutionContext, cls: string, label: string, o: Outcome, allowed: Outcome[]): void {
  const f = (figures[cls] = figures[cls] || {});
  f[o] = (f[o] || 0) + 1;
  t.true(allowed.indexOf(o) >= 0, cls + " / " + label + ": " + o);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

const recordAt = (i: number) => T.image.store.subarray(starts[i], i + 1 < starts.length ? starts[i + 1] : T.image.store.length);

test.serial("the treated journal holds every kind of record", (t) => {
  const kinds = new Set(starts.map(kindOf));
  for (const k of ["head", "snapshot", "event", "move", "intent"]) t.true(kinds.has(k), k + " in " + [...kinds].join(","));
  t.is(boot(fresh()), "exact", "undamaged, it resumes exactly");
});

test.serial("bit flips in every byte-position class: head, snapshot, event, move, intent, tags, the last record", (t) => {
  const byKind: { [k: string]: number[] } = {};
  for (let i = 0; i < starts.length; i++) (byKind[kindOf(starts[i])] = byKind[kindOf(starts[i])] || []).push(i);
  for (const k of Object.keys(byKind)) {
    // every byte of the first, a middle and the last record of each kind
    const pick = [byKind[k][0], byKind[k][Math.floor(byKind[k].length / 2)], byKind[k][byKind[k].length - 1]];
    for (const i of new Set(pick)) {
      const rec = recordAt(i);
      for (let b = 0; b < rec.length; b += rec.length > 200 ? 7 : 1) {
        const s = fresh();
        s.store.flipBit(starts[i] + b, (b * 3) % 8);
        tally(t, "bit flip in a " + k + " record", "record " + i + " byte " + b, boot(s), ["named"]);
      }
    }
  }
});

test.serial("truncation at record boundaries and inside records, with what the store committed intact", (t) => {
  const cuts = new Set<number>();
  for (let i = 0; i < starts.length; i += Math.max(1, Math.floor(starts.length / 40))) cuts.add(starts[i]).add(starts[i] + 3);
  cuts.add(0).add(5).add(HEAD_BYTES).add(T.image.store.length - 1);
  for (const cut of cuts) {
    const s = fresh();
    s.store.truncate(cut);
    tally(t, "truncation", "at " + cut, boot(s), ["named"]);
  }
});

test.serial("a torn last write at every byte is dropped and the device resumes exactly", (t) => {
  for (let k = 1; k < 14; k++) {
    const s = fresh();
    s.store.cutAtAppend(1, k);
    s.store.append(recordAt(starts.length - 1));
    s.store.powerOn();
    tally(t, "torn tail", "after " + k + " bytes", boot(s), ["exact"]);
  }
});

test.serial("records left out, repeated, swapped, or copied from elsewhere in the journal", (t) => {
  const n = starts.length;
  for (const i of [2, 3, Math.floor(n / 2), n - 2]) {
    const without = concat([T.image.store.subarray(0, starts[i]), T.image.store.subarray(starts[i + 1] ?? T.image.store.length)]);
    tally(t, "record left out", "record " + i, boot({ store: new PowerCutStore(without), vault: new PowerCutStore(T.image.vault) }), ["named"]);
    const doubled = concat([T.image.store.subarray(0, starts[i + 1] ?? T.image.store.length), recordAt(i), T.image.store.subarray(starts[i + 1] ?? T.image.store.length)]);
    tally(t, "record repeated", "record " + i, boot({ store: new PowerCutStore(doubled), vault: new PowerCutStore(T.image.vault) }), ["named"]);
    if (i + 2 < n) {
      const swapped = concat([T.image.store.subarray(0, starts[i]), recordAt(i + 1), recordAt(i), T.image.store.subarray(starts[i + 2])]);
      tally(t, "records swapped", "records " + i + "," + (i + 1), boot({ store: new PowerCutStore(swapped), vault: new PowerCutStore(T.image.vault) }), ["named"]);
    }
    const copied = concat([T.image.store, recordAt(i)]);
    tally(t, "record copied to the end", "record " + i, boot({ store: new PowerCutStore(copied), vault: new PowerCutStore(T.image.vault) }), ["named"]);
  }
});

test.serial("missing and damaged files: no journal, no vault, a vault flipped anywhere, an older copy, another journal", (t) => {
  tally(t, "missing files", "journal", boot({ store: new PowerCutStore(), vault: new PowerCutStore(T.image.vault) }), ["named"]);
  tally(t, "missing files", "vault", boot({ store: new PowerCutStore(T.image.store), vault: new PowerCutStore() }), ["named"]);
  for (let b = 0; b < T.image.vault.length; b++) {
    const s = fresh();
    s.vault.flipBit(b, b % 8);
    tally(t, "bit flip in the vault", "byte " + b, boot(s), ["named"]);
  }
  const older = concat([T.image.store.subarray(0, starts[Math.floor(starts.length / 3)])]);
  tally(t, "an older copy put back", "", boot({ store: new PowerCutStore(older), vault: new PowerCutStore(T.image.vault) }), ["named"]);
  const other = simConsole(SC, {});
  runTo(other, 0.05 * MS_PER_DAY);
  tally(t, "another journal put in its place", "", boot({ store: new PowerCutStore(other.store.read()), vault: new PowerCutStore(T.image.vault) }), ["named"]);
});

test.serial("unreadable, dangling, read-only and full stores", (t) => {
  const unreadable = fresh();
  unreadable.store.read = () => {
    throw new Error("EIO: i/o error");
  };
  tally(t, "unreadable store", "EIO", boot(unreadable), ["named"]);
  const readOnly = fresh();
  readOnly.store.failAppends = true;
  readOnly.store.replace = () => false;
  // a clean resume writes nothing at boot: the first write (a move, or the heartbeat) finds the store refusing
  tally(t, "read-only store", "", boot(readOnly, false, 15 * 60000), ["named"]);
  const full = fresh();
  const base = full.store.length;
  full.store.cutAtByte(base + 5);
  tally(t, "full store", "5 bytes left", boot(full, false, 15 * 60000), ["named"]);
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-matrix-"));
  try {
    fs.symlinkSync(join(dir, "gone", "journal.bin"), join(dir, "journal.bin"));
    const link = new FileStore(join(dir, "journal.bin"));
    t.throws(() => link.read(), { message: /link to something that does not exist/ });
    const dangling = fresh();
    dangling.store.read = () => link.read();
    tally(t, "dangling link", "", boot(dangling), ["named"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.serial("forged records with valid framing and checks, by someone without the device key", (t) => {
  // a format-2 journal, its CRCs all correct, claiming a complete treatment
  const v2 = new PowerCutStore();
  const old = new JournalV2(v2, 1 << 20);
  old.open(Infinity, 0);
  old.append("snapshot", { v: 2, stepCount: 340000, phase: { phase: "complete" } }, 0);
  tally(t, "forged", "format-2 journal with valid CRCs", boot({ store: v2, vault: new PowerCutStore(T.image.vault) }, true), ["named"]);
  // the journal rewritten under a key of the attacker's own: valid structure, CRC-8 headers, tags under the wrong key
  const forgedKey = Uint8Array.from({ length: 16 }, (_, i) => i);
  const sink = collect();
  const vault = new Vault(new PowerCutStore(T.image.vault), cmacAes128);
  vault.load();
  new Journal(new PowerCutStore(T.image.store), 1 << 20, cmacAes128, vault.key!).open(sink);
  const snap = sink.recs[0].data;
  const phaseComplete = JSON.stringify({ phase: "complete", sinceMs: 0, interrupted: "idle", reachedAtMs: 0, fault: "", reason: "forged" });
  const rewrite = (key: Uint8Array, snapshot: object, extra: (j: Journal) => void) => {
    const s = new PowerCutStore();
    const j = new Journal(s, 1 << 20, cmacAes128, key);
    j.create(Uint8Array.from(Buffer.from(vault.journalId, "hex")), T.nextSeq, snapshot, 0, 0);
    extra(j);
    return s;
  };
  tally(t, "forged", "journal under another key", boot({ store: rewrite(forgedKey, snap, (j) => j.event("phase", phaseComplete, 1)), vault: new PowerCutStore(T.image.vault) }, true), ["named"]);
  // a forged event appended to the genuine journal, its tag made with another key
  const genuine = new PowerCutStore(T.image.store);
  const tail = new PowerCutStore();
  const liar = new Journal(tail, 1 << 20, cmacAes128, forgedKey);
  liar.create(Uint8Array.from(Buffer.from(vault.journalId, "hex")), T.nextSeq - 2, snap, 0, 0);
  liar.event("phase", phaseComplete, 1);
  const ev = tail.read();
  const lastRec = ev.subarray(ev.length - (ev.length - 22 - recordSize(ev, 22, ev.length - 22)));
  genuine.append(lastRec);
  tally(t, "forged", "an event appended with a forged tag", boot({ store: genuine, vault: new PowerCutStore(T.image.vault) }, true), ["named"]);
  // the vault and the journal both replaced (the attacker's own key): the prescription's clinician signature still decides
  const unsigned = Object.assign({}, snap, { console: { rx: { text: JSON.stringify({ deviceSerial: SC.profile.serial, counter: 9, expires: "2026-03-01T00:00:00Z", latencyDays: 0, rateMmPerDay: 1.5, rhythm: "continuous", targetLengthMm: 3, consolidationDays: 1, softForceN: 100, hardForceN: 180 }), key: "dr-lee", sig: "00".repeat(64), fromTMs: 0, startUm: 0 }, wallCorrectionMs: 0 } });
  const ownVault = new PowerCutStore();
  const v = new Vault(ownVault, cmacAes128);
  v.makeKey(forgedKey);
  v.setJournal(vault.journalId, 0);
  tally(t, "forged", "vault and journal replaced, prescription unsigned", boot({ store: rewrite(forgedKey, unsigned, () => {}), vault: ownVault }, true), ["named"]);
});

test.serial("the figures: every case ends in exact recovery or a named fault with the bytes kept", (t) => {
  let total = 0;
  const sum: { [o: string]: number } = {};
  for (const cls of Object.keys(figures)) for (const o of Object.keys(figures[cls])) {
    total += figures[cls][o];
    sum[o] = (sum[o] || 0) + figures[cls][o];
  }
  t.log(total + " cases: " + JSON.stringify(sum));
  for (const cls of Object.keys(figures)) t.log(cls + ": " + JSON.stringify(figures[cls]));
  console.log("corruption matrix " + JSON.stringify({ total, outcomes: sum, byClass: figures }));
  t.true(total > 300);
  t.is(sum["fresh-start"] || 0, 0);
  t.is(sum["records-lost"] || 0, 0);
  t.is(sum["forged-acted-on"] || 0, 0);
});
