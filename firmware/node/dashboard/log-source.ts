// A finished run as dashboard data, for `osteodrive report` and `osteodrive
// dashboard`: a trial log directory (trial.ndjson, as `trial --out DIR` writes it)
// or a device journal (journal.bin, a DIR holding one, or the file). A log has every
// sample; a journal has the supervisor's estimate at each move still in it (since
// the last compaction), the whole audit trail, and the damage if there is any.
// With a scenario, a journal's target curve and limits come from its prescription.

import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { AuditTrail } from "../../core/audit.ts";
import type { Snapshot } from "../../core/persist.ts";
import { HEARTBEAT_EVENT } from "../../core/persist.ts";
import { makeSchedule, targetUm } from "../../core/schedule.ts";
import type { Schedule } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { makeDecision } from "../../core/governor.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import { Recorder } from "../../../sim/recorder.ts";
import { readJournalDump } from "../journal-dump.ts";
import type { Reading } from "../../../hal/types.ts";
import type { LogStart } from "../trial/log.ts";
import { activeAlarms, blankStatus } from "./status.ts";
import { SampleColumns } from "./columns.ts";
import type { DashData, DashEvent, DashMeta, DashStatus } from "./types.ts";

export interface LoadedRun {
  data: DashData;
  /** Why the run's files are damaged ("" when they are not). */
  damage: string;
  /** What was read. */
  file: string;
}

function invalid(message: string): Error {
  return Object.assign(new Error(message), { code: "invalid" });
}

/** Phase, fault and active warnings as the events leave them. */
function settle(status: DashStatus, events: DashEvent[]): void {
  const warnings = new Map<string, DashEvent>();
  for (const e of events) {
    if (e.kind === "phase" || e.kind === "fault") {
      status.phase = e.kind === "fault" ? "fault" : e.code.split("→").pop()!;
      status.phaseSinceMs = e.atMs;
      status.reason = e.detail;
      status.fault = e.kind === "fault" ? e.code : "";
      if (status.phase === "paused" && events.some((x) => x.kind === "fault" && x.atMs <= e.atMs)) warnings.clear();
    }
    if (e.kind === "warning") warnings.set(e.code, e);
  }
  status.active = activeAlarms(status, [...warnings.values()].map((w) => ({ code: w.code, kind: "warning" as const, sinceMs: w.atMs, text: w.detail })));
  status.alarmLevel = status.phase === "fault" ? 3 : warnings.size ? 2 : 0;
}

/** Delivered rates as the live page counts them: a recorder fed a logged length at each sample. */
class Rates {
  private gap = { gapUm: 0 };
  private decision = makeDecision();
  private rec: Recorder;

  constructor(sched: Schedule, tickMs: number) {
    this.rec = new Recorder(this.gap, sched, tickMs, MS_PER_DAY);
  }

  add(tMs: number, lengthUm: number, targetUm: number, estimateUm: number, pos: Reading, force: Reading): void {
    this.gap.gapUm = lengthUm;
    this.decision.targetUm = targetUm;
    this.decision.estimateUm = estimateUm;
    this.rec.decision(tMs, this.decision, pos, force);
  }

  perDay(endMs: number): number[] {
    return this.rec.dailyRateMmPerDay(this.gap.gapUm, endMs);
  }
}

function parseLines(file: string): { recs: any[]; damage: string } {
  const lines = readFileSync(file, "utf8").split("\n");
  const recs: any[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "") continue;
    try {
      recs.push(JSON.parse(lines[i]));
    } catch (e: any) {
      // a torn last line is a write cut short; anything earlier is damage
      const last = lines.slice(i + 1).every((l) => l === "");
      return { recs, damage: last ? "" : file + " line " + (i + 1) + " is not JSON (" + e.message + "): " + recs.length + " records before it read, the rest not" };
    }
  }
  return { recs, damage: "" };
}

