// Stepper in `stepper` mode: the Firmata AccelStepper sysex (0x62) of
// ConfigurableFirmata builds, so the board times the pulses itself. Constant speed
// (acceleration 0). A move sends only the microsteps that fit its duration; the
// board's "move complete" report (the position reached) gives the steps issued.
// disable() sends STOP then ENABLE 0 and the move ends with the board's report; a
// board that never reports, or a lost link, ends the move anyway, counted as fully
// issued (the upper bound: the controller never under-counts travel).

import type { Clock, MoveRequest, MoveResult, Stepper } from "../types.ts";
import type { BoardIO } from "./io.ts";
import type { Link } from "./link.ts";
import { MoveRun, plannedSteps, refusal, refuse } from "./move-run.ts";

const DEVICE = 0;

export interface FirmataStepperConfig {
  stepPin: number;
  dirPin: number;
  enablePin: number;
  enableActiveLow: boolean;
  dirForwardHigh: boolean;
  /** Board microsteps per second. */
  stepRateHz: number;
  /** Device ms between microsteps. */
  intervalMs: number;
  /** Device ms of host lateness tolerated past a move's deadline before STOP is sent. */
  jitterMs: number;
  /** Device ms to wait for the board's completion report after STOP. */
  replyMs: number;
  maxMoveSteps: number;
}

type Accel = Required<Pick<BoardIO, "accelStepperConfig" | "accelStepperZero" | "accelStepperSpeed" | "accelStepperAcceleration" | "accelStepperEnable" | "accelStepperStep" | "accelStepperStop">>;

export class FirmataStepper implements Stepper {
  private io: BoardIO & Accel;
  private clock: Clock;
  private link: Link;
  private cfg: FirmataStepperConfig;
  private enabled = false;
  private run: MoveRun | null = null;
  private ending: "" | "disabled" | "timeout" = "";
  private position = 0;
  private timer = -1;

  constructor(io: BoardIO, clock: Clock, link: Link, cfg: FirmataStepperConfig) {
    if (!io.accelStepperConfig || !io.accelStepperStep || !io.accelStepperStop || !io.accelStepperEnable || !io.accelStepperSpeed || !io.accelStepperAcceleration || !io.accelStepperZero || !io.STEPPER) {
      throw new Error("stepper-mode-unsupported: this IO plugin has no Firmata AccelStepper support (use mode \"pins\" with StandardFirmata)");
    }
    this.io = io as BoardIO & Accel;
    this.clock = clock;
    this.link = link;
    this.cfg = cfg;
    this.io.accelStepperConfig({
      deviceNum: DEVICE,
      type: io.STEPPER.TYPE.DRIVER,
      stepPin: cfg.stepPin,
      directionPin: cfg.dirPin,
      enablePin: cfg.enablePin,
      invertPins: cfg.enableActiveLow ? [cfg.enablePin] : [],
    });
    this.io.accelStepperEnable(DEVICE, false);
    this.io.accelStepperZero(DEVICE);
    this.io.accelStepperAcceleration(DEVICE, 0);
    this.io.accelStepperSpeed(DEVICE, cfg.stepRateHz);
    link.onLost(() => {
      this.enabled = false;
      // How far the board got is unknown: report the plan, the upper bound.
      if (this.run) this.run.issued = this.run.planned;
      this.end("link-lost");
    });
  }

  enable(): void {
    if (this.link.lost) return;
    this.io.accelStepperEnable(DEVICE, true);
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
    if (this.link.lost) return;
    if (this.run) this.stopAndAwaitReport("disabled");
    this.io.accelStepperEnable(DEVICE, false);
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
    const run = new MoveRun(req, now, plannedSteps(req, this.cfg.intervalMs), done);
    if (run.planned === 0) return run.finish(req.steps > 0 ? "timeout" : "", now);
    this.run = run;
    this.ending = "";
    const from = this.position;
    const sign = (req.dir > 0) === this.cfg.dirForwardHigh ? 1 : -1;
    this.io.accelStepperStep(DEVICE, sign * run.planned, (pos) => {
      this.position = pos;
      if (this.run !== run) return;
      run.issued = Math.min(run.planned, Math.abs(pos - from));
      this.end(this.ending !== "" ? this.ending : run.planned < req.steps ? "timeout" : "");
    });
    // The board times the pulses; if it overruns, stop it and take its report.
    this.timer = this.clock.at(now + req.maxDurationMs + this.cfg.jitterMs, () => {
      this.timer = -1;
      this.stopAndAwaitReport("timeout");
    });
  }

  /** Sends STOP; the board's completion report ends the move, or replyMs without one does. */
  private stopAndAwaitReport(why: "disabled" | "timeout"): void {
    const run = this.run;
    if (!run) return;
    if (this.ending === "") this.ending = why;
    this.io.accelStepperStop(DEVICE);
    if (this.timer >= 0) this.clock.cancel(this.timer);
    this.timer = this.clock.at(this.clock.monoMs() + this.cfg.replyMs, () => {
      this.timer = -1;
      if (this.run !== run) return;
      run.issued = run.planned;
      this.end(this.ending !== "" ? this.ending : why);
    });
  }

  private end(fault: MoveResult["fault"]): void {
    const r = this.run;
    if (!r) return;
    this.run = null;
    if (this.timer >= 0) this.clock.cancel(this.timer);
    this.timer = -1;
    r.finish(fault, this.clock.monoMs());
  }
}
