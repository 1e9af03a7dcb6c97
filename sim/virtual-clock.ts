// Virtual time for the simulator: a HAL Clock backed by a binary-heap event queue.
// runUntil() jumps from event to event, so days pass in microseconds of wall time.
// Ties fire in the order they were scheduled (deterministic). An event's id is its
// scheduling sequence number; a cancelled event stays in the queue with no callback.

import type { Clock } from "../hal/types.ts";

export class VirtualClock implements Clock {
  private now: number;
  private wallStart: number;
  /** Extra wall-clock offset (a scripted clock jump). */
  wallOffsetMs: number;
  private times: number[];
  private seqs: number[];
  private fns: Array<(() => void) | null>;
  private seq: number;

  constructor(wallStartMs: number) {
    this.now = 0;
    this.wallStart = wallStartMs;
    this.wallOffsetMs = 0;
    this.times = [];
    this.seqs = [];
    this.fns = [];
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
    // the queue holds the few events due (a tick, a move's end, scripted faults): a scan is cheaper than a lookup per event
    for (let i = 0; i < this.seqs.length; i++) {
      if (this.seqs[i] === id) {
        this.fns[i] = null;
        return;
      }
    }
  }

  pending(): number {
    return this.times.length;
  }

  /** Runs every event due up to and including `untilMs`, then sets the time to it. */
  runUntil(untilMs: number): void {
    while (this.times.length > 0 && this.times[0] <= untilMs) {
      const t = this.times[0];
      const fn = this.fns[0];
      this.pop();
      this.now = t;
      if (fn !== null) fn();
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
  }

  private push(t: number, id: number, fn: () => void): void {
    this.times.push(t);
    this.seqs.push(id);
    this.fns.push(fn);
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
