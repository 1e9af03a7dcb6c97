// A HAL Clock in real time for the Node app: monotonic time from
// performance.now(), wall time from Date.now(), and timers aimed at absolute
// deadlines (re-armed from the deadline, not from "now + period"), so a periodic
// loop never drifts. `timeScale` > 1 compresses time for bench-only rig trials:
// device time then runs K× faster than the wall (never on a patient device).
//
// Timers are kept in one queue ordered by deadline (ties in the order they were
// set) behind a single host timer for the earliest: however late the host runs
// them (a loaded machine), they fire in deadline order and never before their
// deadline (R5), which separate setTimeouts do not promise.

import type { Clock } from "../types.ts";

interface Pending {
  id: number;
  atMs: number;
  fn: () => void;
}

export class RealtimeClock implements Clock {
  private origin: number;
  private wallOrigin: number;
  private scale: number;
  /** Ordered by deadline, then by id. */
  private queue: Pending[] = [];
  private seq = 0;
  private host: ReturnType<typeof setTimeout> | null = null;
  private hostAt = Infinity;

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
    const q = this.queue;
    let i = q.length;
    while (i > 0 && q[i - 1].atMs > atMs) i--;
    q.splice(i, 0, { id, atMs, fn });
    this.arm();
    return id;
  }

  cancel(id: number): void {
    const i = this.queue.findIndex((p) => p.id === id);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.queue.length === 0) this.disarm();
  }

  /** Cancels every pending timer (shutdown). */
  cancelAll(): void {
    this.queue = [];
    this.disarm();
  }

  private disarm(): void {
    if (this.host) clearTimeout(this.host);
    this.host = null;
    this.hostAt = Infinity;
  }

  /** One host timer, for the earliest deadline (setTimeout may fire early by a fraction of a ms: run() re-checks). */
  private arm(): void {
    const next = this.queue.length ? this.queue[0].atMs : Infinity;
    if (next === Infinity) return this.disarm();
    if (this.host && this.hostAt <= next) return;
    this.disarm();
    this.hostAt = next;
    this.host = setTimeout(() => this.run(), Math.max(0, Math.ceil((next - this.monoMs()) / this.scale)));
  }

  /** Runs every timer now due, earliest first; one set from inside a callback waits for its own turn. */
  private run(): void {
    this.host = null;
    this.hostAt = Infinity;
    while (this.queue.length && this.queue[0].atMs <= this.monoMs()) {
      const p = this.queue.shift()!;
      p.fn();
    }
    this.arm();
  }
}