/** The trial log in `dir` (trial.ndjson). */
export function loadTrialLog(dir: string): LoadedRun {
  const file = join(dir, "trial.ndjson");
  const { recs, damage } = parseLines(file);
  const start: LogStart | null = recs.length && recs[0].type === "start" ? JSON.parse(recs[0].detail) : null;
  const summaryFile = join(dir, "summary.json");
  const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, "utf8")) : null;
  const rx = start ? start.prescription : null;
  const truth = start ? start.truth : recs.some((r) => r.type === "sample" && "trueUm" in r) ? "plant" : "sensor";
  const meta: DashMeta = {
    title: "trial: " + (start ? start.device : summary ? summary.scenario : basename(dir)),
    source: "log",
    truth,
    tickMs: start ? start.tickMs : NaN,
    latencyDays: rx ? rx.latencyDays : NaN,
    prescribedRateMmPerDay: rx ? rx.rateMmPerDay : summary ? summary.prescribedRateMmPerDay : NaN,
    targetLengthMm: rx ? rx.targetLengthMm : summary ? summary.targetLengthMm : NaN,
    softForceN: rx ? rx.softForceN : NaN,
    hardForceN: rx ? rx.hardForceN : NaN,
    toleranceUm: start ? start.toleranceUm : summary ? summary.toleranceUm : NaN,
    control: false,
    resolution: "",
  };
  const cols = new SampleColumns();
  const events: DashEvent[] = [];
  const status = blankStatus();
  let held = NaN;
  let prevTarget = NaN;
  const rates = start ? new Rates(makeSchedule(start.prescription, start.startUm, start.wallAtStartMs), start.tickMs) : null;
  for (const r of recs) {
    if (r.type === "sample") {
      if (r.positionOk) held = r.positionUm;
      const length = truth === "plant" ? r.trueUm : held;
      if (rates) rates.add(r.tMs, length, r.targetUm, r.estimateUm, { value: r.positionUm, atMs: r.positionAtMs, ok: r.positionOk }, { value: r.forceN, atMs: r.tMs, ok: r.forceOk });
      const errorUm = length - (isFinite(prevTarget) ? prevTarget : r.targetUm);
      prevTarget = r.targetUm;
      cols.push([r.tMs / MS_PER_DAY, r.targetUm / 1000, r.estimateUm / 1000, r.positionOk ? r.positionUm / 1000 : NaN, truth === "plant" ? r.trueUm / 1000 : NaN, errorUm, r.forceOk ? r.forceN : NaN]);
      Object.assign(status, { ticks: status.ticks + 1, tMs: r.tMs, targetUm: r.targetUm, estimateUm: r.estimateUm, sensorUm: r.positionUm, sensorOk: r.positionOk, trueUm: truth === "plant" ? r.trueUm : null, errorUm, forceN: r.forceN, forceOk: r.forceOk, steps: r.steps });
    } else if (r.type === "move") {
      const m = status.moves;
      m.count++;
      m.issuedSteps += r.issued;
      m.lastAtMs = r.tMs;
      m.lastIssued = r.issued;
      m.lastFault = r.fault;
      if (r.fault) {
        m.faults++;
        events.push({ atMs: r.tMs, kind: "move", code: r.fault, detail: "move of " + r.requested + " steps ended with " + r.fault + " after " + r.issued });
      }
    } else if (r.type === "phase") {
      events.push(r.phase === "fault" ? { atMs: r.tMs, kind: "fault", code: r.code, detail: r.detail } : { atMs: r.tMs, kind: "phase", code: r.code, detail: r.detail });
    } else if (r.type === "warning") events.push({ atMs: r.tMs, kind: "warning", code: r.code, detail: r.detail });
    else if (r.type === "link") events.push({ atMs: r.tMs, kind: "link", code: r.code, detail: r.detail });
  }
  if (damage) events.push({ atMs: status.tMs, kind: "journal", code: "log-damaged", detail: damage });
  settle(status, events);
  status.seq = status.ticks;
  status.dailyRateMmPerDay = rates ? rates.perDay(status.tMs) : summary ? summary.dailyRateMmPerDay : [];
  return { data: { meta, status, events, rows: cols.slice(0) }, damage, file };
}

