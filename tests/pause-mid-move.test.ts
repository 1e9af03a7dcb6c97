// A pause (or any phase change that stops motion) landing while a move is in flight
// de-energises the motor: the move ends "disabled" by the controller's own hand. The
// steps issued are booked, and it is not a driver fault (on a board in pins mode a
// move lasts long enough for a console pause to land inside it).

import test from "ava";
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
