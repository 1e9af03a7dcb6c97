// The safety supervisor: independent of the governor (it never calls it and keeps
// its own step count, budget window and position estimate). observe() runs every
// tick in every phase but a latched fault (latency, distraction, consolidation,
// paused and complete: a device keeps watching until it is explanted): the clock,
// the driver, both sensors and their cross-checks (watch-position.ts,
// watch-force.ts) and the warnings; vet() checks each command before it reaches
// the stepper and may only reduce it to zero; afterMove() books what was issued.
// Each fills a Verdict (verdict.ts). Every code with its text and detection bound
// is in codes.ts and docs/hazards.md; tests hold every code to its bound.

import type { Reading } from "../../hal/types.ts";
import type { DeviceProfile, DriveKind } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import type { Phase } from "./phases.ts";
import { dayCapSteps, makeTravelWindow, windowAdd, windowSum } from "./travel-window.ts";
import type { TravelWindow } from "./travel-window.ts";
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, UM_PER_MM } from "./units.ts";
import type { Verdict } from "./verdict.ts";
import { clearVerdict, fault, fmt, lapse, note, warn } from "./verdict.ts";
import type { PositionContext, PositionState } from "./watch-position.ts";
import { checkMotion, checkPosition, makePositionState } from "./watch-position.ts";
import type { ForceContext, ForceState } from "./watch-force.ts";
import { checkForce, forceFresh, forceMoved, makeForceState } from "./watch-force.ts";

export type { Verdict } from "./verdict.ts";
export { makeVerdict } from "./verdict.ts";

export interface SupervisorConfig {
  umPerStep: number;
  tickMs: number;
  strokeUm: number;
  incrementCapSteps: number;
  budgetSteps: number;
  /** The most the device may travel in 24 h at its hard rate cap (steps): sizes the budget window. */
  capStepsPerDay: number;
  hardForceN: number;
  softForceN: number;
  staleMs: number;
  positionMinUm: number;
  positionMaxUm: number;
  forceMinN: number;
  forceMaxN: number;
  positionNoiseUm: number;
  /** The position sensor's resolution (µm). */
  positionQuantumUm: number;
  forceNoiseN: number;
  drive: DriveKind;
  backDrivable: boolean;
  /** Time constant of the supervisor's own position filter (ms) and its noise (µm). */
  filterTauMs: number;
  filterNoiseUm: number;
  /** A reading further than this from the prediction AND from the previous reading is a spike. */
  spikeGateUm: number;
  spikesToFault: number;
  /** A reading this far from the estimate on two readings is a jump (of the sensor or the carriage). */
  jumpUm: number;
  /** Commanded travel a frozen reading may not sit through (µm); the time after a move before still time counts; below this share of the commanded motion seen, lost steps are a stall. */
  windowUm: number;
  settleMs: number;
  stallRatio: number;
  overtravelUm: number;
  /** The cumulative account: its bound, frame compliance (compensated, and its uncertainty), the drive's rated slip. */
  accountBoundUm: number;
  complianceUmPerN: number;
  complianceSlackUmPerN: number;
  slipAllowance: number;
  /** Commanded travel within a still span that ends it (a catch-up, not a correction) (µm). */
  spanMoveUm: number;
  /** How much still-time disagreement tells a sensor from a drive (µm), and the longest dwell to gather it (ms). */
  evidenceUm: number;
  dwellMaxMs: number;
  /** The shortest dwell: enough readings for its fit, and past the tissue's quickest relaxation. */
  dwellMinMs: number;
  /** How much longer a dwell may be drawn out for the force to witness a slow stretch (ms). */
  forceDwellMs: number;
  /** The account keeps a checkpoint this often (the growth being judged is measured from one). */
  checkpointMs: number;
  /** Smoothing of measured/commanded motion for telling a stall from lost steps (ms). */
  ratioTauMs: number;
  stuckReadings: number;
  /**
   * Identical position readings that rule out chance (p^n ≤ 1e-4 for the chance p that two noisy, quantised
   * readings of a still gap agree): with motion commanded, that many unchanged readings are a frozen sensor, not a
   * jammed drive (whose noisy readings only agree by chance).
   */
  frozenReadings: number;
  dropFraction: number;
  /** Force differences smaller than this are noise (N); a still force rising by more than forceRiseN is the load cell. */
  forceMarginN: number;
  forceRiseN: number;
  dropAfterMoveTicks: number;
  /** How long the account is averaged to tell a rupture from a step of the load cell (ms), after settleMs. */
  dropAverageMs: number;
  /** The least stiffness of the tissue a few minutes after a stretch (N/µm, from the profile; 0 = not known), and the smallest force change that tells (N). */
  tissueStiffnessNPerUm: number;
  corroborateN: number;
  /** Relaxation probe: motion held this long when the force first crosses the soft limit (ms). */
  probeMs: number;
  rampDays: number;
  risingDays: number;
  risingPerDayN: number;
  risingDecel: number;
  /** Wall-clock changes up to clockJitterMs pass, up to clockSlewMs are journaled, beyond that latch clock-jump. */
  clockJitterMs: number;
  clockSlewMs: number;
  /** A heartbeat record is written when nothing else was for this long (ms): a dead store is known within it. */
  heartbeatMs: number;
  slowDeliveryUm: number;
  slowDeliveryMs: number;
  /** Growth of the deficit over one slowDeliveryMs window that counts as losing ground (µm). */
  slowGrowthUm: number;
}

