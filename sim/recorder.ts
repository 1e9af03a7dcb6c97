// Watches a controller running on the simulator and measures it against the
// prescription on the plant's TRUE gap length (never the sensor): tracking error,
// daily delivered rate, increments, every move and phase change, and a downsampled
// series for plots. The device is given one control tick to do what the schedule
// asks, so the error at t is true(t) − target(t − tick).

import type { MoveResult, Reading } from "../hal/types.ts";
import type { ControllerObserver } from "../firmware/core/controller.ts";
import type { Decision } from "../firmware/core/governor.ts";
import type { PhaseState } from "../firmware/core/phases.ts";
import type { Schedule } from "../firmware/core/schedule.ts";
import { finishMs, targetUm } from "../firmware/core/schedule.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import type { Plant } from "./plant.ts";

/** Where the truth comes from: the simulator's plant, or a rig's reference measurement. */
export type GapSource = Pick<Plant, "gapUm">;

export interface Series {
  tMs: number[];
  /** The reference the error is measured against: the target one tick earlier. */
  targetUm: number[];
  trueUm: number[];
  sensedUm: number[];
  estimateUm: number[];
  forceN: number[];
  phase: string[];
}

export interface PhaseEvent {
  atMs: number;
  from: string;
  to: string;
  reason: string;
}

export interface FaultEvent {
  atMs: number;
  code: string;
  detail: string;
}

export class Recorder implements ControllerObserver {
  plant: GapSource;
  schedule: Schedule;
  tickMs: number;
  seriesEveryMs: number;
  series: Series = { tMs: [], targetUm: [], trueUm: [], sensedUm: [], estimateUm: [], forceN: [], phase: [] };
  /** Move start times (ms since the prescription started), and what each asked and issued. */
  moveAtMs: number[] = [];
  moveRequested: number[] = [];
  moveIssued: number[] = [];
  movesOutsideDistraction = 0;
  phases: PhaseEvent[] = [];
  faults: FaultEvent[] = [];
  warnings: FaultEvent[] = [];
  currentPhase = "idle";
  /** True gap at the first tick at or after each distraction-day boundary. */
  dayStartGapUm: number[] = [];
  errSq = 0;
  errN = 0;
  errMaxAbs = 0;
  /** Largest excess of the true gap over the target (µm): overshoot, the dangerous side. */
  errMaxOver = 0;
  lastTMs = 0;
  private nextSeriesMs = 0;

  constructor(plant: GapSource, schedule: Schedule, tickMs: number, seriesEveryMs: number) {
    this.plant = plant;
    this.schedule = schedule;
    this.tickMs = tickMs;
    this.seriesEveryMs = seriesEveryMs;
  }

  /** The error (µm) the summary counts at time t: true − target one tick earlier. */
  errorAt(tMs: number): number {
    return this.plant.gapUm - targetUm(this.schedule, tMs - this.tickMs > 0 ? tMs - this.tickMs : 0);
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    const s = this.schedule;
    this.lastTMs = tMs;
    if (tMs >= s.latencyMs) {
      const err = this.errorAt(tMs);
      this.errSq += err * err;
      this.errN++;
      if (Math.abs(err) > this.errMaxAbs) this.errMaxAbs = Math.abs(err);
      if (err > this.errMaxOver) this.errMaxOver = err;
      const day = Math.floor((tMs - s.latencyMs) / MS_PER_DAY);
      while (this.dayStartGapUm.length <= day) this.dayStartGapUm.push(this.plant.gapUm);
    }
    if (tMs >= this.nextSeriesMs) {
      this.nextSeriesMs = tMs + this.seriesEveryMs;
      const sr = this.series;
      sr.tMs.push(tMs);
      sr.targetUm.push(targetUm(s, tMs - this.tickMs > 0 ? tMs - this.tickMs : 0));
      sr.trueUm.push(this.plant.gapUm);
      sr.sensedUm.push(pos.value);
      sr.estimateUm.push(d.estimateUm);
      sr.forceN.push(force.value);
      sr.phase.push(this.currentPhase);
    }
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    this.moveAtMs.push(tMs - (res.endedAtMs - res.startedAtMs));
    this.moveRequested.push(requested);
    this.moveIssued.push(res.issued);
    if (res.issued > 0 && this.currentPhase !== "distraction") this.movesOutsideDistraction++;
  }

  phase(tMs: number, from: PhaseState, to: PhaseState): void {
    this.currentPhase = to.phase;
    this.phases.push({ atMs: tMs, from: from.phase, to: to.phase, reason: to.reason });
    if (to.phase === "fault") this.faults.push({ atMs: tMs, code: to.fault, detail: to.reason });
  }

  warning(tMs: number, code: string, detail: string): void {
    this.warnings.push({ atMs: tMs, code, detail });
  }

  /** Milliseconds spent in each phase up to endMs. */
  timeInPhases(endMs: number): { [phase: string]: number } {
    const out: { [phase: string]: number } = {};
    for (let i = 0; i < this.phases.length; i++) {
      const p = this.phases[i];
      const until = i + 1 < this.phases.length ? this.phases[i + 1].atMs : endMs;
      out[p.to] = (out[p.to] || 0) + Math.max(0, until - p.atMs);
    }
    return out;
  }

  /** Number of whole or partial distraction days the schedule spans that the run reached before endMs. */
  distractionDays(endMs: number): number {
    const n = Math.max(1, Math.ceil((finishMs(this.schedule) - this.schedule.latencyMs) / MS_PER_DAY));
    const begun = Math.ceil((endMs - this.schedule.latencyMs) / MS_PER_DAY);
    return Math.max(0, Math.min(n, this.dayStartGapUm.length, begun));
  }

  /**
   * Delivered rate per distraction day (mm/day), on the true gap. A whole day is its
   * delivered length. A day the distraction only partly held (it finished, or the run
   * ended) is rated over the span it held: delivered ÷ (what the schedule asked that
   * day ÷ the prescribed rate), so 1 mm in a 0.83-day distraction reads 1.2 mm/day and
   * the last two increments of a 4-a-day staircase read the prescribed rate. Targets
   * are taken one tick early, as for the error (a move due at t is done by t + tick).
   */
  dailyRateMmPerDay(finalGapUm: number, endMs: number): number[] {
    const s = this.schedule;
    const n = this.distractionDays(endMs);
    const asked = (t: number) => (t - this.tickMs < s.latencyMs ? s.startUm : targetUm(s, t - this.tickMs));
    const out: number[] = [];
    for (let k = 0; k < n && k < this.dayStartGapUm.length; k++) {
      const end = k + 1 < this.dayStartGapUm.length ? this.dayStartGapUm[k + 1] : finalGapUm;
      const from = s.latencyMs + k * MS_PER_DAY;
      const to = Math.min(from + MS_PER_DAY, endMs);
      const prescribedUm = asked(to) - asked(from);
      const heldDays = prescribedUm > 0 ? Math.min(1, prescribedUm / s.rateUmPerDay) : 1;
      out.push((end - this.dayStartGapUm[k]) / 1000 / heldDays);
    }
    return out;
  }

  /** Moves that issued steps, per distraction day begun before endMs. */
  incrementsByDay(endMs: number): number[] {
    const n = this.distractionDays(endMs);
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(0);
    for (let i = 0; i < this.moveAtMs.length; i++) {
      if (this.moveIssued[i] <= 0) continue;
      const k = Math.floor((this.moveAtMs[i] - this.schedule.latencyMs) / MS_PER_DAY);
      if (k >= 0 && k < n) out[k]++;
    }
    return out;
  }
}
