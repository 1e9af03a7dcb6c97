// Moves interrupted half-way. A pause (or any phase change that stops motion) landing while a move is in flight
// de-energises the motor: the move ends "disabled" by the controller's own hand. The
// steps issued are booked, and it is not a driver fault (on a board in pins mode a
// move lasts long enough for a console pause to land inside it).

import test from "ava";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../sim/world.ts";

test("pausing while a move is in flight pauses; no driver-fault is latched and the issued steps are booked", (t) => {
  const sc = loadScenario("mandible-continuous-1mm");
  const fast = { ...sc, prescription: { ...sc.prescription, latencyDays: 0 } };
  const { clock, plant, hal } = makeSimWorld(fast, { faults: false });
  const dev = assembleScenario(fast, hal, hal.store, null);
  const ctl = dev.controller;
  dev.boot();
  let guard = 0;
  while (!ctl.isMoving() && guard++ < 100000) clock.runUntil(clock.monoMs() + 0.05);
  t.true(ctl.isMoving(), "a move is in flight");
  ctl.pause("console: patient pause");
  clock.runUntil(clock.monoMs() + 60000);
  t.is(ctl.phaseState().phase, "paused");
  t.is(ctl.phaseState().fault, "");
  t.false(hal.stepper.isEnabled());
  t.is(ctl.status().stepCount, plant.pulses, "every pulse the plant received is booked");
});

test("a power cut in the middle of a staircase increment: the reboot reconciles the move and goes on without a stall", (t) => {
  // 24 increments a day of 41.7 µm: one increment is more than the supervisor's motion window
  const fast = loadScenario(fileURLToPath(new URL("./fixtures/sigkill-short.json", import.meta.url)));
  const { clock, plant, hal, store } = makeSimWorld(fast, { faults: false });
  const first = assembleScenario(fast, hal, store, null);
  first.boot();
  let guard = 0;
  while (!first.controller.isMoving() && guard++ < 1000000) clock.runUntil(clock.monoMs() + 1);
  t.true(first.controller.isMoving(), "an increment is being delivered");
  clock.runUntil(clock.monoMs() + 340);
  t.true(first.controller.isMoving(), "still in the middle of it");
  t.true(first.controller.inspect().sup.windowUm < fast.prescription.rateMmPerDay * 1000 / fast.prescription.incrementsPerDay);
  store.powerOff();
  hal.stepper.powerCut();
  first.stop();
  store.powerOn();
  const second = assembleScenario(fast, hal, store, null);
  second.boot();
  const rec = second.controller.recovery()!;
  t.truthy(rec.openIntent, "the cut move was reconciled");
  clock.runUntil(clock.monoMs() + 0.3 * 86400000);
  t.is(second.controller.phaseState().phase, "distraction", second.controller.phaseState().reason);
  t.is(second.controller.phaseState().fault, "");
  t.true(Math.abs(plant.gapUm - second.controller.status().targetUm) <= 50, "still on schedule: " + plant.gapUm + " µm");
});
