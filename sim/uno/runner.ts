// Runs the emulated Uno in emulated time, in slices: after each slice the bytes the
// firmware sent are handed to the transport, the HAL clock (a VirtualClock showing
// device time = timeScale × board time) fires its due timers, and the Node event
// loop gets a turn so serial I/O and johnny-five/firmata-io callbacks run. Every
// time in the host and in the plant derives from the CPU cycle count.

import { setTimeout as sleep, setImmediate as turn } from "node:timers/promises";
import { VirtualClock } from "../virtual-clock.ts";
import type { EmulatedUno } from "./avr.ts";
import { CYCLES_PER_MS } from "./avr.ts";

export interface RunnerOptions {
  /** Device ms per board ms (bench-only time compression; 1 = real time). */
  timeScale?: number;
  /** Board ms per slice: the granularity of host timers and serial delivery. */
  sliceMs?: number;
  startWallMs?: number;
}

export class UnoRunner {
  readonly uno: EmulatedUno;
  readonly clock: VirtualClock;
  readonly timeScale: number;
  readonly sliceMs: number;
  private flushers: Array<() => void> = [];
  /** When set and it returns a promise, the next slice waits for it and asks again (bytes still on a wall-clock wire). */
  gate: (() => Promise<void> | null) | null = null;
  private freeRun = false;
  private freeLoop: Promise<void> | null = null;

  constructor(uno: EmulatedUno, opts: RunnerOptions = {}) {
    this.uno = uno;
    this.timeScale = opts.timeScale ?? 1;
    this.sliceMs = opts.sliceMs ?? 1;
    this.clock = new VirtualClock(opts.startWallMs ?? Date.parse("2026-01-05T08:00:00Z"));
  }

  /** Called after every slice (a transport delivering what the board sent). */
  onSlice(flush: () => void): void {
    this.flushers.push(flush);
  }

  boardMs(): number {
    return this.uno.nowMs();
  }

  private async slice(): Promise<void> {
    // the board does not run while the gate says bytes are still on the wire (a true lockstep)
    let wait = this.gate ? this.gate() : null;
    while (wait) {
      await wait;
      wait = this.gate ? this.gate() : null;
    }
    const target = Math.floor(this.uno.cpu.cycles / (this.sliceMs * CYCLES_PER_MS) + 1) * this.sliceMs * CYCLES_PER_MS;
    this.uno.runUntilCycles(target);
    for (const f of this.flushers) f();
    this.clock.runUntil(this.uno.nowMs() * this.timeScale);
    await turn();
  }

  /** Lets `boardMs` of emulated time pass (as fast as the host can emulate it). */
  async advance(boardMs: number): Promise<void> {
    const end = this.uno.nowMs() + boardMs;
    while (this.uno.nowMs() < end - 1e-9) await this.slice();
  }

  /** Runs until `done()` is true or `limitMs` of board time has passed; returns whether done() held. */
  async until(done: () => boolean, limitMs: number): Promise<boolean> {
    const end = this.uno.nowMs() + limitMs;
    while (!done()) {
      if (this.uno.nowMs() >= end) return false;
      await this.slice();
    }
    return true;
  }

  /**
   * Runs until stop(): as fast as possible (apps waiting on this HAL clock), or
   * paced to the wall clock (`realtime`: a board for hosts on a real-time clock).
   */
  start(realtime = false): void {
    if (this.freeLoop) return;
    this.freeRun = true;
    const wall0 = performance.now() - this.uno.nowMs();
    this.freeLoop = (async () => {
      while (this.freeRun) {
        const ahead = this.uno.nowMs() - (performance.now() - wall0);
        if (realtime && ahead > 0) await sleep(Math.ceil(ahead));
        else await this.slice();
      }
    })();
  }

  async stop(): Promise<void> {
    this.freeRun = false;
    if (this.freeLoop) await this.freeLoop;
    this.freeLoop = null;
  }
}
