// The control loop: on every tick it reads the sensors through the HAL, lets the
// supervisor check them, advances the phase machine, asks the governor for a
// decision, has the supervisor vet it and, when it is a move, issues one bounded
// move. Ticks are scheduled at absolute times (start + k × tick) on the HAL clock,
// so the same loop runs in virtual time (simulator) and real time (board) without
// drift. Faults latch (motor off, alarm); warnings raise an alarm only. With a
// journal, every move is an intent before and a done after, every phase change and
// warning is logged, and boot() recovers from a power cut (see persist.ts).

import type { Hal, MoveResult, Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import { makeSchedule, targetUm } from "./schedule.ts";
import type { Decision, GovernorConfig, GovernorInput, GovernorState } from "./governor.ts";
import { applyMove, decide, makeDecision, makeGovernorConfig, makeGovernorState } from "./governor.ts";
import type { PhaseState } from "./phases.ts";
import { acknowledge, advancePhase, initialPhase, latchFault, motionAllowed, pause, resume } from "./phases.ts";
import type { Observation, SupervisorConfig, SupervisorState, Verdict } from "./supervisor.ts";
import { afterMove, makeSupervisorConfig, makeSupervisorState, makeVerdict, observe, supervisorEstimate, vet } from "./supervisor.ts";
import type { Alarms } from "./alarms.ts";
import { clearAlarm, makeAlarms, raiseAlarm, shownAlarm } from "./alarms.ts";
import type { Journal, Recovery } from "./journal.ts";
import { makeTravelWindow } from "./travel-window.ts";
import { recover } from "./journal.ts";
import type { Snapshot } from "./persist.ts";
import type { ConsoleImage } from "./console/restore.ts";
import { PHASE_EVENT, auditTrail, eventsDropped, reconcileIssued, replay, windowImage } from "./persist.ts";

/** Journal records may be this far "in the future" of the wall clock before boot refuses them (ms). */
const CLOCK_TOLERANCE_MS = 5000;

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
  /** Active alarm conditions; the annunciator shows the highest, newest first. */
  alarms: Alarms;
  /** The governor's input, sharing the observation's readings. */
  govIn: GovernorInput;
  phase: PhaseState;
  decision: Decision;
  observer: ControllerObserver | null;
  journal: Journal | null;
  /** Most audit events a snapshot carries (Infinity on Node; a microcontroller caps it). */
  auditKeep: number;
  /** What the last boot recovered from the journal (null on a fresh start or without one). */
  lastRecovery: Recovery | null;
  /** What snapshots carry for the console under `console` (see core/console/restore.ts); null = nothing. */
  consoleImage: ConsoleImage | null;
  /** Monotonic time the prescription started, and the wall time it started at. */
  t0: number;
  wallAtStart: number;
  startUm: number;
  tickCount: number;
  moving: boolean;
  timer: number;
  running: boolean;
  private shownCode: string;

  constructor(hal: Hal, profile: DeviceProfile, rx: Prescription, startUm: number, observer: ControllerObserver | null, journal: Journal | null) {
    this.hal = hal;
    this.profile = profile;
    this.rx = rx;
    this.journal = journal;
    this.lastRecovery = null;
    this.consoleImage = null;
    this.auditKeep = Infinity;
    this.t0 = hal.clock.monoMs();
    this.wallAtStart = hal.clock.wallMs();
    this.startUm = startUm;
    this.schedule = makeSchedule(rx, startUm, this.wallAtStart);
    this.gov = makeGovernorConfig(profile, rx, this.schedule, hal.caps.maxMoveSteps, hal.caps.maxStepRateHz);
    this.state = makeGovernorState(this.gov, 0);
    this.state.stepCount = Math.round(startUm / profile.umPerMicrostep);
    this.sup = makeSupervisorConfig(profile, rx, this.schedule);
    this.supState = makeSupervisorState(this.state.stepCount);
    this.verdict = makeVerdict();
    this.alarms = makeAlarms();
    this.obs = { tMs: 0, wallMs: 0, phase: "idle", interrupted: "idle", targetUm: 0, pos: { value: 0, atMs: 0, ok: false }, force: { value: 0, atMs: 0, ok: false }, driverFault: false };
    this.govIn = { tMs: 0, targetUm: 0, motionAllowed: false, pos: this.obs.pos, force: this.obs.force };
    this.phase = initialPhase();
    this.decision = makeDecision();
    this.observer = observer;
    this.tickCount = 0;
    this.moving = false;
    this.timer = -1;
    this.running = false;
    this.shownCode = "";
  }

  /**
   * Boots: with an empty journal the prescription starts now; otherwise the state is
   * rebuilt from the journal (a power cut) and the prescription's time base from the
   * wall clock. Then ticking starts (the first tick runs at once).
   */
  boot(): void {
    this.running = true;
    if ((!this.journal || this.recover()) && this.phase.phase === "idle") {
      this.setPhase(advancePhase(this.phase, this.schedule, 0, this.state.stepCount * this.gov.umPerStep, this.profile.positionToleranceUm));
    }
    this.tick();
  }

  /** Rebuilds state from the journal. Returns false when it had to latch a fault. */
  private recover(): boolean {
    const j = this.journal!;
    const wallNow = this.hal.clock.wallMs();
    const peek = recover(this.hal.store.read(), Infinity, 0);
    if (!peek.lastSnapshot) {
      const fresh = j.open(0, CLOCK_TOLERANCE_MS);
      if (fresh.error) return this.refuse("storage-failure", "journal unreadable: " + fresh.error.message);
      if (j.compact(this.snapshot(), 0) < 0) return this.refuse("storage-failure", "cannot write the first snapshot: " + j.lastError);
      return true;
    }
    const snap = peek.lastSnapshot.payload as Snapshot;
    const tNow = Math.round(wallNow - snap.wallAtStart);
    const rec = j.open(tNow, CLOCK_TOLERANCE_MS);
    this.lastRecovery = rec;
    const supWindow = makeTravelWindow(this.state.window.bucketMs);
    const restored = replay(rec, this.state.window, supWindow, this.gov.umPerStep);
    if (!restored) return this.refuse("storage-failure", "journal lost its snapshot: " + (rec.error ? rec.error.message : "none found"));
    this.wallAtStart = snap.wallAtStart;
    this.startUm = snap.startUm;
    this.t0 = this.hal.clock.monoMs() - tNow;
    this.tickCount = Math.floor(tNow / this.profile.tickMs);
    this.schedule = makeSchedule(this.rx, snap.startUm, snap.wallAtStart);
    this.state.stepCount = restored.stepCount;
    // increments that fell due while the power was off are served; the last one served is not again
    this.state.lastTargetUm = targetUm(this.schedule, restored.lastTMs);
    // the fusion resumes from the filtered estimate journaled with the last move, not one noisy reading
    if (isFinite(restored.lastEstimateUm)) {
      this.state.biasUm = restored.lastEstimateUm - restored.stepCount * this.gov.umPerStep;
      this.state.biasReady = true;
    }
    this.supState = makeSupervisorState(restored.stepCount);
    this.supState.window = supWindow;
    const booting = this.phase;
    this.phase = restored.phase;
    if (this.observer) this.observer.phase(tNow, booting, this.phase);
    if (rec.error) return this.refuse("storage-failure", "journal damaged after record " + (rec.error.seq - 1) + ": " + rec.error.message);
    if (tNow < restored.lastTMs - CLOCK_TOLERANCE_MS) {
      return this.refuse("clock-jump", "wall clock is " + Math.round((restored.lastTMs - tNow) / 1000) + " s behind the journal: refusing to deliver the same calendar time twice");
    }
    if (rec.openIntent) {
      const pos = this.hal.position.read();
      const issued = pos.ok ? reconcileIssued(rec.openIntent, pos.value, this.gov.umPerStep) : 0;
      this.state.stepCount += issued;
      this.supState.stepCount += issued;
      if (j.append("done", { issued, fault: pos.ok ? "power-cut" : "power-cut-unmeasured" }, rec.openIntent.tMs) < 0) {
        return this.refuse("storage-failure", "cannot close the interrupted move: " + j.lastError);
      }
      if (!pos.ok) return this.refuse("position-sensor-dropout", "a move was cut short and the position sensor cannot say how far it went");
    }
    return true;
  }

  private refuse(code: string, reason: string): boolean {
    this.fault(code, reason);
    return false;
  }

  /** The state a snapshot keeps (see persist.ts), with the audit trail so far. */
  snapshot(): Snapshot {
    const recs = this.journal ? this.journal.records(0) : [];
    let events = auditTrail(recs);
    let dropped = eventsDropped(recs);
    if (events.length > this.auditKeep) {
      dropped += events.length - this.auditKeep;
      events = events.slice(events.length - this.auditKeep);
    }
    const snap: Snapshot = {
      v: 2,
      rxCounter: this.rx.counter,
      wallAtStart: this.wallAtStart,
      startUm: this.startUm,
      stepCount: this.state.stepCount,
      phase: this.phase,
      window: windowImage(this.state.window),
      events,
      eventsDropped: dropped,
    };
    if (this.consoleImage) snap.console = this.consoleImage;
    return snap;
  }

  /** Appends to the journal (if any); a refused write latches storage-failure. Public for core/console/device-ops.ts. */
  log(type: "intent" | "done" | "event", payload: any, tMs: number): boolean {
    if (!this.journal) return true;
    if (this.journal.append(type, payload, Math.round(tMs < 0 ? 0 : tMs)) >= 0) return true;
    if (this.phase.phase !== "fault") this.fault("storage-failure", "journal write refused: " + this.journal.lastError);
    return false;
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
    raiseAlarm(this.alarms, 2, code);
    this.showAlarm();
    this.log("event", { code: "warning:" + code, detail }, this.elapsedMs());
    if (this.observer) this.observer.warning(this.elapsedMs(), code, detail);
  }

  /** A warning whose condition lapsed: off the annunciator, journaled. */
  warningCleared(code: string): void {
    clearAlarm(this.alarms, code);
    this.showAlarm();
    this.log("event", { code: "warning-cleared:" + code, detail: "" }, this.elapsedMs());
  }

  /** The annunciator shows the highest active condition, the newest among equals. */
  private showAlarm(): void {
    const i = shownAlarm(this.alarms);
    const level = i < 0 ? 0 : this.alarms.levels[i];
    const code = i < 0 ? "" : this.alarms.codes[i];
    if (level !== this.hal.alarm.level() || code !== this.shownCode) this.hal.alarm.set(level, code);
    this.shownCode = code;
  }

  /** Clinician acknowledgment: leaves a latched fault (to paused) and takes it off the annunciator. */
  acknowledge(reason: string): void {
    const code = this.phase.fault;
    this.setPhase(acknowledge(this.phase, this.elapsedMs(), reason));
    clearAlarm(this.alarms, code);
    this.showAlarm();
  }

  setPhase(next: PhaseState): void {
    if (next === this.phase) return;
    const prev = this.phase;
    this.phase = next;
    if (next.phase === "fault") {
      raiseAlarm(this.alarms, 3, next.fault);
      this.showAlarm();
    }
    if (next.phase !== "distraction") this.hal.stepper.disable();
    if (this.observer) this.observer.phase(next.sinceMs, prev, next);
    this.log("event", { code: PHASE_EVENT, detail: JSON.stringify(next) }, next.sinceMs);
  }

  private toPrescriptionTime(r: Reading, into: Reading): void {
    into.value = r.value;
    into.atMs = r.atMs - this.t0;
    into.ok = r.ok;
  }

  /** Applies a supervisor verdict; returns false when it latched a fault. */
  private heed(v: Verdict): boolean {
    if (v.fault !== "") {
      this.fault(v.fault, v.reason);
      return false;
    }
    if (v.warning !== "") this.warning(v.warning, v.reason);
    if (v.cleared !== "") this.warningCleared(v.cleared);
    if (v.note !== "") this.log("event", { code: v.note, detail: v.noteDetail }, this.elapsedMs());
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
    // readings carry HAL monotonic times; the core reasons in time since the prescription started
    this.toPrescriptionTime(this.hal.position.read(), o.pos);
    this.toPrescriptionTime(this.hal.force.read(), o.force);
    o.driverFault = this.hal.stepper.driverFault();
    o.targetUm = targetUm(this.schedule, t);
    this.setPhase(advancePhase(this.phase, this.schedule, t, this.state.stepCount * this.gov.umPerStep + this.state.biasUm, this.profile.positionToleranceUm));
    o.phase = this.phase.phase;
    o.interrupted = this.phase.interrupted;
    if (this.phase.phase !== "fault" && !this.heed(observe(this.sup, this.supState, o, this.verdict))) return;
    const g = this.govIn;
    g.tMs = t;
    g.targetUm = o.targetUm;
    g.motionAllowed = motionAllowed(this.phase);
    const d = decide(this.gov, this.state, g, this.decision);
    if (this.observer) this.observer.decision(t, d, o.pos, o.force);
    if (d.stop !== "") {
      this.fault(d.stop, "governor: " + d.stop + " at " + d.forceN.toFixed(1) + " N");
      return;
    }
    if (d.steps > 0 && this.heed(vet(this.sup, this.supState, o, d.steps, this.verdict)) && this.verdict.allowSteps > 0) this.issue(t, d.steps, d.maxDurationMs);
  }

  private issue(t: number, steps: number, maxDurationMs: number): void {
    // The intent records where the supervisor measured the gap, so a move cut short
    // by a power cut can be reconciled against the sensor after reboot.
    if (!this.log("intent", { steps, dir: 1, target: supervisorEstimate(this.sup, this.supState) }, t)) return;
    const forceBefore = this.obs.force.ok ? this.obs.force.value : NaN;
    const st = this.hal.stepper;
    if (!st.isEnabled()) st.enable();
    this.moving = true;
    st.move({ steps, dir: 1, maxDurationMs }, (res) => {
      this.moving = false;
      const tEnd = res.endedAtMs - this.t0;
      applyMove(this.state, tEnd, res.issued);
      if (this.observer) this.observer.moved(tEnd, steps, res);
      if (!this.log("done", { issued: res.issued, fault: res.fault }, tEnd)) return;
      this.heed(afterMove(this.sup, this.supState, tEnd, steps, res.issued, 1, res.fault, forceBefore, this.verdict));
      if (this.journal && this.journal.shouldCompact() && this.journal.compact(this.snapshot(), Math.round(tEnd)) < 0) {
        this.fault("storage-failure", "journal compaction refused: " + this.journal.lastError);
      }
    });
  }
}
