// A HAL Clock in real time for the Node app: monotonic time from
// performance.now(), wall time from Date.now(), and timers aimed at absolute
// deadlines (re-armed from the deadline, not from "now + period"), so a periodic
// loop never drifts. `timeScale` > 1 compresses time for bench-only rig trials:
// device time then runs K× faster than the wall (never on a patient device).

import type { Clock } from "../types.ts";

export class RealtimeClock implements Clock {
  private origin: number;
  private wallOrigin: number;
  private scale: number;
  private timers: { [id: number]: ReturnType<typeof setTimeout> } = {};
  private seq = 0;

  constructor(timeScale = 1) {
    if (!(timeScale >= 1 && timeScale <= 100000)) throw new Error("timeScale must be from 1 to 100000, got " + timeScale);
    this.scale = timeScale;
    this.origin = performance.now();
    this.wallOrigin = Date.now();
  }

  monoMs(): number {
    return (performance.now() - this.origin) * this.scale;
  }

  wallMs(): number {
    return this.scale === 1 ? Date.now() : this.wallOrigin + this.monoMs();
  }

  at(atMs: number, fn: () => void): number {
    const id = ++this.seq;
    const arm = () => {
      const wait = (atMs - this.monoMs()) / this.scale;
      if (wait <= 0) {
        delete this.timers[id];
        fn();
        return;
      }
      // setTimeout may fire early by a fraction of a ms: re-arm until the deadline has passed (R5).
      this.timers[id] = setTimeout(arm, Math.ceil(wait));
    };
    this.timers[id] = setTimeout(arm, Math.max(0, Math.ceil((atMs - this.monoMs()) / this.scale)));
    return id;
  }

  cancel(id: number): void {
    const t = this.timers[id];
    if (t !== undefined) clearTimeout(t);
    delete this.timers[id];
  }

  /** Cancels every pending timer (shutdown). */
  cancelAll(): void {
    for (const k of Object.keys(this.timers)) clearTimeout(this.timers[Number(k)]);
    this.timers = {};
  }
}
