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
import { MS_PER_HOUR } from "./units.ts";

/** Checkpoints kept (every checkpointMs), and the two recent ones (every ratioTauMs). */
const CHECKPOINTS = 4;
/** The force sums kept (PositionState.fs), and a checkpoint's size: 8 values, then the sums. */
const FS = 6;
const CK = 8 + FS;

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
  /** Travel commanded inside still spans (the governor's corrections while the target stands; µm). */
  idleUm: number;
  inSpan: boolean;
  spanD0: number;
  /** Commanded travel since the last move that broke a still span (µm). */
  trickleUm: number;
  lastSteps: number;
  lastMoveMs: number;
  lastTMs: number;
  /**
   * Checkpoints [t, d, idleD, idleMs, spans, smoothed force, steps, idleUm, the force sums (FS of them)] × CHECKPOINTS
   * (a ring), and two recent ones: typed arrays, a fraction of the variables a plain array of numbers takes on
   * Espruino (docs/espruino.md).
   */
  ck: Float64Array;
  ckN: number;
  sh: Float64Array;
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
  /** The estimate a jump is measured from (the one before its first reading), the step count and the gap then. */
  jumpBase: number;
  jumpBaseSteps: number;
  jumpBaseGap: number;
  /** The last good reading's distance from its prediction (µm). */
  lastGapUm: number;
  lastForce: number;
  /** The step count at the last reading taken as good (a spike set aside is not): the motion a jump may be due to. */
  acceptedSteps: number;
  /** Motion is held until then while unchanged readings tell a frozen sensor from a jam (-1 = none). */
  frozenHoldUntilMs: number;
  /** Diagnostic dwell: motion is held until then (-1 = none); what tripped it. */
  dwellUntilMs: number;
  dwellWhat: string;
  dwellDone: boolean;
  /**
   * The dwell's own still span, fitted by least squares (a slope over every reading tells far more than its two
   * ends): when it began (NaN until it has settled), the sums [n, Σu, Σd, Σu², Σud, Σd²] over u = hours since then
   * and d = the account of each good raw reading, the growth rate (µm/ms) and sign it tests, and when the dwell
   * started.
   */
  dwellT0: number;
  /** The smoothed force when the dwell's still span began, and the force sums then. */
  dwellF0: number;
  dwellFs: Float64Array;
  /**
   * Every fresh raw force reading since the account was anchored, summed for a least-squares line through any
   * stretch between two of its snapshots (a checkpoint, the dwell's start): [n, Σu, ΣF, Σu², ΣuF, ΣF²] over u =
   * hours since the anchor and F = the reading less the force there. The fit's rise and its σ (from the
   * residuals) over the last stretch fitted: forceFit().
   */
  fs: Float64Array;
  fitRise: number;
  fitSigma: number;
  dwellFit: Float64Array;
  dwellRate: number;
  dwellDir: number;
  dwellStartMs: number;
  /** Measured over commanded motion when the dwell began (NaN before one). */
  dwellSeen: number;
  /** The dwell was drawn out for the force to witness a stretch. */
  forceDwell: boolean;
  /** The last time every account stood within half its bound, and the least rate the tripped one grew at since (µm/ms). */
  calmMs: number;
  tripRate: number;
  /** The sign of the disagreement that tripped (+1: the sensor saw more than the steps). */
  tripDir: number;
  /**
   * The tissue's stiffness as the increments show it: the smoothed force and steps where an increment began (NaN
   * when none is being measured), when a step was last commanded, the smoothed force a tick ago, and what the
   * increments measured (N/µm, smoothed; NaN before the first).
   */
  kF0: number;
  kS0: number;
  lastStepMs: number;
  prevForceEma: number;
  kSeen: number;
}

