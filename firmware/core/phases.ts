// The treatment phase machine: idle → latency → distraction → consolidation →
// complete, plus paused and a latched fault. Pure functions: each returns the same
// object when nothing changes, or a new state with the reason for the change.

import type { Schedule } from "./schedule.ts";
import { scheduleComplete } from "./schedule.ts";

export type Phase = "idle" | "latency" | "distraction" | "consolidation" | "complete" | "paused" | "fault";

export interface PhaseState {
  phase: Phase;
  sinceMs: number;
  /** The phase a pause or fault interrupted (where resume/ack return to). */
  interrupted: Phase;
  /** When the target length was reached (consolidation timer), -1 before. */
  reachedAtMs: number;
  fault: string;
  reason: string;
}

export function initialPhase(): PhaseState {
  return { phase: "idle", sinceMs: 0, interrupted: "idle", reachedAtMs: -1, fault: "", reason: "no prescription" };
}

function to(ps: PhaseState, phase: Phase, tMs: number, reason: string): PhaseState {
  return { phase, sinceMs: tMs, interrupted: ps.interrupted, reachedAtMs: ps.reachedAtMs, fault: ps.fault, reason };
}

export function motionAllowed(ps: PhaseState): boolean {
  return ps.phase === "distraction";
}

/**
 * What the phase machine is told of the length each tick (caller-owned and rewritten: no allocation per tick).
 * The length counts as reached when the schedule has asked for all of it at least `settleMs` ago and both the
 * governor's fused estimate and the position sensor's own smoothed reading say so. The fused estimate alone is
 * not enough: steps the drive lost on the last increment read as delivered at first (the step count says so),
 * and its bias shows them only as its filter (fusionTauMs) absorbs them; the sensor shows them once its own
 * smoothing has followed the last move (`settleMs`, three of its time constants). Until both agree, distraction
 * goes on at the same target, and the governor tops up a shortfall beyond its deadband as between increments,
 * inside every cap, never retracting.
 */
export interface Reach {
  /** The governor's fused estimate (µm) and how close to the target it must be (µm). */
  estimateUm: number;
  marginUm: number;
  /** The position sensor's smoothed reading (µm; NaN when there is none yet) and the profile's tolerance (µm). */
  sensorUm: number;
  toleranceUm: number;
  /** How long after the schedule's end the sensor's smoothing needs to have followed the last increment (ms). */
  settleMs: number;
}

export function makeReach(): Reach {
  return { estimateUm: NaN, marginUm: 0, sensorUm: NaN, toleranceUm: 0, settleMs: 0 };
}

/** When the target length was reached: the earlier time, or now if it is now, or -1. */
function reachedAt(ps: PhaseState, s: Schedule, tMs: number, r: Reach): number {
  if (ps.reachedAtMs >= 0) return ps.reachedAtMs;
  const target = s.startUm + s.totalUm;
  // the lengths first: they are comparisons, the schedule's active time is not (the same answer)
  return r.estimateUm >= target - r.marginUm && r.sensorUm >= target - r.toleranceUm && scheduleComplete(s, tMs - r.settleMs) ? tMs : -1;
}

/** The phase the clock and the delivered length call for, ignoring pauses and faults. */
function scheduledPhase(s: Schedule, tMs: number, reached: number): Phase {
  if (tMs < s.latencyMs) return "latency";
  if (reached < 0) return "distraction";
  return tMs < reached + s.consolidationMs ? "consolidation" : "complete";
}

function reasonFor(phase: Phase, s: Schedule): string {
  if (phase === "latency") return "latency: no motion until day " + s.latencyMs / 86400000;
  if (phase === "distraction") return "latency over: distraction starts";
  if (phase === "consolidation") return "target length reached: hold while the regenerate consolidates";
  return "consolidation period over";
}

/** Time-driven transitions (latency over, length reached: see Reach, consolidation over); the same object when nothing changes (no allocation per tick). */
export function advancePhase(ps: PhaseState, s: Schedule, tMs: number, reach: Reach): PhaseState {
  if (ps.phase === "fault" || ps.phase === "complete") return ps;
  const reached = reachedAt(ps, s, tMs, reach);
  if (ps.phase === "paused") {
    if (reached === ps.reachedAtMs) return ps;
    const p = to(ps, "paused", ps.sinceMs, ps.reason);
    p.reachedAtMs = reached;
    return p;
  }
  const phase = scheduledPhase(s, tMs, reached);
  if (phase === ps.phase && reached === ps.reachedAtMs) return ps;
  const p = to(ps, phase, phase === ps.phase ? ps.sinceMs : tMs, reasonFor(phase, s));
  p.reachedAtMs = reached;
  return p;
}

export function pause(ps: PhaseState, tMs: number, reason: string): PhaseState {
  if (ps.phase === "fault" || ps.phase === "paused" || ps.phase === "complete") return ps;
  const p = to(ps, "paused", tMs, reason);
  p.interrupted = ps.phase;
  return p;
}

export function resume(ps: PhaseState, tMs: number, reason: string): PhaseState {
  if (ps.phase !== "paused") return ps;
  return to(ps, ps.interrupted, tMs, reason);
}

/** Latches a fault; only acknowledge() leaves it. */
export function latchFault(ps: PhaseState, tMs: number, code: string, reason: string): PhaseState {
  if (ps.phase === "fault") return ps;
  const p = to(ps, "fault", tMs, reason);
  p.interrupted = ps.phase === "paused" ? ps.interrupted : ps.phase;
  p.fault = code;
  return p;
}

/** Acknowledging a fault leaves the device paused: motion needs an explicit resume. */
export function acknowledge(ps: PhaseState, tMs: number, reason: string): PhaseState {
  if (ps.phase !== "fault") return ps;
  const p = to(ps, "paused", tMs, reason);
  p.fault = "";
  return p;
}
