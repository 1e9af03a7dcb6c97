// Shared move bookkeeping for both stepper modes: the refusals of rules R1–R3
// (busy, link lost, disabled, too large), the plan (how many microsteps fit the
// move's duration at the driver's rate, R2) and exactly one callback per move.

import type { MoveFault, MoveRequest, MoveResult } from "../types.ts";

export interface MoveGate {
  busy: boolean;
  linkLost: boolean;
  enabled: boolean;
  maxMoveSteps: number;
}

export function refusal(gate: MoveGate, req: MoveRequest): MoveFault {
  if (gate.busy) return "busy";
  if (gate.linkLost) return "link-lost";
  if (!gate.enabled) return "disabled";
  if (!(req.steps >= 0) || req.steps > gate.maxMoveSteps || Math.floor(req.steps) !== req.steps) return "too-large";
  return "";
}

/** Microsteps that fit `maxDurationMs` when one is issued every `intervalMs`. */
export function plannedSteps(req: MoveRequest, intervalMs: number): number {
  const fit = Math.floor(req.maxDurationMs / intervalMs + 1e-9);
  return fit < req.steps ? (fit > 0 ? fit : 0) : req.steps;
}

export class MoveRun {
  readonly req: MoveRequest;
  readonly startedAtMs: number;
  readonly planned: number;
  issued = 0;
  finished = false;
  private done: (res: MoveResult) => void;

  constructor(req: MoveRequest, startedAtMs: number, planned: number, done: (res: MoveResult) => void) {
    this.req = req;
    this.startedAtMs = startedAtMs;
    this.planned = planned;
    this.done = done;
  }

  /** Reports the move once; later calls are ignored. */
  finish(fault: MoveFault, endedAtMs: number): void {
    if (this.finished) return;
    this.finished = true;
    this.done({ issued: this.issued, fault, startedAtMs: this.startedAtMs, endedAtMs });
  }
}

/** Answers a refused move at once (issues nothing). */
export function refuse(done: (res: MoveResult) => void, fault: MoveFault, nowMs: number): void {
  done({ issued: 0, fault, startedAtMs: nowMs, endedAtMs: nowMs });
}
