// Virtual time for the simulator: a HAL Clock backed by a binary-heap event queue.
// runUntil() jumps from event to event, so days pass in microseconds of wall time.
// Ties fire in the order they were scheduled (deterministic). An event's id is its
// scheduling sequence number; a cancelled event stays in the queue with no callback.
// The heap lives in preallocated typed arrays (time, sequence) beside an array of
// callbacks, with its own count: scheduling and firing an event allocate nothing
// (the queue holds the few events due, and doubles when it runs out of room).
// Espruino subset (the real interpreter's harness runs it: sim/espruino-real).

import type { Clock } from "../hal/types.ts";

export class VirtualClock implements Clock {
  private now: number;
  private wallStart: number;
  /** Extra wall-clock offset (a scripted clock jump). */
  wallOffsetMs: number;
  private times: Float64Array;
  private seqs: Float64Array;
  private fns: Array<(() => void) | null>;
  private n: number;
  private seq: number;

  constructor(wallStartMs: number) {
    this.now = 0;
    this.wallStart = wallStartMs;
    this.wallOffsetMs = 0;
    this.times = new Float64Array(16);
    this.seqs = new Float64Array(16);
    this.fns = [];
    for (let i = 0; i < 16; i++) this.fns.push(null);
    this.n = 0;
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
    for (let i = 0; i < this.n; i++) {
      if (this.seqs[i] === id) {
        this.fns[i] = null;
        return;
      }
    }
  }

  pending(): number {
    return this.n;
  }

  /** The time of the earliest event queued (a cancelled one counts: it is never later than a live one), or Infinity. */
  nextDueMs(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Runs every event due up to and including `untilMs`, then sets the time to it. */
  runUntil(untilMs: number): void {
    while (this.n > 0 && this.times[0] <= untilMs) {
      const t = this.times[0];
      const fn = this.fns[0];
      this.pop();
      this.now = t;
      if (fn !== null) fn();
    }
    if (untilMs > this.now) this.now = untilMs;
  }

  /** Puts (t, id, fn) at slot i. */
  private put(i: number, t: number, id: number, fn: (() => void) | null): void {
    this.times[i] = t;
    this.seqs[i] = id;
    this.fns[i] = fn;
  }

  private grow(): void {
    const cap = 2 * this.times.length;
    const times = new Float64Array(cap);
    const seqs = new Float64Array(cap);
    times.set(this.times);
    seqs.set(this.seqs);
    for (let i = this.fns.length; i < cap; i++) this.fns.push(null);
    this.times = times;
    this.seqs = seqs;
  }

  /** Sift-up from the new last slot: parents later than (t, id) move down, then it goes in the hole. */
  private push(t: number, id: number, fn: () => void): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const tp = times[p];
      if (tp < t || (tp === t && seqs[p] < id)) break;
      this.put(i, tp, seqs[p], this.fns[p]);
      i = p;
    }
    this.put(i, t, id, fn);
  }

  /** Removes the root: the last event sifts down from the top into the hole. */
  private pop(): void {
    const n = --this.n;
    const times = this.times;
    const seqs = this.seqs;
    const t = times[n];
    const id = seqs[n];
    const fn = this.fns[n];
    this.fns[n] = null;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l])) ? r : l;
      if (t < times[m] || (t === times[m] && id < seqs[m])) break;
      this.put(i, times[m], seqs[m], this.fns[m]);
      i = m;
    }
    this.put(i, t, id, fn);
  }
}
