// The control loop: on every tick it reads the sensors through the HAL, lets the
// supervisor check them, advances the phase machine, asks the governor for a
// decision, has the supervisor vet it and, when it is a move, issues one bounded
// move. Ticks are scheduled at absolute times (start + k × tick) on the HAL clock,
// so the same loop runs in virtual time (simulator) and real time (board) without
// drift. Faults latch (motor off, alarm); warnings raise an alarm only. With a
// journal, every move ends in one record (preceded by an intent when a cut inside
// it could matter: more travel than the position sensor resolves), every phase
// change and warning is logged, and boot() resumes from what journal-boot.ts read
// (see persist.ts), or latches the fault it named and writes nothing.
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
import type { PhaseState, Reach } from "./phases.ts";
import { acknowledge, advancePhase, initialPhase, latchFault, makeReach, motionAllowed, pause, resume } from "./phases.ts";
import type { Observation, SupervisorConfig, SupervisorState, Verdict } from "./supervisor.ts";
import { BOOT_CLOCK_TOLERANCE_MS, afterMove, bootPositionCheck, makeSupervisorConfig, makeSupervisorState, makeVerdict, observe, supervisorEstimate, vet } from "./supervisor.ts";
import type { Alarms } from "./alarms.ts";
import { ackWarnings, clearAlarm, makeAlarms, raiseAlarm, shownAlarm } from "./alarms.ts";
import type { JournalWriter } from "./journal.ts";
import type { Recovery } from "./journal-recover.ts";
import type { JournalBoot } from "./journal-boot.ts";
import { provision, settle } from "./journal-boot.ts";
import { AuditTrail, COUNTS_EVENT } from "./audit.ts";
import type { AuditEvent } from "./audit.ts";
import type { Snapshot, SupervisorAccount } from "./persist.ts";
import { HEARTBEAT_EVENT, PHASE_EVENT, SNAPSHOT_VERSION, WINDOW_BUCKET_MS, reconcileIssued, windowImage } from "./persist.ts";
import { preserveRefused, startJournal } from "./journal-renew.ts";
import { makeTravelWindow, windowAdd } from "./travel-window.ts";

/**
 * The vault's watermark follows the journal after every event (what changes or
 * judges the treatment), every WATERMARK_EVERY records, and every WATERMARK_MS of
 * journal time: an older copy of the journal put back is refused unless it lacks
 * only moves written since (at most that many, that long ago).
 */
const WATERMARK_EVERY = 256;
const WATERMARK_MS = 3600000;
/** The journal's last record may be this far ahead of the wall clock at boot before it is a clock jump (ms). */
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
  /** The journal as boot found it (journal-boot.ts), or null: nothing survives a reset. */
  journal: JournalBoot | null;
  /** Opaque to the controller: what snapshots carry under `console` (the console's image), or null. */
  consoleImage: object | null;
  /** A fault found before the controller existed (a restored prescription failing its signature): latched at boot like a journal fault. */
  bootFault: { code: string; reason: string } | null;
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
  readonly needsRx: boolean;
  readonly consoleImage: object | null;
}

