// The supervisor's position evidence. Validity (stale, out of span, spikes,
// frozen), its own filtered estimate with commanded motion fed forward, and the
// account of sensor travel against step travel, since boot and since the
// prescription started: D = estimate − steps·µm + force·frame compliance − anchor,
// allowed a bound sized from the tolerance, backlash, noise and the drive's rated
// slip (any speed and sign: a drift, a creep, lost steps, a jump). When D leaves
// its bound, explain() names the cause from when it grew: while motion was
// commanded it is the drive (stall, missed steps, runaway); while the drive stood
// still it is the sensor, unless the drive could move that way on its own (a
// spring pushes forward, tissue turns a back-drivable gear back) and the force did
// not contradict it. Where the record holds too little still time to tell, the
// supervisor holds motion for a diagnostic dwell just long enough to tell.

import type { Reading } from "../../hal/types.ts";
import type { SupervisorConfig } from "./supervisor.ts";
import type { Verdict } from "./verdict.ts";
import { fault, fmt } from "./verdict.ts";

/** Checkpoints kept (every checkpointMs), and the two recent ones (every ratioTauMs). */
const CHECKPOINTS = 4;

export interface PositionState {
  est: number;
  estReady: boolean;
  /** Steps already fed forward into est. */
  estSteps: number;
  firstMs: number;
  lastGoodMs: number;
  lastValue: number;
  same: number;
  changedAtSteps: number;
  spikes: number;
  /** The account since boot: its anchor (est − steps·µm + F·compliance), force and steps there. */
  anchored: boolean;
  bootBias: number;
  bootForce: number;
  bootSteps: number;
  /** The account since the prescription started (NaN until set; carried across reboots by the journal). */
  rxBias: number;
  rxForce: number;
  rxSteps: number;
  /** Disagreement now (since boot), what of it grew in still spans (no step for settleMs), their length and number. */
  d: number;
  idleD: number;
  idleMs: number;
  spans: number;
  inSpan: boolean;
  spanD0: number;
  /** Commanded travel since the last move that broke a still span (µm). */
  trickleUm: number;
  lastSteps: number;
  lastMoveMs: number;
  lastTMs: number;
  /** Checkpoints [t, d, idleD, idleMs] × CHECKPOINTS (a ring), and two recent ones. */
  ck: number[];
  ckN: number;
  sh: number[];
  shN: number;
  /** Measured and commanded motion per tick, smoothed: their ratio tells a stall from lost steps. */
  emaMeasured: number;
  emaCommanded: number;
  lastEst: number;
  /** A jump of the raw reading: size, when confirmed, the force before it, whether a move explains it. */
  jumpUm: number;
  jumpMs: number;
  jumpForceBefore: number;
  jumpByMove: boolean;
  jumpTicks: number;
  lastForce: number;
  /** The step count at the last reading taken as good (a spike set aside is not): the motion a jump may be due to. */
  acceptedSteps: number;
  /** Diagnostic dwell: motion is held until then (-1 = none); what tripped it. */
  dwellUntilMs: number;
  dwellWhat: string;
  dwellDone: boolean;
}

export function makePositionState(stepCount: number): PositionState {
  return {
    est: 0, estReady: false, estSteps: stepCount, firstMs: -1, lastGoodMs: 0, lastValue: NaN, same: 0, changedAtSteps: stepCount, spikes: 0,
    anchored: false, bootBias: 0, bootForce: 0, bootSteps: stepCount, rxBias: NaN, rxForce: 0, rxSteps: stepCount,
    d: 0, idleD: 0, idleMs: 0, spans: 0, inSpan: false, spanD0: 0, trickleUm: 0, lastSteps: stepCount, lastMoveMs: -Infinity, lastTMs: 0,
    ck: [], ckN: 0, sh: [], shN: 0, emaMeasured: 0, emaCommanded: 0, lastEst: NaN,
    jumpUm: 0, jumpMs: -1, jumpForceBefore: NaN, jumpByMove: false, jumpTicks: 0, lastForce: NaN, acceptedSteps: stepCount,
    dwellUntilMs: -1, dwellWhat: "", dwellDone: false,
  };
}

