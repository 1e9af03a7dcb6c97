// The control loop: on every tick it reads the sensors through the HAL, advances
// the phase machine, asks the governor for a decision and, when the decision is a
// move, issues one bounded move. Ticks are scheduled at absolute times
// (start + k × tick) on the HAL clock, so the same loop runs in virtual time
// (simulator) and real time (board) without drift. Observers see every step.

import type { Hal, MoveResult, Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import { makeSchedule, targetUm } from "./schedule.ts";
import type { Decision, GovernorConfig, GovernorState } from "./governor.ts";
import { C_FORCE_SOFT, applyMove, decide, makeDecision, makeGovernorConfig, makeGovernorState } from "./governor.ts";
import type { PhaseState } from "./phases.ts";
import { acknowledge, advancePhase, initialPhase, latchFault, motionAllowed, pause, resume } from "./phases.ts";

export interface ControllerObserver {
  /** After every decision (tMs = ms since the prescription started). */
  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void;
  moved(tMs: number, requested: number, res: MoveResult): void;
  phase(tMs: number, from: PhaseState, to: PhaseState): void;
}

export class Controller {
  hal: Hal;
  profile: DeviceProfile;
  rx: Prescription;
  schedule: Schedule;
  gov: GovernorConfig;
  state: GovernorState;
  phase: PhaseState;
  decision: Decision;
  observer: ControllerObserver | null;
  /** Monotonic time the prescription started. */
  t0: number;
  tickCount: number;
  moving: boolean;
  timer: number;
  running: boolean;

  constructor(hal: Hal, profile: DeviceProfile, rx: Prescription, startUm: number, observer: ControllerObserver | null) {
    this.hal = hal;
    this.profile = profile;
    this.rx = rx;
    this.t0 = hal.clock.monoMs();
    this.schedule = makeSchedule(rx, startUm, hal.clock.wallMs());
    this.gov = makeGovernorConfig(profile, rx, this.schedule, hal.caps.maxMoveSteps, hal.caps.maxStepRateHz);
    this.state = makeGovernorState(this.gov, 0);
    this.state.stepCount = Math.round(startUm / profile.umPerMicrostep);
    this.phase = initialPhase();
    this.decision = makeDecision();
    this.observer = observer;
    this.tickCount = 0;
    this.moving = false;
    this.timer = -1;
    this.running = false;
  }

  /** Starts ticking now (the first tick runs at once). */
  start(): void {
    this.running = true;
    this.setPhase(advancePhase(this.phase, this.schedule, 0, this.state.stepCount * this.gov.umPerStep, this.profile.positionToleranceUm));
    this.tick();
  }

  /** Stops ticking and de-energises the motor. */
  stop(): void {
    this.running = false;
    if (this.timer >= 0) this.hal.clock.cancel(this.timer);
    this.timer = -1;
    this.hal.stepper.disable();
  }

  elapsedMs(): number {
    return this.hal.clock.monoMs() - this.t0;
  }

  pause(reason: string): void {
    this.setPhase(pause(this.phase, this.elapsedMs(), reason));
  }

  resume(reason: string): void {
    this.setPhase(resume(this.phase, this.elapsedMs(), reason));
  }

  fault(code: string, reason: string): void {
    this.hal.stepper.disable();
    this.setPhase(latchFault(this.phase, this.elapsedMs(), code, reason));
  }

  /** Clinician acknowledgment: leaves a latched fault (to paused) and clears the alarm. */
  acknowledge(reason: string): void {
    this.setPhase(acknowledge(this.phase, this.elapsedMs(), reason));
    this.hal.alarm.set(0, "");
  }

  setPhase(next: PhaseState): void {
    if (next === this.phase) return;
    const prev = this.phase;
    this.phase = next;
    if (next.phase === "fault") this.hal.alarm.set(3, next.fault);
    if (next.phase !== "distraction") this.hal.stepper.disable();
    if (this.observer) this.observer.phase(next.sinceMs, prev, next);
  }

  tick(): void {
    if (!this.running) return;
    this.tickCount++;
    this.timer = this.hal.clock.at(this.t0 + this.tickCount * this.profile.tickMs, () => this.tick());
    if (this.moving) return;
    const t = this.elapsedMs();
    const pos = this.hal.position.read();
    const force = this.hal.force.read();
    this.setPhase(advancePhase(this.phase, this.schedule, t, this.state.stepCount * this.gov.umPerStep + this.state.biasUm, this.profile.positionToleranceUm));
    const d = decide(this.gov, this.state, t, targetUm(this.schedule, t), motionAllowed(this.phase), pos, force, this.decision);
    if (this.observer) this.observer.decision(t, d, pos, force);
    if ((d.clamps & C_FORCE_SOFT) !== 0 && this.hal.alarm.level() < 2) this.hal.alarm.set(2, "force-soft-limit");
    if (d.stop !== "") {
      this.fault(d.stop, "governor: " + d.stop + " at " + d.forceN.toFixed(1) + " N");
      return;
    }
    if (d.steps > 0) this.issue(d.steps, d.maxDurationMs);
  }

  issue(steps: number, maxDurationMs: number): void {
    const st = this.hal.stepper;
    if (!st.isEnabled()) st.enable();
    this.moving = true;
    st.move({ steps, dir: 1, maxDurationMs }, (res) => {
      this.moving = false;
      const t = res.endedAtMs - this.t0;
      applyMove(this.state, t, res.issued);
      if (this.observer) this.observer.moved(t, steps, res);
      if (res.fault !== "") this.fault("driver-" + res.fault, "stepper reported " + res.fault + " after " + res.issued + " of " + steps + " steps");
    });
  }
}
