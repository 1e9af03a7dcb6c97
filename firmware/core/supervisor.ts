// The safety supervisor: independent of the governor (it never calls it and keeps
// its own step count, budget window and position estimate). Every tick observe()
// checks the clock, the driver, both sensors, the force and whether measured motion
// agrees with what was commanded; vet() checks each command before it reaches the
// stepper and may only reduce it to zero; afterMove() books what was issued. Each
// returns a Verdict: a fault code (latches), a warning code (does not), or nothing,
// with a readable reason. Detection bounds are documented in DETECTION below and in
// docs/hazards.md; tests hold every fault scenario to them.

import type { Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import type { Phase } from "./phases.ts";
import { dayCapSteps, makeTravelWindow, windowAdd, windowSum } from "./travel-window.ts";
import type { TravelWindow } from "./travel-window.ts";
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, UM_PER_MM } from "./units.ts";

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
  forceNoiseN: number;
  /** Time constant of the supervisor's own position filter (ms) and its noise (µm). */
  filterTauMs: number;
  filterNoiseUm: number;
  /** A reading further than this from the prediction AND from the previous reading is a spike. */
  spikeGateUm: number;
  spikesToFault: number;
  /** Motion check: commanded travel per window, settle time, tolerated slip, stall ratio. */
  windowUm: number;
  settleMs: number;
  maxSlip: number;
  stallRatio: number;
  slipStrikes: number;
  runawayUm: number;
  overtravelUm: number;
  stuckReadings: number;
  dropFraction: number;
  dropMinN: number;
  risingDays: number;
  risingPerDayN: number;
  clockJumpMs: number;
  slowDeliveryUm: number;
  slowDeliveryMs: number;
}

export interface SupervisorState {
  stepCount: number;
  window: TravelWindow;
  est: number;
  estReady: boolean;
  /** Steps already fed forward into est. */
  estSteps: number;
  lastGoodPosMs: number;
  lastPosValue: number;
  posSame: number;
  posChangedAtSteps: number;
  spikes: number;
  cpSteps: number;
  cpEst: number;
  cpCrossMs: number;
  strikes: number;
  lastGoodForceMs: number;
  lastForce: number;
  forceSame: number;
  prevForce: number;
  day: number;
  dayMinN: number;
  dayMins: number[];
  wallOffset: number;
  behindSinceMs: number;
  softActive: boolean;
  slowActive: boolean;
  risingActive: boolean;
}

export interface Observation {
  tMs: number;
  wallMs: number;
  phase: Phase;
  targetUm: number;
  pos: Reading;
  force: Reading;
  driverFault: boolean;
}

export interface Verdict {
  allowSteps: number;
  fault: string;
  warning: string;
  reason: string;
}

/** Codes that latch the fault phase, with how fast each is detected (ms, from the config). */
export const DETECTION: { [code: string]: (c: SupervisorConfig, rateUmPerMs: number) => number } = {
  // a window already under way when the fault starts may pass; the next one cannot
  "stall": (c, v) => (2 * c.windowUm) / v + c.settleMs + 2 * c.tickMs,
  "missed-steps": (c, v) => ((c.slipStrikes + 1) * c.windowUm) / v + c.settleMs + 2 * c.tickMs,
  "runaway": (c, v) => c.runawayUm / v + 3 * c.filterTauMs + c.tickMs,
  "position-sensor-stuck": (c) => (c.stuckReadings + 1) * c.tickMs,
  "position-sensor-dropout": (c) => c.staleMs + c.tickMs,
  "position-sensor-out-of-range": (c) => (c.spikesToFault + 1) * c.tickMs,
  "force-sensor-stuck": (c) => (c.stuckReadings + 1) * c.tickMs,
  "force-sensor-dropout": (c) => c.staleMs + c.tickMs,
  "force-hard-limit": (c) => c.tickMs,
  "force-sudden-drop": (c) => c.tickMs,
  "clock-jump": (c) => c.tickMs,
  "driver-fault": (c) => c.tickMs,
  "storage-failure": (c) => c.tickMs,
};

/**
 * Warnings (do not latch) and their bounds; v is how fast the shortfall grows (µm/ms).
 * The rising-baseline bound counts from the third day of rising resting force.
 */
export const WARNING_BOUND: { [code: string]: (c: SupervisorConfig, v: number) => number } = {
  "force-soft-limit": (c) => c.tickMs,
  "slow-delivery": (c, v) => c.slowDeliveryUm / v + c.slowDeliveryMs + 2 * c.tickMs,
  "force-rising-baseline": () => MS_PER_DAY,
};

