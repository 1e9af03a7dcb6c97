// The supervisor's force evidence. Validity (stale, out of span, frozen), the hard
// limit, a sudden drop (rupture, separation: confirmed on a second reading and
// never the relaxation of the last increment), and corroboration of the load cell
// by the physics of the gap: tissue relaxes while nothing moves, so a force that
// rises while the drive and the gap stand still is the load cell drifting, and the
// gap tissue only resists distraction, so a force well below zero is a load cell
// off its zero. A drop is told from a step of the load cell by the frame: a force
// the frame really lost lets it spring back, so the position account (which
// compensates the frame's compression with the force read) stays where it was,
// while a load cell that stepped down moves the account by the step times the
// frame's compliance; motion is held while that is measured. Also the resting
// force per whole distraction day for the rising-baseline warning.

import type { Reading } from "../../hal/types.ts";
import type { SupervisorConfig, Verdict } from "./supervisor.ts";
import { fault, fmt } from "./verdict.ts";
import { MS_PER_DAY } from "./units.ts";

export interface ForceState {
  lastGoodMs: number;
  last: number;
  same: number;
  prev: number;
  /** Smoothed force (time constant filterTauMs) and the lowest it went in the current still span. */
  ema: number;
  emaReady: boolean;
  spanMin: number;
  /** How far the smoothed force lagged the reading when the span began (N). */
  spanLagN: number;
  spanFromMs: number;
  /** A drop waiting for its confirming reading: the level it fell from and the floor it fell below (NaN: none). */
  dropFrom: number;
  dropFloor: number;
  /**
   * A confirmed drop being told from a step of the load cell (dropMs -1: none): when it was confirmed, the force it
   * fell from and to, the account's smoothed disagreement before it, and the sum and count of the account's
   * disagreement over the averaging span after the gap settled; the account's disagreement smoothed (µm; NaN before
   * it is anchored).
   */
  dropMs: number;
  dropFromN: number;
  dropToN: number;
  dropD0: number;
  dropSumD: number;
  dropCount: number;
  dEma: number;
  /** Force before the last move, and the tick count since it (the relaxation a move explains). */
  preMoveN: number;
  ticksSinceMove: number;
  /** Resting force per whole distraction day (from the start of distraction, whatever the time of day). */
  distStartMs: number;
  day: number;
  dayMin: number;
  mins: number[];
  rising: boolean;
}

export function makeForceState(): ForceState {
  return {
    lastGoodMs: 0, last: NaN, same: 0, prev: NaN, ema: 0, emaReady: false, spanMin: Infinity, spanFromMs: -1,
    dropFrom: NaN, dropFloor: NaN, dropMs: -1, dropFromN: NaN, dropToN: NaN, dropD0: NaN, dropSumD: 0, dropCount: 0, dEma: NaN, preMoveN: NaN, ticksSinceMove: 1e9, spanLagN: 0,
    distStartMs: -1, day: -1, dayMin: Infinity, mins: [], rising: false,
  };
}

export interface ForceContext {
  tMs: number;
  /** Distraction (or paused in it): daily minima count. */
  distracting: boolean;
  /** The drive and the gap have stood still for the settle time (no steps, the position account steady). */
  still: boolean;
  /** A bench move may retract on purpose: the zero check is off while paused. */
  paused: boolean;
  /** The position reading jumped: a sudden force change goes with a real jump of the gap, not a rupture. */
  gapJumped: boolean;
  /** The gap may have closed on its own (a compressed regenerate reads below zero): the position account names it. */
  gapClosed: boolean;
  /** How far the gap grew against the steps since the still span began (µm): a carriage that crept into stiff tissue. */
  gapGrewUm: number;
  /** The position account's disagreement now (µm, force-compensated; NaN before it is anchored). */
  gapD: number;
}

/** True when the reading can be used (fresh, finite, within the load cell's span). */
export function forceFresh(c: SupervisorConfig, f: Reading, tMs: number): boolean {
  return f.ok && isFinite(f.value) && f.value >= c.forceMinN && f.value <= c.forceMaxN && tMs - f.atMs <= c.staleMs;
}

