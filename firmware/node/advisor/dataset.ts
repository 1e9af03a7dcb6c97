// Labelled windows for training: from each trial, a window every `stride` bins
// while the advisor runs (distraction, until a fault latches). Labels come from the
// trial's class, except that the first WARMUP_BINS of distraction are "normal" for
// every trial (the tissue has not answered yet: nothing can be told, and the model
// must learn to stay quiet); a rupture trial is "normal" before its collapse and
// "rupture" for a day after its collapse (later windows show an old dip that is
// easily confused with a slow decline, and are left out). Weights balance the classes.

import { NUM_CLASSES, classIndex } from "./classes.ts";
import { BIN_MS, CHANNELS, WINDOW_BINS, windowInto } from "./features.ts";
import { MS_PER_HOUR } from "../../core/units.ts";
import type { TrialRecord } from "./generate.ts";

export interface Windows {
  /** n × WINDOW_BINS × CHANNELS, row-major. */
  x: Float32Array;
  /** Class index per window. */
  y: Int32Array;
  n: number;
}

export const WINDOW_SIZE = WINDOW_BINS * CHANNELS;
export const WARMUP_BINS = (12 * MS_PER_HOUR) / BIN_MS;
export const RUPTURE_BINS = (24 * MS_PER_HOUR) / BIN_MS;

/** The class a window ending at `bin` is labelled with, or -1 when it teaches nothing. */
export function labelAt(rec: TrialRecord, bin: number): number {
  if (bin - rec.firstBin < WARMUP_BINS) return classIndex("normal");
  if (rec.collapseBin < 0) return classIndex(rec.spec.cls);
  if (bin < rec.collapseBin) return classIndex("normal");
  return bin - rec.collapseBin < RUPTURE_BINS ? classIndex("rupture") : -1;
}

export function sampleWindows(recs: TrialRecord[], stride: number): Windows {
  const picks: Array<[TrialRecord, number, number]> = [];
  for (const r of recs) {
    for (let b = r.firstBin; b <= r.lastBin; b += stride) {
      const label = labelAt(r, b);
      if (label >= 0) picks.push([r, b, label]);
    }
  }
  const x = new Float32Array(picks.length * WINDOW_SIZE);
  const y = new Int32Array(picks.length);
  picks.forEach(([r, b, label], i) => {
    windowInto(r.bins, b, x, i * WINDOW_SIZE);
    y[i] = label;
  });
  return { x, y, n: picks.length };
}

/** Inverse-frequency class weights (mean 1 over the windows). */
export function classWeights(w: Windows): { [cls: number]: number } {
  const counts = new Array(NUM_CLASSES).fill(0);
  for (let i = 0; i < w.n; i++) counts[w.y[i]]++;
  const out: { [cls: number]: number } = {};
  for (let c = 0; c < NUM_CLASSES; c++) out[c] = counts[c] > 0 ? w.n / (NUM_CLASSES * counts[c]) : 0;
  return out;
}
