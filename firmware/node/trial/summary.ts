// The trial summary: every field of the `sim --json` contract (measured on the
// emulated rig's true gap, or on a real rig's position sensor), plus the bench
// extras: port, time compression, accuracy and precision against the
// prescription, and whether the final error is within the profile's tolerance.

import type { Summary } from "../../../sim/run.ts";
import { alarmsSinceStart, round, trackingFigures } from "../../../sim/run.ts";
import type { Recorder } from "../../../sim/recorder.ts";
import type { Controller } from "../../core/controller.ts";
import { finishMs, targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import type { JohnnyFiveHal } from "../../../hal/johnny-five/driver.ts";
import type { Rig } from "../../../sim/uno/rig.ts";
import { accuracyPct, precisionPct, segmentAccuracies } from "./measures.ts";
import type { TrialObserver } from "./observer.ts";

export const PRECISION_SEGMENTS = 10;

export interface TrialSummary extends Summary {
  port: string;
  timeScale: number;
  benchOnly: boolean;
  /** What the lengths were measured on. */
  truth: "plant" | "sensor";
  boardSeconds: number;
  stopReason: string;
  accuracyPct: number;
  precisionPct: number;
  segmentAccuracyPct: number[];
  logRecords: number;
}

export interface TrialEnd {
  name: string;
  port: string;
  timeScale: number;
  benchOnly: boolean;
  seed: number;
  wall0: number;
  endMs: number;
  boardSeconds: number;
  stopReason: string;
  finalStateSafe: boolean;
}

export function trialSummary(end: TrialEnd, controller: Controller, obs: TrialObserver, hal: JohnnyFiveHal, rig: Rig | null): TrialSummary {
  const rec: Recorder = obs.recorder;
  const sched = controller.currentSchedule();
  const rx = controller.prescription();
  const profile = controller.deviceProfile();
  const tick = profile.tickMs;
  const finalGap = obs.length.gapUm;
  const fig = trackingFigures(rec, finalGap, end.endMs);
  const targetAt = (t: number) => targetUm(sched, t - tick > 0 ? t - tick : 0);
  const prescribedUm = targetAt(end.endMs) - sched.startUm;
  const segments = segmentAccuracies(obs.lengthAt, targetAt, sched.latencyMs, Math.min(end.endMs, finishMs(sched) + tick), PRECISION_SEGMENTS);
  return {
    scenario: end.name,
    seed: end.seed,
    openLoop: false,
    simulatedDays: round(end.endMs / MS_PER_DAY, 4),
    wallMs: Math.round(performance.now() - end.wall0),
    targetLengthMm: rx.targetLengthMm,
    finalLengthMm: round((finalGap - sched.startUm) / 1000, 6),
    finalErrorUm: fig.finalErrorUm,
    rmsErrorUm: fig.rmsErrorUm,
    maxErrorUm: fig.maxErrorUm,
    prescribedRateMmPerDay: rx.rateMmPerDay,
    dailyRateMmPerDay: fig.dailyRateMmPerDay,
    incrementsPerDay: fig.incrementsPerDay,
    incrementsByDay: fig.incrementsByDay,
    peakForceN: round(rig ? rig.plant.peakForceN : Math.max(0, obs.peakForceN), 2),
    missedSteps: rig ? rig.plant.missedSteps() : 0,
    faults: rec.faults,
    warnings: rec.warnings,
    alarms: alarmsSinceStart(hal.alarm.history, controller.inspect().t0),
    finalPhase: controller.phaseState().phase,
    phaseDays: fig.phaseDays,
    finalStateSafe: end.finalStateSafe,
    port: end.port,
    timeScale: end.timeScale,
    benchOnly: end.benchOnly,
    truth: obs.length.kind,
    boardSeconds: round(end.boardSeconds, 3),
    stopReason: end.stopReason,
    toleranceUm: profile.positionToleranceUm,
    withinTolerance: Math.abs(rec.errorAt(end.endMs)) <= profile.positionToleranceUm,
    accuracyPct: round(accuracyPct(finalGap - sched.startUm, prescribedUm), 3),
    precisionPct: round(precisionPct(segments), 3),
    segmentAccuracyPct: segments.map((a) => round(a, 2)),
    logRecords: obs.log.records,
  };
}