export function makePositionState(stepCount: number): PositionState {
  return {
    est: 0, estReady: false, estSteps: stepCount, firstMs: -1, lastGoodMs: 0, lastValue: NaN, same: 0, changedAtSteps: stepCount, spikes: 0,
    anchored: false, bootBias: 0, bootForce: 0, bootSteps: stepCount, rxBias: NaN, rxForce: 0, rxSteps: stepCount,
    d: 0, idleD: 0, idleMs: 0, spans: 0, idleUm: 0, inSpan: false, spanD0: 0, trickleUm: 0, lastSteps: stepCount, lastMoveMs: -Infinity, lastTMs: 0,
    ck: new Float64Array(CHECKPOINTS * CK), ckN: 0, sh: new Float64Array(2 * CK), shN: 0, emaMeasured: 0, emaCommanded: 0, lastEst: NaN,
    jumpUm: 0, jumpMs: -1, jumpForceBefore: NaN, jumpByMove: false, jumpTicks: 0, jumpBase: 0, jumpBaseSteps: stepCount, jumpBaseGap: 0, lastGapUm: 0, lastForce: NaN, acceptedSteps: stepCount,
    frozenHoldUntilMs: -1, dwellUntilMs: -1, dwellWhat: "", dwellDone: false, dwellT0: NaN, dwellF0: NaN, dwellFs: new Float64Array(FS), fs: new Float64Array(FS), fitRise: NaN, fitSigma: NaN, dwellFit: new Float64Array(FS), dwellRate: 0, dwellDir: 0, dwellStartMs: 0, dwellSeen: NaN, forceDwell: false, calmMs: 0, tripRate: 0, tripDir: 0, kF0: NaN, kS0: NaN, lastStepMs: -Infinity, prevForceEma: NaN, kSeen: NaN,
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
    v.positionSetAside = true;
    s.lastGoodMs = t;
    // a reading set aside as implausible still changed: the sensor is not frozen
    if (p.value !== s.lastValue) {
      s.same = 0;
      s.changedAtSteps = x.stepCount;
    }
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
  // frozen: unchanged for stuckReadings, or for frozenReadings (more than chance) while windowUm was commanded (a
  // jammed drive's readings only agree by chance)
  const movedUm = (x.stepCount - s.changedAtSteps) * c.umPerStep;
  if ((c.positionNoiseUm > 0 && s.same >= c.stuckReadings) || (movedUm >= c.windowUm && s.same >= c.frozenReadings)) {
    fault(v, "position-sensor-stuck", "position frozen at " + fmt(p.value) + " µm for " + s.same + " readings, " + fmt(movedUm) + " µm commanded");
    return;
  }
  // a jump: the raw reading far from the estimate on two readings (one is a spike), both measured from the estimate
  // before the first (the filter has already moved a share of the way towards it); once confirmed, from the estimate
  // before the first: while the estimate is still catching up with a jump (the last reading was half a jump from
  // it), the lag is not a new one
  const base = s.jumpTicks === 0 ? pred : s.jumpTicks === 1 ? s.jumpBase + (x.stepCount - s.jumpBaseSteps) * c.umPerStep : s.est;
  const gap = p.value - base;
  const lagging = Math.abs(s.lastGapUm) >= 0.5 * c.jumpUm;
  s.lastGapUm = p.value - pred;
  if (Math.abs(gap) < c.jumpUm || (s.jumpTicks === 1 && gap * s.jumpBaseGap < 0) || (s.jumpTicks === 0 && lagging)) s.jumpTicks = 0;
  else if (s.jumpTicks === 0) {
    s.jumpByMove = Math.abs(x.stepCount - s.acceptedSteps) * c.umPerStep >= 0.5 * Math.abs(gap);
    s.jumpForceBefore = s.lastForce;
    s.jumpBase = pred;
    s.jumpBaseSteps = x.stepCount;
    s.jumpBaseGap = gap;
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


/** Adds the point (u, y) to least-squares sums [n, Σu, Σy, Σu², Σuy, Σy²]. */
function addPoint(f: Float64Array, u: number, y: number): void {
  f[0]++;
  f[1] += u;
  f[2] += y;
  f[3] += u * u;
  f[4] += u * y;
  f[5] += y * y;
}

function put(ring: Float64Array, slot: number, t: number, s: PositionState, x: PositionContext): void {
  const i = slot * CK;
  ring[i] = t;
  ring[i + 1] = s.d;
  ring[i + 2] = s.idleD;
  ring[i + 3] = s.idleMs;
  ring[i + 4] = s.spans;
  ring[i + 5] = x.forceEma;
  ring[i + 6] = x.stepCount;
  ring[i + 7] = s.idleUm;
  for (let k = 0; k < FS; k++) ring[i + 8 + k] = s.fs[k];
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
  if (x.forceValid) {
    // in hours since the first reading, relative to the anchor's force: kept small, so a window's differences of
    // the sums keep their precision over months of readings (doubles, ~1e-16: Σu² of 180 days is ~1e13, a 10 min
    // window's spread ~0.1, an error of ~1 %)
    addPoint(s.fs, (t - s.firstMs) / MS_PER_HOUR, x.forceN - s.bootForce);
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
  // still spans: no motion wanted (x.holding) and less than spanMoveUm commanded since settleMs after the last
  // motion (the governor's corrections to hold the target do not end one); what D does in them is the sensor's
  // (or the carriage's) own doing
  s.trickleUm += Math.abs(x.stepCount - s.lastSteps) * c.umPerStep;
  if (s.trickleUm > c.spanMoveUm || !x.holding) {
    s.trickleUm = 0;
    s.lastMoveMs = t;
    s.inSpan = false;
  } else if (t - s.lastMoveMs >= c.settleMs) {
    if (s.inSpan) {
      s.idleD += d - s.d;
      s.idleMs += t - s.lastTMs;
      s.idleUm += Math.abs(x.stepCount - s.lastSteps) * c.umPerStep;
    } else {
      s.spanD0 = d;
      s.spans++;
    }
    s.inSpan = true;
  }
  measureStiffness(c, s, x);
  s.lastSteps = x.stepCount;
  s.lastTMs = t;
  s.d = d;
  if (s.dwellUntilMs >= 0) {
    if (s.inSpan) {
      if (isNaN(s.dwellT0)) {
        s.dwellT0 = t;
        s.dwellF0 = x.forceEma;
        for (let k = 0; k < FS; k++) s.dwellFs[k] = s.fs[k];
      }
      // the account of each good raw reading, not of the filtered estimate: the filter is still following the last
      // move when the span begins (e^-3 of what that move lost or gained is left after settleMs), and that tail, fitted,
      // would read as a growth with time; the raw readings have no tail and the same noise as the estimate's
      // T / 2τ independent values (fitNoise)
      if (s.lastGoodMs === t && s.spikes === 0) addPoint(s.dwellFit, (t - s.dwellT0) / MS_PER_HOUR, s.lastValue - x.stepCount * c.umPerStep + x.forceN * c.complianceUmPerN - s.bootBias);
    }
    if (t < s.dwellUntilMs) {
      v.hold = "diagnostic dwell: sensor or drive?";
      return;
    }
    // not yet clear either way: dwell as long again, up to dwellMaxMs in all
    if (dwellTells(c, s, t) === 0 && t - s.dwellStartMs < c.dwellMaxMs) {
      const T = t - s.dwellT0;
      s.dwellUntilMs = t + Math.min(T, s.dwellStartMs + c.dwellMaxMs - t);
      v.hold = "diagnostic dwell: sensor or drive?";
      return;
    }
    s.dwellUntilMs = -1;
    s.dwellDone = true;
    explain(c, s, x, v);
    return;
  }
  if (s.ckN === 0 || t >= s.ck[((s.ckN - 1) % CHECKPOINTS) * CK] + c.checkpointMs) put(s.ck, s.ckN++ % CHECKPOINTS, t, s, x);
  if (s.shN === 0 || t >= s.sh[(s.shN - 1) * CK] + c.ratioTauMs) {
    if (s.shN === 2) for (let k = 0; k < CK; k++) s.sh[k] = s.sh[CK + k];
    if (s.shN < 2) s.shN++;
    put(s.sh, s.shN - 1, t, s, x);
  }
  const dRx = bias - s.rxBias;
  const aBoot = allowance(c, x, d, s.bootForce, s.bootSteps);
  const aRx = allowance(c, x, dRx, s.rxForce, s.rxSteps);
  // what grew while the drive stood still gets no slip allowance (a drive cannot slip standing still), but each
  // still span adds the noise of its two ends: 4 σ of their sum
  // the governor's small corrections inside spans are moves: the drive may slip on them as rated
  const aIdle = c.accountBoundUm + c.complianceSlackUmPerN * Math.abs(x.forceN - s.bootForce) + 4 * c.filterNoiseUm * Math.sqrt(2 * s.spans) + (s.idleD < 0 ? c.slipAllowance * s.idleUm : 0);
  // a jump of the reading confirmed on two readings in a still span, with nothing commanded: larger than jumpUm (which
  // is above the tolerance, the backlash and six σ of noise), it moved the reading by more than the length may be off,
  // though the accounts may still be inside their bounds (those allow the tolerance, backlash and noise of motion)
  // (force-compensated: a load landing on the device compresses the frame, and the gap really is shorter)
  const jumped = s.jumpMs === t && !s.jumpByMove && s.inSpan && isFinite(s.jumpForceBefore) && Math.abs(s.jumpUm + (x.forceN - s.jumpForceBefore) * c.complianceUmPerN) > c.jumpUm;
  const trip = Math.abs(d) > aBoot ? "boot" : Math.abs(dRx) > aRx ? "prescription start" : Math.abs(s.idleD) > aIdle ? "still" : jumped ? "jump" : "";
  if (Math.abs(d) <= 0.5 * aBoot && !(Math.abs(dRx) > 0.5 * aRx) && Math.abs(s.idleD) <= 0.5 * aIdle) s.calmMs = t;
  if (trip === "") return;
  const dd = trip === "boot" ? d : trip === "still" ? s.idleD : trip === "jump" ? s.jumpUm : dRx;
  const a = trip === "boot" ? aBoot : trip === "still" ? aIdle : trip === "jump" ? c.jumpUm : aRx;
  // from within half its bound to beyond it: at least half the bound grew since calmMs (a slow drift's rate, which
  // a short window's noise would overstate)
  s.tripRate = (Math.abs(dd) - 0.5 * a) / Math.max(t - s.calmMs, c.tickMs);
  s.tripDir = dd > 0 ? 1 : -1;
  s.dwellWhat = (trip === "still" ? "in still spans since boot" : trip === "jump" ? "in a still span" : "since " + trip) + " the sensor saw " + fmt(dd) + " µm " + (dd > 0 ? "more" : "less") + " than the steps (±" + fmt(a) + ")";
  explain(c, s, x, v);
}

/** The least travel an increment must have for its force rise to measure the tissue (µm). */
const STIFFNESS_MOVE_UM = 20;

/**
 * What an increment shows of the tissue: its smoothed force rise, settleMs after the last step, per µm moved. The
 * regenerate only stiffens as it matures (a rupture is caught on its own), so the last increments tell the force a
 * jump or a creep of the carriage must give in the phases without increments too.
 */
function measureStiffness(c: SupervisorConfig, s: PositionState, x: PositionContext): void {
  const t = x.tMs;
  if (x.stepCount !== s.lastSteps) {
    if (t - s.lastStepMs > c.settleMs && isNaN(s.kS0)) {
      s.kS0 = s.lastSteps;
      s.kF0 = s.prevForceEma;
    }
    s.lastStepMs = t;
  } else if (!isNaN(s.kS0) && t - s.lastStepMs >= c.settleMs) {
    const um = (x.stepCount - s.kS0) * c.umPerStep;
    if (um >= STIFFNESS_MOVE_UM && isFinite(s.kF0) && x.forceValid) {
      const k = Math.max(0, (x.forceEma - s.kF0) / um);
      s.kSeen = isNaN(s.kSeen) ? k : s.kSeen + 0.3 * (k - s.kSeen);
    }
    s.kS0 = NaN;
  }
  s.prevForceEma = x.forceEma;
}

/** The stiffness a real stretch meets (N/µm): the profile's least, or half what the increments showed. */
function stiffness(c: SupervisorConfig, s: PositionState): number {
  return isFinite(s.kSeen) ? Math.max(c.tissueStiffnessNPerUm, 0.5 * s.kSeen) : c.tissueStiffnessNPerUm;
}

/** Holds motion for a diagnostic dwell testing a growth at rate (µm/ms) in direction dir. */
function startDwell(c: SupervisorConfig, s: PositionState, t: number, rate: number, dir: number): void {
  s.dwellRate = rate;
  s.dwellDir = dir;
  s.dwellT0 = NaN;
  s.dwellF0 = NaN;
  s.dwellFit.fill(0);
  s.dwellStartMs = t;
  s.dwellSeen = s.emaCommanded > 0 ? s.emaMeasured / s.emaCommanded : 1;
  s.dwellUntilMs = t + Math.min(c.dwellMaxMs, c.settleMs + 2 * c.tickMs + Math.max(c.dwellMinMs, dwellNeed(c, rate)));
}

/** A dwell long enough that half the growth at rate g (µm/ms) stands 3 σ above its fit's noise (ms). */
export function dwellNeed(c: SupervisorConfig, g: number): number {
  return Math.pow((6 * c.filterNoiseUm * Math.sqrt(24 * c.filterTauMs)) / Math.max(g, 1e-12), 2 / 3);
}

/** The dwell's fitted growth over its still span so far (µm; NaN if too few readings). */
function dwellGrowth(s: PositionState, t: number): number {
  const f = s.dwellFit;
  const den = f[0] * f[3] - f[1] * f[1];
  if (f[0] < 10 || !(den > 0)) return NaN;
  return (((f[0] * f[4] - f[1] * f[2]) / den) * (t - s.dwellT0)) / MS_PER_HOUR;
}

/**
 * What the dwell's fit says: 1 = the disagreement grows with time alone (3 σ of the fit), -1 = it does not (3 σ
 * below half of what the rate that tripped the account would give), 0 = not yet clear, NaN = too few readings.
 */
function dwellTells(c: SupervisorConfig, s: PositionState, t: number): number {
  const g = dwellGrowth(s, t);
  if (!isFinite(g)) return NaN;
  const T = t - s.dwellT0;
  const n = fitNoise(c, T);
  if (g * s.dwellDir >= 3 * n) return 1;
  if (g * s.dwellDir + 3 * n <= 0.5 * s.dwellRate * T) return -1;
  return 0;
}

/** One σ of a fitted growth over a still span of T ms: the filtered estimate has about T / 2τ independent values. */
function fitNoise(c: SupervisorConfig, T: number): number {
  return c.filterNoiseUm * Math.sqrt((24 * c.filterTauMs) / Math.max(T, c.filterTauMs));
}

/**
 * A least-squares line through every raw force reading since the sums `r[i …]` (a snapshot of s.fs): its rise
 * over the T ms since then into s.fitRise, and one σ of that rise into s.fitSigma, from the fit's own residuals
 * (a relaxing force's curvature only widens them) and never below what the load cell's stated noise gives.
 * NaN when too few readings.
 */
function forceFit(c: SupervisorConfig, s: PositionState, r: Float64Array, i: number, T: number): void {
  const fs = s.fs;
  const n = fs[0] - r[i];
  s.fitRise = NaN;
  s.fitSigma = NaN;
  // the fewest readings a fit is judged on: its residuals estimate the noise, which needs a few dozen
  if (n < 30) return;
  const su = fs[1] - r[i + 1];
  const sf = fs[2] - r[i + 2];
  const suu = fs[3] - r[i + 3] - (su * su) / n;
  const suf = fs[4] - r[i + 4] - (su * sf) / n;
  const sff = fs[5] - r[i + 5] - (sf * sf) / n;
  if (!(suu > 0)) return;
  const slope = suf / suu;
  const resid = Math.max(0, sff - slope * suf) / (n - 2);
  const h = T / MS_PER_HOUR;
  s.fitRise = slope * h;
  s.fitSigma = Math.sqrt(Math.max(resid, c.forceNoiseN * c.forceNoiseN) / suu) * h;
}

/** Whether the drive can move on its own in this direction (+1 = the gap opening). */
function driveCanMove(c: SupervisorConfig, dir: number, forceN: number): boolean {
  if (dir > 0) return c.drive === "spring";
  return c.backDrivable && forceN > c.forceMarginN;
}

/** Index (×CK) of the checkpoint the growth started after: the newest before at least half of it. */
function baseline(s: PositionState): number {
  const n = Math.min(s.ckN, CHECKPOINTS);
  const oldest = (s.ckN - n) % CHECKPOINTS;
  const g = Math.abs(s.d - s.ck[oldest * CK + 1]);
  for (let k = 1; k <= n; k++) {
    const i = (s.ckN - k) % CHECKPOINTS;
    if (Math.abs(s.d - s.ck[i * CK + 1]) >= 0.5 * g) return i * CK;
  }
  return oldest * CK;
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
  if (s.shN >= 2) {
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
  let ev = s.dwellWhat + "; " + fmt(grown) + " µm in " + fmt(dt / 60000) + " min, " + fmt(idleGrown) + " µm of it in " + fmt(idleMs / 60000) + " min still" + (sudden ? ", a jump of " + fmt(s.jumpUm) + " µm" : "");
  if (!sudden) {
    const rate = Math.abs(grown) / dt;
    const expect = rate * idleMs;
    // each still span in the window adds the noise of its two ends: many short spans (a staircase of many
    // increments a day) tell less than one long one of the same total
    const spansIn = Math.max(1, s.spans - r[i + 4]);
    const tells = s.dwellDone ? dwellTells(c, s, t) : NaN;
    if (!isNaN(tells)) {
      // the dwell is one long span, fitted: it tells on its own whether the disagreement grows with time alone
      const T = t - s.dwellT0;
      timeDriven = tells > 0 || (tells === 0 && dwellGrowth(s, t) * s.dwellDir >= 2 * fitNoise(c, T));
      ev += "; " + fmt(dwellGrowth(s, t)) + " µm (σ " + fmt(fitNoise(c, T)) + ") fitted over a " + fmt(T / 60000) + " min dwell (" + fmt(s.dwellRate * T * s.dwellDir) + " µm if it went on)";
    } else {
      // the governor's corrections inside the window's spans: had the drive lost them, the still growth is the
      // drive's, had the sensor drifted, the governor followed it; either way only a dwell (no corrections) tells
      const corrected = s.idleUm - r[i + 7] >= 0.5 * Math.abs(idleGrown);
      if ((expect < c.evidenceUm * Math.sqrt(spansIn) || corrected) && !s.dwellDone) {
        // long enough that half the growth at this rate stands 3 σ above the fit's noise
        startDwell(c, s, t, s.tripRate > 0 ? Math.min(rate, s.tripRate) : rate, grown > 0 ? 1 : -1);
        v.hold = "diagnostic dwell: sensor or drive?";
        return;
      }
      timeDriven = expect > 0 && idleGrown * (grown > 0 ? 1 : -1) > 0.5 * expect;
    }
  }
  if (!timeDriven) {
    // the reading has not changed since windowUm was commanded: a frozen sensor or a jam, told by whether it stays
    // unchanged for more than chance (checkPosition); motion is held meanwhile (a few ticks)
    if ((x.stepCount - s.changedAtSteps) * c.umPerStep >= c.windowUm && s.same >= 1 && s.same < c.frozenReadings) {
      s.frozenHoldUntilMs = t + c.tickMs;
      v.hold = "diagnostic dwell: a frozen sensor?";
      return;
    }
    // measured over commanded motion while it ran (before a dwell stopped it)
    const seen = s.dwellDone && isFinite(s.dwellSeen) ? s.dwellSeen : s.emaCommanded > 0 ? s.emaMeasured / s.emaCommanded : 1;
    // the way it went: the window's growth, unless that is within the estimate's noise (the disagreement grew
    // before the oldest checkpoint): then the sign of the disagreement that tripped
    const ahead = Math.abs(grown) >= c.evidenceUm ? grown > 0 : s.tripDir > 0;
    fault(v, ahead ? "runaway" : seen < c.stallRatio ? "stall" : "missed-steps", "while moving: " + ev);
    return;
  }
  // a jump's direction is its own (the estimate has only begun to follow it)
  const dir = sudden ? (s.jumpUm > 0 ? 1 : -1) : grown > 0 ? 1 : -1;
  // the load that could turn a back-drivable gear back is the one before the motion (a retraction unloads it)
  const loadN = Math.max(x.forceN, sudden && isFinite(s.jumpForceBefore) ? s.jumpForceBefore : isFinite(r[i + 5]) ? r[i + 5] : -Infinity);
  let moved = driveCanMove(c, dir, loadN);
  if (moved && sudden) {
    const expectN = stiffness(c, s) * Math.abs(s.jumpUm);
    const known = isFinite(s.jumpForceBefore);
    // a real jump into tissue stretches it: the smoothed force moves with it (once it has caught up); a sensor's does not
    if (known && t - s.jumpMs < c.settleMs) {
      s.dwellUntilMs = s.jumpMs + c.settleMs;
      v.hold = "diagnostic dwell: did the force follow the jump?";
      return;
    }
    const dF = known ? x.forceEma - s.jumpForceBefore : NaN;
    // a force that clearly moved the same way witnesses the carriage however stiff the tissue turned out
    const witnessed = dF * dir >= c.corroborateN;
    if (!witnessed && (expectN < c.corroborateN || !known)) {
      fault(v, "uncommanded-motion", "with no motion commanded, too little for the force to tell the drive from the sensor (" + fmt(expectN) + " N expected at " + fmt(stiffness(c, s) * 1000) + " N/mm): " + ev);
      return;
    }
    moved = witnessed || dF * dir >= 0.5 * expectN;
  } else if (moved) {
    // a slow one: the force over a stretch of time with nothing commanded (an increment's own force and relaxation
    // would hide it): the window if it was quiet, else the dwell (one is held for it); half the force the least
    // tissue stiffness gives, as for a jump
    let dF = NaN;
    let grew = grown;
    let T = dt;
    s.fitRise = NaN;
    if (x.stepCount === r[i + 6] && isFinite(r[i + 5])) {
      dF = x.forceEma - r[i + 5];
      forceFit(c, s, r, i + 8, dt);
    } else if (s.dwellDone && isFinite(s.dwellF0) && isFinite(dwellGrowth(s, t))) {
      dF = x.forceEma - s.dwellF0;
      grew = dwellGrowth(s, t);
      T = t - s.dwellT0;
      forceFit(c, s, s.dwellFs, 0, T);
    } else if (!s.dwellDone) {
      startDwell(c, s, t, Math.abs(grown) / dt, dir);
      v.hold = "diagnostic dwell: does the force follow?";
      return;
    }
    const expectN = stiffness(c, s) * Math.abs(grew);
    // a rise of the line through every reading beyond 4 σ of its noise (a chance of 3e-5) witnesses the carriage
    // opening the gap: with nothing commanded, tissue only relaxes (force falls), so nothing else raises it; a fall
    // cannot witness a retraction (relaxation does the same)
    const risen = dir > 0 && s.fitRise >= 4 * s.fitSigma;
    const witnessed = (isFinite(dF) && dF * dir >= c.corroborateN) || risen;
    const fitted = isFinite(s.fitRise) ? "; " + fmt(s.fitRise) + " N fitted, σ " + fmt(s.fitSigma) : "";
    if (isFinite(dF) && expectN < c.corroborateN && !witnessed && !s.forceDwell) {
      // too little stretch yet for the force to witness it: hold (on) as long as it takes at the rate seen, if
      // that is within forceDwellMs: until the smoothed force would move by corroborateN (which can also clear the
      // carriage), else (forward) until the fitted line's rise would stand 8 σ above its noise, twice the 4 σ that
      // witnesses it (its σ falls as √ of the readings, the rise grows with the time: T' = T (8 σ / expected)^(2/3))
      let more = ((c.corroborateN / stiffness(c, s) - Math.abs(grew)) * T) / Math.max(Math.abs(grew), 1e-9);
      if (more > c.forceDwellMs && dir > 0 && s.fitSigma > 0 && expectN > 0) more = T * (Math.pow((8 * s.fitSigma) / expectN, 2 / 3) - 1);
      if (more <= c.forceDwellMs) {
        s.forceDwell = true;
        if (!s.dwellDone) startDwell(c, s, t, Math.abs(grew) / T, dir);
        s.dwellUntilMs = t + more + c.tickMs;
        v.hold = "diagnostic dwell: does the force follow?";
        return;
      }
    }
    if (!witnessed && (!isFinite(dF) || expectN < c.corroborateN)) {
      fault(v, "uncommanded-motion", "with no motion commanded, too little for the force to tell the drive from the sensor (" + fmt(expectN) + " N expected at " + fmt(stiffness(c, s) * 1000) + " N/mm" + fitted + "): " + ev);
      return;
    }
    moved = witnessed || dF * dir >= 0.5 * expectN;
    ev += "; force " + fmt(dF) + " N meanwhile (" + fmt(dir * expectN) + " N for a real stretch" + fitted + ")";
  }
  if (moved) fault(v, dir > 0 ? "runaway" : "uncommanded-retraction", "with no motion commanded: " + ev);
  else fault(v, "position-sensor-drift", "the reading moved, the drive " + (dir > 0 ? (c.drive === "spring" ? "and force did not" : "cannot advance alone") : c.backDrivable ? "and force did not" : "is self-locking") + ": " + ev);
}