export interface SupervisorState {
  stepCount: number;
  window: TravelWindow;
  pos: PositionState;
  force: ForceState;
  wallOffset: number;
  /** Slow delivery: the start of the current window behind and the deficit then (µm); whether the last window lost ground. */
  behindSinceMs: number;
  behindUm: number;
  slowLosing: boolean;
  /** Motion is held until then by a relaxation probe (-1 = none). */
  probeUntilMs: number;
  softActive: boolean;
  slowActive: boolean;
  risingActive: boolean;
  /** The prescribed target at the last tick (µm): while it stands still, motion is not wanted. */
  lastTargetUm: number;
  /** Reused each tick (no allocation per tick). */
  px: PositionContext;
  fx: ForceContext;
}

export interface Observation {
  tMs: number;
  wallMs: number;
  phase: Phase;
  /** The phase a pause interrupted (paused in distraction still counts as distraction). */
  interrupted: Phase;
  targetUm: number;
  pos: Reading;
  force: Reading;
  driverFault: boolean;
}


export function makeSupervisorConfig(prof: DeviceProfile, rx: Prescription, sched: Schedule): SupervisorConfig {
  const um = prof.umPerMicrostep;
  const tick = prof.tickMs;
  const tau = MS_PER_MINUTE;
  const alpha = tick / (tau + tick);
  const filterNoise = prof.positionNoiseUm * Math.sqrt(alpha / (2 - alpha));
  const forceSmooth = prof.forceNoiseN * Math.sqrt(alpha / (2 - alpha));
  const tol = prof.positionToleranceUm;
  const compliance = prof.frameStiffnessNPerUm > 0 ? 1 / prof.frameStiffnessNPerUm : 0;
  // The supervisor's own reading of the prescription: never more than the device cap
  // or the prescribed rate times the catch-up factor in any 24 h.
  const budgetMm = Math.min(prof.hardRateCapMmPerDay, rx.rateMmPerDay * prof.catchUpFactor);
  const accountBound = Math.max(2 * tol, tol + prof.backlashUm) + 8 * filterNoise + prof.positionQuantumUm;
  return {
    umPerStep: um,
    tickMs: tick,
    strokeUm: prof.strokeMm * UM_PER_MM,
    incrementCapSteps: Math.floor((prof.incrementCapMm * UM_PER_MM) / um),
    budgetSteps: Math.floor((budgetMm * UM_PER_MM) / um),
    capStepsPerDay: dayCapSteps(prof.hardRateCapMmPerDay, um),
    hardForceN: rx.hardForceN,
    softForceN: rx.softForceN,
    staleMs: prof.sensorStaleMs,
    positionMinUm: -Math.max(100, 10 * prof.positionNoiseUm) - prof.backlashUm,
    positionMaxUm: prof.strokeMm * UM_PER_MM + Math.max(100, 10 * prof.positionNoiseUm),
    forceMinN: prof.forceMinN,
    forceMaxN: prof.forceMaxN,
    positionNoiseUm: prof.positionNoiseUm,
    positionQuantumUm: prof.positionQuantumUm,
    forceNoiseN: prof.forceNoiseN,
    drive: prof.drive,
    backDrivable: prof.backDrivable,
    filterTauMs: tau,
    filterNoiseUm: filterNoise,
    spikeGateUm: Math.max(50, 8 * prof.positionNoiseUm) + prof.backlashUm,
    spikesToFault: 3,
    jumpUm: Math.max(0.5 * accountBound, prof.backlashUm + 6 * prof.positionNoiseUm),
    windowUm: Math.max(40, 3 * prof.backlashUm, 20 * filterNoise),
    settleMs: 3 * tau,
    stallRatio: 0.25,
    overtravelUm: 2 * tol + 4 * filterNoise + (sched.incrementsPerDay > 0 ? 0 : 2 * um),
    accountBoundUm: accountBound,
    complianceUmPerN: compliance,
    // a known compliance is trusted to 25 %; an unknown one is bounded by a stiff frame's (20 N/µm)
    complianceSlackUmPerN: compliance > 0 ? 0.25 * compliance : 0.05,
    slipAllowance: prof.driveSlipFraction,
    evidenceUm: 6 * Math.SQRT2 * filterNoise + prof.positionQuantumUm,
    // the governor's own small corrections while the target stands (up to a few deadbands) do not end a span: they
    // come when the noisy estimate dips, and spans must not end there
    spanMoveUm: Math.max(4 * tol, 20 * filterNoise),
    dwellMaxMs: 6 * MS_PER_HOUR,
    dwellMinMs: 30 * MS_PER_MINUTE,
    forceDwellMs: MS_PER_HOUR,
    checkpointMs: 2 * MS_PER_HOUR,
    ratioTauMs: 10 * MS_PER_MINUTE,
    stuckReadings: 30,
    frozenReadings: frozenReadings(prof.positionNoiseUm, prof.positionQuantumUm, 30),
    dropFraction: 0.4,
    forceMarginN: Math.max(1, 6 * prof.forceNoiseN),
    forceRiseN: Math.max(1, 12 * forceSmooth) + 0.02 * rx.softForceN,
    dropAfterMoveTicks: Math.ceil((5 * tau) / tick),
    // ten filter time constants: the estimate's noise over it is a third of one value's
    dropAverageMs: 10 * tau,
    tissueStiffnessNPerUm: prof.tissueStiffnessNPerMm / UM_PER_MM,
    corroborateN: Math.max(0.5, 6 * Math.SQRT2 * forceSmooth),
    probeMs: 30 * MS_PER_MINUTE,
    rampDays: 2,
    risingDays: 3,
    risingPerDayN: 0.1 * rx.softForceN,
    risingDecel: 0.15,
    clockJitterMs: 2000,
    clockSlewMs: 60000,
    heartbeatMs: 10 * MS_PER_MINUTE,
    slowDeliveryUm: Math.max(50, 4 * tol),
    // a whole day: the rolling 24 h budget can hold a catch-up back for hours, never for a day
    slowDeliveryMs: MS_PER_DAY,
    slowGrowthUm: Math.max(2 * tol, 0.02 * rx.rateMmPerDay * UM_PER_MM),
  };
}

