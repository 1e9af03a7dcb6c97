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
 * How long distraction goes on after the schedule's last increment, in fusion time constants, before the length
 * may be declared reached: the fused estimate (step count + filtered sensor offset) needs them to absorb what the
 * last increment really delivered. Lost steps on it read as delivered at first; after 5 τ all but e^-5 ≈ 0.7 % of
 * that offset is in the estimate (a quarter of a 0.5 mm increment lost leaves under 1 µm unseen), and meanwhile
 * the governor tops up a shortfall beyond its deadband as between increments, inside every cap, never retracting.
 */
export const REACH_SETTLE_TAUS = 5;

/** When the target length was reached: the earlier time, or now if it is now, or -1. */
function reachedAt(ps: PhaseState, s: Schedule, tMs: number, estimateUm: number, toleranceUm: number, settleMs: number): number {
  if (ps.reachedAtMs >= 0) return ps.reachedAtMs;
  // the length first: it is a comparison, the schedule's active time is not (the same answer)
  return estimateUm >= s.startUm + s.totalUm - toleranceUm && scheduleComplete(s, tMs - settleMs) ? tMs : -1;
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

/**
 * Time-driven transitions (latency over, length reached, consolidation over); the same object when nothing changes
 * (no allocation per tick). The length counts as reached once the estimate is within `toleranceUm` of it
 * `settleMs` (REACH_SETTLE_TAUS × the fusion's time constant) after the schedule asked for all of it.
 */
export function advancePhase(ps: PhaseState, s: Schedule, tMs: number, estimateUm: number, toleranceUm: number, settleMs: number): PhaseState {
  if (ps.phase === "fault" || ps.phase === "complete") return ps;
  const reached = reachedAt(ps, s, tMs, estimateUm, toleranceUm, settleMs);
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
