// Stepper in `pins` mode: STEP/DIR/EN driven by Firmata digital writes, so it works
// with stock StandardFirmata. Microstep k of a move is pulsed (STEP high then low,
// back to back: one ~0.5 ms pulse on the wire) at start + k × interval on the HAL
// clock; a move never issues more than its plan, and host timer lateness beyond
// `jitterMs` cuts it with `timeout`. disable() and a lost link stop it at once.

import type { Clock, MoveRequest, MoveResult, Stepper } from "../types.ts";
import type { BoardIO } from "./io.ts";
import type { Link } from "./link.ts";
import { MoveRun, plannedSteps, refusal, refuse } from "./move-run.ts";

export interface PinsStepperConfig {
  stepPin: number;
  dirPin: number;
  enablePin: number;
  enableActiveLow: boolean;
  dirForwardHigh: boolean;
  /** Device ms between microsteps. */
  intervalMs: number;
  /** Device ms of host lateness tolerated. */
  jitterMs: number;
  maxMoveSteps: number;
}

export class PinsStepper implements Stepper {
  private io: BoardIO;
  private clock: Clock;
  private link: Link;
  private cfg: PinsStepperConfig;
  private enabled = false;
  private run: MoveRun | null = null;
  private timer = -1;
  private dirLevel = -1;

  constructor(io: BoardIO, clock: Clock, link: Link, cfg: PinsStepperConfig) {
    this.io = io;
    this.clock = clock;
    this.link = link;
    this.cfg = cfg;
    // EN first (a HIGH write on a pin that is still an input turns on its pull-up: no enable glitch).
    io.digitalWrite(cfg.enablePin, this.enLevel(false));
    io.pinMode(cfg.enablePin, io.MODES.OUTPUT);
    io.pinMode(cfg.stepPin, io.MODES.OUTPUT);
    io.pinMode(cfg.dirPin, io.MODES.OUTPUT);
    io.digitalWrite(cfg.stepPin, 0);
    link.onLost(() => {
      this.enabled = false;
      this.stop("link-lost");
    });
  }

  private enLevel(on: boolean): number {
    return on !== this.cfg.enableActiveLow ? 1 : 0;
  }

  enable(): void {
    if (this.link.lost) return;
    this.io.digitalWrite(this.cfg.enablePin, this.enLevel(true));
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
    if (!this.link.lost) this.io.digitalWrite(this.cfg.enablePin, this.enLevel(false));
    this.stop("disabled");
  }

  isEnabled(): boolean {
    return this.enabled && !this.link.lost;
  }

  driverFault(): boolean {
    return false;
  }

  move(req: MoveRequest, done: (res: MoveResult) => void): void {
    const now = this.clock.monoMs();
    const fault = refusal({ busy: this.run !== null, linkLost: this.link.lost, enabled: this.enabled, maxMoveSteps: this.cfg.maxMoveSteps }, req);
    if (fault !== "") return refuse(done, fault, now);
    const dirLevel = (req.dir > 0) === this.cfg.dirForwardHigh ? 1 : 0;
    if (dirLevel !== this.dirLevel) {
      this.io.digitalWrite(this.cfg.dirPin, dirLevel);
      this.dirLevel = dirLevel;
    }
    this.run = new MoveRun(req, now, plannedSteps(req, this.cfg.intervalMs), done);
    this.pump();
  }

  /** Issues every microstep now due, then waits for the next one or the end. */
  private pump(): void {
    this.timer = -1;
    const r = this.run;
    if (!r) return;
    const now = this.clock.monoMs();
    const iv = this.cfg.intervalMs;
    if (r.issued < r.planned && now > r.startedAtMs + r.req.maxDurationMs + this.cfg.jitterMs) return this.stop("timeout");
    const due = Math.min(r.planned, Math.floor((now - r.startedAtMs) / iv + 1e-9) + 1);
    while (r.issued < due) {
      this.io.digitalWrite(this.cfg.stepPin, 1);
      this.io.digitalWrite(this.cfg.stepPin, 0);
      r.issued++;
    }
    const endAt = r.startedAtMs + r.planned * iv;
    if (r.issued >= r.planned && now >= endAt - 1e-9) {
      this.run = null;
      r.finish(r.planned < r.req.steps ? "timeout" : "", now);
      return;
    }
    this.timer = this.clock.at(r.issued < r.planned ? r.startedAtMs + r.issued * iv : endAt, () => this.pump());
  }

  private stop(fault: "disabled" | "link-lost" | "timeout"): void {
    const r = this.run;
    if (!r) return;
    this.run = null;
    if (this.timer >= 0) this.clock.cancel(this.timer);
    this.timer = -1;
    r.finish(fault, this.clock.monoMs());
  }
}