/**
 * How many identical readings in a row a sensor of noise σ and quantum q gives by chance with probability at most
 * 1e-4: two readings of a still gap agree with p ≈ q / (2σ√π) (two Gaussian samples, their difference of σ√2,
 * within the same quantum), at most `most` (the frozen-sensor rule without motion), 1 for a noiseless sensor.
 */
export function frozenReadings(noiseUm: number, quantumUm: number, most: number): number {
  if (!(noiseUm > 0)) return 1;
  const p = Math.min(0.9, Math.max(quantumUm, 1e-3 * noiseUm) / (2 * noiseUm * Math.sqrt(Math.PI)));
  return Math.min(most, Math.max(2, Math.ceil(Math.log(1e-4) / Math.log(p))));
}

/** The supervisor's state; `capStepsPerDay` is the most the device may travel in 24 h (sizes its budget window). */
export function makeSupervisorState(stepCount: number, capStepsPerDay: number): SupervisorState {
  return {
    stepCount,
    window: makeTravelWindow(MS_PER_MINUTE, capStepsPerDay),
    pos: makePositionState(stepCount),
    force: makeForceState(),
    wallOffset: NaN,
    behindSinceMs: -1,
    behindUm: 0,
    slowLosing: false,
    probeUntilMs: -1,
    softActive: false,
    slowActive: false,
    risingActive: false,
    px: { tMs: 0, stepCount, forceN: 0, forceValid: false, forceEma: 0, holding: false },
    lastTargetUm: NaN,
    fx: { tMs: 0, distracting: false, still: false, paused: false, gapJumped: false, gapClosed: false, gapGrewUm: 0, gapD: NaN },
  };
}

