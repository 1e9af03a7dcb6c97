// The serial link to the board as a fault source: the port closing, a transport
// error, or the board falling silent (no analog report for linkTimeoutMs) marks the
// link lost, once, with a named reason. Everything that talks to the board checks
// it; listeners (steppers, the app) are told. Never throws, never hangs.

import type { EventEmitter } from "node:events";
import type { Clock } from "../types.ts";

export class Link {
  lost = false;
  reason = "";
  private listeners: Array<(reason: string) => void> = [];
  private clock: Clock;
  private silenceMs: number;
  private lastHeardMs: number;
  private timer = -1;

  /** `silenceMs` and the check run on the HAL clock (device ms). */
  constructor(clock: Clock, silenceMs: number) {
    this.clock = clock;
    this.silenceMs = silenceMs;
    this.lastHeardMs = clock.monoMs();
  }

  /** Watches an emitter (the IO plugin, the johnny-five Board) for close and error. */
  watch(em: EventEmitter): void {
    em.on("close", () => this.lose("port closed"));
    em.on("disconnect", () => this.lose("port disconnected"));
    em.on("error", (e: unknown) => this.lose("port error: " + (e instanceof Error ? e.message : String(e))));
  }

  /** `first`: told before every listener so far (the app fences its journal before the stepper reports the cut move). */
  onLost(fn: (reason: string) => void, first = false): void {
    if (first) this.listeners.unshift(fn);
    else this.listeners.push(fn);
  }

  /** A report arrived from the board. */
  heard(): void {
    this.lastHeardMs = this.clock.monoMs();
  }

  /** Judges the silence now (a reader calls it before trusting a reading: a silent board is a lost board, not a stale sensor). */
  check(): void {
    if (this.lost || this.timer < 0) return;
    const quiet = this.clock.monoMs() - this.lastHeardMs;
    if (quiet > this.silenceMs) this.lose("no report from the board for " + Math.round(quiet) + " ms (limit " + this.silenceMs + " ms)");
  }

  /** Starts the silence watchdog (checks every half limit, and at every check()). */
  startWatchdog(): void {
    this.lastHeardMs = this.clock.monoMs();
    const check = () => {
      this.timer = -1;
      if (this.lost) return;
      const quiet = this.clock.monoMs() - this.lastHeardMs;
      if (quiet > this.silenceMs) return this.lose("no report from the board for " + Math.round(quiet) + " ms (limit " + this.silenceMs + " ms)");
      this.timer = this.clock.at(this.clock.monoMs() + this.silenceMs / 2, check);
    };
    this.timer = this.clock.at(this.clock.monoMs() + this.silenceMs / 2, check);
  }

  stopWatchdog(): void {
    if (this.timer >= 0) this.clock.cancel(this.timer);
    this.timer = -1;
  }

  lose(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.reason = reason;
    this.stopWatchdog();
    for (const fn of this.listeners) fn(reason);
  }
}
