// The prescribed target length as a pure function of time since the prescription
// started: latency (no motion), then a continuous ramp or an n-a-day staircase that
// only advances outside quiet hours, until the target length is reached.

import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, UM_PER_MM } from "./units.ts";
import type { Prescription } from "./prescription.ts";

export interface Schedule {
  /** Length already reached when this prescription started (µm); we continue from it. */
  startUm: number;
  totalUm: number;
  latencyMs: number;
  consolidationMs: number;
  rateUmPerDay: number;
  /** 0 = continuous. */
  incrementsPerDay: number;
  incrementUm: number;
  /** Active (non-quiet) ms per day. */
  activePerDayMs: number;
  /** Quiet window as offsets within the local day (ms); equal = none. */
  quietStartMs: number;
  quietEndMs: number;
  /** Local time of day (ms) at t = 0. */
  dayOffsetAtStartMs: number;
  /** Active time needed to deliver the whole target (ms). */
  activeToFinishMs: number;
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

export function makeSchedule(rx: Prescription, startUm: number, wallAtStartMs: number): Schedule {
  let qs = 0;
  let qe = 0;
  if (rx.quietHours) {
    qs = rx.quietHours.startHour * MS_PER_HOUR;
    qe = rx.quietHours.endHour * MS_PER_HOUR;
    if (qe >= MS_PER_DAY) qe -= MS_PER_DAY;
  }
  const quietLen = qe >= qs ? qe - qs : MS_PER_DAY - qs + qe;
  const activePerDayMs = MS_PER_DAY - quietLen;
  const totalUm = rx.targetLengthMm * UM_PER_MM;
  const rateUmPerDay = rx.rateMmPerDay * UM_PER_MM;
  return {
    startUm,
    totalUm,
    latencyMs: rx.latencyDays * MS_PER_DAY,
    consolidationMs: rx.consolidationDays * MS_PER_DAY,
    rateUmPerDay,
    incrementsPerDay: rx.incrementsPerDay,
    incrementUm: rx.incrementsPerDay > 0 ? rateUmPerDay / rx.incrementsPerDay : 0,
    activePerDayMs,
    quietStartMs: qs,
    quietEndMs: qe,
    dayOffsetAtStartMs: mod(wallAtStartMs + rx.utcOffsetMinutes * MS_PER_MINUTE, MS_PER_DAY),
    activeToFinishMs: rx.incrementsPerDay > 0
      ? (Math.ceil(totalUm / (rateUmPerDay / rx.incrementsPerDay) - 1e-9) - 1) * (activePerDayMs / rx.incrementsPerDay)
      : (totalUm / rateUmPerDay) * activePerDayMs,
  };
}

/** Active (non-quiet) ms in the local-day interval [0, x), 0 ≤ x ≤ one day. */
function activeWithinDay(s: Schedule, x: number): number {
  const qs = s.quietStartMs;
  const qe = s.quietEndMs;
  if (qs === qe) return x;
  if (qs < qe) {
    // quiet = [qs, qe)
    if (x <= qs) return x;
    if (x <= qe) return qs;
    return x - (qe - qs);
  }
  // quiet wraps midnight: [0, qe) and [qs, day)
  if (x <= qe) return 0;
  if (x <= qs) return x - qe;
  return qs - qe;
}

/** Active ms on the local-day axis from absolute local time a to b (a ≤ b). */
function activeBetween(s: Schedule, a: number, b: number): number {
  const da = Math.floor(a / MS_PER_DAY);
  const db = Math.floor(b / MS_PER_DAY);
  const ra = a - da * MS_PER_DAY;
  const rb = b - db * MS_PER_DAY;
  return (db - da) * s.activePerDayMs + activeWithinDay(s, rb) - activeWithinDay(s, ra);
}

/** Active distraction time (ms) elapsed by t (ms since prescription start). */
export function activeDistractionMs(s: Schedule, tMs: number): number {
  if (tMs <= s.latencyMs) return 0;
  const base = s.dayOffsetAtStartMs + s.latencyMs;
  return activeBetween(s, base, base + (tMs - s.latencyMs));
}

/** Prescribed target length (µm, absolute: includes startUm) at t. */
export function targetUm(s: Schedule, tMs: number): number {
  if (tMs < s.latencyMs) return s.startUm;
  const active = activeDistractionMs(s, tMs);
  let delivered: number;
  if (s.incrementsPerDay > 0) {
    const period = s.activePerDayMs / s.incrementsPerDay;
    delivered = (Math.floor(active / period) + 1) * s.incrementUm;
  } else {
    delivered = (s.rateUmPerDay * active) / s.activePerDayMs;
  }
  return s.startUm + (delivered < s.totalUm ? delivered : s.totalUm);
}

/** True when the schedule has asked for the whole target length by t. */
export function scheduleComplete(s: Schedule, tMs: number): boolean {
  return tMs >= s.latencyMs && activeDistractionMs(s, tMs) >= s.activeToFinishMs;
}

/** Local-day offset x at which activeWithinDay reaches a (0 ≤ a ≤ activePerDay): the earliest such x. */
function dayOffsetForActive(s: Schedule, a: number): number {
  const qs = s.quietStartMs;
  const qe = s.quietEndMs;
  if (qs === qe) return a;
  if (qs < qe) return a <= qs ? a : a + (qe - qs);
  return a + qe;
}

/** The time t (ms since start) at which the schedule asks for the whole target length. */
export function finishMs(s: Schedule): number {
  const base = s.dayOffsetAtStartMs + s.latencyMs;
  const dayStart = Math.floor(base / MS_PER_DAY) * MS_PER_DAY;
  // active time from the start of base's local day, then invert day by day
  const a = activeWithinDay(s, base - dayStart) + s.activeToFinishMs;
  const days = Math.floor(a / s.activePerDayMs);
  let rest = a - days * s.activePerDayMs;
  let d = days;
  if (rest === 0 && days > 0) {
    d = days - 1;
    rest = s.activePerDayMs;
  }
  return dayStart + d * MS_PER_DAY + dayOffsetForActive(s, rest) - s.dayOffsetAtStartMs;
}

/** True if t falls in quiet hours. */
export function inQuietHours(s: Schedule, tMs: number): boolean {
  if (s.quietStartMs === s.quietEndMs) return false;
  const x = mod(s.dayOffsetAtStartMs + tMs, MS_PER_DAY);
  return s.quietStartMs < s.quietEndMs ? x >= s.quietStartMs && x < s.quietEndMs : x >= s.quietStartMs || x < s.quietEndMs;
}

/** The nominal delivery speed while active (µm/ms): the daily amount spread over active hours. */
export function nominalUmPerMs(s: Schedule): number {
  return s.rateUmPerDay / s.activePerDayMs;
}