/** What the position checks need from the rest of the supervisor each tick. */
export interface PositionContext {
  tMs: number;
  stepCount: number;
  /** The force to compensate frame compression with (N; the last valid reading). */
  forceN: number;
  forceValid: boolean;
  /** The smoothed force (N): what a real jump of the carriage into tissue changes and a sensor's jump does not. */
  forceEma: number;
  /**
   * Motion is not wanted now, for a reason the estimate's noise has no part in: the prescribed target stands still
   * (latency, between increments, quiet hours, consolidation, complete) or the device holds (paused, a dwell). A
   * still span needs it: were spans cut where the governor's noise-driven corrections happen, their ends would sit
   * where the estimate dipped, and the still-span account would drift with the noise.
   */
  holding: boolean;
}

/** Validity, spikes, frozen readings and the filtered estimate. */
export function checkPosition(c: SupervisorConfig, s: PositionState, p: Reading, x: PositionContext, v: Verdict): void {
  const t = x.tMs;
  const fresh = p.ok && isFinite(p.value) && t - p.atMs <= c.staleMs;
  if (fresh && (p.value < c.positionMinUm || p.value > c.positionMaxUm)) {
    fault(v, "position-sensor-out-of-range", "position " + fmt(p.value) + " µm outside " + fmt(c.positionMinUm) + "…" + fmt(c.positionMaxUm) + " µm");
    return;
  }
  if (!fresh) {
    if (t - s.lastGoodMs > c.staleMs) fault(v, "position-sensor-dropout", "no valid position reading for " + fmt((t - s.lastGoodMs) / 1000) + " s");
    return;
  }
  const pred = s.est + (x.stepCount - s.estSteps) * c.umPerStep;
  s.estSteps = x.stepCount;
  if (!s.estReady) {
    s.est = p.value;
    s.estReady = true;
    s.firstMs = t;
  } else if (Math.abs(p.value - pred) > c.spikeGateUm && Math.abs(p.value - s.lastValue) > c.spikeGateUm) {
    s.est = pred;
    s.spikes++;
    s.lastGoodMs = t;
    s.lastValue = p.value;
    if (s.spikes >= c.spikesToFault) fault(v, "position-sensor-out-of-range", s.spikes + " position jumps in a row (" + fmt(p.value) + " µm, expected " + fmt(pred) + ")");
    return;
  } else {
    s.est = pred + ((p.value - pred) * c.tickMs) / (c.filterTauMs + c.tickMs);
  }
  s.spikes = 0;
  s.lastGoodMs = t;
  if (p.value === s.lastValue) s.same++;
  else {
    s.same = 0;
    s.changedAtSteps = x.stepCount;
  }
  s.lastValue = p.value;
  const movedUm = (x.stepCount - s.changedAtSteps) * c.umPerStep;
  if ((c.positionNoiseUm > 0 && s.same >= c.stuckReadings) || movedUm >= c.windowUm) {
    fault(v, "position-sensor-stuck", "position frozen at " + fmt(p.value) + " µm for " + s.same + " readings, " + fmt(movedUm) + " µm commanded");
    return;
  }
  // a jump: the raw reading far from the estimate on two readings (one is a spike)
  const gap = p.value - s.est;
  if (Math.abs(gap) < c.jumpUm) s.jumpTicks = 0;
  else if (s.jumpTicks === 0) {
    s.jumpByMove = Math.abs(x.stepCount - s.acceptedSteps) * c.umPerStep >= 0.5 * Math.abs(gap);
    s.jumpForceBefore = s.lastForce;
    s.jumpTicks = 1;
  } else if (++s.jumpTicks === 2) {
    s.jumpUm = gap;
    s.jumpMs = t;
  }
  s.lastForce = x.forceEma;
  if (s.jumpTicks === 0) s.acceptedSteps = x.stepCount;
}

/** The disagreement allowed now (µm) by an account anchored at (force0, steps0). */
function allowance(c: SupervisorConfig, x: PositionContext, d: number, force0: number, steps0: number): number {
  const slip = d < 0 ? c.slipAllowance * Math.abs(x.stepCount - steps0) * c.umPerStep : 0;
  return c.accountBoundUm + c.complianceSlackUmPerN * Math.abs(x.forceN - force0) + slip;
}

function put(ring: number[], slot: number, t: number, s: PositionState): void {
  const i = slot * 4;
  ring[i] = t;
  ring[i + 1] = s.d;
  ring[i + 2] = s.idleD;
  ring[i + 3] = s.idleMs;
}