export function makeSupervisorConfig(prof: DeviceProfile, rx: Prescription, sched: Schedule): SupervisorConfig {
  const um = prof.umPerMicrostep;
  const tick = prof.tickMs;
  const tau = MS_PER_MINUTE;
  const alpha = tick / (tau + tick);
  const filterNoise = prof.positionNoiseUm * Math.sqrt(alpha / (2 - alpha));
  // The supervisor's own reading of the prescription: never more than the device cap
  // or the prescribed rate times the catch-up factor in any 24 h.
  const budgetMm = Math.min(prof.hardRateCapMmPerDay, rx.rateMmPerDay * prof.catchUpFactor);
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
    forceNoiseN: prof.forceNoiseN,
    filterTauMs: tau,
    filterNoiseUm: filterNoise,
    spikeGateUm: Math.max(50, 8 * prof.positionNoiseUm) + prof.backlashUm,
    spikesToFault: 3,
    windowUm: Math.max(40, 3 * prof.backlashUm, 20 * filterNoise),
    settleMs: 3 * tau,
    maxSlip: 0.15,
    stallRatio: 0.25,
    slipStrikes: 3,
    runawayUm: Math.max(20, 6 * filterNoise) + prof.backlashUm,
    overtravelUm: 2 * prof.positionToleranceUm + 4 * filterNoise + (sched.incrementsPerDay > 0 ? 0 : 2 * um),
    stuckReadings: 30,
    dropFraction: 0.4,
    dropMinN: Math.max(15, 10 * prof.forceNoiseN),
    risingDays: 3,
    risingPerDayN: 0.1 * rx.softForceN,
    clockJumpMs: 2000,
    slowDeliveryUm: Math.max(50, 4 * prof.positionToleranceUm),
    slowDeliveryMs: 6 * MS_PER_HOUR,
  };
}

/** The supervisor's state; `capStepsPerDay` is the most the device may travel in 24 h (sizes its budget window). */
export function makeSupervisorState(stepCount: number, capStepsPerDay: number): SupervisorState {
  return {
    stepCount,
    window: makeTravelWindow(MS_PER_MINUTE, capStepsPerDay),
    est: 0,
    estReady: false,
    estSteps: stepCount,
    lastGoodPosMs: 0,
    lastPosValue: NaN,
    posSame: 0,
    posChangedAtSteps: stepCount,
    spikes: 0,
    cpSteps: stepCount,
    cpEst: 0,
    cpCrossMs: -1,
    strikes: 0,
    lastGoodForceMs: 0,
    lastForce: NaN,
    forceSame: 0,
    prevForce: NaN,
    day: -1,
    dayMinN: Infinity,
    dayMins: [],
    wallOffset: NaN,
    behindSinceMs: -1,
    softActive: false,
    slowActive: false,
    risingActive: false,
  };
}

export function makeVerdict(): Verdict {
  return { allowSteps: 0, fault: "", warning: "", reason: "" };
}

function clear(v: Verdict, allow: number): Verdict {
  v.allowSteps = allow;
  v.fault = "";
  v.warning = "";
  v.reason = "";
  return v;
}

function fault(v: Verdict, code: string, reason: string): Verdict {
  v.allowSteps = 0;
  v.fault = code;
  v.reason = reason;
  return v;
}

function warn(v: Verdict, code: string, reason: string): Verdict {
  if (v.warning === "") {
    v.warning = code;
    v.reason = reason;
  }
  return v;
}