/** The supervisor's own estimate of the gap (µm), with commanded motion since its last reading fed forward. */
export function supervisorEstimate(c: SupervisorConfig, s: SupervisorState): number {
  return s.pos.est + (s.stepCount - s.pos.estSteps) * c.umPerStep;
}

function checkClock(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  const offset = o.wallMs - o.tMs;
  const jump = isFinite(s.wallOffset) ? offset - s.wallOffset : 0;
  const size = Math.abs(jump);
  s.wallOffset = offset;
  if (size > c.clockSlewMs) fault(v, "clock-jump", "wall clock jumped " + fmt(jump / 1000) + " s");
  else if (size > c.clockJitterMs) note(v, "clock-slew", "wall clock corrected by " + fmt(jump / 1000) + " s");
}

function distracting(o: Observation): boolean {
  return o.phase === "distraction" || (o.phase === "paused" && o.interrupted === "distraction");
}

/** Warnings: raised on the rising edge, cleared when the condition lapses. */
function checkWarnings(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  const f = o.force.value;
  const ok = forceFresh(c, o.force, o.tMs);
  if (ok && f >= c.softForceN && !s.softActive) {
    if (warn(v, "force-soft-limit", "force " + fmt(f) + " N ≥ soft limit " + c.softForceN + " N")) {
      s.softActive = true;
      if (o.phase === "distraction") s.probeUntilMs = o.tMs + c.probeMs;
    }
  } else if (s.softActive && ok && f < 0.9 * c.softForceN && lapse(v, "force-soft-limit")) s.softActive = false;
  // losing ground: behind, and further behind than a window ago (a pause, a hold, or the catch-up after them leaves
  // the deficit level or shrinking; a drive that cannot keep up makes it grow)
  const deficit = o.targetUm - s.pos.est;
  const behind = s.pos.estReady && distracting(o) && o.phase !== "paused" && deficit > c.slowDeliveryUm;
  if (!behind) s.behindSinceMs = -1;
  else if (s.behindSinceMs < 0) {
    s.behindSinceMs = o.tMs;
    s.behindUm = deficit;
  } else if (o.tMs - s.behindSinceMs >= c.slowDeliveryMs) {
    s.slowLosing = deficit - s.behindUm > c.slowGrowthUm;
    s.behindSinceMs = o.tMs;
    s.behindUm = deficit;
  }
  const slow = behind && s.slowLosing && s.probeUntilMs < 0 && s.pos.dwellUntilMs < 0;
  if (!behind) s.slowLosing = false;
  if (slow && !s.slowActive) {
    if (warn(v, "slow-delivery", fmt(deficit) + " µm behind, " + fmt(c.slowGrowthUm) + "+ µm more than " + fmt(c.slowDeliveryMs / MS_PER_HOUR) + " h before")) s.slowActive = true;
  } else if (!slow && s.slowActive && lapse(v, "slow-delivery")) s.slowActive = false;
  const rising = s.force.rising && distracting(o);
  if (rising && !s.risingActive) {
    const m = s.force.mins;
    if (warn(v, "force-rising-baseline", "resting force by day " + m.map(fmt).join(" → ") + " N")) s.risingActive = true;
  } else if (!rising && s.risingActive && lapse(v, "force-rising-baseline")) s.risingActive = false;
}

