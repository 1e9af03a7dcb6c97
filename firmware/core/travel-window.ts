// Rolling 24 h travel budget: microsteps issued per time bucket in a ring, with a
// running sum. Conservative: the window covers the last 24 h plus the current
// bucket, so any true 24 h window holds at most what this reports. The buckets
// are 16-bit when the device can never travel more than 65,535 steps in a day
// (its hard rate cap), which halves what the two windows (governor and
// supervisor) cost a microcontroller; a bucket that would overflow its type keeps
// its most and the sum keeps the rest for good (over-counting is the safe side).

import { MS_PER_DAY, UM_PER_MM } from "./units.ts";

/** The most steps a device travels in 24 h: its hard rate cap (mm/day) over its step (µm); sizes the windows. */
export function dayCapSteps(hardRateCapMmPerDay: number, umPerStep: number): number {
  return Math.ceil((hardRateCapMmPerDay * UM_PER_MM) / umPerStep);
}

export interface TravelWindow {
  bucketMs: number;
  buckets: Uint16Array | Int32Array;
  /** The most one bucket holds. */
  limit: number;
  /** Absolute bucket number of the newest bucket. */
  head: number;
  sum: number;
}

/** A window of `bucketMs` buckets for a device that travels at most `capStepsPerDay` steps in 24 h. */
export function makeTravelWindow(bucketMs: number, capStepsPerDay: number): TravelWindow {
  const n = Math.ceil(MS_PER_DAY / bucketMs) + 1;
  const small = capStepsPerDay <= 65535;
  return { bucketMs, buckets: small ? new Uint16Array(n) : new Int32Array(n), limit: small ? 65535 : 2147483647, head: 0, sum: 0 };
}

/** Moves the window forward to t, dropping buckets that left it. */
function advance(w: TravelWindow, tMs: number): void {
  const b = Math.floor(tMs / w.bucketMs);
  if (b <= w.head) return;
  const n = w.buckets.length;
  if (b - w.head >= n) {
    w.buckets.fill(0);
    w.sum = 0;
  } else {
    for (let i = w.head + 1; i <= b; i++) {
      const k = i % n;
      w.sum -= w.buckets[k];
      w.buckets[k] = 0;
    }
  }
  w.head = b;
}

/** Adds steps to the bucket at ring index k (and to the sum), saturating the bucket at its limit. */
export function bucketAdd(w: TravelWindow, k: number, steps: number): void {
  const v = w.buckets[k] + steps;
  w.buckets[k] = v > w.limit ? w.limit : v;
  w.sum += steps;
}

export function windowAdd(w: TravelWindow, tMs: number, steps: number): void {
  advance(w, tMs);
  bucketAdd(w, w.head % w.buckets.length, steps);
}

/** Microsteps issued in the window ending at t. */
export function windowSum(w: TravelWindow, tMs: number): number {
  advance(w, tMs);
  return w.sum;
}
