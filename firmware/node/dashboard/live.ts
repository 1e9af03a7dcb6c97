// A running device as dashboard data: attaches to the controller as an observer
// (every decision, move, phase change and warning) and reads a few read-only
// sources (the journal's health, the annunciator, the board link, the true gap on
// a simulated rig). Each control decision appends one sample row and publishes a
// new status to whoever listens (the dashboard server). It never changes the
// device: nothing here calls the controller.

import type { Annunciator, MoveResult, Reading } from "../../../hal/types.ts";
import type { ControllerObserver } from "../../core/controller.ts";
import type { Decision } from "../../core/governor.ts";
import type { PhaseState } from "../../core/phases.ts";
import type { Schedule } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { Recorder } from "../../../sim/recorder.ts";
import { clampNames } from "./clamps.ts";
import { activeAlarms, blankStatus } from "./status.ts";
import { SampleColumns } from "./columns.ts";
import { sized } from "./rows.ts";
import type { ActiveAlarm, DashData, DashEvent, DashMeta, DashStatus, DashUpdate } from "./types.ts";

/** The journal's health, as the device's Journal reports it. */
export interface JournalHealth {
  sizeBytes: number;
  nextSeq: number;
  latched: string;
  lastError: string;
}

export interface LiveInputs {
  meta: Omit<DashMeta, "source" | "resolution">;
  /** The schedule in force (a recovery at boot or a prescription loaded over the console replaces it). */
  schedule: () => Schedule;
  /** The true gap (µm) on a simulated or emulated rig; null on a real rig (the sensor is the length). */
  trueGapUm: (() => number) | null;
  alarm: Annunciator;
  journal: JournalHealth | null;
  link: { lost: boolean; reason: string } | null;
}

export class LiveSource implements ControllerObserver {
  readonly meta: DashMeta;
  readonly samples = new SampleColumns();
  readonly events: DashEvent[] = [];
  status: DashStatus = Object.assign(blankStatus(), { reason: "booting" });
  private inp: LiveInputs;
  private recorder: Recorder;
  /** The length the error and daily rates are measured on: the true gap, or the last good sensor reading. */
  private length = { gapUm: 0 };
  private warnings = new Map<string, ActiveAlarm>();
  /** What take() has handed out so far. */
  private takenRows = 0;
  private takenEvents = 0;
  private listeners: Array<() => void> = [];
  /** Set by publishLast(): the device is gone, nothing it does afterwards is news. */
  private ended = false;

  constructor(inp: LiveInputs) {
    this.inp = inp;
    this.meta = Object.assign({ source: "live" as const, resolution: "every control decision" }, inp.meta);
    this.recorder = this.newRecorder();
  }

  /** Rates and errors against the schedule in force (kept small: one series point a day). */
  private newRecorder(): Recorder {
    const gap = this.inp.trueGapUm;
    return new Recorder(gap ? { get gapUm() { return gap(); } } : this.length, this.inp.schedule(), this.inp.meta.tickMs, MS_PER_DAY);
  }

