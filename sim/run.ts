// Runs the real controller (firmware/core) on the simulator driver in virtual time
// and returns the summary of the `sim --json` contract plus the recorder with
// everything it saw. The open-loop baseline swaps the position sensor for a turn
// counter (issued pulses × µm/step), which is how magnet-driven nails "measure".

import type { Hal, Reading, Stepper } from "../hal/types.ts";
import type { SimHal } from "./driver.ts";
import type { Device } from "../firmware/core/assemble.ts";
import type { Controller, ControllerObserver } from "../firmware/core/controller.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { Recorder } from "./recorder.ts";
import type { FaultEvent } from "./recorder.ts";
import type { Scenario } from "./scenario.ts";
import { makeSimWorld } from "./world.ts";
import type { SimWorld } from "./world.ts";
import { Session } from "./session.ts";

export interface RunOptions {
  seed?: number;
  days?: number;
  openLoop?: boolean;
  /** Called about once per simulated hour with the fraction done. */
  onProgress?: (fraction: number) => void;
  /** An observer every controller of the run gets (across reboots), made once the session exists. */
  watch?: (session: Session) => ControllerObserver;
  /** More observers of every controller of the run, made once the world exists (e.g. a log writer reading the plant). */
  observers?: (world: SimWorld) => ControllerObserver[];
}

export interface Summary {
  scenario: string;
  seed: number;
  openLoop: boolean;
  simulatedDays: number;
  wallMs: number;
  targetLengthMm: number;
  finalLengthMm: number;
  finalErrorUm: number;
  rmsErrorUm: number;
  maxErrorUm: number;
  prescribedRateMmPerDay: number;
  dailyRateMmPerDay: number[];
  incrementsPerDay: number;
  incrementsByDay: number[];
  peakForceN: number;
  missedSteps: number;
  faults: FaultEvent[];
  warnings: FaultEvent[];
  alarms: Array<{ atMs: number; level: number; code: string }>;
  finalPhase: string;
  /** Days spent in each phase. */
  phaseDays: { [phase: string]: number };
  /** The run ended with the motor disabled, or complete/holding without a pending move. */
  finalStateSafe: boolean;
  /** The profile's position tolerance (µm), and whether the final error is within it. */
  toleranceUm: number;
  withinTolerance: boolean;
}

export interface RunResult {
  summary: Summary;
  recorder: Recorder;
  device: Device;
  controller: Controller;
  hal: SimHal;
  scenario: Scenario;
  session: Session;
}

/** Default run length: latency + distraction (with quiet hours) + consolidation + one day. */
export function defaultDays(sc: Scenario): number {
  const rx = sc.prescription;
  const activeFraction = rx.quietHours ? 1 - quietFraction(rx.quietHours.startHour, rx.quietHours.endHour) : 1;
  return Math.ceil(rx.latencyDays + rx.targetLengthMm / rx.rateMmPerDay / activeFraction + rx.consolidationDays + 1);
}

function quietFraction(start: number, end: number): number {
  return (end >= start ? end - start : 24 - start + end) / 24;
}

/** A position sensor that only counts issued pulses (open loop, never reads the gap). */
function turnCounter(hal: SimHal, umPerStep: number): Hal {
  let pulses = 0;
  const inner = hal.stepper;
  const stepper: Stepper = {
    enable: () => inner.enable(),
    disable: () => inner.disable(),
    isEnabled: () => inner.isEnabled(),
    driverFault: () => inner.driverFault(),
    move: (req, done) => inner.move(req, (res) => {
      pulses += res.issued * req.dir;
      done(res);
    }),
  };
  const position = { read: (): Reading => ({ value: pulses * umPerStep, atMs: hal.clock.monoMs(), ok: true }) };
  return Object.assign({}, hal, { name: hal.name + "+turn-counter", stepper, position });
}

