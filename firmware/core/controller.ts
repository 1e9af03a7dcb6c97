// The control loop: on every tick it reads the sensors through the HAL, lets the
// supervisor check them, advances the phase machine, asks the governor for a
// decision, has the supervisor vet it and, when it is a move, issues one bounded
// move. Ticks are scheduled at absolute times (start + k × tick) on the HAL clock,
// so the same loop runs in virtual time (simulator) and real time (board) without
// drift. Faults latch (motor off, alarm); warnings raise an alarm only. With a
// journal, every move is an intent before and a done after, every phase change and
// warning is logged, and boot() recovers from a power cut (see persist.ts).
//
// All state is private: observers are told what happens, readers get copies or
// read-only views, and every change (a console command, a bench move, an advisory
// slow-down) goes through a method here. Only firmware/core/assemble.ts constructs it.

import type { Direction, Hal, MoveResult, Reading } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { Schedule } from "./schedule.ts";
import { makeSchedule, targetUm } from "./schedule.ts";
import type { Decision, GovernorConfig, GovernorInput, GovernorState } from "./governor.ts";
import { applyMove, decide, estimateUm, makeDecision, makeGovernorConfig, makeGovernorState, setAdvisoryScale } from "./governor.ts";
import type { PhaseState } from "./phases.ts";
import { acknowledge, advancePhase, initialPhase, latchFault, motionAllowed, pause, resume } from "./phases.ts";
import type { Observation, SupervisorConfig, SupervisorState, Verdict } from "./supervisor.ts";
import { BOOT_CLOCK_TOLERANCE_MS, afterMove, bootPositionCheck, makeSupervisorConfig, makeSupervisorState, makeVerdict, observe, supervisorEstimate, vet } from "./supervisor.ts";
import type { Alarms } from "./alarms.ts";
import { ackWarnings, clearAlarm, makeAlarms, raiseAlarm, shownAlarm } from "./alarms.ts";
import type { Journal, Recovery } from "./journal.ts";
import { makeTravelWindow } from "./travel-window.ts";
import { recover } from "./journal.ts";
import type { AuditEvent, Snapshot } from "./persist.ts";
import { PHASE_EVENT, auditTrail, eventsDropped, reconcileIssued, replay, windowImage } from "./persist.ts";

/** Journal records may be this far "in the future" of the wall clock before boot refuses them (ms). */
const CLOCK_TOLERANCE_MS = BOOT_CLOCK_TOLERANCE_MS;
/** Position readings a boot takes to compare with the journaled estimate (their median). */
const BOOT_READINGS = 5;
/** Headroom a (sub-)move gets over its duration at the driver's rate (ms). */
const BENCH_MOVE_SLACK_MS = 100;

export interface ControllerObserver {
  /** After every decision (tMs = ms since the prescription started). */
  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void;
  moved(tMs: number, requested: number, res: MoveResult): void;
  phase(tMs: number, from: PhaseState, to: PhaseState): void;
  warning(tMs: number, code: string, detail: string): void;
}

export interface ControllerOptions {
  hal: Hal;
  profile: DeviceProfile;
  /** The prescription in force at boot (a fresh start begins it now). */
  rx: Prescription;
  /** The length it starts from on a fresh start (µm). */
  startUm: number;
  journal: Journal | null;
  /** Most audit events a snapshot carries (Infinity on Node; a microcontroller caps it). */
  auditKeep: number;
  /** Opaque to the controller: what snapshots carry under `console` (the console's image), or null. */
  consoleImage: object | null;
  observers: ControllerObserver[];
}

/** What a reader (console status, dashboard, harness) sees of the controller now; a fresh object. */
export interface ControllerStatus {
  phase: PhaseState;
  /** Ms since the prescription started. */
  tMs: number;
  /** The fused gap estimate: the length reached (µm). */
  lengthUm: number;
  targetUm: number;
  /** The last readings the control loop took, in prescription time. */
  position: Reading;
  force: Reading;
  moving: boolean;
  stepCount: number;
  rx: Prescription;
  startUm: number;
  wallAtStart: number;
  latencyEndsAtMs: number;
}