/** The account, after checkPosition. When it trips it names the cause, or starts a dwell (v.hold). */
export function checkMotion(c: SupervisorConfig, s: PositionState, x: PositionContext, v: Verdict): void {
  if (!s.estReady) return;
  const t = x.tMs;
  const bias = s.est - x.stepCount * c.umPerStep + x.forceN * c.complianceUmPerN;
  if (!s.anchored) {
    if (t - s.firstMs < c.settleMs || !x.forceValid) return;
    s.anchored = true;
    s.bootBias = bias;
    s.bootForce = x.forceN;
    s.bootSteps = x.stepCount;
    s.lastSteps = x.stepCount;
    s.lastTMs = t;
    s.lastEst = s.est;
  }
  // the account since the prescription started: anchored once per prescription (a new one, or none journaled)
  if (!isFinite(s.rxBias) && x.forceValid) {
    s.rxBias = bias;
    s.rxForce = x.forceN;
    s.rxSteps = x.stepCount;
  }
  const d = bias - s.bootBias;
  const b = c.tickMs / (c.ratioTauMs + c.tickMs);
  s.emaMeasured += (s.est - s.lastEst - s.emaMeasured) * b;
  s.emaCommanded += ((x.stepCount - s.lastSteps) * c.umPerStep - s.emaCommanded) * b;
  s.lastEst = s.est;
  // still spans: no motion wanted (x.holding) and less than spanMoveUm commanded for settleMs (a stray single
  // step to hold the target does not break one); what D does in them is the sensor's (or the carriage's) own doing
  s.trickleUm += Math.abs(x.stepCount - s.lastSteps) * c.umPerStep;
  if (s.trickleUm > c.spanMoveUm || !x.holding) {
    s.trickleUm = 0;
    s.lastMoveMs = t;
    s.inSpan = false;
  } else if (t - s.lastMoveMs >= c.settleMs) {
    if (s.inSpan) {
      s.idleD += d - s.d;
      s.idleMs += t - s.lastTMs;
    } else {
      s.spanD0 = d;
      s.spans++;
    }
    s.inSpan = true;
  }
  s.lastSteps = x.stepCount;
  s.lastTMs = t;
  s.d = d;
  if (s.dwellUntilMs >= 0) {
    if (t < s.dwellUntilMs) {
      v.hold = "diagnostic dwell: sensor or drive?";
      return;
    }
    s.dwellUntilMs = -1;
    s.dwellDone = true;
    explain(c, s, x, v);
    return;
  }
  if (s.ckN === 0 || t >= s.ck[((s.ckN - 1) % CHECKPOINTS) * 4] + c.checkpointMs) put(s.ck, s.ckN++ % CHECKPOINTS, t, s);
  if (s.shN === 0 || t >= s.sh[(s.shN - 1) * 4] + c.ratioTauMs) {
    if (s.shN === 2) for (let k = 0; k < 4; k++) s.sh[k] = s.sh[4 + k];
    if (s.shN < 2) s.shN++;
    put(s.sh, s.shN - 1, t, s);
  }
  const dRx = bias - s.rxBias;
  const aBoot = allowance(c, x, d, s.bootForce, s.bootSteps);
  const aRx = allowance(c, x, dRx, s.rxForce, s.rxSteps);
  // what grew while the drive stood still gets no slip allowance (a drive cannot slip standing still), but each
  // still span adds the noise of its two ends: 4 σ of their sum
  const aIdle = c.accountBoundUm + c.complianceSlackUmPerN * Math.abs(x.forceN - s.bootForce) + 4 * c.filterNoiseUm * Math.sqrt(2 * s.spans);
  const trip = Math.abs(d) > aBoot ? "boot" : Math.abs(dRx) > aRx ? "prescription start" : Math.abs(s.idleD) > aIdle ? "still" : "";
  if (trip === "") return;
  const dd = trip === "boot" ? d : trip === "still" ? s.idleD : dRx;
  s.dwellWhat = (trip === "still" ? "in still spans since boot" : "since " + trip) + " the sensor saw " + fmt(dd) + " µm " + (dd > 0 ? "more" : "less") + " than the steps (±" + fmt(trip === "boot" ? aBoot : trip === "still" ? aIdle : aRx) + ")";
  explain(c, s, x, v);
}

/** Whether the drive can move on its own in this direction (+1 = the gap opening). */
function driveCanMove(c: SupervisorConfig, dir: number, forceN: number): boolean {
  if (dir > 0) return c.drive === "spring";
  return c.backDrivable && forceN > c.forceMarginN;
}