/** A device journal (a file, or a DIR with journal.bin) read with the key in `vault` (default: the vault beside it); `sc` gives the prescription for the target curve. */
export function loadJournal(file: string, sc: Scenario | null, vault = ""): LoadedRun {
  const dump = readJournalDump(file, vault);
  const replayed = dump.records.filter((r) => r.replayed);
  const snaps = replayed.filter((r) => r.type === "snapshot");
  const snap = snaps.length ? (snaps[snaps.length - 1].payload as Snapshot) : null;
  const rx = sc ? sc.prescription : null;
  const sched: Schedule | null = rx && snap ? makeSchedule(rx, snap.startUm, snap.wallAtStart) : null;
  const meta: DashMeta = {
    title: "journal: " + (sc ? sc.name : file),
    source: "journal",
    truth: "journal",
    tickMs: sc ? sc.profile.tickMs : NaN,
    latencyDays: rx ? rx.latencyDays : NaN,
    prescribedRateMmPerDay: rx ? rx.rateMmPerDay : NaN,
    targetLengthMm: rx ? rx.targetLengthMm : NaN,
    softForceN: rx ? rx.softForceN : NaN,
    hardForceN: rx ? rx.hardForceN : NaN,
    toleranceUm: sc ? sc.profile.positionToleranceUm : NaN,
    control: false,
    resolution: "",
  };
  // the audit trail as the device rebuilds it: the snapshot's events, then those after it
  const audit = new AuditTrail(Infinity);
  for (const r of replayed) {
    if (r.type === "snapshot") audit.load(r.payload.audit);
    else if (r.type === "event" && r.payload.code !== HEARTBEAT_EVENT) audit.add(r.seq, r.tMs, r.payload.code, r.payload.detail);
  }
  const events: DashEvent[] = [];
  for (const e of audit.events) {
    if (e.code === "phase") {
      const to = JSON.parse(e.detail);
      const prev = events.filter((x) => x.kind === "phase" || x.kind === "fault").pop();
      const from = prev ? (prev.kind === "fault" ? "fault" : prev.code.split("→").pop()) : "idle";
      events.push(to.phase === "fault" ? { atMs: e.tMs, kind: "fault", code: to.fault, detail: to.reason } : { atMs: e.tMs, kind: "phase", code: from + "→" + to.phase, detail: to.reason });
    } else if (e.code.startsWith("warning:")) events.push({ atMs: e.tMs, kind: "warning", code: e.code.slice("warning:".length), detail: e.detail });
    else events.push({ atMs: e.tMs, kind: "console", code: e.code, detail: e.detail });
  }
  const status = blankStatus();
  const cols = new SampleColumns();
  // the estimate at each move, and the delivered rate on it, where the prescription is known
  const rates = sched && sc ? new Rates(sched, sc.profile.tickMs) : null;
  for (const r of replayed) {
    if (r.type !== "move") continue;
    const p = r.payload;
    const est = p.estUm as number;
    const target = sched ? targetUm(sched, r.tMs) : NaN;
    cols.push([r.tMs / MS_PER_DAY, target / 1000, est / 1000, NaN, NaN, sched ? est - targetUm(sched, r.tMs - meta.tickMs) : NaN, NaN]);
    Object.assign(status, { tMs: r.tMs, estimateUm: est, targetUm: target });
    // rates on the only length a journal has: the estimate
    if (rates) rates.add(r.tMs, est, target, est, { value: est, atMs: r.tMs, ok: true }, { value: NaN, atMs: r.tMs, ok: false });
    status.moves.count++;
    status.moves.issuedSteps += p.issued;
    status.moves.lastAtMs = r.tMs;
    status.moves.lastIssued = p.issued;
    status.moves.lastFault = p.fault;
    if (p.fault) status.moves.faults++;
  }
  const damage = dump.damage ? dump.damage.message : "";
  if (damage) events.push({ atMs: status.tMs, kind: "journal", code: "journal-" + dump.damage!.code, detail: damage + (dump.records.length > replayed.length ? "; " + (dump.records.length - replayed.length) + " intact records after it (osteodrive journal dump)" : "") });
  settle(status, events);
  status.ticks = cols.length;
  status.seq = replayed.length;
  status.journal = { ok: damage === "", bytes: dump.bytes, nextSeq: replayed.length ? replayed[replayed.length - 1].seq + 1 : 1, error: damage };
  // a journal keeps the moves since its last compaction (its snapshot): a day that began before it has no rate (NaN),
  // not a short one; a day that began after it has every move (the first may come some ticks into the day)
  const keptFromMs = snaps.length ? snaps[snaps.length - 1].tMs : Infinity;
  if (rates && sched) status.dailyRateMmPerDay = rates.perDay(status.tMs).map((r, k) => (sched.latencyMs + k * MS_PER_DAY >= keptFromMs ? r : NaN));
  return { data: { meta, status, events, rows: cols.slice(0) }, damage, file };
}

/** A trial log directory, or a journal (file or directory), by what is there. */
export function loadRun(path: string, sc: Scenario | null, vault = ""): LoadedRun {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    throw invalid("no such file or directory: " + path);
  }
  if (dir && existsSync(join(path, "trial.ndjson"))) return loadTrialLog(path);
  if (!dir && basename(path) === "trial.ndjson") return loadTrialLog(join(path, ".."));
  const file = dir ? join(path, "journal.bin") : path;
  if (!existsSync(file)) throw invalid(path + " holds neither a trial log (trial.ndjson) nor a journal (journal.bin)");
  return loadJournal(file, sc, vault);
}
