// Virtual time for the simulator: a HAL Clock backed by a binary-heap event queue.
// runUntil() jumps from event to event, so days pass in microseconds of wall time.
// Ties fire in the order they were scheduled (deterministic).

import type { Clock } from "../hal/types.ts";

export class VirtualClock implements Clock {
  private now: number;
  private wallStart: number;
  /** Extra wall-clock offset (a scripted clock jump). */
  wallOffsetMs: number;
  private times: number[];
  private seqs: number[];
  private fns: Array<() => void>;
  private ids: number[];
  private cancelled: { [id: number]: boolean };
  private seq: number;

  constructor(wallStartMs: number) {
    this.now = 0;
    this.wallStart = wallStartMs;
    this.wallOffsetMs = 0;
    this.times = [];
    this.seqs = [];
    this.fns = [];
    this.ids = [];
    this.cancelled = Object.create(null);
    this.seq = 0;
  }

  monoMs(): number {
    return this.now;
  }

  wallMs(): number {
    return this.wallStart + this.now + this.wallOffsetMs;
  }

  at(atMs: number, fn: () => void): number {
    const id = ++this.seq;
    this.push(atMs < this.now ? this.now : atMs, id, fn);
    return id;
  }

  cancel(id: number): void {
    this.cancelled[id] = true;
  }

  pending(): number {
    return this.times.length;
  }

  /** Runs every event due up to and including `untilMs`, then sets the time to it. */
  runUntil(untilMs: number): void {
    while (this.times.length > 0 && this.times[0] <= untilMs) {
      const t = this.times[0];
      const id = this.ids[0];
      const fn = this.fns[0];
      this.pop();
      this.now = t;
      if (this.cancelled[id]) {
        delete this.cancelled[id];
        continue;
      }
      fn();
    }
    if (untilMs > this.now) this.now = untilMs;
  }

  private less(i: number, j: number): boolean {
    return this.times[i] < this.times[j] || (this.times[i] === this.times[j] && this.seqs[i] < this.seqs[j]);
  }

  private swap(i: number, j: number): void {
    const t = this.times[i]; this.times[i] = this.times[j]; this.times[j] = t;
    const s = this.seqs[i]; this.seqs[i] = this.seqs[j]; this.seqs[j] = s;
    const f = this.fns[i]; this.fns[i] = this.fns[j]; this.fns[j] = f;
    const d = this.ids[i]; this.ids[i] = this.ids[j]; this.ids[j] = d;
  }

  private push(t: number, id: number, fn: () => void): void {
    this.times.push(t);
    this.seqs.push(id);
    this.fns.push(fn);
    this.ids.push(id);
    let i = this.times.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private pop(): void {
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.fns.pop();
    this.ids.pop();
    let i = 0;
    const n = this.times.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
