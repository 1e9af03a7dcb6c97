// The plain baseline the model has to beat: a least-squares line through the
// resting force (lowest force per bin) of the window. Its scores, per class:
// premature consolidation = the slope (soft limits per day); weak regenerate =
// minus the line's level at the window's end (low force scores high), once a day
// of distraction is in the window; rupture = how far the last hour's resting force
// fell below the line (fraction of its level). Thresholds are tuned on the
// validation seeds exactly as the model's are.

import { NUM_CLASSES, classIndex } from "./classes.ts";
import { BIN_MS, CHANNELS, CH_PRESCRIBED, CH_REST, WINDOW_BINS } from "./features.ts";
import type { Scorer } from "./evaluate.ts";
import { MS_PER_DAY } from "../../core/units.ts";

const BINS_PER_DAY = MS_PER_DAY / BIN_MS;
const RECENT_BINS = 4;

/** Scores one window (WINDOW_BINS × CHANNELS values at `offset`) into out[0..NUM_CLASSES). */
function scoreWindow(x: Float32Array, offset: number, out: Float32Array, o: number): void {
  const n = WINDOW_BINS;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, started = -1;
  for (let i = 0; i < n; i++) {
    const y = x[offset + i * CHANNELS + CH_REST];
    sx += i; sy += y; sxx += i * i; sxy += i * y;
    if (started < 0 && x[offset + i * CHANNELS + CH_PRESCRIBED] > 0) started = i;
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const intercept = (sy - slope * sx) / n;
  const end = intercept + slope * (n - 1);
  let recent = 0;
  for (let i = n - RECENT_BINS; i < n; i++) recent += x[offset + i * CHANNELS + CH_REST];
  recent /= RECENT_BINS;
  out[o + classIndex("normal")] = 0;
  out[o + classIndex("premature-consolidation")] = slope * BINS_PER_DAY;
  out[o + classIndex("weak-regenerate")] = started >= 0 && n - started >= BINS_PER_DAY ? -end : -Infinity;
  out[o + classIndex("rupture")] = (end - recent) / Math.max(Math.abs(end), 0.05);
}

export const linearTrend: Scorer = {
  name: "linear-trend baseline",
  score(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * NUM_CLASSES);
    for (let k = 0; k < n; k++) scoreWindow(x, k * WINDOW_BINS * CHANNELS, out, k * NUM_CLASSES);
    return out;
  },
};