/** The move in flight: what it asked, the estimate it started from, and what to call when it ends (a bench move's reply). */
interface PendingMove {
  steps: number;
  dir: Direction;
  /** The force reading the move started from. */
  forceBefore: number;
  estUm: number;
  /** The controller disabled the motor during the move (a pause, a fault, a stop). */
  disabledByUs: boolean;
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
  private readonly reach: Reach;
  private verdict: Verdict;
  private obs: Observation;
  /** Active alarm conditions; the annunciator shows the highest, the newest among equals. */
  private alarms: Alarms;
  private shownCode: string;
  /** Whether the supervisor's prescription account is in the journal (a heartbeat or a snapshot carries it). */
  private accountJournaled: boolean;
  /** Told the device was explanted: it stops watching and holds still. */
  private explantedAt: number;
  /** The governor's input, sharing the observation's readings. */
  private govIn: GovernorInput;
  private phase: PhaseState;
  private decision: Decision;
  private observers: ControllerObserver[];
  private jb: JournalBoot | null;
  private journal: JournalWriter | null;
  private audit: AuditTrail;
  private lastRecovery: Recovery | null;
  private consoleImage: object | null;
  private bootFault: { code: string; reason: string } | null;
  /** The journal cannot be written (a fault boot found in it): only a new journal moves on. */
  private readOnly: boolean;
  /** The wall clock was behind the journal at boot: a clinician's time set re-derives the time base. */
  private clockBehind: boolean;
  /** A new journal after damage holds still until a signed prescription is loaded. */
  private needsRx: boolean;
  /** Where this journal came from (persist.ts Snapshot.origin). */
  private origin: object;
  /** Journal time of the last watermark. */
  private markedAtMs: number;
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
    this.jb = o.journal;
    this.journal = o.journal ? o.journal.journal : null;
    this.audit = o.journal ? o.journal.restore.audit : new AuditTrail(0);
    this.lastRecovery = o.journal ? o.journal.recovery : null;
    this.consoleImage = o.consoleImage;
    this.bootFault = o.bootFault;
    this.readOnly = false;
    this.clockBehind = false;
    this.needsRx = false;
    this.origin = { createdWallMs: hal.clock.wallMs() };
    this.markedAtMs = 0;
    this.t0 = hal.clock.monoMs();
    this.wallAtStart = hal.clock.wallMs();
    this.startUm = o.startUm;
    this.schedule = makeSchedule(o.rx, o.startUm, this.wallAtStart);
    this.gov = makeGovernorConfig(o.profile, o.rx, this.schedule, hal.caps.maxMoveSteps, hal.caps.maxStepRateHz);
    this.state = makeGovernorState(this.gov, 0);
    this.state.stepCount = Math.round(o.startUm / o.profile.umPerMicrostep);
    this.sup = makeSupervisorConfig(o.profile, o.rx, this.schedule);
    this.supState = makeSupervisorState(this.state.stepCount, this.sup.capStepsPerDay);
    this.reach = makeReach();
    this.verdict = makeVerdict();
    this.alarms = makeAlarms();
    this.shownCode = "";
    this.accountJournaled = false;
    this.explantedAt = -1;
    this.obs = { tMs: 0, wallMs: 0, phase: "idle", interrupted: "idle", targetUm: 0, pos: { value: 0, atMs: 0, ok: false }, force: { value: 0, atMs: 0, ok: false }, driverFault: false };
    this.govIn = { tMs: 0, targetUm: 0, motionAllowed: false, pos: this.obs.pos, force: this.obs.force };
    this.phase = initialPhase();
    this.decision = makeDecision();
    this.observers = o.observers.slice();
    this.tickCount = 0;
    this.moving = false;
    this.pending = { steps: 0, dir: 1, forceBefore: NaN, estUm: NaN, disabledByUs: false, then: null, issued: 0, chunk: 0, chunkForce: NaN, riseNPerStep: 0, startedAtMs: 0 };
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
   * Boots: a device never provisioned starts its first journal and the prescription
   * now; one that was resumes from what the journal held (a power cut), its time
   * base from the wall clock; a journal or prescription boot found wrong latches its
   * fault and nothing is written. Then ticking starts (the first tick runs at once).
   */
  boot(): void {
    this.running = true;
    if ((!this.jb || this.bootJournal()) && this.phase.phase === "idle") {
      this.setPhase(advancePhase(this.phase, this.schedule, 0, this.reachNow(this.state.stepCount * this.gov.umPerStep)));
    }
    this.tick();
  }

