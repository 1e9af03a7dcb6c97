// The closed-loop rate governor. decide() is a function of (state, readings, now):
// it fuses the step count with the position sensor, compares the estimate with the
// prescribed target and returns how many microsteps to issue now, with every clamp
// that applied recorded as a flag (explain() turns them into readable reasons).
// It never runs the motor itself. To allocate nothing per tick it writes into a
// caller-owned Decision and updates its state in place; nothing else is read.

import type { Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import { nominalUmPerMs } from "./schedule.ts";
import { makeTravelWindow, windowAdd, windowSum } from "./travel-window.ts";
import type { TravelWindow } from "./travel-window.ts";
import { MS_PER_MINUTE, UM_PER_MM } from "./units.ts";

/** Clamp flags (bit mask in Decision.clamps). */
export const C_PHASE = 1;
export const C_AT_TARGET = 2;
export const C_AHEAD = 4;
export const C_PACE = 8;
export const C_BUDGET = 16;
export const C_INCREMENT = 32;
export const C_MOVE_CAP = 64;
export const C_STROKE = 128;
export const C_FORCE_SOFT = 256;
export const C_FORCE_HARD = 512;
export const C_POSITION_STALE = 1024;
export const C_FORCE_STALE = 2048;
export const C_BAD_TARGET = 4096;
export const C_ADVISORY = 8192;

export interface GovernorConfig {
  umPerStep: number;
  tickMs: number;
  maxStepRateHz: number;
  /** Per-move ceiling: min(increment cap, driver max move). */
  incrementCapSteps: number;
  moveCapSteps: number;
  /** Rolling 24 h budget in microsteps: min(device hard cap, rate × catch-up factor). */
  budgetSteps: number;
  /** Fastest catch-up pace (µm/ms) and the most the pace may bank (µm). */
  paceUmPerMs: number;
  paceCapacityUm: number;
  fusionTauMs: number;
  sensorStaleMs: number;
  softForceN: number;
  hardForceN: number;
  strokeUm: number;
  budgetBucketMs: number;
  /** Staircase rhythm: between scheduled increments, shortfalls below this are left for the next increment (µm). */
  holdDeadbandUm: number;
  /** Slowest pace the soft force limit slows to (fraction of the catch-up pace). */
  softPaceFloor: number;
}

export interface GovernorState {
  /** Net microsteps issued since the prescription started. */
  stepCount: number;
  /** Fused offset: sensor − step count × µm/step, low-pass filtered (µm). */
  biasUm: number;
  biasReady: boolean;
  lastPositionAtMs: number;
  /** Token bucket for pacing (µm that may be delivered now). */
  allowanceUm: number;
  /** The target at the previous decision (a rise = a new scheduled increment). */
  lastTargetUm: number;
  /** Advisory slow-down in (0, 1]: an advisor may only lower the pace, never raise it. */
  advisoryScale: number;
  lastMs: number;
  window: TravelWindow;
}

/**
 * What decide() reads each tick. The caller owns one and rewrites its fields: numbers
 * stay in the object, so no double is boxed on the call (zero allocation per tick).
 */
export interface GovernorInput {
  tMs: number;
  targetUm: number;
  motionAllowed: boolean;
  pos: Reading;
  force: Reading;
}

export interface Decision {
  steps: number;
  maxDurationMs: number;
  targetUm: number;
  estimateUm: number;
  /** Steps wanted before any clamp. */
  wantedSteps: number;
  clamps: number;
  /** Non-empty when motion must stop and the phase must fault. */
  stop: string;
  forceN: number;
  allowanceUm: number;
  budgetLeftSteps: number;
}

export function makeGovernorConfig(prof: DeviceProfile, rx: Prescription, sched: Schedule, driverMaxMoveSteps: number, driverMaxStepRateHz: number): GovernorConfig {
  const um = prof.umPerMicrostep;
  const budgetMmPerDay = Math.min(prof.hardRateCapMmPerDay, rx.rateMmPerDay * prof.catchUpFactor);
  const pace = nominalUmPerMs(sched) * prof.catchUpFactor;
  const incrementCapUm = prof.incrementCapMm * UM_PER_MM;
  return {
    umPerStep: um,
    tickMs: prof.tickMs,
    maxStepRateHz: Math.min(prof.maxStepRateHz, driverMaxStepRateHz),
    incrementCapSteps: Math.floor(incrementCapUm / um),
    moveCapSteps: driverMaxMoveSteps,
    budgetSteps: Math.floor((budgetMmPerDay * UM_PER_MM) / um),
    paceUmPerMs: pace,
    paceCapacityUm: sched.incrementsPerDay > 0
      ? sched.incrementUm + prof.positionToleranceUm
      : Math.max(pace * Math.max(prof.tickMs, MS_PER_MINUTE), 2 * um),
    fusionTauMs: prof.fusionTauMs,
    sensorStaleMs: prof.sensorStaleMs,
    softForceN: rx.softForceN,
    hardForceN: rx.hardForceN,
    strokeUm: prof.strokeMm * UM_PER_MM,
    budgetBucketMs: MS_PER_MINUTE,
    holdDeadbandUm: sched.incrementsPerDay > 0 ? prof.positionToleranceUm : 0,
    softPaceFloor: 0.25,
  };
}

export function makeGovernorState(cfg: GovernorConfig, tMs: number): GovernorState {
  return {
    stepCount: 0,
    biasUm: 0,
    biasReady: false,
    lastPositionAtMs: -1,
    allowanceUm: cfg.paceCapacityUm,
    lastTargetUm: -Infinity,
    advisoryScale: 1,
    lastMs: tMs,
    window: makeTravelWindow(cfg.budgetBucketMs),
  };
}

export function makeDecision(): Decision {
  return { steps: 0, maxDurationMs: 0, targetUm: 0, estimateUm: 0, wantedSteps: 0, clamps: 0, stop: "", forceN: 0, allowanceUm: 0, budgetLeftSteps: 0 };
}

/** Fused position estimate (µm) from the step count and the filtered sensor offset. */
export function estimateUm(cfg: GovernorConfig, st: GovernorState): number {
  return st.stepCount * cfg.umPerStep + st.biasUm;
}

function fuse(cfg: GovernorConfig, st: GovernorState, pos: Reading): void {
  if (!pos.ok || !isFinite(pos.value) || pos.atMs <= st.lastPositionAtMs) return;
  const innovation = pos.value - estimateUm(cfg, st);
  if (!st.biasReady) {
    st.biasUm += innovation;
    st.biasReady = true;
  } else {
    const dt = pos.atMs - st.lastPositionAtMs;
    st.biasUm += (innovation * dt) / (cfg.fusionTauMs + dt);
  }
  st.lastPositionAtMs = pos.atMs;
}

/**
 * Decides the next move (`inp.motionAllowed` comes from the phase machine).
 * Writes the result into `out`; updates `st` (fusion, pacing) in place.
 */
export function decide(cfg: GovernorConfig, st: GovernorState, inp: GovernorInput, out: Decision): Decision {
  const tMs = inp.tMs;
  const target = inp.targetUm;
  const motionAllowed = inp.motionAllowed;
  const pos = inp.pos;
  const force = inp.force;
  const dt = tMs > st.lastMs ? tMs - st.lastMs : 0;
  st.lastMs = tMs;
  fuse(cfg, st, pos);
  const est = estimateUm(cfg, st);
  const um = cfg.umPerStep;
  let clamps = 0;
  let stop = "";
  out.targetUm = target;
  out.estimateUm = est;
  out.forceN = force.value;

  const positionFresh = pos.ok && isFinite(pos.value) && st.biasReady && tMs - pos.atMs <= cfg.sensorStaleMs;
  const forceFresh = force.ok && isFinite(force.value) && tMs - force.atMs <= cfg.sensorStaleMs;
  if (!positionFresh) clamps |= C_POSITION_STALE;
  if (!forceFresh) clamps |= C_FORCE_STALE;

  let paceScale = 1;
  if (forceFresh && force.value >= cfg.hardForceN) {
    clamps |= C_FORCE_HARD;
    stop = "force-hard-limit";
    paceScale = 0;
  } else if (forceFresh && force.value >= cfg.softForceN) {
    // Relaxation-aware pacing: the closer to the hard limit, the slower (down to a
    // floor: soft limits slow, only the hard limit stops); the tissue relaxes while
    // we go slowly, which lowers the force and lifts the slowdown.
    clamps |= C_FORCE_SOFT;
    paceScale = (cfg.hardForceN - force.value) / (cfg.hardForceN - cfg.softForceN);
    if (paceScale < cfg.softPaceFloor) paceScale = cfg.softPaceFloor;
  }
  if (st.advisoryScale < 1) {
    clamps |= C_ADVISORY;
    paceScale *= st.advisoryScale;
  }
  let allowance = st.allowanceUm + dt * cfg.paceUmPerMs * paceScale;
  if (allowance > cfg.paceCapacityUm) allowance = cfg.paceCapacityUm;

  const want = target - est;
  let n = Math.floor(want / um + 0.5);
  // Staircase: a new increment is served at once; between increments the tissue
  // relaxes and the frame springs back, so small shortfalls wait for the next one.
  const newIncrement = target > st.lastTargetUm;
  st.lastTargetUm = target;
  if (!newIncrement && want < cfg.holdDeadbandUm) n = 0;
  out.wantedSteps = n > 0 ? n : 0;
  if (!motionAllowed) clamps |= C_PHASE;
  if (!isFinite(want)) {
    clamps |= C_BAD_TARGET;
    n = 0;
  } else if (n <= 0) {
    clamps |= want < -cfg.umPerStep ? C_AHEAD : C_AT_TARGET;
    n = 0;
  }
  const budgetLeft = cfg.budgetSteps - windowSum(st.window, tMs);
  out.budgetLeftSteps = budgetLeft;
  if (n > 0) {
    const paceSteps = Math.floor(allowance / um);
    if (n > paceSteps) { n = paceSteps; clamps |= C_PACE; }
    if (n > budgetLeft) { n = budgetLeft > 0 ? budgetLeft : 0; clamps |= C_BUDGET; }
    if (n > cfg.incrementCapSteps) { n = cfg.incrementCapSteps; clamps |= C_INCREMENT; }
    if (n > cfg.moveCapSteps) { n = cfg.moveCapSteps; clamps |= C_MOVE_CAP; }
    const strokeSteps = Math.floor((cfg.strokeUm - est) / um);
    if (n > strokeSteps) { n = strokeSteps > 0 ? strokeSteps : 0; clamps |= C_STROKE; }
  }
  if (!motionAllowed || stop !== "" || (clamps & (C_POSITION_STALE | C_FORCE_STALE)) !== 0) n = 0;

  allowance -= n * um;
  st.allowanceUm = allowance;
  out.allowanceUm = allowance;
  out.steps = n;
  out.maxDurationMs = n > 0 ? Math.ceil((n * 1000) / cfg.maxStepRateHz) + 100 : 0;
  out.clamps = clamps;
  out.stop = stop;
  return out;
}

/**
 * Sets the advisory slow-down. Anything that is not a number in [floor, 1] is
 * clamped into it (NaN → 1: a broken advisor changes nothing); it can never exceed 1.
 */
export function setAdvisoryScale(st: GovernorState, scale: number, floor: number): number {
  st.advisoryScale = !(scale === scale) ? 1 : scale > 1 ? 1 : scale < floor ? floor : scale;
  return st.advisoryScale;
}

/** Records a finished move: the step count and the rolling budget (travel either way) see what was issued. */
export function applyMove(st: GovernorState, tMs: number, issued: number, dir: number): void {
  st.stepCount += dir * issued;
  windowAdd(st.window, tMs, issued);
}

const REASONS: string[] = [
  "phase does not allow motion",
  "at target (within half a microstep, or the hold deadband between increments)",
  "ahead of target: hold, never retract",
  "catch-up pace limit",
  "rolling 24 h travel budget",
  "per-increment cap",
  "driver's largest move",
  "end of stroke",
  "force above soft limit: slowed",
  "force at hard limit: stop",
  "position reading stale or invalid: hold",
  "force reading stale or invalid: hold",
  "target or estimate is not a finite number: hold",
  "advisory slow-down (tissue-response advisor)",
];

/** Readable reasons for a decision (for logs and reports; allocates, not for the hot path). */
export function explain(cfg: GovernorConfig, d: Decision): string[] {
  const out: string[] = [];
  for (let i = 0; i < REASONS.length; i++) {
    if ((d.clamps & (1 << i)) === 0) continue;
    let r = REASONS[i];
    if ((1 << i) === C_PACE) r += " (" + d.allowanceUm.toFixed(2) + " µm allowed now)";
    if ((1 << i) === C_BUDGET) r += " (" + Math.max(0, d.budgetLeftSteps) + " of " + cfg.budgetSteps + " steps left)";
    if ((1 << i) === C_FORCE_SOFT || (1 << i) === C_FORCE_HARD) r += " (" + d.forceN.toFixed(1) + " N; soft " + cfg.softForceN + ", hard " + cfg.hardForceN + ")";
    out.push(r);
  }
  if (out.length === 0) out.push(d.steps + " steps toward target");
  return out;
}
