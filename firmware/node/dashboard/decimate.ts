// Min/max decimation of sample columns that share one time axis, for charts that
// must stay fast on days of 10 s samples: the samples in [from, to] are cut into
// `buckets` time buckets and each bucket becomes two rows, at its first and last
// sample time, holding every column's earlier and later extreme, so spikes and
// dips survive at any zoom. NaN (a missing value) is kept as a gap. Runs on the
// server (initial series, report embedding) and in the page (every redraw).

/** Columns of equal length; column 0 is the time axis (sorted ascending). */
export type Columns = ArrayLike<number>[];

/** First index with x[i] >= v (x sorted). */
export function lowerBound(x: ArrayLike<number>, v: number, n = x.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `cols` within [from, to] (plus one sample either side, so lines reach
 * the edges), reduced to at most 2 × buckets rows. `n` is how many rows are valid
 * (columns may be preallocated longer). Returns new plain arrays, one per column.
 */
export function decimate(cols: Columns, from: number, to: number, buckets: number, n = cols[0].length): number[][] {
  const x = cols[0];
  const i0 = Math.max(0, lowerBound(x, from, n) - 1);
  const i1 = Math.min(n, lowerBound(x, to, n) + 1);
  const out: number[][] = cols.map(() => []);
  const count = i1 - i0;
  if (count <= 2 * buckets) {
    for (let c = 0; c < cols.length; c++) for (let i = i0; i < i1; i++) out[c].push(cols[c][i]);
    return out;
  }
  const t0 = x[i0];
  const span = x[i1 - 1] - t0 || 1;
  let start = i0;
  for (let b = 0; b < buckets && start < i1; b++) {
    const edge = b + 1 === buckets ? Infinity : t0 + (span * (b + 1)) / buckets;
    let end = start;
    while (end < i1 && x[end] < edge) end++;
    if (end === start) continue;
    if (end - start <= 2) {
      for (let c = 0; c < cols.length; c++) for (let i = start; i < end; i++) out[c].push(cols[c][i]);
      start = end;
      continue;
    }
    out[0].push(x[start], x[end - 1]);
    for (let c = 1; c < cols.length; c++) {
      const y = cols[c];
      let lo = -1;
      let hi = -1;
      for (let i = start; i < end; i++) {
        const v = y[i];
        if (v !== v) continue; // NaN
        if (lo < 0 || v < y[lo]) lo = i;
        if (hi < 0 || v > y[hi]) hi = i;
      }
      if (lo < 0) out[c].push(NaN, NaN);
      else if (lo <= hi) out[c].push(y[lo], y[hi]);
      else out[c].push(y[hi], y[lo]);
    }
    start = end;
  }
  return out;
}
