// Runs the real controller on the simulator (the loop of sim/run.ts, without the
// journal: the advisor needs no power-cut recovery) with a FeatureTap and an
// event log attached, plus any extra observer (the advisory hook). Returns the
// binned features and when the deterministic detectors fired.

import type { MoveResult, Reading } from "../../../hal/types.ts";
import { makeSimHal } from "../../../sim/driver.ts";
import type { SimHal } from "../../../sim/driver.ts";
import { Controller } from "../../core/controller.ts";
import type { ControllerObserver } from "../../core/controller.ts";
import type { Decision } from "../../core/governor.ts";
import type { PhaseState } from "../../core/phases.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../../core/units.ts";
import { Plant } from "../../../sim/plant.ts";
import { PowerCutStore } from "../../../sim/power-cut-store.ts";
import { scheduleFaults } from "../../../sim/faults.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import { VirtualClock } from "../../../sim/virtual-clock.ts";
import { FeatureTap } from "./features.ts";

/** Fans one controller's observer calls out to several observers. */
export class Tee implements ControllerObserver {
  list: ControllerObserver[];

  constructor(list: ControllerObserver[]) {
    this.list = list;
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    for (const o of this.list) o.decision(tMs, d, pos, force);
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    for (const o of this.list) o.moved(tMs, requested, res);
  }

  phase(tMs: number, from: PhaseState, to: PhaseState): void {
    for (const o of this.list) o.phase(tMs, from, to);
  }

  warning(tMs: number, code: string, detail: string): void {
    for (const o of this.list) o.warning(tMs, code, detail);
  }
}

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
  const clock = new VirtualClock(sc.startWallMs);
  const plant = new Plant(sc.plant, sc.seed);
  const hal = makeSimHal(plant, clock, sc.driver, new PowerCutStore());
  scheduleFaults(hal, sc.faults);
  const ctl = new Controller(hal, sc.profile, sc.prescription, 0, null, null);
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
  const extra = attach ? attach(ctl, hal) : null;
  ctl.observer = new Tee(extra ? [tap, log, extra] : [tap, log]);
  ctl.boot();
  const endMs = days * MS_PER_DAY;
  const step = 6 * MS_PER_HOUR;
  for (let t = step; t < endMs + step; t += step) {
    clock.runUntil(Math.min(t, endMs));
    if (onProgress) onProgress(Math.min(1, t / endMs));
  }
  ctl.stop();
  return { bins: tap.bins, distractionStartMs: ctl.schedule.latencyMs, events, controller: ctl, hal };
}