/** Read-only views of the internals, for the console's canonical state, detection bounds and tests. */
export interface ControllerInternals {
  readonly gov: Readonly<GovernorConfig>;
  readonly state: Readonly<GovernorState>;
  readonly sup: Readonly<SupervisorConfig>;
  readonly supState: Readonly<SupervisorState>;
  readonly schedule: Readonly<Schedule>;
  readonly rx: Readonly<Prescription>;
  readonly phase: PhaseState;
  readonly t0: number;
  readonly wallAtStart: number;
  readonly startUm: number;
  readonly tickCount: number;
  readonly moving: boolean;
  readonly running: boolean;
  readonly auditKeep: number;
  readonly consoleImage: object | null;
}

/** The move in flight: what it asked and what to call when it ends (a bench move's reply). */
interface PendingMove {
  steps: number;
  dir: Direction;
  /** The force reading the move started from. */
  forceBefore: number;
  then: ((res: MoveResult) => void) | null;
  /** Sub-moves: steps issued so far, the one running, its start force, the steepest force rise seen (N/step), and when the move began. */
  issued: number;
  chunk: number;
  chunkForce: number;
  riseNPerStep: number;
  startedAtMs: number;
}

/** The most a sub-move may carry (µm): the force is read between sub-moves, so the hard limit stops the move that is running. */
const SUB_MOVE_UM = 10;

export class Controller {
  private hal: Hal;
  private profile: DeviceProfile;
  private rx: Prescription;
  private schedule: Schedule;
  private gov: GovernorConfig;
  private state: GovernorState;
  private sup: SupervisorConfig;
  private supState: SupervisorState;
  private verdict: Verdict;
  private obs: Observation;
  /** Active alarm conditions; the annunciator shows the highest, the newest among equals. */
  private alarms: Alarms;
  private shownCode: string;
  /** When the journal last took a record (ms since start), and whether the supervisor's prescription account is in it. */
  private lastWriteMs: number;
  private accountJournaled: boolean;
  /** At boot the wall clock was behind the journal: nothing is written before this time (ms since start), or the journal would run backwards. */
  private writeFloorMs: number;
  /** Told the device was explanted: it stops watching and holds still. */
  private explantedAt: number;
  /** The governor's input, sharing the observation's readings. */
  private govIn: GovernorInput;
  private phase: PhaseState;
  private decision: Decision;
  private observers: ControllerObserver[];
  private journal: Journal | null;
  private auditKeep: number;
  private lastRecovery: Recovery | null;
  private consoleImage: object | null;
  /** Monotonic time the prescription started, and the wall time it started at. */
  private t0: number;
  private wallAtStart: number;
  private startUm: number;
  private tickCount: number;
  private moving: boolean;
  private pending: PendingMove;
  private timer: number;
  private running: boolean;
  /** Made once, so neither a tick nor a move allocates a closure. */
  private tickFn: () => void;
  private moveDoneFn: (res: MoveResult) => void;