function fmt(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** Position: validity, spikes, stuck, and the filtered estimate with commanded motion fed forward. */
function checkPosition(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  const p = o.pos;
  const fresh = p.ok && isFinite(p.value) && o.tMs - p.atMs <= c.staleMs;
  if (fresh && (p.value < c.positionMinUm || p.value > c.positionMaxUm)) {
    fault(v, "position-sensor-out-of-range", "position " + fmt(p.value) + " µm outside the plausible span " + fmt(c.positionMinUm) + "…" + fmt(c.positionMaxUm) + " µm");
    return;
  }
  if (!fresh) {
    if (o.tMs - s.lastGoodPosMs > c.staleMs) fault(v, "position-sensor-dropout", "no valid position reading for " + fmt((o.tMs - s.lastGoodPosMs) / 1000) + " s (limit " + c.staleMs / 1000 + " s)");
    return;
  }
  const pred = s.est + (s.stepCount - s.estSteps) * c.umPerStep;
  s.estSteps = s.stepCount;
  if (!s.estReady) {
    s.est = p.value;
    s.cpEst = p.value;
    s.estReady = true;
  } else if (Math.abs(p.value - pred) > c.spikeGateUm && Math.abs(p.value - s.lastPosValue) > c.spikeGateUm) {
    s.est = pred;
    s.spikes++;
    s.lastGoodPosMs = o.tMs;
    s.lastPosValue = p.value;
    if (s.spikes >= c.spikesToFault) fault(v, "position-sensor-out-of-range", s.spikes + " implausible position jumps in a row (last " + fmt(p.value) + " µm, expected " + fmt(pred) + " µm)");
    return;
  } else {
    s.est = pred + ((p.value - pred) * c.tickMs) / (c.filterTauMs + c.tickMs);
  }
  s.spikes = 0;
  s.lastGoodPosMs = o.tMs;
  if (p.value === s.lastPosValue) s.posSame++;
  else {
    s.posSame = 0;
    s.posChangedAtSteps = s.stepCount;
  }
  s.lastPosValue = p.value;
  const movedUm = (s.stepCount - s.posChangedAtSteps) * c.umPerStep;
  if ((c.positionNoiseUm > 0 && s.posSame >= c.stuckReadings) || movedUm >= c.windowUm) {
    fault(v, "position-sensor-stuck", "position reading frozen at " + fmt(p.value) + " µm for " + s.posSame + " readings and " + fmt(movedUm) + " µm of commanded motion");
  }
}

/** Measured motion vs commanded: stall, missed steps beyond tolerance, runaway. */
function checkMotion(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  if (!s.estReady) return;
  const commanded = (s.stepCount - s.cpSteps) * c.umPerStep;
  const measured = s.est - s.cpEst;
  if (measured - commanded > c.runawayUm) {
    fault(v, "runaway", "moved " + fmt(measured) + " µm with " + fmt(commanded) + " µm commanded (limit +" + fmt(c.runawayUm) + " µm)");
    return;
  }
  if (commanded < c.windowUm) return;
  if (s.cpCrossMs < 0) s.cpCrossMs = o.tMs;
  if (o.tMs - s.cpCrossMs < c.settleMs) return;
  const ratio = measured / commanded;
  if (ratio < c.stallRatio) {
    fault(v, "stall", "commanded " + fmt(commanded) + " µm, measured " + fmt(measured) + " µm");
    return;
  }
  if (ratio < 1 - c.maxSlip) {
    s.strikes++;
    if (s.strikes >= c.slipStrikes) {
      fault(v, "missed-steps", "measured/commanded " + fmt(ratio * 100) + " % in " + s.strikes + " windows in a row (tolerance " + c.maxSlip * 100 + " %)");
      return;
    }
  } else s.strikes = 0;
  s.cpSteps = s.stepCount;
  s.cpEst = s.est;
  s.cpCrossMs = -1;
}

/** Force: validity, stuck, hard limit, sudden drop, and the day-by-day resting force. */
function checkForce(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  const f = o.force;
  const fresh = f.ok && isFinite(f.value) && f.value >= c.forceMinN && f.value <= c.forceMaxN && o.tMs - f.atMs <= c.staleMs;
  if (fresh && f.value >= c.hardForceN) {
    fault(v, "force-hard-limit", "force " + fmt(f.value) + " N at or above the hard limit " + c.hardForceN + " N");
    return;
  }
  if (!fresh) {
    if (o.tMs - s.lastGoodForceMs > c.staleMs) fault(v, "force-sensor-dropout", "no valid force reading for " + fmt((o.tMs - s.lastGoodForceMs) / 1000) + " s (limit " + c.staleMs / 1000 + " s)");
    return;
  }
  s.lastGoodForceMs = o.tMs;
  if (f.value === s.lastForce) s.forceSame++;
  else s.forceSame = 0;
  s.lastForce = f.value;
  if (c.forceNoiseN > 0 && s.forceSame >= c.stuckReadings) {
    fault(v, "force-sensor-stuck", "force reading frozen at " + fmt(f.value) + " N for " + s.forceSame + " readings");
    return;
  }
  const prev = s.prevForce;
  s.prevForce = f.value;
  if (f.value < (1 - c.dropFraction) * prev && prev - f.value > c.dropMinN) {
    fault(v, "force-sudden-drop", "force fell from " + fmt(prev) + " N to " + fmt(f.value) + " N in one tick (rupture or separation?)");
    return;
  }
  const day = Math.floor(o.tMs / MS_PER_DAY);
  if (day !== s.day) {
    if (s.day >= 0 && isFinite(s.dayMinN)) {
      s.dayMins.push(s.dayMinN);
      if (s.dayMins.length > c.risingDays + 1) s.dayMins.shift();
    }
    s.day = day;
    s.dayMinN = Infinity;
  }
  if (f.value < s.dayMinN) s.dayMinN = f.value;
}

function checkWarnings(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): void {
  // Warnings fire on the rising edge; the soft-force one re-arms only once the force
  // has fallen 10 % below the limit, so noise around the limit raises it once.
  const f = o.force.value;
  const ok = o.force.ok && isFinite(f);
  if (ok && f >= c.softForceN && !s.softActive) {
    warn(v, "force-soft-limit", "force " + fmt(f) + " N above the soft limit " + c.softForceN + " N: slowing");
    s.softActive = true;
  } else if (ok && f < 0.9 * c.softForceN) s.softActive = false;
  const active = o.phase === "distraction" || o.phase === "paused";
  const behind = s.estReady && active && o.targetUm - s.est > c.slowDeliveryUm;
  if (!behind) s.behindSinceMs = -1;
  else if (s.behindSinceMs < 0) s.behindSinceMs = o.tMs;
  const slow = behind && o.tMs - s.behindSinceMs >= c.slowDeliveryMs;
  if (slow && !s.slowActive) warn(v, "slow-delivery", "behind the prescription by " + fmt(o.targetUm - s.est) + " µm for " + fmt((o.tMs - s.behindSinceMs) / MS_PER_HOUR) + " h");
  s.slowActive = slow;
  const m = s.dayMins;
  let rising = o.phase === "distraction" && m.length > c.risingDays;
  for (let i = m.length - c.risingDays; rising && i < m.length; i++) {
    if (m[i] - m[i - 1] < c.risingPerDayN) rising = false;
  }
  if (rising && !s.risingActive) warn(v, "force-rising-baseline", "resting force rose " + c.risingDays + " days running (" + m.map(fmt).join(" → ") + " N): relaxation incomplete, suspected premature consolidation");
  s.risingActive = rising;
}

/** Every tick, before the governor decides. */
export function observe(c: SupervisorConfig, s: SupervisorState, o: Observation, v: Verdict): Verdict {
  clear(v, 0);
  const offset = o.wallMs - o.tMs;
  if (isFinite(s.wallOffset) && Math.abs(offset - s.wallOffset) > c.clockJumpMs) {
    const jump = offset - s.wallOffset;
    s.wallOffset = offset;
    return fault(v, "clock-jump", "wall clock jumped " + fmt(jump / 1000) + " s against the monotonic clock");
  }
  s.wallOffset = offset;
  if (o.driverFault) return fault(v, "driver-fault", "the motor driver reports a fault");
  checkPosition(c, s, o, v);
  if (v.fault !== "") return v;
  checkForce(c, s, o, v);
  if (v.fault !== "") return v;
  checkMotion(c, s, o, v);
  if (v.fault !== "") return v;
  checkWarnings(c, s, o, v);
  return v;
}

/** Vets a command. It can only pass it or stop it; any breach of a hard rule is a fault. */
export function vet(c: SupervisorConfig, s: SupervisorState, o: Observation, steps: number, v: Verdict): Verdict {
  clear(v, steps);
  if (steps === 0) return v;
  if (!(steps > 0) || Math.floor(steps) !== steps) return fault(v, "veto-command", "malformed command: " + steps + " steps");
  if (o.phase !== "distraction") return fault(v, "veto-phase", steps + " steps commanded in phase " + o.phase);
  if (steps > c.incrementCapSteps) return fault(v, "veto-increment", steps + " steps exceed the increment cap of " + c.incrementCapSteps);
  const used = windowSum(s.window, o.tMs);
  if (used + steps > c.budgetSteps) return fault(v, "veto-budget", steps + " steps would make " + (used + steps) + " in 24 h (budget " + c.budgetSteps + ")");
  const after = s.est + (s.stepCount - s.estSteps + steps) * c.umPerStep;
  if (!s.estReady || after > o.targetUm + c.overtravelUm || after > c.strokeUm) {
    return fault(v, "veto-overtravel", "move would reach " + fmt(after) + " µm; target " + fmt(o.targetUm) + " µm (+" + fmt(c.overtravelUm) + "), stroke " + fmt(c.strokeUm) + " µm");
  }
  return v;
}

/** Books a finished move (dir 1 distracts, -1 retracts): the supervisor's own count and budget see what was issued. */
export function afterMove(s: SupervisorState, tMs: number, requested: number, issued: number, dir: number, driverFault: string, v: Verdict): Verdict {
  clear(v, 0);
  s.stepCount += dir * issued;
  windowAdd(s.window, tMs, issued);
  if (driverFault !== "") return fault(v, "driver-fault", "stepper reported " + driverFault + " after " + issued + " of " + requested + " steps");
  if (issued > requested) return fault(v, "runaway", "driver issued " + issued + " steps for " + requested + " commanded");
  return v;
}
