// Runs the real controller on the simulator (the device assembled as sim/run.ts
// does, without the journal: the advisor needs no power-cut recovery) with a
// FeatureTap and an event log attached, plus any extra observer (the advisory
// hook). Returns the binned features and when the deterministic detectors fired.

import type { SimHal } from "../../../sim/driver.ts";
import type { Controller, ControllerObserver } from "../../core/controller.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../../core/units.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../../../sim/world.ts";
import { FeatureTap } from "./features.ts";

export interface DetectorEvent {
  atMs: number;
  code: string;
  kind: "fault" | "warning";
}

export interface SimTrial {
  /** Closed feature bins (FeatureTap.bins). */
  bins: number[];
  /** When distraction started (ms since the prescription started). */
  distractionStartMs: number;
  events: DetectorEvent[];
  controller: Controller;
  hal: SimHal;
}

/** Builds the per-trial observers once the controller exists (it owns the governor state an advisor acts on). */
export type Attach = (controller: Controller, hal: SimHal) => ControllerObserver;

export function simulate(sc: Scenario, days: number, attach: Attach | null = null, onProgress: ((f: number) => void) | null = null): SimTrial {
  const { clock, hal } = makeSimWorld(sc);
  const tap = new FeatureTap({ forceN: sc.prescription.softForceN, rateMmPerDay: sc.profile.hardRateCapMmPerDay, umPerStep: sc.profile.umPerMicrostep });
  const events: DetectorEvent[] = [];
  const log: ControllerObserver = {
    decision() {},
    moved() {},
    phase(tMs, _from, to) {
      if (to.phase === "fault") events.push({ atMs: tMs, code: to.fault, kind: "fault" });
    },
    warning(tMs, code) {
      events.push({ atMs: tMs, code, kind: "warning" });
    },
  };
  const device = assembleScenario(sc, hal, null, null);
  const ctl = device.controller;
  ctl.addObserver(tap);
  ctl.addObserver(log);
  if (attach) ctl.addObserver(attach(ctl, hal));
  device.boot();
  const endMs = days * MS_PER_DAY;
  const step = 6 * MS_PER_HOUR;
  for (let t = step; t < endMs + step; t += step) {
    clock.runUntil(Math.min(t, endMs));
    if (onProgress) onProgress(Math.min(1, t / endMs));
  }
  ctl.stop();
  return { bins: tap.bins, distractionStartMs: ctl.currentSchedule().latencyMs, events, controller: ctl, hal };
}
