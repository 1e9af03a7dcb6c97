// The HAL clock as the device uses it once the console can set the time: the
// board's wall clock plus a correction a clinician set (journaled, restored after
// a reboot). The monotonic clock and timers pass through untouched.

import type { Clock } from "../../../hal/types.ts";

export class CorrectedClock implements Clock {
  inner: Clock;
  correctionMs: number;

  constructor(inner: Clock, correctionMs: number) {
    this.inner = inner;
    this.correctionMs = correctionMs;
  }

  monoMs(): number {
    return this.inner.monoMs();
  }

  wallMs(): number {
    return this.inner.wallMs() + this.correctionMs;
  }

  at(atMs: number, fn: () => void): number {
    return this.inner.at(atMs, fn);
  }

  cancel(id: number): void {
    this.inner.cancel(id);
  }
}
