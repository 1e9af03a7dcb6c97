// A STEP/DIR/EN stepper driver (A4988, DRV8825, TMC in step-dir mode) on Espruino.
// A move is sent as bursts of `pulsesPerBurst` STEP pulses, one digitalPulse()
// square wave each (the hardware utility timer makes the edges, the interpreter is
// free meanwhile); the next burst is due at start + sent × period, and the move
// ends at start + fits × period. disable() drops EN at once (the motor is
// de-energised, pulses still queued in the timer move nothing) and reports the
// pulses whose rising edge had passed. Every move is bounded in steps and time
// (HAL rules R1–R3): a burst that would start after maxDurationMs ends it with
// "timeout", an asserted FAULT input with "driver-fault".

import type { MoveFault, MoveRequest, MoveResult, Stepper } from "../types.ts";
import type { EspruinoClock } from "./clock.ts";
import type { EspruinoHalConfig } from "./config.ts";

interface Job {
  done: (res: MoveResult) => void;
  start: number;
  maxDurationMs: number;
  /** Pulses that fit in maxDurationMs (≤ requested), pulses queued so far. */
  fits: number;
  requested: number;
  sent: number;
  /** When the last burst started and how many pulses it holds. */
  burstAt: number;
  burstLen: number;
  timer: number;
}

export class EspruinoStepper implements Stepper {
  cfg: EspruinoHalConfig;
  clock: EspruinoClock;
  stepPin: Pin;
  dirPin: Pin;
  enPin: Pin;
  faultPin: Pin | null;
  periodMs: number;
  /** Edge times of one full burst: high, low, high, … , high (ms). */
  wave: Float32Array;
  enabled: boolean;
  job: Job | null;

  constructor(cfg: EspruinoHalConfig, clock: EspruinoClock) {
    this.cfg = cfg;
    this.clock = clock;
    this.stepPin = new Pin(cfg.pins.step);
    this.dirPin = new Pin(cfg.pins.dir);
    this.enPin = new Pin(cfg.pins.enable);
    this.faultPin = cfg.pins.fault ? new Pin(cfg.pins.fault) : null;
    this.periodMs = 1000 / cfg.maxStepRateHz;
    this.wave = new Float32Array(2 * cfg.pulsesPerBurst - 1);
    this.wave.fill(this.periodMs / 2);
    this.enabled = false;
    this.job = null;
    // Driver FAULT outputs (DRV8825 nFAULT, TMC DIAG) are open-drain.
    if (this.faultPin) pinMode(this.faultPin, "input_pullup");
    digitalWrite(this.stepPin, 0);
    this.setEnable(false);
  }

  private setEnable(on: boolean): void {
    digitalWrite(this.enPin, on !== this.cfg.enableActiveLow ? 1 : 0);
    this.enabled = on;
  }

  enable(): void {
    this.setEnable(true);
  }

  disable(): void {
    this.setEnable(false);
    const j = this.job;
    if (!j) return;
    // The callback comes after disable() returns (it may run inside a controller call).
    this.job = null;
    this.clock.cancel(j.timer);
    const now = this.clock.monoMs();
    const edges = Math.floor((now - j.burstAt) / this.periodMs + 1e-6) + 1;
    const res: MoveResult = { issued: j.sent - j.burstLen + (edges < j.burstLen ? edges : j.burstLen), fault: "disabled", startedAtMs: j.start, endedAtMs: now };
    this.clock.at(now, () => j.done(res));
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  driverFault(): boolean {
    return this.faultPin !== null && digitalRead(this.faultPin) === this.cfg.faultActiveLevel;
  }

  move(req: MoveRequest, done: (res: MoveResult) => void): void {
    const now = this.clock.monoMs();
    let refusal: MoveFault = "";
    if (this.job) refusal = "busy";
    else if (!this.enabled) refusal = "disabled";
    else if (this.driverFault()) refusal = "driver-fault";
    else if (!(req.steps >= 0) || req.steps > this.cfg.maxMoveSteps || Math.floor(req.steps) !== req.steps) refusal = "too-large";
    if (refusal !== "") {
      done({ issued: 0, fault: refusal, startedAtMs: now, endedAtMs: now });
      return;
    }
    const fit = Math.floor((req.maxDurationMs + 1e-6) / this.periodMs);
    digitalWrite(this.dirPin, req.dir > 0 ? this.cfg.dirDistractLevel : 1 - this.cfg.dirDistractLevel);
    const j: Job = { done, start: now, maxDurationMs: req.maxDurationMs, fits: fit < req.steps ? fit : req.steps, requested: req.steps, sent: 0, burstAt: now, burstLen: 0, timer: -1 };
    this.job = j;
    const self = this;
    if (j.fits > 0) this.burst(j);
    else j.timer = this.clock.at(now, function () {
      self.end(j, j.requested > 0 ? "timeout" : "", 0, now);
    });
  }

  /** Queues the next burst; after the last one, the end of the move. Runs first from move(), then from timers. */
  private burst(j: Job): void {
    const now = this.clock.monoMs();
    if (j.sent > 0 && this.driverFault()) return this.end(j, "driver-fault", j.sent, now);
    if (now - j.start > j.maxDurationMs) return this.end(j, "timeout", j.sent, now);
    const left = j.fits - j.sent;
    const n = left < this.cfg.pulsesPerBurst ? left : this.cfg.pulsesPerBurst;
    digitalPulse(this.stepPin, 1, n === this.cfg.pulsesPerBurst ? this.wave : this.wave.subarray(0, 2 * n - 1));
    j.burstAt = now;
    j.burstLen = n;
    j.sent += n;
    const next = j.start + j.sent * this.periodMs;
    const self = this;
    if (j.sent < j.fits) j.timer = this.clock.at(next, function () {
      self.burst(j);
    });
    else j.timer = this.clock.at(next, function () {
      self.end(j, j.fits < j.requested ? "timeout" : "", j.fits, next);
    });
  }

  /** Ends the move from a timer callback: exactly one callback per move. */
  private end(j: Job, fault: MoveFault, issued: number, endedAtMs: number): void {
    if (this.job !== j) return;
    this.job = null;
    this.clock.cancel(j.timer);
    j.done({ issued, fault, startedAtMs: j.start, endedAtMs });
  }
}
