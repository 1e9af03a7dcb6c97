// From class scores to advisories: a class is raised when its score stays at or
// above its threshold for `confirm` inferences in a row (one bin each), and each
// class maps to the advisory pace scale it asks the governor for. Premature
// consolidation asks for no slow-down: slowing lets the callus consolidate faster,
// the cure (a faster rate) is the clinician's call, so the advisor only tells.

import { NUM_CLASSES } from "./classes.ts";
import type { TissueClass } from "./classes.ts";

export interface Policy {
  /** Per class (index as CLASSES); normal's is unused. Above 1 = the class never alarms. */
  thresholds: number[];
  confirm: number;
}

export const CONFIRM_BINS = 4;

/** The lowest pace an advisory may ask for (fraction of the governor's pace). */
export const ADVISORY_FLOOR = 0.5;

export const SLOWDOWN: { [c in TissueClass]: number } = {
  "normal": 1,
  "premature-consolidation": 1,
  "weak-regenerate": 0.7,
  "rupture": ADVISORY_FLOOR,
};

/** Model outputs are only used when they are NUM_CLASSES finite probabilities that sum to 1. */
export function validProbabilities(p: ArrayLike<number> | null | undefined): boolean {
  if (!p || p.length !== NUM_CLASSES) return false;
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 1e-3;
}

/** Debounced thresholds; step() returns the class raised now (index), or -1. */
export class AlarmRule {
  policy: Policy;
  private runs: number[];

  constructor(policy: Policy) {
    this.policy = policy;
    this.runs = new Array(NUM_CLASSES).fill(0);
  }

  step(scores: ArrayLike<number>): number {
    let best = -1;
    for (let c = 1; c < NUM_CLASSES; c++) {
      this.runs[c] = scores[c] >= this.policy.thresholds[c] ? this.runs[c] + 1 : 0;
      if (this.runs[c] >= this.policy.confirm && (best < 0 || scores[c] > scores[best])) best = c;
    }
    return best;
  }
}