export function checkForce(c: SupervisorConfig, s: ForceState, f: Reading, x: ForceContext, v: Verdict): void {
  const t = x.tMs;
  if (!forceFresh(c, f, t)) {
    if (t - s.lastGoodMs > c.staleMs) fault(v, "force-sensor-dropout", "no valid force reading for " + fmt((t - s.lastGoodMs) / 1000) + " s");
    return;
  }
  const n = f.value;
  if (n >= c.hardForceN) {
    fault(v, "force-hard-limit", "force " + fmt(n) + " N ≥ hard limit " + c.hardForceN + " N");
    return;
  }
  s.lastGoodMs = t;
  if (n === s.last) s.same++;
  else s.same = 0;
  s.last = n;
  if (c.forceNoiseN > 0 && s.same >= c.stuckReadings) {
    fault(v, "force-sensor-stuck", "force frozen at " + fmt(n) + " N for " + s.same + " readings");
    return;
  }
  const a = c.tickMs / (c.filterTauMs + c.tickMs);
  if (s.dropMs >= 0) {
    judgeDrop(c, s, x, v);
    return;
  }
  // the account's disagreement, smoothed over dropAverageMs: where it stood before a drop
  if (isFinite(x.gapD)) s.dEma = isFinite(s.dEma) ? s.dEma + ((x.gapD - s.dEma) * c.tickMs) / (c.dropAverageMs + c.tickMs) : x.gapD;
  // what the tissue held before this reading: the smoothed force (one noisy reading is no reference for a drop)
  const held = s.emaReady ? s.ema : n;
  s.ema = s.emaReady ? s.ema + (n - s.ema) * a : n;
  s.emaReady = true;
  if (x.gapJumped) s.dropFrom = NaN;
  else checkDrop(c, s, n, held, x, v);
  if (v.fault !== "") return;
  const step = isFinite(s.prev) ? n - s.prev : 0;
  s.prev = n;
  s.ticksSinceMove++;
  checkZero(c, s, x, step, v);
  if (v.fault !== "") return;
  restingByDay(c, s, x, n);
}

/** A fall of dropFraction and more than the margin, below what the last move added, seen twice: the regenerate let go. */
function checkDrop(c: SupervisorConfig, s: ForceState, n: number, held: number, x: ForceContext, v: Verdict): void {
  const pending = !isNaN(s.dropFrom);
  const ref = pending ? s.dropFrom : held;
  // within a few relaxation times of a move its own stretch relaxes fast: a rupture also loses the force held before it
  const floor = pending ? s.dropFloor : s.ticksSinceMove <= c.dropAfterMoveTicks && isFinite(s.preMoveN) ? Math.min(ref, s.preMoveN) : ref;
  // a force that is mostly noise cannot be seen to rupture
  const dropped = isFinite(ref) && ref >= 2 * c.forceMarginN && n < (1 - c.dropFraction) * ref && n < floor - c.forceMarginN;
  if (!dropped) {
    s.dropFrom = NaN;
    return;
  }
  if (!pending) {
    s.dropFrom = ref;
    s.dropFloor = floor;
    return;
  }
  // tissue that lets go relaxes to zero, never below: a reading that fell below zero is the load cell (unless the
  // gap closed: a compressed regenerate pushes back)
  if (n < -c.forceRiseN && !x.gapClosed) {
    fault(v, "force-sensor-drift", "force jumped from " + fmt(s.dropFrom) + " to " + fmt(n) + " N (tissue cannot pull)");
    return;
  }
  // the frame's spring-back a real loss of this force gives, against what the account can resolve: 3 σ of its
  // difference over the averaging span (about dropAverageMs / 2τ independent values after, the smoothed value before)
  // within the margin between a step of the load cell (the whole spring-back) and a real drop (the compliance's
  // uncertainty of it)
  const backUm = (s.dropFrom - n) * c.complianceUmPerN;
  const sigma = c.filterNoiseUm * Math.sqrt((2 * c.filterTauMs) / c.dropAverageMs + c.filterTauMs / (c.filterTauMs + c.dropAverageMs));
  // (the share of the stated compliance the supervisor does not trust: its compliance slack)
  const unsure = c.complianceUmPerN > 0 ? c.complianceSlackUmPerN / c.complianceUmPerN : 1;
  if (!isFinite(s.dEma) || (0.5 - unsure) * backUm < 3 * sigma) {
    fault(v, "force-sudden-drop", "force fell from " + fmt(s.dropFrom) + " to " + fmt(n) + " N (too little spring-back of the frame to tell the load cell)");
    return;
  }
  s.dropMs = x.tMs;
  s.dropFromN = s.dropFrom;
  s.dropToN = n;
  s.dropD0 = s.dEma;
  s.dropSumD = 0;
  s.dropCount = 0;
  v.hold = "diagnostic dwell: rupture or load cell?";
}

/**
 * After a confirmed drop, motion held: settleMs for the position estimate to follow a spring-back of the frame, then
 * the account averaged over dropAverageMs. A real loss of force leaves the account where it was (the sensor saw the
 * gap spring back by what the compensation took off); a step of the load cell moves it by the step times the frame's
 * compliance, the gap standing still.
 */
