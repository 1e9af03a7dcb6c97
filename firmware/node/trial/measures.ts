// Accuracy and precision of a lengthening against its prescription, as reported
// for lengthening nails (Paley et al.): accuracy = 100 × (1 − |delivered −
// prescribed| / prescribed); precision = 100 × (1 − SD / mean) of the accuracies
// of equal segments of the distraction.

export function accuracyPct(deliveredUm: number, prescribedUm: number): number {
  if (prescribedUm <= 0) return NaN;
  return 100 * (1 - Math.abs(deliveredUm - prescribedUm) / prescribedUm);
}

export function precisionPct(accuracies: number[]): number {
  const n = accuracies.length;
  if (n < 2) return NaN;
  const mean = accuracies.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  return 100 * (1 - sd / mean);
}

/**
 * Segment accuracies over [fromMs, toMs] split in `segments` equal parts: each
 * compares the length delivered within the segment with what was prescribed.
 * `lengthAt` is sorted by time; `targetAt(t)` is the prescribed length at t.
 */
export function segmentAccuracies(lengthAt: Array<{ tMs: number; gapUm: number }>, targetAt: (tMs: number) => number, fromMs: number, toMs: number, segments: number): number[] {
  const lengthNear = (t: number): number => {
    let best = lengthAt[0];
    for (const s of lengthAt) if (Math.abs(s.tMs - t) < Math.abs(best.tMs - t)) best = s;
    return best.gapUm;
  };
  const out: number[] = [];
  if (lengthAt.length === 0 || toMs <= fromMs) return out;
  for (let k = 0; k < segments; k++) {
    const a = fromMs + ((toMs - fromMs) * k) / segments;
    const b = fromMs + ((toMs - fromMs) * (k + 1)) / segments;
    out.push(accuracyPct(lengthNear(b) - lengthNear(a), targetAt(b) - targetAt(a)));
  }
  return out;
}
