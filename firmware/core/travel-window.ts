// Rolling 24 h travel budget: microsteps issued per time bucket in a ring, with a
// running sum. Conservative: the window covers the last 24 h plus the current
// bucket, so any true 24 h window holds at most what this reports.

import { MS_PER_DAY } from "./units.ts";

export interface TravelWindow {
  bucketMs: number;
  buckets: Int32Array;
  /** Absolute bucket number of the newest bucket. */
  head: number;
  sum: number;
}

export function makeTravelWindow(bucketMs: number): TravelWindow {
  return { bucketMs, buckets: new Int32Array(Math.ceil(MS_PER_DAY / bucketMs) + 1), head: 0, sum: 0 };
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

export function windowAdd(w: TravelWindow, tMs: number, steps: number): void {
  advance(w, tMs);
  w.buckets[w.head % w.buckets.length] += steps;
  w.sum += steps;
}

/** Microsteps issued in the window ending at t. */
export function windowSum(w: TravelWindow, tMs: number): number {
  advance(w, tMs);
  return w.sum;
}