  /** Stops ticking and de-energises the motor. */
  stop(): void {
    this.running = false;
    if (this.timer >= 0) this.hal.clock.cancel(this.timer);
    this.timer = -1;
    this.disableMotor();
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

  /** The audit trail (oldest first), how many older events its cap left out, and the routine requests counted. */
  auditLog(): { events: AuditEvent[]; dropped: number; counts: { [kind: string]: number } } {
    const img = this.audit.image();
    return { events: img.events, dropped: img.dropped, counts: img.counts };
  }

  /** The highest prescription counter this device ever accepted (the vault's, never below the one in force): a new one must be above it. */
  rxCounterFloor(): number {
    const v = this.jb ? this.jb.vault.rxCounter : 0;
    return v > this.rx.counter ? v : this.rx.counter;
  }

  /** The journal as the console's `journal` command reports it. */
  journalState(): { state: string; fault: string; reason: string; id: string; nextSeq: number; bytes: number; origin: object } {
    const j = this.journal;
    const jb = this.jb;
    if (!j || !jb) return { state: "none", fault: "", reason: "", id: "", nextSeq: 0, bytes: 0, origin: {} };
    const f = !this.readOnly ? null : jb.kind === "fault" ? { code: jb.fault, reason: jb.reason } : this.bootFault;
    return {
      state: this.readOnly ? "read-only" : j.latched === "" ? "ok" : j.latched,
      fault: f ? f.code : "",
      reason: f ? f.reason : "",
      id: j.idHex(),
      nextSeq: j.nextSeq,
      bytes: j.sizeBytes,
      origin: this.origin,
    };
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
      needsRx: this.needsRx,
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

  /** Leaves a pause; "" or why not (a new journal waits for a prescription). */
  resume(reason: string): string {
    if (this.needsRx) return "needs-rx";
    this.setPhase(resume(this.phase, this.elapsedMs(), reason));
    return "";
  }

  /** Klipper-style shutdown: motor off first, then latch the fault and raise the alarm. */
  fault(code: string, reason: string): void {
    this.disableMotor();
    this.setPhase(latchFault(this.phase, this.elapsedMs(), code, reason));
  }

  /**
   * A clinician accepts the position the sensor reads after a position-mismatch-at-boot (a re-zeroed or reseated
   * sensor, the gap confirmed another way): the fusion and the supervisor's accounts restart from the reading,
   * both values are journaled, and the fault is acknowledged (the device is left paused). False in any other state.
   */
  acceptPosition(reason: string): boolean {
    if (this.phase.phase !== "fault" || this.phase.fault !== "position-mismatch-at-boot" || this.readOnly) return false;
    const now = this.medianPosition();
    if (!isFinite(now)) return false;
    const was = supervisorEstimate(this.sup, this.supState);
    this.state.biasUm = now - this.state.stepCount * this.gov.umPerStep;
    this.state.biasReady = true;
    const window = this.supState.window;
    this.supState = makeSupervisorState(this.supState.stepCount, this.sup.capStepsPerDay);
    this.supState.window = window;
    this.accountJournaled = false;
    if (!this.event("position-accepted", "journaled " + was.toFixed(1) + " µm, sensor " + now.toFixed(1) + " µm: " + reason, this.elapsedMs())) return false;
    return this.acknowledge(reason) === "";
  }

  /** A patient's acknowledgment of the warnings sounding now: they go quiet (listed until their condition lapses); a new one sounds again. */
  silenceWarnings(reason: string): void {
    if (!ackWarnings(this.alarms)) return;
    this.showAlarm();
    this.event("warnings-silenced", reason, this.elapsedMs());
  }

  /** The device was explanted (only after complete): journaled; it stops watching and holds still. False in any other phase. */
  explant(reason: string): boolean {
    if (this.phase.phase !== "complete") return false;
    this.explantedAt = this.elapsedMs();
    this.event("explanted", reason, this.explantedAt);
    this.stop();
    return true;
  }

  /**
   * Clinician acknowledgment: leaves a latched fault (to paused) and takes it off
   * the annunciator; "" or why not: a fault boot found in the journal or the vault
   * is left only by a new journal (renewJournal).
   */
  acknowledge(reason: string): string {
    if (this.readOnly) return "journal-read-only";
    if (this.clockBehind) return "clock-behind";
    const code = this.phase.fault;
    this.setPhase(acknowledge(this.phase, this.elapsedMs(), reason));
    clearAlarm(this.alarms, code);
    this.showAlarm();
    return "";
  }

  /** An advisor's slow-down, clamped to [floor, 1] (it can never raise the pace); returns the scale applied. */
  setAdvisoryScale(scale: number, floor: number): number {
    return setAdvisoryScale(this.state, scale, floor);
  }

  /** Journals an audit event (after the routine counts before it) and compacts when due; false when the journal refused. */
  record(code: string, detail: string): boolean {
    if (!this.flushCounts() || !this.event(code, detail, this.elapsedMs())) return false;
    return !this.journal || !this.journal.shouldCompact() || this.commit();
  }

  /** Counts n routine requests of a kind ("role command result": a read, or a request refused before it changed anything). */
  count(kind: string, n: number): boolean {
    if (!this.journal || !this.audit.count(kind, n) || this.readOnly) return true;
    return this.flushCounts();
  }

  /** Writes a snapshot of the state now (the watermark in the vault follows); a refusal latches storage-failure. */
  commit(): boolean {
    const j = this.journal;
    if (!j) return true;
    if (this.readOnly) return false;
    const seq = j.compact(this.snapshot(), Math.round(this.elapsedMs()));
    if (seq >= 0) {
      this.audit.flushed();
      if (this.jb!.vault.mark(seq)) return true;
      this.fault("storage-failure", "the vault refused the journal watermark");
      return false;
    }
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
    if (this.readOnly) return false;
    const t = this.elapsedMs();
    this.needsRx = false;
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
    let next = advancePhase(fresh, this.schedule, t, this.reachNow(startUm));
    if (this.phase.phase === "paused") next = pause(next, t, this.phase.reason);
    this.setPhase(next);
    this.consoleImage = consoleImage;
    if (!this.commit()) return false;
    // the replay counter follows the committed prescription: one the journal does not hold later was lost from it
    if (!this.jb || this.jb.vault.raiseRxCounter(rx.counter)) return true;
    this.fault("storage-failure", "the vault refused the prescription counter " + rx.counter);
    return false;
  }

  /**
   * The wall clock was corrected by deltaMs: the time base moves with it, so the
   * time since the start stays continuous across reboots, quiet hours follow the
   * corrected local time, and the supervisor does not see a clock jump.
   */
  shiftWallClock(deltaMs: number, consoleImage: object): boolean {
    if (this.readOnly) return false;
    if (this.clockBehind) return this.clockSetAfterJump(consoleImage);
    this.wallAtStart += deltaMs;
    if (isFinite(this.supState.wallOffset)) this.supState.wallOffset += deltaMs;
    this.schedule = makeSchedule(this.rx, this.startUm, this.wallAtStart);
    this.consoleImage = consoleImage;
    return this.commit();
  }

  /**
   * The clock was behind the journal at boot and has now been set (the HAL clock
   * already carries the correction): the journal's timeline is the truth, so the
   * time since the start is re-derived from the corrected wall clock, not carried
   * on. Still behind: nothing changes but the correction, committed.
   */
  private clockSetAfterJump(consoleImage: object): boolean {
    const tNow = Math.round(this.hal.clock.wallMs() - this.wallAtStart);
    this.consoleImage = consoleImage;
    if (tNow >= this.journal!.lastTMs - CLOCK_TOLERANCE_MS) {
      this.t0 = this.hal.clock.monoMs() - tNow;
      this.tickCount = Math.floor(tNow / this.profile.tickMs);
      this.supState.wallOffset = NaN;
      this.clockBehind = false;
    }
    return this.commit();
  }

  /**
   * A clinician's new journal after a journal fault (journal-renew.ts): the refused
   * journal is moved aside, read-only; the new one starts paused, on a new time
   * base, from the gap length the position sensor measures now, which the clinician
   * confirms (within the position tolerance), and holds until a signed prescription
   * is loaded. Its 24 h budget starts with what the old journal's readable part had
   * in its window plus any travel the sensor finds beyond that part, or the whole
   * budget when nothing of the old journal could be read. `consoleImage` is what the
   * console keeps from now (its clock correction). "" or the refusal code, with why.
   */
  renewJournal(confirmedUm: number, by: string, note: string, consoleImage: object | null): { code: string; message: string } {
    const jb = this.jb;
    if (!jb) return { code: "no-journal", message: "this device keeps no journal" };
    if (!this.readOnly) return { code: "journal-ok", message: "the journal is healthy: a new one starts only after a journal fault" };
    if (this.moving) return { code: "busy", message: "a move is under way" };
    const pos = this.hal.position.read();
    if (!pos.ok) return { code: "position-sensor-dropout", message: "the position sensor gives no reading: the length reached cannot be measured" };
    const tol = this.profile.positionToleranceUm;
    if (!(Math.abs(confirmedUm - pos.value) <= tol)) return { code: "length-mismatch", message: "the sensor measures " + round2(pos.value) + " µm, confirmed " + round2(confirmedUm) + " µm: they must agree within " + tol + " µm" };
    const refusal = this.journalState();
    const rn = preserveRefused(jb, refusal.fault, refusal.reason, pos.value, confirmedUm, by, note);
    if (rn.code !== "") return { code: rn.code, message: rn.message };
    const ums = this.gov.umPerStep;
    const known = jb.restore.snap ? jb.restore : null;
    const knownUm = known ? (isFinite(known.lastEstimateUm) ? known.lastEstimateUm : known.stepCount * ums) : 0;
    const booked = known ? known.govWindow.sum + Math.max(0, Math.round((pos.value - knownUm) / ums)) : this.sup.budgetSteps;
    const steps = Math.round(pos.value / ums);
    this.wallAtStart = this.hal.clock.wallMs();
    this.t0 = this.hal.clock.monoMs();
    this.tickCount = 0;
    this.startUm = pos.value;
    this.schedule = makeSchedule(this.rx, pos.value, this.wallAtStart);
    this.state.stepCount = steps;
    this.state.window = makeTravelWindow(WINDOW_BUCKET_MS, this.gov.capStepsPerDay);
    windowAdd(this.state.window, 0, Math.min(booked, this.sup.budgetSteps));
    this.state.biasUm = pos.value - steps * ums;
    this.state.biasReady = true;
    this.state.lastTargetUm = pos.value;
    this.supState = makeSupervisorState(steps, this.sup.capStepsPerDay);
    windowAdd(this.supState.window, 0, Math.min(booked, this.sup.budgetSteps));
    this.needsRx = true;
    this.consoleImage = consoleImage;
    this.origin = { createdWallMs: this.wallAtStart, predecessor: rn.predecessor };
    const prev = this.phase;
    this.phase = { phase: "paused", sinceMs: 0, interrupted: "idle", reachedAtMs: -1, fault: "", reason: "new journal after " + (prev.fault || "a journal fault") + ": load a signed prescription, then resume" };
    const why = startJournal(jb, rn, this.snapshot(), pos.value);
    if (why !== "") {
      this.phase = prev;
      return { code: "storage-failure", message: why };
    }
    this.readOnly = false;
    this.bootFault = null;
    this.hal.alarm.set(0, "");
    this.tellPhase(0, prev, this.phase);
    this.event("journal-new", JSON.stringify(rn.predecessor), 0);
    return { code: "", message: "" };
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

  /** Applies what boot found in the journal. Returns false when it had to latch a fault. */
  private bootJournal(): boolean {
    const jb = this.jb!;
    if (jb.kind === "fault" || this.bootFault) {
      // nothing is written: the journal stays exactly as found, read-only, until a clinician starts a new one
      this.readOnly = true;
      if (jb.kind === "resume") this.resumeFrom(jb);
      if (this.journal!.latched === "") this.journal!.latched = "read-only";
      return jb.kind === "fault" ? this.refuse(jb.fault, jb.reason) : this.refuse(this.bootFault!.code, this.bootFault!.reason);
    }
    if (jb.kind === "fresh") {
      const why = provision(jb, this.snapshot());
      return why === "" || this.refuse("storage-failure", why);
    }
    const tNow = this.resumeFrom(jb);
    const r = jb.restore;
    if (!this.needsRx && this.rx.counter < jb.vault.rxCounter) {
      this.readOnly = true;
      jb.journal.latched = "journal-rolled-back";
      return this.refuse("journal-rolled-back", "the journal's prescription has counter " + this.rx.counter + "; the vault saw counter " + jb.vault.rxCounter + " committed: an older copy of the journal");
    }
    const why = settle(jb);
    if (why !== "") return this.refuse("storage-failure", why);
    if (tNow < r.lastTMs - CLOCK_TOLERANCE_MS) {
      this.clockBehind = true;
      return this.refuse("clock-jump", "wall clock is " + Math.round((r.lastTMs - tNow) / 1000) + " s behind the journal: refusing to deliver the same calendar time twice (set the clock to go on)");
    }
    // the first readings against the position journaled before the power went (a reseated connector, a lost zero);
    // a move cut short may have ended anywhere between where it started and where it aimed
    const now = this.medianPosition();
    const intent = r.openIntent;
    if (isFinite(now)) {
      const far = intent ? intent.estUm + intent.dir * intent.steps * this.gov.umPerStep : r.lastEstimateUm;
      const near = intent ? intent.estUm : r.lastEstimateUm;
      const ref = (now - near) * (now - far) <= 0 ? now : Math.abs(now - near) < Math.abs(now - far) ? near : far;
      // the force journaled with the estimate is that of a settled gap (a heartbeat); an interrupted move has none
      const mismatch = bootPositionCheck(this.sup, ref, intent ? NaN : r.lastEstimateForceN, this.medianForce(), now, BOOT_READINGS);
      if (mismatch !== "") return this.refuse("position-mismatch-at-boot", mismatch);
    }
    if (intent) {
      const pos = this.hal.position.read();
      const issued = pos.ok ? reconcileIssued(intent, pos.value, this.gov.umPerStep) : 0;
      // those steps were issued before the reset: the sensor already shows them, so
      // the supervisor starts counting after them (not as motion still to be seen),
      // and both 24 h budgets book them
      this.state.stepCount += issued * intent.dir;
      windowAdd(this.state.window, intent.tMs, issued);
      windowAdd(r.supWindow, intent.tMs, issued);
      this.supState = makeSupervisorState(this.state.stepCount, this.sup.capStepsPerDay);
      this.supState.window = r.supWindow;
      if (this.journal!.move(issued, intent.steps, intent.dir, pos.ok ? "power-cut" : "power-cut-unmeasured", intent.estUm, intent.tMs) < 0) {
        return this.refuse("storage-failure", "cannot close the interrupted move: " + this.journal!.lastError);
      }
      if (!pos.ok) return this.refuse("position-sensor-dropout", "a move was cut short and the position sensor cannot say how far it went");
    }
    return true;
  }

  /** Takes over the state the journal's records add up to; returns the time since the start by the wall clock now. */
  private resumeFrom(jb: JournalBoot): number {
    const r = jb.restore;
    const snap = r.snap!;
    const tNow = Math.round(this.hal.clock.wallMs() - snap.wallAtStart);
    this.wallAtStart = snap.wallAtStart;
    this.startUm = snap.startUm;
    this.t0 = this.hal.clock.monoMs() - tNow;
    this.tickCount = Math.floor(tNow / this.profile.tickMs);
    this.schedule = makeSchedule(this.rx, snap.startUm, snap.wallAtStart);
    this.state.stepCount = r.stepCount;
    this.state.window = r.govWindow;
    // increments that fell due while the power was off are served; the last one served is not again
    this.state.lastTargetUm = targetUm(this.schedule, r.lastTMs);
    // the fusion resumes from the filtered estimate journaled with the last move, not one noisy reading
    if (isFinite(r.lastEstimateUm)) {
      this.state.biasUm = r.lastEstimateUm - r.stepCount * this.gov.umPerStep;
      this.state.biasReady = true;
    }
    this.supState = makeSupervisorState(r.stepCount, this.sup.capStepsPerDay);
    this.supState.window = r.supWindow;
    // the prescription account carries on from the last heartbeat or snapshot
    const acct = r.account;
    if (acct && isFinite(acct.bias)) {
      this.supState.pos.rxBias = acct.bias;
      this.supState.pos.rxForce = acct.force;
      this.supState.pos.rxSteps = acct.steps;
      this.accountJournaled = true;
    }
    this.needsRx = snap.needsRx === true;
    if (snap.origin && typeof snap.origin === "object") this.origin = snap.origin;
    const booting = this.phase;
    this.phase = r.phase || booting;
    this.tellPhase(tNow, booting, this.phase);
    return tNow;
  }

  /** What the phase machine is told of the length now (phases.ts Reach): the fused estimate given, the sensor's own smoothed reading. */
  private reachNow(estimateUm: number): Reach {
    const r = this.reach;
    r.estimateUm = estimateUm;
    r.marginUm = this.reachMarginUm();
    r.sensorUm = this.supState.pos.estReady ? supervisorEstimate(this.sup, this.supState) : NaN;
    r.toleranceUm = this.profile.positionToleranceUm;
    r.settleMs = this.sup.settleMs;
    return r;
  }

  /**
   * How far short of the target the length may be and count as reached: where the
   * governor itself stops (its hold deadband between staircase increments, else one
   * microstep), so the phase machine never cuts a catch-up short at the edge of
   * the tolerance band and leaves no margin for the estimate's own error.
   */
  private reachMarginUm(): number {
    return this.gov.holdDeadbandUm > this.gov.umPerStep ? this.gov.holdDeadbandUm : this.gov.umPerStep;
  }

  /** De-energises the motor; a move in flight then ends "disabled" by our own hand, not the driver's. */
  private disableMotor(): void {
    if (this.moving) this.pending.disabledByUs = true;
    this.hal.stepper.disable();
  }

  private refuse(code: string, reason: string): boolean {
    this.fault(code, reason);
    return false;
  }

  /** The state a snapshot keeps (see persist.ts), with the audit trail so far (from memory: nothing is re-read). */
  private snapshot(): Snapshot {
    const snap: Snapshot = {
      v: SNAPSHOT_VERSION,
      rxCounter: this.rx.counter,
      wallAtStart: this.wallAtStart,
      startUm: this.startUm,
      stepCount: this.state.stepCount,
      phase: this.phase,
      window: windowImage(this.state.window),
      audit: this.audit.image(),
      needsRx: this.needsRx,
      origin: this.origin,
      account: this.account(),
    };
    if (this.consoleImage) snap.console = this.consoleImage;
    return snap;
  }

  /**
   * A journal write's outcome: a refusal latches storage-failure (unless a fault is
   * already latched). Every WATERMARK_EVERY records the vault's watermark follows,
   * so a journal cut back to an older copy is told apart even between compactions.
   */
  private wrote(seq: number, event: boolean): boolean {
    const j = this.journal;
    if (!j) return true;
    if (seq >= 0) {
      const v = this.jb!.vault;
      if (!event && seq - v.seq < WATERMARK_EVERY && j.lastTMs - this.markedAtMs < WATERMARK_MS) return true;
      this.markedAtMs = j.lastTMs;
      if (v.mark(seq)) return true;
      this.fault("storage-failure", "the vault refused the journal watermark");
      return false;
    }
    if (this.phase.phase !== "fault") this.fault("storage-failure", "journal write refused: " + j.lastError);
    return false;
  }

  /** Journals an event and adds it to the audit trail (if there is a journal). */
  private event(code: string, detail: string, tMs: number): boolean {
    const j = this.journal;
    if (!j) return true;
    const seq = j.event(code, detail, tMs < 0 ? 0 : tMs);
    if (seq >= 0) this.audit.add(seq, j.lastTMs, code, detail);
    return this.wrote(seq, true);
  }

  /** Journals the routine counts gathered since the last batch. */
  private flushCounts(): boolean {
    const text = this.audit.pendingText();
    if (text === "" || !this.journal) return true;
    const ok = this.wrote(this.journal.event(COUNTS_EVENT, text, this.elapsedMs()), false);
    if (ok) this.audit.flushed();
    return ok;
  }

  private warning(code: string, detail: string): void {
    raiseAlarm(this.alarms, 2, code);
    this.showAlarm();
    this.event("warning:" + code, detail, this.elapsedMs());
    const t = this.elapsedMs();
    for (let i = 0; i < this.observers.length; i++) this.observers[i].warning(t, code, detail);
  }

  /** A warning whose condition lapsed: off the annunciator, journaled. */
  private warningCleared(code: string): void {
    clearAlarm(this.alarms, code);
    this.showAlarm();
    this.event("warning-cleared:" + code, "", this.elapsedMs());
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
    if (next.phase !== "distraction") this.disableMotor();
    this.tellPhase(next.sinceMs, prev, next);
    if (!this.readOnly) this.event(PHASE_EVENT, JSON.stringify(next), next.sinceMs);
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
    if (v.note !== "") this.event(v.note, v.noteDetail, this.elapsedMs());
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
    this.setPhase(advancePhase(this.phase, this.schedule, t, this.reachNow(this.state.stepCount * this.gov.umPerStep + this.state.biasUm)));
    o.phase = this.phase.phase;
    o.interrupted = this.phase.interrupted;
    if (this.phase.phase !== "fault" && !this.heed(observe(this.sup, this.supState, o, this.verdict))) return;
    // a reading the supervisor set aside as a spike reaches nothing else: the governor holds on it as on a stale one
    if (this.verdict.positionSetAside) o.pos.ok = false;
    if (this.journal && !this.readOnly && this.phase.phase !== "fault" && (t - this.journal.lastTMs >= this.sup.heartbeatMs || (!this.accountJournaled && isFinite(this.supState.pos.rxBias)))) this.heartbeat(t);
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
   * storage-failure), and journals the supervisor's estimate, the force it was taken at and the prescription
   * account for the next boot to check.
   */
  private heartbeat(t: number): void {
    const a = this.account();
    const seq = this.journal!.event(HEARTBEAT_EVENT, JSON.stringify([a.est, a.bias, a.force, a.steps, a.estForce]), t);
    if (this.wrote(seq, false)) this.accountJournaled = isFinite(a.bias);
  }

  /** The supervisor's estimate and prescription account, as a heartbeat or a snapshot journals them (NaN: none yet). */
  private account(): SupervisorAccount {
    const s = this.supState;
    const p = s.pos;
    return { est: p.estReady ? round2(supervisorEstimate(this.sup, s)) : NaN, bias: isFinite(p.rxBias) ? round2(p.rxBias) : NaN, force: round2(p.rxForce), steps: p.rxSteps, estForce: s.force.emaReady ? round2(s.force.ema) : NaN };
  }

  /** The median of a few force readings (NaN when none is valid). */
  private medianForce(): number {
    return medianReading(this.hal.force);
  }

  /** The median of a few position readings (NaN when none is valid). */
  private medianPosition(): number {
    return medianReading(this.hal.position);
  }

  /**
   * The one move path (control ticks and bench moves): journal an intent where a cut
   * inside the move could matter, then move. The intent records where the supervisor
   * measured the gap, so a move cut short by a power cut can be reconciled against
   * the sensor after reboot; a move the sensor could not resolve anyway (no more
   * than its noise) is not worth one: a cut inside it leaves at most that much
   * unbooked, which the closed loop absorbs like noise. False when the journal
   * refused the intent (storage-failure latched, nothing moved). A long move runs as
   * sub-moves of at most SUB_MOVE_UM with the force read between them (nextChunk),
   * so the force inside an increment is watched, not only between ticks.
   */
  private startMove(t: number, steps: number, dir: Direction, then: ((res: MoveResult) => void) | null): boolean {
    const est = supervisorEstimate(this.sup, this.supState);
    const j = this.journal;
    if (j && (this.readOnly || (steps * this.gov.umPerStep > this.profile.positionNoiseUm && !this.wrote(j.intent(steps, dir, est, t), false)))) return false;
    const p = this.pending;
    p.forceBefore = this.obs.force.ok ? this.obs.force.value : NaN;
    p.steps = steps;
    p.dir = dir;
    p.estUm = est;
    p.disabledByUs = false;
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
    if (sub.fault === "" && sub.issued === p.chunk && p.issued < p.steps && !atLimit && !p.disabledByUs) {
      this.nextChunk();
      return;
    }
    const res: MoveResult = { issued: p.issued, fault: sub.fault !== "" ? sub.fault : p.issued < p.steps && !atLimit ? (p.disabledByUs ? "disabled" : "timeout") : "", startedAtMs: p.startedAtMs, endedAtMs: sub.endedAtMs };
    this.moveEnded(res);
    if (atLimit && this.phase.phase !== "fault") this.fault("force-hard-limit", "force " + f.value.toFixed(1) + " N ≥ hard limit " + this.sup.hardForceN + " N inside a move, after " + p.issued + " of " + p.steps + " steps");
  }

  /** The whole move ended: both counts and budgets book what was issued, the move is journaled, the supervisor judges it. */
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
    if (!this.journal || this.wrote(this.journal.move(res.issued, steps, p.dir, res.fault, p.estUm, tEnd < 0 ? 0 : tEnd), false)) {
      // a move cut by our own disable (pause, fault, stop) is booked as issued, not judged a driver fault
      const driverFault = res.fault === "disabled" && p.disabledByUs ? "" : res.fault;
      this.heed(afterMove(this.supState, tEnd, steps, res.issued, p.dir, driverFault, p.forceBefore, this.verdict));
      if (this.journal && this.journal.shouldCompact()) this.commit();
    }
    if (then) then(res);
  }
}

/** The median of BOOT_READINGS readings of a sensor (NaN when none is valid). */
function medianReading(sensor: { read(): { ok: boolean; value: number } }): number {
  const v: number[] = [];
  for (let i = 0; i < BOOT_READINGS; i++) {
    const r = sensor.read();
    if (r.ok && isFinite(r.value)) v.push(r.value);
  }
  if (v.length === 0) return NaN;
  v.sort(function (a, b) { return a - b; });
  return v[Math.floor(v.length / 2)];
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
