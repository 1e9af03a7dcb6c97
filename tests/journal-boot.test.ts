// Booting the controller on a damaged journal: a torn tail is dropped and the
// device resumes; damage in the middle, a cut, a wall clock behind the journal,
// a missing journal or vault latch a named fault and leave the stored bytes
// untouched, so nothing written earlier is lost; only a device that never had a
// journal starts fresh.

import test from "ava";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { loadScenario } from "../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../sim/world.ts";
import type { SimWorld } from "../sim/world.ts";
import { journaledEvents } from "./journal-fixtures.ts";
import { inspectJournal } from "../firmware/core/journal-boot.ts";
import { Restore } from "../firmware/core/persist.ts";
import { dayCapSteps } from "../firmware/core/travel-window.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { Journal as JournalV2 } from "../bench/journal-v2.ts";

const sc = loadScenario("mandible-continuous-1mm");
const rx = { ...sc.prescription, latencyDays: 0.1 };

const scRx = { ...sc, prescription: rx };

function assembleOn(w: SimWorld) {
  return assembleScenario(scRx, w.hal, w.store, null);
}

/** Runs a device for `hours`, then cuts its power, and returns its world. */
function device(hours: number) {
  const w = makeSimWorld(sc, { seed: 1 });
  const d = assembleOn(w);
  d.boot();
  w.clock.runUntil(hours * MS_PER_HOUR);
  w.hal.stepper.powerCut();
  d.stop();
  return w;
}

function reboot(w: SimWorld, after: number) {
  w.clock.runUntil(w.clock.monoMs() + after);
  const d = assembleOn(w);
  d.boot();
  return d.controller;
}

test("a torn tail is dropped and the device resumes where it was", (t) => {
  const w = device(6);
  const committed = w.store.read();
  // the power fails 5 bytes into the next write
  const prefix = committed.length;
  w.store.cutAtByte(prefix + 5);
  const d = assembleOn(w);
  d.boot();
  for (let k = 0; k < 360 && w.store.powered; k++) w.clock.runUntil(w.clock.monoMs() + 10000);
  t.false(w.store.powered, "the cut happened inside a write");
  w.hal.stepper.powerCut();
  d.stop();
  w.store.powerOn();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "distraction", ctl.phaseState().reason);
  t.is(ctl.recovery()!.error, null);
  t.is(ctl.recovery()!.droppedBytes, 5);
  w.clock.runUntil(w.clock.monoMs() + MS_PER_HOUR);
  t.is(ctl.phaseState().phase, "distraction");
  t.true(Math.abs(w.plant.gapUm - (w.clock.monoMs() - rx.latencyDays * MS_PER_DAY) / 86400) < 5, "still tracking");
});

test("a flipped bit in the middle latches journal-damaged, names where, and writes nothing", (t) => {
  const w = device(6);
  w.store.flipBit(Math.floor(w.store.length / 2), 3);
  const damaged = w.store.read();
  const vault = w.vault.read();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "fault");
  t.is(ctl.phaseState().fault, "journal-damaged");
  t.regex(ctl.phaseState().reason, /^journal (bad-tag|bad-type|bad-header) at byte \d+ \(record seq \d+\)/);
  w.clock.runUntil(w.clock.monoMs() + MS_PER_HOUR);
  t.deepEqual(w.store.read(), damaged, "the journal is left exactly as found");
  t.deepEqual(w.vault.read(), vault, "and the vault too");
  t.false(w.hal.stepper.isEnabled());
  t.is(ctl.acknowledge("looked"), "journal-read-only", "an ack does not leave a journal fault");
});

test("a journal cut short of what its store committed latches journal-truncated, never a torn tail", (t) => {
  const w = device(6);
  w.store.truncate(w.store.length - 200);
  const cut = w.store.read();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().fault, "journal-truncated");
  t.regex(ctl.phaseState().reason, /committed \d+ bytes and holds \d+/);
  t.deepEqual(w.store.read(), cut);
});

test("a wall clock behind the journal at boot latches clock-jump; the journal stays whole", (t) => {
  const w = device(6);
  w.clock.wallOffsetMs = -2 * MS_PER_HOUR;
  const stored = w.store.read();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "fault");
  t.is(ctl.phaseState().fault, "clock-jump");
  t.regex(ctl.phaseState().reason, /behind the journal/);
  t.deepEqual(w.store.read().subarray(0, stored.length), stored, "every record kept (the fault itself is appended)");
  t.is(ctl.acknowledge("no"), "clock-behind", "the clock must be set before the fault can be acknowledged");
});

test("a missing journal, a missing vault or a damaged vault on a provisioned device are named faults, never a fresh start", (t) => {
  const a = device(2);
  a.store.truncate(0);
  t.is(reboot(a, 0).phaseState().fault, "journal-truncated", "the store knows it committed bytes");
  const b = device(2);
  const fresh = makeSimWorld(sc, { seed: 1, vault: b.vault });
  t.is(reboot(fresh, 0).phaseState().fault, "journal-missing", "a new store that never held the journal the vault names");
  const c = device(2);
  const journal = c.store.read();
  c.vault.replace(new Uint8Array(0));
  t.is(reboot(c, 0).phaseState().fault, "vault-missing");
  t.deepEqual(c.store.read(), journal);
  const d = device(2);
  d.vault.flipBit(10, 1);
  t.is(reboot(d, 0).phaseState().fault, "vault-damaged");
});

