// Sample rows for sending: reduced to a size a page loads at once (min/max time
// buckets, decimate.ts), with a line saying what was kept.

import { decimate } from "./decimate.ts";
import type { DashData } from "./types.ts";

/** `data` with its rows reduced to at most maxRows and meta.resolution saying what was kept. */
export function sized(data: DashData, maxRows: number): DashData {
  return Object.assign({}, data, { rows: decimateRows(data.rows, maxRows), meta: Object.assign({}, data.meta, { resolution: resolutionOf(data.rows, maxRows) }) });
}

/** Rows (one array per column, column 0 = time) reduced to at most maxRows by min/max buckets. */
export function decimateRows(rows: number[][], maxRows: number): number[][] {
  const t = rows[0];
  if (t.length <= maxRows) return rows;
  return decimate(rows, t[0], t[t.length - 1], Math.floor(maxRows / 2));
}

/** How the rows sent compare with the samples kept. */
export function resolutionOf(rows: number[][], maxRows: number): string {
  const t = rows[0];
  if (t.length <= maxRows) return "every sample";
  const bucketS = ((t[t.length - 1] - t[0]) * 86400) / Math.floor(maxRows / 2);
  return "min/max of " + Math.round(bucketS) + " s buckets (" + t.length + " samples)";
}
