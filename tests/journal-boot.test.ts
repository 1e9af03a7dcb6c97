// Booting the controller on a damaged journal: a torn tail is dropped and the
// device resumes; corruption in the middle, records from the future or a wall
// clock that went back latch a named fault and leave the stored bytes untouched,
// so nothing written earlier is lost; an empty journal is a fresh start.

import test from "ava";
import { recover } from "../firmware/core/journal.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { loadScenario } from "../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../sim/world.ts";
import type { SimWorld } from "../sim/world.ts";

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
  const before = recover(w.store.read(), Infinity, 0);
  const bytes = w.store.read();
  w.store.replace(bytes.subarray(0, bytes.length - 7));
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "distraction");
  t.is(ctl.recovery()!.error, null);
  t.true(ctl.recovery()!.droppedBytes > 0);
  t.is(ctl.recovery()!.nextSeq, before.nextSeq - 1, "only the torn record is gone");
  w.clock.runUntil(w.clock.monoMs() + MS_PER_HOUR);
  t.is(ctl.phaseState().phase, "distraction");
  t.true(Math.abs(w.plant.gapUm - (w.clock.monoMs() - rx.latencyDays * MS_PER_DAY) / 86400) < 5, "still tracking");
});

test("a flipped bit in the middle latches storage-failure, names where, and writes nothing", (t) => {
  const w = device(6);
  const bytes = w.store.read();
  w.store.flipBit(Math.floor(bytes.length / 2), 3);
  const damaged = w.store.read();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "fault");
  t.is(ctl.phaseState().fault, "storage-failure");
  t.regex(ctl.phaseState().reason, /journal damaged after record \d+: journal bad-\w+ at byte \d+ \(record seq \d+\)/);
  t.deepEqual(w.store.read(), damaged, "the journal is left exactly as found");
  t.false(w.hal.stepper.isEnabled());
});

test("records from the future (wall clock behind the journal) latch clock-jump, never re-deliver", (t) => {
  const w = device(6);
  w.clock.wallOffsetMs = -2 * MS_PER_HOUR;
  const stored = w.store.read();
  const ctl = reboot(w, 60000);
  t.is(ctl.phaseState().phase, "fault");
  t.true(ctl.phaseState().fault === "clock-jump" || ctl.phaseState().fault === "storage-failure", ctl.phaseState().fault);
  t.regex(ctl.phaseState().reason, /future|behind the journal/);
  t.deepEqual(w.store.read(), stored);
});

test("an empty journal is a fresh start; garbage is refused", (t) => {
  const w = device(0);
  w.store.replace(new Uint8Array(0));
  const fresh = reboot(w, 0);
  t.is(fresh.phaseState().phase, "latency");
  t.not(recover(w.store.read(), Infinity, 0).lastSnapshot, null, "a first snapshot was written");
  const g = device(1);
  const junk = new Uint8Array(300).map((_, i) => (i * 37) & 255);
  g.store.replace(junk);
  const ctl = reboot(g, 0);
  t.is(ctl.phaseState().phase, "fault");
  t.is(ctl.phaseState().fault, "storage-failure");
  t.deepEqual(g.store.read(), junk);
});