test("only a device that never had a journal starts fresh; it provisions a key, a journal and the vault's marker", (t) => {
  const w = makeSimWorld(sc, { seed: 1 });
  t.is(w.vault.length, 0);
  const d = assembleOn(w);
  d.boot();
  t.is(d.controller.phaseState().phase, "latency");
  t.true(w.vault.length > 0, "the vault holds the device key and names the journal");
  t.true(journaledEvents(w.hal).some((e) => e.code === "phase"));
  const junk = new Uint8Array(300).map((_, i) => (i * 37) & 255);
  const g = makeSimWorld(sc, { seed: 1 });
  g.store.replace(junk);
  const ctl = reboot(g, 0);
  t.is(ctl.phaseState().fault, "vault-missing", "bytes where no journal was provisioned are not a journal to start over");
  t.deepEqual(g.store.read(), junk);
});

test("a clean power cut resumes the step count, both 24 h windows, the phase and the journaled estimate", (t) => {
  const w = makeSimWorld(sc, { seed: 1 });
  const d = assembleOn(w);
  d.boot();
  w.clock.runUntil(8 * MS_PER_HOUR);
  while (d.controller.isMoving()) w.clock.runUntil(w.clock.monoMs() + 1);
  const before = d.controller.inspect();
  const steps = before.state.stepCount;
  const windows = [before.state.window.sum, before.supState.window.sum];
  w.hal.stepper.powerCut();
  d.stop();
  const ctl = reboot(w, 0);
  const after = ctl.inspect();
  t.is(after.state.stepCount, steps);
  t.is(after.supState.stepCount, steps);
  t.deepEqual([after.state.window.sum, after.supState.window.sum], windows);
  t.deepEqual(after.phase, before.phase);
  t.true(after.state.biasReady);
  // the fusion resumes from the estimate journaled with the last move (nm resolution), not a fresh noisy reading
  const journaled = new Restore(sc.profile.umPerMicrostep, Infinity, dayCapSteps(sc.profile.hardRateCapMmPerDay, sc.profile.umPerMicrostep));
  inspectJournal(w.store, w.vault, cmacAes128, journaled);
  t.true(isFinite(journaled.lastEstimateUm));
  // (boot runs the first tick at once: one fusion step from there)
  t.true(Math.abs(ctl.lengthReachedUm() - journaled.lastEstimateUm) < 1, ctl.lengthReachedUm() + " vs journaled " + journaled.lastEstimateUm);
  t.true(Math.abs(journaled.lastEstimateUm - before.supState.pos.est) < 2, "within the sensor's noise of the supervisor's estimate before the cut");
  t.is(ctl.recovery()!.error, null);
});

test("a format-2 journal left by an older firmware is journal-old-format (with or without a vault), kept as it is, and a new journal can start beside it", (t) => {
  const w = makeSimWorld(sc, { seed: 1 });
  const old = new JournalV2(w.store, 1 << 20);
  old.open(Infinity, 0);
  old.append("snapshot", { v: 2, stepCount: 1234, phase: { phase: "distraction" } }, 0);
  old.append("event", { code: "phase", detail: "{}" }, 10);
  const bytes = w.store.read();
  const ctl = reboot(w, 0);
  t.is(ctl.phaseState().fault, "journal-old-format");
  t.deepEqual(w.store.read(), bytes);
  t.is(w.vault.length, 0, "nothing written, not even a vault");
  t.is(ctl.acknowledge("upgrade"), "journal-read-only");
  const r = ctl.renewJournal(Math.round(w.hal.position.read().value), "clinician dr-lee", "firmware upgrade", null);
  t.is(r.code, "", r.message);
  t.deepEqual(w.store.preserved.map((p) => p.bytes), [bytes], "the format-2 journal kept aside byte for byte");
  t.is(ctl.phaseState().phase, "paused");
  t.is(ctl.journalState().state, "ok");
  t.is((ctl.journalState().origin as any).predecessor.fault, "journal-old-format");
  t.true((ctl.journalState().origin as any).predecessor.newDeviceKey);
  const id = ctl.journalState().id;
  ctl.stop();
  const again = reboot(w, 60000);
  t.is(again.journalState().id, id, "a reboot resumes the new journal");
  t.is(again.phaseState().phase, "paused");
  t.is(again.resume("go"), "needs-rx", "and it still waits for a prescription");
});

test("a damaged vault is kept aside too when a clinician starts a new journal; the new one has a new device key", (t) => {
  const w = device(2);
  w.vault.flipBit(20, 1);
  const vault = w.vault.read();
  const journal = w.store.read();
  const ctl = reboot(w, 0);
  t.is(ctl.phaseState().fault, "vault-damaged");
  t.is(ctl.renewJournal(Math.round(w.hal.position.read().value), "clinician dr-lee", "vault lost", null).code, "");
  t.deepEqual(w.vault.preserved.map((p) => p.bytes), [vault]);
  t.deepEqual(w.store.preserved.map((p) => p.bytes), [journal]);
  const origin = ctl.journalState().origin as any;
  t.is(origin.predecessor.fault, "vault-damaged");
  t.true(origin.predecessor.newDeviceKey);
  ctl.stop();
  t.is(reboot(w, 1000).journalState().state, "ok", "the new journal and vault read back");
});