/** Index (×4) of the checkpoint the growth started after: the newest before at least half of it. */
function baseline(s: PositionState): number {
  const n = Math.min(s.ckN, CHECKPOINTS);
  const oldest = (s.ckN - n) % CHECKPOINTS;
  const g = Math.abs(s.d - s.ck[oldest * 4 + 1]);
  for (let k = 1; k <= n; k++) {
    const i = (s.ckN - k) % CHECKPOINTS;
    if (Math.abs(s.d - s.ck[i * 4 + 1]) >= 0.5 * g) return i * 4;
  }
  return oldest * 4;
}

/** Names what made sensor and steps disagree, or starts a dwell when the record cannot tell yet. */
function explain(c: SupervisorConfig, s: PositionState, x: PositionContext, v: Verdict): void {
  const t = x.tMs;
  if (s.jumpTicks === 1) {
    // a jump seen on one reading only: the next one says whether it was one
    s.dwellUntilMs = t + c.tickMs;
    v.hold = "diagnostic dwell: a jump?";
    return;
  }
  let r = s.ck;
  let i = baseline(s);
  // a growth the last 10–20 min show clearly is judged over them (a long baseline would dilute its rate)
  const sh = s.sh;
  const j = s.shN >= 2 ? 0 : -1;
  if (j === 0) {
    const recent = s.d - sh[1];
    const long = s.d - r[i + 1];
    if (Math.abs(recent) > 2 * c.evidenceUm && Math.abs(recent) / Math.max(t - sh[0], c.tickMs) > Math.abs(long) / Math.max(t - r[i], c.tickMs)) {
      r = sh;
      i = 0;
    }
  }
  const grown = s.d - r[i + 1];
  const dt = Math.max(t - r[i], c.tickMs);
  const idleGrown = s.idleD - r[i + 2];
  const idleMs = s.idleMs - r[i + 3];
  const sudden = s.jumpMs >= 0 && t - s.jumpMs <= 2 * c.settleMs + 2 * c.tickMs && Math.abs(s.jumpUm) >= 0.5 * Math.abs(grown);
  let timeDriven = sudden && !s.jumpByMove;
  if (!sudden) {
    const expect = (Math.abs(grown) / dt) * idleMs;
    if (expect < c.evidenceUm && !s.dwellDone) {
      s.dwellUntilMs = t + Math.min(c.dwellMaxMs, c.settleMs + c.tickMs + ((c.evidenceUm - expect) * dt) / Math.max(Math.abs(grown), 1e-9));
      v.hold = "diagnostic dwell: sensor or drive?";
      return;
    }
    timeDriven = expect > 0 && idleGrown * (grown > 0 ? 1 : -1) > 0.5 * expect;
  }
  const ev = s.dwellWhat + "; " + fmt(grown) + " µm in " + fmt(dt / 60000) + " min, " + fmt(idleGrown) + " µm of it in " + fmt(idleMs / 60000) + " min still" + (sudden ? ", a jump of " + fmt(s.jumpUm) + " µm" : "");
  if (!timeDriven) {
    const seen = s.emaCommanded > 0 ? s.emaMeasured / s.emaCommanded : 1;
    fault(v, grown > 0 ? "runaway" : seen < c.stallRatio ? "stall" : "missed-steps", "while moving: " + ev);
    return;
  }
  const dir = grown > 0 ? 1 : -1;
  let moved = driveCanMove(c, dir, x.forceN);
  const expectN = c.tissueStiffnessNPerUm * Math.abs(s.jumpUm);
  if (moved && sudden && expectN >= c.corroborateN && isFinite(s.jumpForceBefore)) {
    // a real jump into tissue stretches it: the smoothed force moves with it (once it has caught up); a sensor's does not
    if (t - s.jumpMs < c.settleMs) {
      s.dwellUntilMs = s.jumpMs + c.settleMs;
      v.hold = "diagnostic dwell: did the force follow the jump?";
      return;
    }
    moved = (x.forceEma - s.jumpForceBefore) * dir >= 0.5 * expectN;
  }
  if (moved) fault(v, dir > 0 ? "runaway" : "uncommanded-retraction", "with no motion commanded: " + ev);
  else fault(v, "position-sensor-drift", "the reading moved, the drive " + (dir > 0 ? (c.drive === "spring" ? "and force did not" : "cannot advance alone") : c.backDrivable ? "and force did not" : "is self-locking") + ": " + ev);
}
