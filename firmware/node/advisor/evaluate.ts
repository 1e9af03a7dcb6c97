// Replays trials through a scorer (the model, or the baseline) as the advisory
// hook would: one inference per bin while the advisor runs, the debounced policy
// on top, and the first advisory of each trial with its time. The trials were
// simulated once (generate.ts); scores are kept so thresholds can be tuned on them.

import { NUM_CLASSES } from "./classes.ts";
import { WINDOW_SIZE } from "./dataset.ts";
import { windowInto } from "./features.ts";
import type { TrialRecord } from "./generate.ts";
import { AlarmRule } from "./policy.ts";
import type { Policy } from "./policy.ts";

/** Scores n windows (n × WINDOW_SIZE) into n × NUM_CLASSES values (probabilities for the model). */
export interface Scorer {
  name: string;
  score(x: Float32Array, n: number): Float32Array;
}

export interface TrialScores {
  rec: TrialRecord;
  /** One row of NUM_CLASSES per bin from rec.firstBin to rec.lastBin. */
  scores: Float32Array;
}

export interface FirstAlarm {
  /** Bin the advisory was raised at (-1: none) and its class index. */
  bin: number;
  cls: number;
}

function scoreTrial(rec: TrialRecord, scorer: Scorer): TrialScores {
  const n = Math.max(0, rec.lastBin - rec.firstBin + 1);
  const x = new Float32Array(n * WINDOW_SIZE);
  for (let i = 0; i < n; i++) windowInto(rec.bins, rec.firstBin + i, x, i * WINDOW_SIZE);
  return { rec, scores: n > 0 ? scorer.score(x, n) : new Float32Array(0) };
}

export function scoreTrials(recs: TrialRecord[], scorer: Scorer, onProgress: (fraction: number, label: string) => void): TrialScores[] {
  return recs.map((r, i) => {
    onProgress(i / recs.length, scorer.name);
    return scoreTrial(r, scorer);
  });
}

/** The first advisory the policy raises on a trial's scores. */
export function firstAlarm(t: TrialScores, policy: Policy): FirstAlarm {
  const rule = new AlarmRule(policy);
  const n = t.scores.length / NUM_CLASSES;
  for (let i = 0; i < n; i++) {
    const c = rule.step(t.scores.subarray(i * NUM_CLASSES, (i + 1) * NUM_CLASSES));
    if (c >= 0) return { bin: t.rec.firstBin + i, cls: c };
  }
  return { bin: -1, cls: -1 };
}
