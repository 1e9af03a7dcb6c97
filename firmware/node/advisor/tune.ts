// Chooses the policy's thresholds on the validation seeds, the same way for the
// model and for the baseline. Per class: m = the highest debounced score any normal
// stretch reached (normal trials, and rupture trials before their collapse), q =
// the median of the highest debounced score of the class's own trials (ruptures:
// from the collapse on, where the advisor saw it). The threshold sits halfway from
// m to q; a class whose median trial does not beat the worst normal one (q ≤ m) is
// switched off: it would mostly alarm on normal protocols.

import { NUM_CLASSES, CLASSES } from "./classes.ts";
import type { TrialScores } from "./evaluate.ts";
import type { Policy } from "./policy.ts";

/** The highest score of class c held for `confirm` inferences in a row, over rows [from, to). */
function peak(t: TrialScores, c: number, from: number, to: number, confirm: number): number {
  let best = -Infinity;
  for (let i = from + confirm - 1; i < to; i++) {
    let held = Infinity;
    for (let j = i - confirm + 1; j <= i; j++) held = Math.min(held, t.scores[j * NUM_CLASSES + c]);
    if (held > best) best = held;
  }
  return best;
}

function rows(t: TrialScores): number {
  return t.scores.length / NUM_CLASSES;
}

/** Rows of a rupture trial before its collapse. */
function beforeCollapse(t: TrialScores): number {
  return Math.max(0, Math.min(rows(t), t.rec.collapseBin - t.rec.firstBin));
}

export function tunePolicy(val: TrialScores[], confirm: number): Policy {
  const thresholds = [Infinity];
  for (let c = 1; c < NUM_CLASSES; c++) {
    const cls = CLASSES[c];
    let m = -Infinity;
    const own: number[] = [];
    for (const t of val) {
      const k = t.rec.spec.cls;
      if (k === "normal") m = Math.max(m, peak(t, c, 0, rows(t), confirm));
      if (k === "rupture") m = Math.max(m, peak(t, c, 0, beforeCollapse(t), confirm));
      if (k !== cls) continue;
      const from = k === "rupture" ? beforeCollapse(t) : 0;
      if (rows(t) - from >= confirm) own.push(peak(t, c, from, rows(t), confirm));
    }
    own.sort((a, b) => a - b);
    const q = own.length ? own[Math.floor(own.length / 2)] : -Infinity;
    thresholds.push(q > m ? m + (q - m) / 2 : Infinity);
  }
  return { thresholds, confirm };
}