export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const wall0 = performance.now();
  const seed = opts.seed ?? sc.seed;
  const world = makeSimWorld(sc, { seed });
  const hal = world.hal;
  const ctlHal = opts.openLoop ? turnCounter(hal, sc.profile.umPerMicrostep) : hal;
  // A turn counter is noiseless: the supervisor must not expect sensor noise from it.
  const profile = opts.openLoop ? Object.assign({}, sc.profile, { positionNoiseUm: 0 }) : sc.profile;
  const session = new Session(Object.assign({}, sc, { profile }), world, ctlHal);
  if (opts.watch) session.observers.push(opts.watch(session));
  if (opts.observers) for (const o of opts.observers(world)) session.observers.push(o);
  session.boot();
  session.scheduleEvents(sc.events);
  const days = opts.days ?? defaultDays(sc);
  const endMs = days * MS_PER_DAY;
  for (let t = MS_PER_HOUR; t < endMs + MS_PER_HOUR; t += MS_PER_HOUR) {
    world.clock.runUntil(Math.min(t, endMs));
    if (opts.onProgress) opts.onProgress(Math.min(1, t / endMs));
  }
  // a run that ends while the power is off ends with the power back and the device booted again
  if (!session.dev) session.powerBack();
  const device = session.device();
  const recorder = session.recorder!;
  const summary = summarize(sc, seed, days, !!opts.openLoop, wall0, device.controller, recorder, hal);
  return { summary, recorder, device, controller: device.controller, hal, scenario: sc, session };
}

/** Ends a run at `days` and measures it (the `sim --json` contract). */
export function summarize(sc: Scenario, seed: number, days: number, openLoop: boolean, wall0: number, controller: Controller, recorder: Recorder, hal: SimHal): Summary {
  const endMs = days * MS_PER_DAY;
  const plant = hal.plant;
  // Safe at the end: a fault has the motor off; any other phase holds with no move pending.
  const phase = controller.phaseState().phase;
  const safeAtEnd = phase === "fault" ? !hal.stepper.isEnabled() : !controller.isMoving();
  controller.stop();
  plant.advanceTo(endMs);
  const finalGap = plant.gapUm;
  const rx = sc.prescription;
  const fig = trackingFigures(recorder, finalGap, endMs);
  return {
    scenario: sc.name,
    seed,
    openLoop,
    simulatedDays: days,
    wallMs: Math.round(performance.now() - wall0),
    targetLengthMm: rx.targetLengthMm,
    finalLengthMm: round(finalGap / 1000, 6),
    finalErrorUm: fig.finalErrorUm,
    rmsErrorUm: fig.rmsErrorUm,
    maxErrorUm: fig.maxErrorUm,
    prescribedRateMmPerDay: rx.rateMmPerDay,
    dailyRateMmPerDay: fig.dailyRateMmPerDay,
    incrementsPerDay: fig.incrementsPerDay,
    incrementsByDay: fig.incrementsByDay,
    peakForceN: round(plant.peakForceN, 2),
    missedSteps: plant.missedSteps(),
    faults: recorder.faults,
    warnings: recorder.warnings,
    alarms: alarmsSinceStart(hal.alarm.history, controller.inspect().t0),
    finalPhase: phase,
    phaseDays: fig.phaseDays,
    finalStateSafe: safeAtEnd,
    toleranceUm: sc.profile.positionToleranceUm,
    withinTolerance: Math.abs(recorder.errorAt(endMs)) <= sc.profile.positionToleranceUm,
  };
}

/** The summary fields a recorder measures, shared by `sim` and `trial`. */
export function trackingFigures(recorder: Recorder, finalGapUm: number, endMs: number) {
  const byDay = recorder.incrementsByDay(endMs);
  const full = byDay.slice(0, Math.max(1, byDay.length - 1));
  const phaseMs = recorder.timeInPhases(endMs);
  const phaseDays: { [phase: string]: number } = {};
  for (const k of Object.keys(phaseMs)) phaseDays[k] = round(phaseMs[k] / MS_PER_DAY, 4);
  return {
    finalErrorUm: round(recorder.errorAt(endMs), 3),
    rmsErrorUm: round(recorder.errN > 0 ? Math.sqrt(recorder.errSq / recorder.errN) : 0, 3),
    maxErrorUm: round(recorder.errMaxAbs, 3),
    dailyRateMmPerDay: recorder.dailyRateMmPerDay(finalGapUm, endMs).map((x) => round(x, 5)),
    // 0 when the run never reached a distraction day (there is nothing to average)
    incrementsPerDay: byDay.length > 0 ? round(full.reduce((a, b) => a + b, 0) / full.length, 1) : 0,
    incrementsByDay: byDay,
    phaseDays,
  };
}

/**
 * The annunciator's history on the summary's time base: the HAL stamps alarms with its
 * monotonic clock (board time), faults and warnings count from the prescription start.
 */
export function alarmsSinceStart(history: Summary["alarms"], t0: number): Summary["alarms"] {
  return history.map((a) => ({ atMs: a.atMs - t0, level: a.level, code: a.code }));
}

export function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}