  /** Called (cheaply, with nothing) whenever a new status is published; take() gets it. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private event(e: DashEvent): void {
    this.events.push(e);
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    // a new prescription (or the one recovered at boot) has its own schedule: rates count from it
    if (this.recorder.schedule !== this.inp.schedule()) this.recorder = this.newRecorder();
    this.recorder.decision(tMs, d, pos, force);
    if (pos.ok && isFinite(pos.value)) this.length.gapUm = pos.value;
    const trueUm = this.inp.trueGapUm ? this.inp.trueGapUm() : null;
    const errorUm = this.recorder.errorAt(tMs);
    const s = this.status;
    s.ticks++;
    s.tMs = tMs;
    s.targetUm = d.targetUm;
    s.estimateUm = d.estimateUm;
    s.sensorUm = pos.value;
    s.sensorOk = pos.ok;
    s.trueUm = trueUm;
    s.errorUm = errorUm;
    s.forceN = force.value;
    s.forceOk = force.ok;
    s.clamps = clampNames(d.clamps);
    s.steps = d.steps;
    const nan = (ok: boolean, v: number) => (ok && isFinite(v) ? v : NaN);
    this.samples.push([tMs / MS_PER_DAY, d.targetUm / 1000, d.estimateUm / 1000, nan(pos.ok, pos.value) / 1000, trueUm === null ? NaN : trueUm / 1000, errorUm, nan(force.ok, force.value)]);
    this.publish();
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    this.recorder.moved(tMs, requested, res);
    const m = this.status.moves;
    m.count++;
    m.issuedSteps += res.issued;
    m.lastAtMs = tMs;
    m.lastIssued = res.issued;
    m.lastFault = res.fault;
    if (res.fault !== "") {
      m.faults++;
      this.event({ atMs: tMs, kind: "move", code: res.fault, detail: "move of " + requested + " steps ended with " + res.fault + " after " + res.issued });
    }
  }

  phase(tMs: number, from: PhaseState, to: PhaseState): void {
    this.recorder.phase(tMs, from, to);
    const s = this.status;
    // a fault latched by the supervisor ends the tick before any decision: the status is at its time
    if (tMs > s.tMs) s.tMs = tMs;
    s.phase = to.phase;
    s.phaseSinceMs = to.sinceMs;
    s.reason = to.reason;
    s.fault = to.fault;
    if (to.phase === "fault") this.event({ atMs: tMs, kind: "fault", code: to.fault, detail: to.reason });
    else this.event({ atMs: tMs, kind: "phase", code: from.phase + "→" + to.phase, detail: to.reason });
    // a fault shows the moment it latches, not at the next decision
    this.publish();
  }

  warning(tMs: number, code: string, detail: string): void {
    this.recorder.warning(tMs, code, detail);
    this.warnings.set(code, { code, kind: "warning", sinceMs: tMs, text: detail });
    this.event({ atMs: tMs, kind: "warning", code, detail });
  }

  /** A link event the app saw (the board's serial link). */
  linkEvent(tMs: number, code: string, detail: string): void {
    this.event({ atMs: tMs, kind: "link", code, detail });
  }

  /** Refreshes the read-only health fields and tells the listeners. */
  publish(): void {
    if (this.ended) return;
    const s = this.status;
    const inp = this.inp;
    s.seq++;
    s.alarmLevel = inp.alarm.level();
    // acknowledging clears the annunciator: the warnings raised before are no longer active
    if (s.alarmLevel === 0) this.warnings.clear();
    s.active = activeAlarms(s, this.warnings.values());
    const j = inp.journal;
    s.journal = j ? { ok: j.latched === "", bytes: j.sizeBytes, nextSeq: j.nextSeq, error: j.latched || j.lastError } : null;
    s.link = inp.link ? { ok: !inp.link.lost, reason: inp.link.reason } : null;
    s.dailyRateMmPerDay = this.recorder.dailyRateMmPerDay(inp.trueGapUm ? inp.trueGapUm() : this.length.gapUm, s.tMs);
    for (const fn of this.listeners) fn();
  }

  /**
   * The device's last word (the board lost, the journal fenced): published now, and
   * nothing after it, so what the page shows last is the state at the loss, not a
   * write the fence refused while the controller wound down.
   */
  publishLast(): void {
    this.publish();
    this.ended = true;
  }

  /** Everything so far: rows reduced to at most maxRows (min/max buckets). */
  snapshot(maxRows: number): DashData {
    return sized({ meta: this.meta, status: structuredClone(this.status), events: this.events.slice(), rows: this.samples.slice(0) }, maxRows);
  }

  /** The latest status (a copy), and the rows and events published since the last take(). */
  take(): DashUpdate {
    const u: DashUpdate = { sentAtWallMs: 0, status: structuredClone(this.status), rows: this.samples.slice(this.takenRows), events: this.events.slice(this.takenEvents) };
    this.takenRows = this.samples.length;
    this.takenEvents = this.events.length;
    return u;
  }

}
