// The control loop: on every tick it reads the sensors through the HAL, lets the
// supervisor check them, advances the phase machine, asks the governor for a
// decision, has the supervisor vet it and, when it is a move, issues one bounded
// move. Ticks are scheduled at absolute times (start + k × tick) on the HAL clock,
// so the same loop runs in virtual time (simulator) and real time (board) without
// drift. Faults latch (motor off, alarm); warnings raise an alarm only.

import type { Hal, MoveResult, Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import { makeSchedule, targetUm } from "./schedule.ts";
import type { Decision, GovernorConfig, GovernorState } from "./governor.ts";
import { applyMove, decide, makeDecision, makeGovernorConfig, makeGovernorState } from "./governor.ts";
import type { PhaseState } from "./phases.ts";
import { acknowledge, advancePhase, initialPhase, latchFault, motionAllowed, pause, resume } from "./phases.ts";
import type { Observation, SupervisorConfig, SupervisorState, Verdict } from "./supervisor.ts";
import { afterMove, makeSupervisorConfig, makeSupervisorState, makeVerdict, observe, vet } from "./supervisor.ts";

export interface ControllerObserver {
  /** After every decision (tMs = ms since the prescription started). */
  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void;
  moved(tMs: number, requested: number, res: MoveResult): void;
  phase(tMs: number, from: PhaseState, to: PhaseState): void;
  warning(tMs: number, code: string, detail: string): void;
}

export class Controller {
  hal: Hal;
  profile: DeviceProfile;
  rx: Prescription;
  schedule: Schedule;
  gov: GovernorConfig;
  state: GovernorState;
  sup: SupervisorConfig;
  supState: SupervisorState;
  verdict: Verdict;
  obs: Observation;
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
    this.sup = makeSupervisorConfig(profile, rx, this.schedule);
    this.supState = makeSupervisorState(this.state.stepCount);
    this.verdict = makeVerdict();
    this.obs = { tMs: 0, wallMs: 0, phase: "idle", targetUm: 0, pos: { value: 0, atMs: 0, ok: false }, force: { value: 0, atMs: 0, ok: false }, driverFault: false };
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

  /** Klipper-style shutdown: motor off first, then latch the fault and raise the alarm. */
  fault(code: string, reason: string): void {
    this.hal.stepper.disable();
    this.setPhase(latchFault(this.phase, this.elapsedMs(), code, reason));
  }

  warning(code: string, detail: string): void {
    if (this.hal.alarm.level() < 2) this.hal.alarm.set(2, code);
    if (this.observer) this.observer.warning(this.elapsedMs(), code, detail);
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

  /** Applies a supervisor verdict; returns false when it latched a fault. */
  private heed(v: Verdict): boolean {
    if (v.fault !== "") {
      this.fault(v.fault, v.reason);
      return false;
    }
    if (v.warning !== "") this.warning(v.warning, v.reason);
    return true;
  }

  tick(): void {
    if (!this.running) return;
    this.tickCount++;
    this.timer = this.hal.clock.at(this.t0 + this.tickCount * this.profile.tickMs, () => this.tick());
    if (this.moving) return;
    const t = this.elapsedMs();
    const o = this.obs;
    o.tMs = t;
    o.wallMs = this.hal.clock.wallMs();
    o.pos = this.hal.position.read();
    o.force = this.hal.force.read();
    o.driverFault = this.hal.stepper.driverFault();
    o.targetUm = targetUm(this.schedule, t);
    this.setPhase(advancePhase(this.phase, this.schedule, t, this.state.stepCount * this.gov.umPerStep + this.state.biasUm, this.profile.positionToleranceUm));
    o.phase = this.phase.phase;
    const watching = this.phase.phase !== "fault" && this.phase.phase !== "complete";
    if (watching && !this.heed(observe(this.sup, this.supState, o, this.verdict))) return;
    const d = decide(this.gov, this.state, t, o.targetUm, motionAllowed(this.phase), o.pos, o.force, this.decision);
    if (this.observer) this.observer.decision(t, d, o.pos, o.force);
    if (d.stop !== "") {
      this.fault(d.stop, "governor: " + d.stop + " at " + d.forceN.toFixed(1) + " N");
      return;
    }
    if (d.steps > 0 && this.heed(vet(this.sup, this.supState, o, d.steps, this.verdict))) this.issue(d.steps, d.maxDurationMs);
  }

  private issue(steps: number, maxDurationMs: number): void {
    const st = this.hal.stepper;
    if (!st.isEnabled()) st.enable();
    this.moving = true;
    st.move({ steps, dir: 1, maxDurationMs }, (res) => {
      this.moving = false;
      const t = res.endedAtMs - this.t0;
      applyMove(this.state, t, res.issued);
      if (this.observer) this.observer.moved(t, steps, res);
      this.heed(afterMove(this.supState, t, steps, res.issued, res.fault, this.verdict));
    });
  }
}
