// The HAL Clock on Espruino. getTime() is the only time source (seconds, float;
// the same clock as Date.now() once setTime() ran, which the espruino CLI's -t does
// at upload). Wall time is getTime() itself; monotonic time is getTime() minus its
// value at start, in whole microseconds (the resolution of the board's clock; it
// keeps whole-ms deadlines exact), held from going backwards if someone calls
// setTime() with an earlier time. Timers are setTimeout() aimed at absolute
// deadlines and re-armed until the deadline has passed, so they never fire early
// (HAL rule R5).

import type { Clock } from "../types.ts";

export class EspruinoClock implements Clock {
  /** getTime() at start (s), and the last monotonic time returned (ms). */
  baseS: number;
  last: number;
  timers: { [id: number]: number };
  seq: number;

  constructor() {
    this.baseS = getTime();
    this.last = 0;
    this.timers = {};
    this.seq = 0;
  }

  monoMs(): number {
    const t = Math.round((getTime() - this.baseS) * 1e6) / 1000;
    if (t < this.last) {
      this.baseS -= (this.last - t) / 1000;
      return this.last;
    }
    this.last = t;
    return t;
  }

  wallMs(): number {
    return getTime() * 1000;
  }

  at(atMs: number, fn: () => void): number {
    const id = ++this.seq;
    this.arm(id, atMs, fn);
    return id;
  }

  private arm(id: number, atMs: number, fn: () => void): void {
    const wait = atMs - this.monoMs();
    const self = this;
    this.timers[id] = setTimeout(function () {
      if (self.monoMs() < atMs) {
        self.arm(id, atMs, fn);
        return;
      }
      delete self.timers[id];
      fn();
    }, wait > 0 ? wait : 0) as unknown as number;
  }

  cancel(id: number): void {
    const t = this.timers[id];
    if (t === undefined) return;
    clearTimeout(t);
    delete this.timers[id];
  }
}
