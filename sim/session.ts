// A simulated device's life on one world: the device the one assembly built,
// rebuilt from its journal after every power cut, with one recorder watching
// across reboots, and a scenario's events (sim/events.ts) played on the world's
// clock — a patient's pause and resume, a new prescription that continues from the
// length reached, a power cut that kills the controller for a while.

import type { Hal, MoveResult, Reading } from "../hal/types.ts";
import type { Device } from "../firmware/core/assemble.ts";
import type { ControllerObserver } from "../firmware/core/controller.ts";
import type { Decision } from "../firmware/core/governor.ts";
import type { PhaseState } from "../firmware/core/phases.ts";
import { parsePrescription } from "../firmware/core/prescription.ts";
import type { Prescription } from "../firmware/core/prescription.ts";
import { continueFrom } from "../firmware/core/console/restore.ts";
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, UM_PER_MM } from "../firmware/core/units.ts";
import type { EventSpec } from "./events.ts";
import { Recorder } from "./recorder.ts";
import type { Scenario } from "./scenario.ts";
import type { SimWorld } from "./world.ts";
import { assembleScenario } from "./world.ts";

/** Passes a controller's reports to the recorder while its power is on; deaf once the power has failed. */
export class PowerGate implements ControllerObserver {
  to: ControllerObserver;
  on = true;

  constructor(to: ControllerObserver) {
    this.to = to;
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    if (this.on) this.to.decision(tMs, d, pos, force);
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    if (this.on) this.to.moved(tMs, requested, res);
  }

  phase(tMs: number, from: PhaseState, to: PhaseState): void {
    if (this.on) this.to.phase(tMs, from, to);
  }

  warning(tMs: number, code: string, detail: string): void {
    if (this.on) this.to.warning(tMs, code, detail);
  }
}

export class Session {
  world: SimWorld;
  sc: Scenario;
  /** The HAL the controller runs on (the world's, or a wrapper such as the open-loop turn counter). */
  hal: Hal;
  recorder: Recorder | null = null;
  dev: Device | null = null;
  gate: PowerGate | null = null;
  reboots = 0;
  /** Extra observers every controller of this session gets. */
  observers: ControllerObserver[] = [];

  constructor(sc: Scenario, world: SimWorld, hal: Hal) {
    this.sc = sc;
    this.world = world;
    this.hal = hal;
  }

  device(): Device {
    return this.dev!;
  }

  /** Builds the device from the journal on the world's store and boots it. */
  boot(): Device {
    const d = assembleScenario(this.sc, this.hal, this.world.store, null);
    if (!this.recorder) this.recorder = new Recorder(this.world.plant, d.controller.currentSchedule(), this.sc.profile.tickMs, 10 * MS_PER_MINUTE);
    this.gate = new PowerGate(this.recorder);
    d.controller.addObserver(this.gate);
    for (const o of this.observers) d.controller.addObserver(o);
    this.dev = d;
    d.boot();
    this.recorder.schedule = d.controller.currentSchedule();
    return d;
  }

  /** The power fails now: the motor stops where it is, the controller is gone; it comes back after offMs. */
  powerCut(offMs: number): void {
    const w = this.world;
    if (this.gate) this.gate.on = false;
    w.hal.stepper.powerCut();
    if (w.store.powered) w.store.powerOff();
    if (this.dev) this.dev.stop();
    this.dev = null;
    w.clock.at(w.clock.monoMs() + offMs, () => {
      if (!this.dev) this.powerBack();
    });
  }

  /** The power comes back: the store takes writes again and the device boots from its journal. */
  powerBack(): Device {
    this.world.store.powerOn();
    this.reboots++;
    return this.boot();
  }

  /** Plays the scenario's events on the world's clock (each reaches the device on at that moment). */
  scheduleEvents(events: EventSpec[]): void {
    for (const e of events) this.world.clock.at(e.atDay * MS_PER_DAY, () => this.play(e));
  }

  private play(e: EventSpec): void {
    if (e.kind === "power-cut") {
      if (this.dev) this.powerCut(e.offHours * MS_PER_HOUR);
      return;
    }
    const d = this.dev;
    if (!d) return;
    const ctl = d.controller;
    if (e.kind === "pause") ctl.pause("scenario: the patient pauses");
    else if (e.kind === "resume") ctl.resume("scenario: the patient resumes");
    else {
      const reached = ctl.lengthReachedUm();
      const s = ctl.currentSchedule();
      const rx = continueFrom(nextPrescription(ctl.prescription(), s.startUm + s.totalUm - reached, reached, e.prescription, this.sc), ctl.elapsedMs());
      ctl.loadPrescription(rx, reached, { rx: null, wallCorrectionMs: 0, scenarioEvent: e.atDay });
      if (this.recorder) this.recorder.schedule = ctl.currentSchedule();
    }
  }
}

/** The prescription that follows `cur` with `over` applied: it starts now (latency 0 unless given) and, unless told, delivers what is left. */
function nextPrescription(cur: Prescription, leftUm: number, reachedUm: number, over: any, sc: Scenario): Prescription {
  const json: any = {
    deviceSerial: cur.deviceSerial,
    counter: cur.counter + 1,
    latencyDays: 0,
    rateMmPerDay: cur.rateMmPerDay,
    rhythm: cur.incrementsPerDay > 0 ? cur.incrementsPerDay : "continuous",
    targetLengthMm: Math.max(0.01, Math.round(leftUm) / UM_PER_MM),
    consolidationDays: cur.consolidationDays,
    softForceN: cur.softForceN,
    hardForceN: cur.hardForceN,
    quietHours: cur.quietHours,
    utcOffsetMinutes: cur.utcOffsetMinutes,
  };
  return parsePrescription(Object.assign(json, over), sc.profile, reachedUm / UM_PER_MM);
}
