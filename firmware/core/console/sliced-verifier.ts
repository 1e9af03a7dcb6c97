// The console's Ed25519 verifier on a microcontroller: the check (core/ed25519.ts)
// takes seconds to minutes there, so it runs as slices on the HAL clock between
// control ticks instead of inside the console's call. verify() answers at once
// only what it already checked: for new bytes it starts a job, returns false and
// says pending(); each slice runs steps for at most `sliceMs` (and at most
// MAX_STEPS_PER_SLICE, for clocks that do not move while code runs: the
// simulator's) and then leaves the interpreter `gapMs` for the control loop; when the job ends, `onDone` runs and
// the console asks again with the same bytes (core/console/console.ts holds the
// request meanwhile). Until `deferred` is set (the app sets it once the device is
// assembled) verify() runs to completion instead: boot-time checks get an answer.
// One job at a time. Platform-free: the dot product and the clock are handed in.

import type { Clock } from "../../../hal/types.ts";
import { Ed25519Verify } from "../ed25519.ts";
import type { Dot } from "../ed25519.ts";
import type { Verifier } from "./signing.ts";

const MAX_STEPS_PER_SLICE = 8;

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SlicedVerifier implements Verifier {
  deferred: boolean;
  onDone: (() => void) | null;
  /** Figures of the last job: slices, steps and its span on the clock (ms). */
  slices: number;
  steps: number;
  spanMs: number;
  private dot: Dot;
  private clock: Clock;
  private sliceMs: number;
  private gapMs: number;
  private job: Ed25519Verify | null;
  /** The bytes of the running or finished job, and the finished job's answer (null while none is waiting). */
  private bytes: Uint8Array[];
  private answer: boolean | null;
  private startedAt: number;
  private slice: () => void;

  constructor(dot: Dot, clock: Clock, sliceMs: number, gapMs: number) {
    this.deferred = false;
    this.onDone = null;
    this.slices = 0;
    this.steps = 0;
    this.spanMs = 0;
    this.dot = dot;
    this.clock = clock;
    this.sliceMs = sliceMs;
    this.gapMs = gapMs;
    this.job = null;
    this.bytes = [];
    this.answer = null;
    this.startedAt = 0;
    const self = this;
    this.slice = function () {
      self.run();
    };
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!this.deferred) return new Ed25519Verify(publicKey, message, signature, this.dot).run();
    const b = this.bytes;
    const mine = b.length === 3 && same(b[0], publicKey) && same(b[1], message) && same(b[2], signature);
    if (mine && this.answer !== null) {
      const ok = this.answer;
      this.answer = null;
      this.bytes = [];
      return ok;
    }
    if (this.job || mine) return false;
    // copies: the caller's buffers may change before the job ends
    this.bytes = [new Uint8Array(publicKey), new Uint8Array(message), new Uint8Array(signature)];
    this.answer = null;
    this.job = new Ed25519Verify(this.bytes[0], this.bytes[1], this.bytes[2], this.dot);
    this.slices = 0;
    this.startedAt = this.clock.monoMs();
    this.clock.at(this.startedAt, this.slice);
    return false;
  }

  pending(): boolean {
    return this.job !== null;
  }

  /** One slice: steps until sliceMs have passed on the clock (at least one), then the next slice after gapMs. */
  private run(): void {
    const j = this.job;
    if (!j) return;
    this.slices++;
    const t0 = this.clock.monoMs();
    let done = false;
    let n = 0;
    do {
      done = j.step();
      n++;
    } while (!done && n < MAX_STEPS_PER_SLICE && this.clock.monoMs() - t0 < this.sliceMs);
    if (!done) {
      this.clock.at(this.clock.monoMs() + this.gapMs, this.slice);
      return;
    }
    this.steps = j.steps;
    this.spanMs = this.clock.monoMs() - this.startedAt;
    this.answer = j.ok;
    this.job = null;
    if (this.onDone) this.onDone();
  }
}