function judgeDrop(c: SupervisorConfig, s: ForceState, x: ForceContext, v: Verdict): void {
  const t = x.tMs;
  if (t - s.dropMs >= c.settleMs && isFinite(x.gapD)) {
    s.dropSumD += x.gapD;
    s.dropCount++;
  }
  if (t - s.dropMs < c.settleMs + c.dropAverageMs || s.dropCount === 0) {
    v.hold = "diagnostic dwell: rupture or load cell?";
    return;
  }
  const moved = s.dropSumD / s.dropCount - s.dropD0;
  const back = (s.dropFromN - s.dropToN) * c.complianceUmPerN;
  const what = "force fell from " + fmt(s.dropFromN) + " to " + fmt(s.dropToN) + " N; the account moved " + fmt(moved) + " µm (" + fmt(-back) + " µm had the gap not sprung back)";
  s.dropMs = -1;
  s.dEma = NaN;
  if (moved <= -0.5 * back) fault(v, "force-sensor-drift", "the load cell stepped down, the frame did not spring back: " + what);
  else fault(v, "force-sudden-drop", what);
}

/** Booked after a move issued from force fromN: its own stretch relaxes fast for a few relaxation times. */
export function forceMoved(s: ForceState, fromN: number): void {
  s.preMoveN = fromN;
  s.ticksSinceMove = 0;
}

/** Tissue relaxes while nothing moves, and only resists distraction: a rising still force or a clearly negative one is the load cell. */
function checkZero(c: SupervisorConfig, s: ForceState, x: ForceContext, step: number, v: Verdict): void {
  // a step (a load landing on the device, or one the load cell reads at once) starts the span again: only a
  // force that creeps up while nothing moves is the load cell drifting
  if (!x.still || step > c.forceMarginN) {
    s.spanFromMs = -1;
    s.spanMin = Infinity;
  } else {
    if (s.spanFromMs < 0) {
      s.spanFromMs = x.tMs;
      // how far the smoothed force has yet to catch up (a large load: 5 % of it is left after three time constants)
      s.spanLagN = Math.abs(s.last - s.ema);
    }
    // the smoothed force catches up with a step (a sudden load) within the settle time, or as many time constants
    // as leave a quarter of forceRiseN of it; after it, tissue only relaxes (a new low is tested first: it is cheaper)
    if (s.ema < s.spanMin && x.tMs - s.spanFromMs >= Math.max(c.settleMs, c.filterTauMs * Math.log((4 * s.spanLagN) / c.forceRiseN))) s.spanMin = s.ema;
    // unless the gap grew meanwhile: then the carriage crept into the tissue, and the position account names it
    if (s.ema - s.spanMin > c.forceRiseN && x.gapGrewUm <= c.evidenceUm) {
      fault(v, "force-sensor-drift", "force rose " + fmt(s.ema - s.spanMin) + " N in " + fmt((x.tMs - s.spanFromMs) / 60000) + " min with nothing moving");
      return;
    }
  }
  if (!x.paused && s.ema < -c.forceRiseN && !x.gapClosed) {
    fault(v, "force-sensor-drift", "force reads " + fmt(s.ema) + " N (tissue cannot pull)");
  }
}

/** Resting force (daily minimum) per whole day of distraction, counted from when distraction started. */
function restingByDay(c: SupervisorConfig, s: ForceState, x: ForceContext, n: number): void {
  if (!x.distracting) {
    s.rising = false;
    if (s.distStartMs >= 0 && s.day >= 0) s.day = -2; // a day interrupted by leaving distraction does not count
    return;
  }
  if (s.distStartMs < 0) s.distStartMs = x.tMs;
  const day = Math.floor((x.tMs - s.distStartMs) / MS_PER_DAY);
  if (day !== s.day) {
    if (s.day >= c.rampDays && day === s.day + 1 && isFinite(s.dayMin)) {
      s.mins.push(s.dayMin);
      if (s.mins.length > c.risingDays + 1) s.mins.shift();
      s.rising = risingBaseline(c, s.mins);
    } else if (s.day === -2) s.mins.length = 0;
    s.day = day;
    s.dayMin = Infinity;
  }
  if (n < s.dayMin) s.dayMin = n;
}

/**
 * Premature consolidation: the resting force rose by at least risingPerDayN on each
 * of the last risingDays whole days, and not as the saturating ramp of a normal
 * start (each rise at least (1 − risingDecel) of the one before).
 */
export function risingBaseline(c: SupervisorConfig, m: number[]): boolean {
  if (m.length <= c.risingDays) return false;
  for (let i = m.length - c.risingDays; i < m.length; i++) {
    const rise = m[i] - m[i - 1];
    if (rise < c.risingPerDayN) return false;
    if (i > m.length - c.risingDays && rise < (1 - c.risingDecel) * (m[i - 1] - m[i - 2])) return false;
  }
  return true;
}
