// The supervisor's vocabulary: every fault and warning code with what it means
// and how fast it is detected, sized from the supervisor's configuration. One
// table; docs/hazards.md carries the same rows and the tests and the population
// campaign (osteodrive sweep) hold every code to its bound. Not part of a device's
// firmware image (only the codes themselves are): it documents and verifies it.

import type { SupervisorConfig } from "./supervisor.ts";
import { dwellNeed } from "./watch-position.ts";

export type FaultCode = "stall" | "missed-steps" | "runaway" | "uncommanded-retraction" | "uncommanded-motion" | "position-sensor-drift" | "position-mismatch-at-boot"
  | "position-sensor-stuck" | "position-sensor-dropout" | "position-sensor-out-of-range" | "force-sensor-stuck" | "force-sensor-dropout"
  | "force-sensor-drift" | "force-hard-limit" | "force-sudden-drop" | "clock-jump" | "driver-fault" | "storage-failure";
export type WarningCode = "force-soft-limit" | "slow-delivery" | "force-rising-baseline";

/**
 * How fast a fault is detected (ms). `v` is the delivery speed (µm/ms) and `g` how
 * fast the fault makes its evidence grow: for the position account the creep or
 * drift speed or the lost share of the delivery speed (µm/ms); for a load cell its
 * drift (N/ms).
 */
export type Bound = (c: SupervisorConfig, v: number, g: number) => number;

export interface CodeRow {
  code: FaultCode | WarningCode;
  kind: "fault" | "warning";
  text: string;
  bound: Bound;
}

/**
 * The longest diagnostic dwell for a disagreement growing at g: the settle time,
 * then a still span long enough for its least-squares fit to tell growth from none
 * at a rate known to within a factor two, and as long again when the fit is not
 * yet clear (never more than dwellMaxMs of fitting), up to forceDwellMs more
 * for the force to witness a slow stretch, and frozenReadings ticks to tell a
 * frozen sensor from a jam.
 */
export function dwellBound(c: SupervisorConfig, g: number): number {
  // the first dwell for a rate known to within a factor two, and one as long again when its fit is not yet clear
  // (and the ticks a reading unchanged since a move is held for, to tell a frozen sensor from a jam)
  return c.settleMs + 2 * c.tickMs + Math.min(c.dwellMaxMs, 2 * Math.max(c.dwellMinMs, dwellNeed(c, 0.5 * g))) + c.forceDwellMs + c.frozenReadings * c.tickMs;
}

/** When the account trips for a disagreement growing at g and the cause is told: filter lag, the bound at its largest compliance slack, a dwell. */
export function accountBound(c: SupervisorConfig, g: number): number {
  return 3 * c.filterTauMs + (c.accountBoundUm + c.complianceSlackUmPerN * c.hardForceN) / g + c.tickMs + dwellBound(c, g);
}

/** A drop confirmed on its second reading, then the settle time and the averaging that tell a rupture from the load cell. */
export function dropBound(c: SupervisorConfig): number {
  return 2 * c.tickMs + c.settleMs + c.dropAverageMs + c.tickMs;
}

export const CODES: CodeRow[] = [
  { code: "stall", kind: "fault", text: "motion commanded, (almost) none measured: the drive is jammed", bound: (c, v) => accountBound(c, v) },
  { code: "missed-steps", kind: "fault", text: "the drive delivers less than commanded, beyond its rated slip (worn gearbox, failing driver)", bound: (c, _v, g) => accountBound(c, g) },
  { code: "runaway", kind: "fault", text: "the drive advances on its own or further than commanded (slipping escapement, extra pulses)", bound: (c, _v, g) => accountBound(c, g) },
  { code: "uncommanded-retraction", kind: "fault", text: "the gap closes with no motion commanded (a drive back-driven by the tissue)", bound: (c, _v, g) => accountBound(c, g) },
  { code: "uncommanded-motion", kind: "fault", text: "the reading moved with nothing commanded, the way the drive can move on its own, and the force is too small a witness to tell the drive from the sensor: check both", bound: (c, _v, g) => accountBound(c, g) },
  { code: "position-sensor-drift", kind: "fault", text: "the position reading moves away from the step count while the drive stands still (sensor zero drifting or jumping)", bound: (c, _v, g) => accountBound(c, g) },
  { code: "position-mismatch-at-boot", kind: "fault", text: "at boot the position reading disagrees with the position journaled before the power went", bound: (c) => c.tickMs },
  { code: "position-sensor-stuck", kind: "fault", text: "the position reading is frozen", bound: (c) => (c.stuckReadings + 1) * c.tickMs },
  { code: "position-sensor-dropout", kind: "fault", text: "no valid position reading", bound: (c) => c.staleMs + c.tickMs },
  { code: "position-sensor-out-of-range", kind: "fault", text: "the position reading is outside the plausible span, or keeps jumping", bound: (c) => (c.spikesToFault + 1) * c.tickMs },
  { code: "force-sensor-stuck", kind: "fault", text: "the force reading is frozen", bound: (c) => (c.stuckReadings + 1) * c.tickMs },
  { code: "force-sensor-dropout", kind: "fault", text: "no valid force reading", bound: (c) => c.staleMs + c.tickMs },
  { code: "force-sensor-drift", kind: "fault", text: "the load cell is drifting: the force rises while nothing moves, reads below zero, or stepped down with no spring-back of the frame", bound: (c, _v, g) => Math.max(2 * c.settleMs + 3 * c.filterTauMs + c.forceRiseN / g + c.tickMs, dropBound(c)) },
  { code: "force-hard-limit", kind: "fault", text: "force at or above the prescription's hard limit", bound: (c) => c.tickMs },
  // held at once; where the frame's spring-back can tell a rupture from a step of the load cell, named after it is measured
  { code: "force-sudden-drop", kind: "fault", text: "the force fell suddenly (rupture, separation of the regenerate)", bound: (c) => dropBound(c) },
  { code: "clock-jump", kind: "fault", text: "the wall clock jumped against the monotonic clock by more than a correction (or is behind the journal at boot)", bound: (c) => c.tickMs },
  { code: "driver-fault", kind: "fault", text: "the motor driver reports a fault", bound: (c) => c.tickMs },
  // a refused write is known at once; with nothing to write, at the next heartbeat
  { code: "storage-failure", kind: "fault", text: "the journal cannot be written (known within a heartbeat even when nothing else is written)", bound: (c) => c.heartbeatMs + c.tickMs },
  { code: "force-soft-limit", kind: "warning", text: "force above the soft limit: a relaxation probe, then slower", bound: (c) => c.tickMs },
  // behind by slowDeliveryUm, then a whole window losing ground, and the window boundary after it
  { code: "slow-delivery", kind: "warning", text: "delivery falling further behind the prescription, window after window", bound: (c, _v, g) => c.slowDeliveryUm / g + 2 * c.slowDeliveryMs + 2 * c.tickMs },
  // counted from the end of the third whole rising day after the ramp days
  { code: "force-rising-baseline", kind: "warning", text: "resting force rising day after day: suspected premature consolidation", bound: (c) => c.tickMs },
];

function table(kind: "fault" | "warning"): { [code: string]: Bound } {
  const out: { [code: string]: Bound } = {};
  for (const r of CODES) if (r.kind === kind) out[r.code] = r.bound;
  return out;
}

/** Fault codes that latch, and warnings that do not, with their detection bounds. */
export const DETECTION = table("fault");
export const WARNING_BOUND = table("warning");