/** Every tick in every phase but a latched fault, before the governor decides. */
export function observe(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): Verdict {
  clearVerdict(v, 0);
  checkClock(c, s, o, v);
  if (v.fault !== "") return v;
  if (o.driverFault) return fault(v, "driver-fault", "the motor driver reports a fault");
  const fs = s.force;
  const fOk = forceFresh(c, o.force, o.tMs);
  const x = s.px;
  // the target stands still, or the device holds: motion is not wanted, whatever the estimate's noise says
  x.holding = o.targetUm === s.lastTargetUm || o.phase !== "distraction" || s.pos.dwellUntilMs >= 0 || s.probeUntilMs >= 0;
  s.lastTargetUm = o.targetUm;
  x.tMs = o.tMs;
  x.stepCount = s.stepCount;
  x.forceN = fOk ? o.force.value : isFinite(fs.last) ? fs.last : 0;
  x.forceValid = fOk;
  x.forceEma = fs.emaReady ? fs.ema : x.forceN;
  checkPosition(c, s.pos, o.pos, x, v);
  if (v.fault !== "") return v;
  const fx = s.fx;
  fx.tMs = o.tMs;
  fx.distracting = distracting(o);
  // still for the load cell: in a still span, nothing commanded since the last check, and the gap where the span began
  const dNow = s.pos.est - s.stepCount * c.umPerStep + x.forceN * c.complianceUmPerN - s.pos.bootBias;
  // (a reading that jumped, even one the spike gate set aside, means the gap may have moved)
  const raw = o.pos.ok ? Math.abs(o.pos.value - s.pos.est) : 0;
  fx.gapJumped = raw > c.jumpUm;
  // the gap reads shorter than the steps put it: it may really have closed, and a compressed regenerate pushes back
  fx.gapClosed = fx.gapJumped || (s.pos.anchored && dNow < -c.jumpUm);
  fx.gapGrewUm = s.pos.anchored && s.pos.inSpan ? dNow - s.pos.spanD0 : 0;
  fx.gapD = s.pos.anchored && o.pos.ok ? dNow : NaN;
  fx.still = s.pos.anchored && s.pos.inSpan && s.stepCount === s.pos.lastSteps && Math.abs(dNow - s.pos.spanD0) <= c.jumpUm && !fx.gapJumped;
  fx.paused = o.phase === "paused";
  checkForce(c, fs, o.force, fx, v);
  if (v.fault !== "") return v;
  checkMotion(c, s.pos, x, v);
  if (v.fault !== "") return v;
  if (s.probeUntilMs >= 0 && (o.tMs >= s.probeUntilMs || o.phase !== "distraction")) s.probeUntilMs = -1;
  checkWarnings(c, s, o, v);
  if (v.hold === "" && s.probeUntilMs >= 0) v.hold = "relaxation probe";
  return v;
}

