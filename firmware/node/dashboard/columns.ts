// Growable columns of float samples (NaN = no value), one per dashboard column:
// the device side keeps every sample here, and so does the page.

import { COLUMNS } from "./types.ts";

export class SampleColumns {
  cols: Float64Array[] = COLUMNS.map(() => new Float64Array(1024));
  length = 0;

  push(row: ArrayLike<number>): void {
    this.grow(this.length + 1);
    for (let c = 0; c < this.cols.length; c++) this.cols[c][this.length] = row[c];
    this.length++;
  }

  /** Appends rows given as one array per column (JSON's null read as NaN). */
  append(rows: Array<ArrayLike<number | null>>): void {
    const n = rows.length ? rows[0].length : 0;
    this.grow(this.length + n);
    for (let c = 0; c < this.cols.length; c++) {
      const src = rows[c];
      const dst = this.cols[c];
      for (let i = 0; i < n; i++) {
        const v = src[i];
        dst[this.length + i] = v === null ? NaN : v;
      }
    }
    this.length += n;
  }

  /** Rows from index `from` to the end, one plain array per column. */
  slice(from: number): number[][] {
    return this.cols.map((c) => Array.from(c.subarray(from, this.length)));
  }

  private grow(n: number): void {
    if (n <= this.cols[0].length) return;
    let size = this.cols[0].length;
    while (size < n) size *= 2;
    this.cols = this.cols.map((c) => {
      const bigger = new Float64Array(size);
      bigger.set(c.subarray(0, this.length));
      return bigger;
    });
  }
}