  constructor(o: ControllerOptions) {
    const hal = o.hal;
    this.hal = hal;
    this.profile = o.profile;
    this.rx = o.rx;
    this.journal = o.journal;
    this.lastRecovery = null;
    this.consoleImage = o.consoleImage;
    this.auditKeep = o.auditKeep;
    this.t0 = hal.clock.monoMs();
    this.wallAtStart = hal.clock.wallMs();
    this.startUm = o.startUm;
    this.schedule = makeSchedule(o.rx, o.startUm, this.wallAtStart);
    this.gov = makeGovernorConfig(o.profile, o.rx, this.schedule, hal.caps.maxMoveSteps, hal.caps.maxStepRateHz);
    this.state = makeGovernorState(this.gov, 0);
    this.state.stepCount = Math.round(o.startUm / o.profile.umPerMicrostep);
    this.sup = makeSupervisorConfig(o.profile, o.rx, this.schedule);
    this.supState = makeSupervisorState(this.state.stepCount);
    this.verdict = makeVerdict();
    this.alarms = makeAlarms();
    this.shownCode = "";
    this.lastWriteMs = 0;
    this.accountJournaled = false;
    this.writeFloorMs = -Infinity;
    this.explantedAt = -1;
    this.obs = { tMs: 0, wallMs: 0, phase: "idle", interrupted: "idle", targetUm: 0, pos: { value: 0, atMs: 0, ok: false }, force: { value: 0, atMs: 0, ok: false }, driverFault: false };
    this.govIn = { tMs: 0, targetUm: 0, motionAllowed: false, pos: this.obs.pos, force: this.obs.force };
    this.phase = initialPhase();
    this.decision = makeDecision();
    this.observers = o.observers.slice();
    this.tickCount = 0;
    this.moving = false;
    this.pending = { steps: 0, dir: 1, forceBefore: NaN, then: null, issued: 0, chunk: 0, chunkForce: NaN, riseNPerStep: 0, startedAtMs: 0 };
    this.timer = -1;
    this.running = false;
    const self = this;
    this.tickFn = function () {
      self.tick();
    };
    this.moveDoneFn = function (res: MoveResult) {
      self.moveDone(res);
    };
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

  /** Stops ticking and de-energises the motor. */
  stop(): void {
    this.running = false;
    if (this.timer >= 0) this.hal.clock.cancel(this.timer);
    this.timer = -1;
    this.hal.stepper.disable();
  }

  // ---- reading ----

  elapsedMs(): number {
    return this.hal.clock.monoMs() - this.t0;
  }

  phaseState(): PhaseState {
    return this.phase;
  }

  isMoving(): boolean {
    return this.moving;
  }

  prescription(): Prescription {
    return this.rx;
  }

  /** The schedule in force (a new prescription replaces it). */
  currentSchedule(): Schedule {
    return this.schedule;
  }

  deviceProfile(): DeviceProfile {
    return this.profile;
  }

  /** What the last boot recovered from the journal (null on a fresh start or without one). */
  recovery(): Recovery | null {
    return this.lastRecovery;
  }

  /** The fused gap estimate now (µm): the length reached. */
  lengthReachedUm(): number {
    return estimateUm(this.gov, this.state);
  }

  /** The audit trail the journal holds (oldest first) and how many older events were left out of it. */
  auditLog(): { events: AuditEvent[]; dropped: number } {
    const recs = this.journal ? this.journal.records(0) : [];
    return { events: auditTrail(recs), dropped: eventsDropped(recs) };
  }

  advisoryScale(): number {
    return this.state.advisoryScale;
  }

  status(): ControllerStatus {
    const t = this.elapsedMs();
    const p = this.obs.pos;
    const f = this.obs.force;
    return {
      phase: this.phase,
      tMs: t,
      lengthUm: this.lengthReachedUm(),
      targetUm: targetUm(this.schedule, t),
      position: { value: p.value, atMs: p.atMs, ok: p.ok },
      force: { value: f.value, atMs: f.atMs, ok: f.ok },
      moving: this.moving,
      stepCount: this.state.stepCount,
      rx: this.rx,
      startUm: this.startUm,
      wallAtStart: this.wallAtStart,
      latencyEndsAtMs: this.schedule.latencyMs,
    };
  }

  inspect(): ControllerInternals {
    return {
      gov: this.gov,
      state: this.state,
      sup: this.sup,
      supState: this.supState,
      schedule: this.schedule,
      rx: this.rx,
      phase: this.phase,
      t0: this.t0,
      wallAtStart: this.wallAtStart,
      startUm: this.startUm,
      tickCount: this.tickCount,
      moving: this.moving,
      running: this.running,
      auditKeep: this.auditKeep,
      consoleImage: this.consoleImage,
    };
  }

  /** Attaches an observer that needs the controller to exist first (the advisory hook). */
  addObserver(o: ControllerObserver): void {
    this.observers.push(o);
  }

  // ---- commands (console, advisor, app) ----

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

  /**
   * A clinician accepts the position the sensor reads after a position-mismatch-at-boot (a re-zeroed or reseated
   * sensor, the gap confirmed another way): the fusion and the supervisor's accounts restart from the reading,
   * both values are journaled, and the fault is acknowledged (the device is left paused). False in any other state.
   */
  acceptPosition(reason: string): boolean {
    if (this.phase.phase !== "fault" || this.phase.fault !== "position-mismatch-at-boot") return false;
    const now = this.medianPosition();
    if (!isFinite(now)) return false;
    const was = supervisorEstimate(this.sup, this.supState);
    this.state.biasUm = now - this.state.stepCount * this.gov.umPerStep;
    this.state.biasReady = true;
    const window = this.supState.window;
    this.supState = makeSupervisorState(this.supState.stepCount);
    this.supState.window = window;
    this.accountJournaled = false;
    if (!this.log("event", { code: "position-accepted", detail: "journaled " + was.toFixed(1) + " µm, sensor " + now.toFixed(1) + " µm: " + reason }, this.elapsedMs())) return false;
    this.acknowledge(reason);
    return true;
  }

  /** A patient's acknowledgment of the warnings sounding now: they go quiet (listed until their condition lapses); a new one sounds again. */
  silenceWarnings(reason: string): void {
    ackWarnings(this.alarms);
    this.showAlarm();
    this.log("event", { code: "warnings-silenced", detail: reason }, this.elapsedMs());
  }

  /** The device was explanted (only after complete): journaled; it stops watching and holds still. False in any other phase. */
  explant(reason: string): boolean {
    if (this.phase.phase !== "complete") return false;
    this.explantedAt = this.elapsedMs();
    this.log("event", { code: "explanted", detail: reason }, this.explantedAt);
    this.stop();
    return true;
  }

  /** Clinician acknowledgment: leaves a latched fault (to paused) and takes it off the annunciator. */
  acknowledge(reason: string): void {
    const code = this.phase.fault;
    this.setPhase(acknowledge(this.phase, this.elapsedMs(), reason));
    clearAlarm(this.alarms, code);
    this.showAlarm();
  }

  /** An advisor's slow-down, clamped to [floor, 1] (it can never raise the pace); returns the scale applied. */
  setAdvisoryScale(scale: number, floor: number): number {
    return setAdvisoryScale(this.state, scale, floor);
  }

  /** Journals an audit event and compacts when due; false when the journal refused (storage-failure latched). */
  record(code: string, detail: string): boolean {
    if (!this.log("event", { code, detail }, this.elapsedMs())) return false;
    return !this.journal || !this.journal.shouldCompact() || this.commit();
  }

  /** Writes a snapshot of the state now; a refusal latches storage-failure. */
  commit(): boolean {
    const j = this.journal;
    if (!j) return true;
    if (j.compact(this.snapshot(), Math.round(this.elapsedMs())) >= 0) return true;
    this.fault("storage-failure", "journal compaction refused: " + j.lastError);
    return false;
  }

  /**
   * A new prescription takes over now from `startUm` (the length reached); `rx` is
   * already continued so its latency counts from now. The time base, step count,
   * fusion and 24 h travel budget carry on; a pause stays a pause. `consoleImage`
   * (what a reboot needs to rebuild `rx`) is committed with the snapshot.
   */
  loadPrescription(rx: Prescription, startUm: number, consoleImage: object): boolean {
    const t = this.elapsedMs();
    this.rx = rx;
    this.startUm = startUm;
    this.schedule = makeSchedule(rx, startUm, this.wallAtStart);
    this.gov = makeGovernorConfig(this.profile, rx, this.schedule, this.hal.caps.maxMoveSteps, this.hal.caps.maxStepRateHz);
    this.sup = makeSupervisorConfig(this.profile, rx, this.schedule);
    // the account since the prescription started begins again with this one
    this.supState.pos.rxBias = NaN;
    this.accountJournaled = false;
    const fresh = initialPhase();
    fresh.sinceMs = t;
    let next = advancePhase(fresh, this.schedule, t, startUm, this.profile.positionToleranceUm);
    if (this.phase.phase === "paused") next = pause(next, t, this.phase.reason);
    this.setPhase(next);
    this.consoleImage = consoleImage;
    return this.commit();
  }

  /**
   * The wall clock was corrected by deltaMs: the time base moves with it, so the
   * time since the start stays continuous across reboots, quiet hours follow the
   * corrected local time, and the supervisor does not see a clock jump.
   */
  shiftWallClock(deltaMs: number, consoleImage: object): boolean {
    this.wallAtStart += deltaMs;
    if (isFinite(this.supState.wallOffset)) this.supState.wallOffset += deltaMs;
    this.schedule = makeSchedule(this.rx, this.startUm, this.wallAtStart);
    this.consoleImage = consoleImage;
    return this.commit();
  }

  /**
   * Bench: one raw move while paused, bounded like any move (increment cap, driver
   * cap, 24 h budget, stroke) and run through the same move path as a control tick's.
   * Returns "" when issued (`done` runs once when it ends) or the refusal code; a
   * refusal changes nothing.
   */
  benchMove(steps: number, dir: Direction, done: (res: MoveResult) => void): string {
    if (this.phase.phase !== "paused") return "wrong-phase";
    if (this.moving) return "busy";
    if (!(steps >= 1 && steps <= this.gov.incrementCapSteps && steps <= this.gov.moveCapSteps && Math.floor(steps) === steps)) return "out-of-range";
    // the governor's window is advanced every tick: read its sum without moving it
    if (this.state.window.sum + steps > this.sup.budgetSteps) return "over-budget";
    const after = this.lengthReachedUm() + dir * steps * this.gov.umPerStep;
    if (after < 0 || after > this.gov.strokeUm) return "over-stroke";
    return this.startMove(this.elapsedMs(), steps, dir, done) ? "" : "storage-failure";
  }

  // ---- the loop ----

  /** Rebuilds state from the journal. Returns false when it had to latch a fault. */
  private recover(): boolean {
    const j = this.journal!;
    const wallNow = this.hal.clock.wallMs();
    const peek = recover(j.store.read(), Infinity, 0);
    if (!peek.lastSnapshot) {
      const fresh = j.open(0, CLOCK_TOLERANCE_MS);
      if (fresh.error) return this.refuse("storage-failure", "journal unreadable: " + fresh.error.message);
      if (j.compact(this.snapshot(), 0) < 0) return this.refuse("storage-failure", "cannot write the first snapshot: " + j.lastError);
      return true;
    }
    const snap = peek.lastSnapshot.payload as Snapshot;
    const tNow = Math.round(wallNow - snap.wallAtStart);
    // a wall clock behind the journal is a clock-jump (checked below), not damage: open as if it were not
    const lastT = peek.records.length ? peek.records[peek.records.length - 1].tMs : 0;
    const rec = j.open(tNow > lastT ? tNow : lastT, CLOCK_TOLERANCE_MS);
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
    // the prescription account carries on from the last heartbeat
    const acct = restored.account;
    if (isFinite(acct.bias)) {
      this.supState.pos.rxBias = acct.bias;
      this.supState.pos.rxForce = acct.force;
      this.supState.pos.rxSteps = acct.steps;
      this.accountJournaled = true;
    }
    const booting = this.phase;
    this.phase = restored.phase;
    this.tellPhase(tNow, booting, this.phase);
    if (rec.error) return this.refuse("storage-failure", "journal damaged after record " + (rec.error.seq - 1) + ": " + rec.error.message);
    if (tNow < restored.lastTMs - CLOCK_TOLERANCE_MS) {
      // the clinician corrects the clock (the console's time set); the journal stays as it is
      this.writeFloorMs = restored.lastTMs - CLOCK_TOLERANCE_MS;
      return this.refuse("clock-jump", "wall clock is " + Math.round((restored.lastTMs - tNow) / 1000) + " s behind the journal: refusing to deliver the same calendar time twice");
    }
    // the first readings against the position journaled before the power went (a reseated connector, a lost zero)
    const now = this.medianPosition();
    if (isFinite(now)) {
      const oi = rec.openIntent;
      const far = oi ? oi.payload.target + oi.payload.dir * oi.payload.steps * this.gov.umPerStep : restored.lastEstimateUm;
      const near = oi ? oi.payload.target : restored.lastEstimateUm;
      const ref = (now - near) * (now - far) <= 0 ? now : Math.abs(now - near) < Math.abs(now - far) ? near : far;
      const why = bootPositionCheck(this.sup, ref, [now]);
      if (why !== "") return this.refuse("position-mismatch-at-boot", why);
    }
    if (rec.openIntent) {
      const pos = this.hal.position.read();
      const intent = rec.openIntent;
      const issued = pos.ok ? reconcileIssued(intent, pos.value, this.gov.umPerStep) : 0;
      this.state.stepCount += issued * intent.payload.dir;
      this.supState.stepCount += issued * intent.payload.dir;
      if (j.append("done", { issued, fault: pos.ok ? "power-cut" : "power-cut-unmeasured" }, intent.tMs) < 0) {
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
  private snapshot(): Snapshot {
    const audit = this.auditLog();
    let events = audit.events;
    let dropped = audit.dropped;
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

  /** Appends to the journal (if any); a refused write latches storage-failure. */
  private log(type: "intent" | "done" | "event" | "heartbeat", payload: any, tMs: number): boolean {
    if (!this.journal || tMs < this.writeFloorMs) return true;
    if (this.journal.append(type, payload, Math.round(tMs < 0 ? 0 : tMs)) >= 0) {
      this.lastWriteMs = tMs;
      return true;
    }
    if (this.phase.phase !== "fault") this.fault("storage-failure", "journal write refused: " + this.journal.lastError);
    return false;
  }

  private warning(code: string, detail: string): void {
    raiseAlarm(this.alarms, 2, code);
    this.showAlarm();
    this.log("event", { code: "warning:" + code, detail }, this.elapsedMs());
    const t = this.elapsedMs();
    for (let i = 0; i < this.observers.length; i++) this.observers[i].warning(t, code, detail);
  }

  /** A warning whose condition lapsed: off the annunciator, journaled. */
  private warningCleared(code: string): void {
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

  private tellPhase(tMs: number, from: PhaseState, to: PhaseState): void {
    for (let i = 0; i < this.observers.length; i++) this.observers[i].phase(tMs, from, to);
  }

  private setPhase(next: PhaseState): void {
    if (next === this.phase) return;
    const prev = this.phase;
    this.phase = next;
    if (next.phase === "fault") {
      raiseAlarm(this.alarms, 3, next.fault);
      this.showAlarm();
    }
    if (next.phase !== "distraction") this.hal.stepper.disable();
    this.tellPhase(next.sinceMs, prev, next);
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

  private tick(): void {
    if (!this.running) return;
    this.tickCount++;
    this.timer = this.hal.clock.at(this.t0 + this.tickCount * this.profile.tickMs, this.tickFn);
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
    // a reading the supervisor set aside as a spike reaches nothing else: the governor holds on it as on a stale one
    if (this.verdict.positionSetAside) o.pos.ok = false;
    if (this.journal && this.phase.phase !== "fault" && (t - this.lastWriteMs >= this.sup.heartbeatMs || (!this.accountJournaled && isFinite(this.supState.pos.rxBias)))) this.heartbeat(t);
    const g = this.govIn;
    g.tMs = t;
    g.targetUm = o.targetUm;
    g.motionAllowed = motionAllowed(this.phase);
    const d = decide(this.gov, this.state, g, this.decision);
    for (let i = 0; i < this.observers.length; i++) this.observers[i].decision(t, d, o.pos, o.force);
    if (d.stop !== "") {
      this.fault(d.stop, "governor: " + d.stop + " at " + d.forceN.toFixed(1) + " N");
      return;
    }
    if (d.steps > 0 && this.heed(vet(this.sup, this.supState, o, d.steps, this.verdict)) && this.verdict.allowSteps > 0) this.startMove(t, d.steps, 1, null);
  }

  /**
   * The heartbeat: proves the store takes writes when nothing else was written for heartbeatMs (a refusal latches
   * storage-failure), and journals the supervisor's estimate and prescription account for the next boot to check.
   */
  private heartbeat(t: number): void {
    const p = this.supState.pos;
    const r = (x: number) => Math.round(x * 100) / 100;
    if (this.log("heartbeat", { est: r(supervisorEstimate(this.sup, this.supState)), bias: isFinite(p.rxBias) ? r(p.rxBias) : null, force: r(p.rxForce), steps: p.rxSteps }, t)) this.accountJournaled = isFinite(p.rxBias);
  }

  /** The median of a few position readings (NaN when none is valid). */
  private medianPosition(): number {
    const v: number[] = [];
    for (let i = 0; i < BOOT_READINGS; i++) {
      const r = this.hal.position.read();
      if (r.ok && isFinite(r.value)) v.push(r.value);
    }
    if (v.length === 0) return NaN;
    v.sort(function (a, b) { return a - b; });
    return v[Math.floor(v.length / 2)];
  }

  /**
   * The one move path (control ticks and bench moves): journal the intent, then move.
   * The intent records where the supervisor measured the gap, so a move cut short by
   * a power cut can be reconciled against the sensor after reboot. False when the
   * journal refused the intent (storage-failure latched, nothing moved). A long move
   * runs as sub-moves of at most SUB_MOVE_UM with the force read between them
   * (nextChunk), so the force inside an increment is watched, not only between ticks.
   */
  private startMove(t: number, steps: number, dir: Direction, then: ((res: MoveResult) => void) | null): boolean {
    if (!this.log("intent", { steps, dir, target: supervisorEstimate(this.sup, this.supState) }, t)) return false;
    const p = this.pending;
    p.forceBefore = this.obs.force.ok ? this.obs.force.value : NaN;
    p.steps = steps;
    p.dir = dir;
    p.then = then;
    p.issued = 0;
    p.riseNPerStep = 0;
    p.chunkForce = p.forceBefore;
    p.startedAtMs = this.hal.clock.monoMs();
    const st = this.hal.stepper;
    if (!st.isEnabled()) st.enable();
    this.moving = true;
    this.nextChunk();
    return true;
  }

  /** Issues the next sub-move: small enough that, at the steepest force rise seen so far, it cannot cross half the margin left to the hard limit. */
  private nextChunk(): void {
    const p = this.pending;
    const left = p.steps - p.issued;
    let n = Math.max(1, Math.floor(SUB_MOVE_UM / this.gov.umPerStep));
    if (p.riseNPerStep > 0 && isFinite(p.chunkForce)) n = Math.min(n, Math.floor((this.sup.hardForceN - p.chunkForce) / (2 * p.riseNPerStep)));
    if (n > left) n = left;
    p.chunk = n < 1 ? 1 : n;
    this.hal.stepper.move({ steps: p.chunk, dir: p.dir, maxDurationMs: Math.ceil((p.chunk * 1000) / this.gov.maxStepRateHz) + BENCH_MOVE_SLACK_MS }, this.moveDoneFn);
  }

  /** A sub-move ended: read the force; go on while the move has steps left, nothing stopped it and the force is below the hard limit. */
  private moveDone(sub: MoveResult): void {
    const p = this.pending;
    p.issued += sub.issued;
    const f = this.hal.force.read();
    const fOk = f.ok && isFinite(f.value);
    if (fOk && sub.issued > 0 && isFinite(p.chunkForce)) p.riseNPerStep = Math.max(p.riseNPerStep, (f.value - p.chunkForce) / sub.issued);
    if (fOk) p.chunkForce = f.value;
    const atLimit = fOk && f.value >= this.sup.hardForceN;
    // every sub-move is bounded in steps and time (HAL R2), so the whole move is too
    if (sub.fault === "" && sub.issued === p.chunk && p.issued < p.steps && !atLimit) {
      this.nextChunk();
      return;
    }
    const res: MoveResult = { issued: p.issued, fault: sub.fault !== "" ? sub.fault : p.issued < p.steps && !atLimit ? "timeout" : "", startedAtMs: p.startedAtMs, endedAtMs: sub.endedAtMs };
    this.moveEnded(res);
    if (atLimit && this.phase.phase !== "fault") this.fault("force-hard-limit", "force " + f.value.toFixed(1) + " N ≥ hard limit " + this.sup.hardForceN + " N inside a move, after " + p.issued + " of " + p.steps + " steps");
  }

  /** The whole move ended: both counts and budgets book what was issued, the done is journaled, the supervisor judges it. */
  private moveEnded(res: MoveResult): void {
    const p = this.pending;
    const steps = p.steps;
    const then = p.then;
    p.then = null;
    this.moving = false;
    // outside distraction (a bench move while paused) the motor is not left energised
    if (!motionAllowed(this.phase)) this.hal.stepper.disable();
    const tEnd = res.endedAtMs - this.t0;
    applyMove(this.state, tEnd, res.issued, p.dir);
    for (let i = 0; i < this.observers.length; i++) this.observers[i].moved(tEnd, steps, res);
    if (this.log("done", { issued: res.issued, fault: res.fault }, tEnd)) {
      this.heed(afterMove(this.supState, tEnd, steps, res.issued, p.dir, res.fault, p.forceBefore, this.verdict));
      if (this.journal && this.journal.shouldCompact()) this.commit();
    }
    if (then) then(res);
  }
}