/** Vets a command. It can only pass it or stop it; any breach of a hard rule is a fault, a hold stops it without one. */
export function vet(c: SupervisorConfig, s: SupervisorState, o: Observation, steps: number, v: Verdict): Verdict {
  clearVerdict(v, steps);
  if (steps === 0) return v;
  // a hold comes first: while a check is still telling a sensor from a drive, what the governor asks is not taken
  if (s.pos.dwellUntilMs >= 0 || s.probeUntilMs >= 0 || s.pos.frozenHoldUntilMs > o.tMs || s.force.dropMs >= 0) {
    v.allowSteps = 0;
    v.hold = s.probeUntilMs >= 0 && s.pos.dwellUntilMs < 0 ? "relaxation probe" : "diagnostic dwell";
    return v;
  }
  if (!(steps > 0) || Math.floor(steps) !== steps) return fault(v, "veto-command", steps + " steps");
  if (o.phase !== "distraction") return fault(v, "veto-phase", steps + " steps in " + o.phase);
  if (steps > c.incrementCapSteps) return fault(v, "veto-increment", steps + " > " + c.incrementCapSteps + " steps");
  const used = windowSum(s.window, o.tMs);
  if (used + steps > c.budgetSteps) return fault(v, "veto-budget", used + steps + " > " + c.budgetSteps + " steps in 24 h");
  const after = supervisorEstimate(c, s) + steps * c.umPerStep;
  if (!s.pos.estReady || after > o.targetUm + c.overtravelUm || after > c.strokeUm) {
    return fault(v, "veto-overtravel", "to " + fmt(after) + " µm; target " + fmt(o.targetUm) + " + " + fmt(c.overtravelUm) + ", stroke " + fmt(c.strokeUm));
  }
  return v;
}

/** Books a finished move (dir +1 distracts): the supervisor's own count and budget see what was issued. */
export function afterMove(s: SupervisorState, tMs: number, requested: number, issued: number, dir: number, driverFault: string, forceBeforeN: number, v: Verdict): Verdict {
  clearVerdict(v, 0);
  s.stepCount += dir * issued;
  windowAdd(s.window, tMs, issued);
  forceMoved(s.force, forceBeforeN);
  if (driverFault !== "") return fault(v, "driver-fault", driverFault + " after " + issued + " of " + requested + " steps");
  if (issued > requested) return fault(v, "runaway", "driver issued " + issued + " steps for " + requested);
  return v;
}

/** How far the wall clock may lag the journal at boot before it is a clock-jump (ms). */
export const BOOT_CLOCK_TOLERANCE_MS = 5000;

/**
 * The boot check: the median of the first `n` readings against the estimate
 * journaled with the last move or heartbeat. Where the heartbeat also journaled the
 * smoothed force (`journaledForceN`; NaN for a move record, an interrupted move or
 * an older journal) and the load cell reads now (`forceNowN`), the frame's
 * compression is compensated as the account does (the tissue relaxed while the
 * power was off: the gap grew by the force it lost times the frame's compliance)
 * and what is left is allowed only the noise of both values (4 σ of the median of
 * n readings and of the filtered estimate), the sensor's quantum and the
 * compliance's uncertainty on the force that changed: a sensor back offset by more
 * than its own noise is refused, not taken as truth. Without a journaled force the
 * estimate may predate the frame's compression under the last increment, so the
 * account's bound and the compliance slack at the hard limit are allowed.
 * Returns "" when they agree within the bound, else the reason.
 */
export function bootPositionCheck(c: SupervisorConfig, journaledUm: number, journaledForceN: number, forceNowN: number, medianUm: number, n: number): string {
  if (!isFinite(journaledUm) || !isFinite(medianUm) || !(n > 0)) return "";
  const known = isFinite(journaledForceN) && isFinite(forceNowN);
  const dF = known ? forceNowN - journaledForceN : 0;
  const expect = journaledUm - dF * c.complianceUmPerN;
  // the median of n readings has about 1.25 σ/√n of noise (an efficiency of 2/π)
  const noise = Math.sqrt((1.5625 * c.positionNoiseUm * c.positionNoiseUm) / n + c.filterNoiseUm * c.filterNoiseUm);
  const bound = known ? 4 * noise + c.positionQuantumUm + c.complianceSlackUmPerN * Math.abs(dF) : c.accountBoundUm + 4 * c.positionNoiseUm + c.complianceSlackUmPerN * c.hardForceN;
  if (Math.abs(medianUm - expect) <= bound) return "";
  return "the sensor reads " + fmt(medianUm) + " µm, " + fmt(expect) + " µm expected from " + fmt(journaledUm) + " µm journaled" + (known ? " at " + fmt(journaledForceN) + " N (" + fmt(forceNowN) + " N now)" : "") + " (±" + fmt(bound) + ")";
}
