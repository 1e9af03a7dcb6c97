// What the controller keeps across a power cut, and how it gets it back: the
// snapshot it writes when a journal starts and at every compaction, and Restore,
// the sink recovery streams the journal into (journal-recover.ts), which folds the
// snapshot and the records after it (moves, phase changes, audit events) into the
// state to resume from, with nothing held per record. A move cut short (an intent
// without its move) is reconciled against the position sensor at boot — the device
// never re-issues a move blind: what is missing is left to the governor, within
// its caps.

import type { OpenIntent, RecordSink } from "./journal-recover.ts";
import type { PhaseState } from "./phases.ts";
import type { TravelWindow } from "./travel-window.ts";
import { bucketAdd, makeTravelWindow, windowAdd } from "./travel-window.ts";
import { AuditTrail } from "./audit.ts";
import type { AuditImage } from "./audit.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "./units.ts";

export const SNAPSHOT_VERSION = 3;

export interface Snapshot {
  v: number;
  rxCounter: number;
  /** Wall time the prescription started: t (ms since start) = wall − this after a reboot. */
  wallAtStart: number;
  startUm: number;
  stepCount: number;
  phase: PhaseState;
  /** The rolling-budget window (the governor's and the supervisor's hold the same moves). */
  window: WindowImage;
  audit: AuditImage;
  /** A new journal after damage waits for a signed prescription before it moves again. */
  needsRx: boolean;
  /** Where this journal came from: when it started and, after damage, what it replaced (journal-renew.ts). */
  origin: object;
  /** What the console loaded (a signed prescription, a clock correction), when it has: opaque here, read by core/console/restore.ts. */
  console?: object;
  /** The supervisor's estimate and prescription account when the snapshot was taken (older snapshots have none). */
  account?: SupervisorAccount;
}

/**
 * The supervisor's gap estimate (µm) and its account since the prescription started
 * (bias µm, force N and step count at its anchor), journaled by a heartbeat and
 * with every snapshot: the next boot checks the first readings against the
 * estimate and carries the account on. NaN (null in JSON) where there is none yet.
 */
export interface SupervisorAccount {
  est: number;
  bias: number;
  force: number;
  steps: number;
  /** The smoothed force when `est` was taken (N; NaN: not known, and absent from older journals). */
  estForce: number;
}

/**
 * Code of the journal event a heartbeat writes (controller.ts: when nothing else was
 * written for the supervisor's heartbeatMs, proving the store): detail is [est, bias, force, steps, estForce] (older
 * journals: the first four, estForce then not known). It is the device's own
 * bookkeeping, not an audit event.
 */
export const HEARTBEAT_EVENT = "heartbeat";

/** A finite number, or NaN (a null or anything else). */
function num(x: unknown): number {
  return typeof x === "number" && isFinite(x) ? x : NaN;
}

/**
 * A budget window in coarse cells of CELL buckets, newest first. Restoring puts each
 * cell's steps in its newest bucket, so they leave the window no earlier than they
 * really would: the restored 24 h sum is never below the true one (conservative),
 * and the image stays small enough for a microcontroller's flash (~100 numbers).
 */
export interface WindowImage {
  head: number;
  cells: number[];
}

const CELL = 15;
/** The budget windows' bucket (governor and supervisor both keep minute buckets). */
export const WINDOW_BUCKET_MS = MS_PER_MINUTE;

export function windowImage(w: TravelWindow): WindowImage {
  const n = w.buckets.length;
  const cells: number[] = [];
  for (let back = 0; back < n; back++) {
    const g = Math.floor(back / CELL);
    if (cells.length <= g) cells.push(0);
    cells[g] += w.buckets[(((w.head - back) % n) + n) % n];
  }
  while (cells.length > 0 && cells[cells.length - 1] === 0) cells.pop();
  return { head: w.head, cells };
}

export function loadWindow(w: TravelWindow, img: WindowImage): void {
  const n = w.buckets.length;
  w.buckets.fill(0);
  w.sum = 0;
  w.head = img.head;
  for (let g = 0; g < img.cells.length; g++) bucketAdd(w, (((img.head - g * CELL) % n) + n) % n, img.cells[g]);
}

/** Code of the journal event that carries a full phase state as JSON. */
export const PHASE_EVENT = "phase";

/** The windows of a Restore before any snapshot (records never come before one: recovery refuses that). */
const NO_WINDOW: TravelWindow = makeTravelWindow(MS_PER_DAY, 0);

/** The state a journal's records add up to: fed by recovery, read by the controller's boot. */
export class Restore implements RecordSink {
  umPerStep: number;
  snap: Snapshot | null;
  stepCount: number;
  phase: PhaseState | null;
  /** Time of the last record (ms since start): the wall clock must not be behind it. */
  lastTMs: number;
  /** The gap estimate after the last completed move, heartbeat or snapshot (µm), NaN when none is journaled. */
  lastEstimateUm: number;
  /** The smoothed force journaled with lastEstimateUm (N; NaN after a move record, which carries none, or from an older journal). */
  lastEstimateForceN: number;
  /** The supervisor's prescription account from the last heartbeat or snapshot (bias NaN: none). */
  account: SupervisorAccount;
  /** Made when a snapshot arrives (a board has no room for two idle windows on a fresh start). */
  govWindow: TravelWindow;
  supWindow: TravelWindow;
  audit: AuditTrail;
  openIntent: OpenIntent | null;

  /** The device's most steps in 24 h (sizes the windows: core/travel-window.ts). */
  capStepsPerDay: number;

  constructor(umPerStep: number, auditKeep: number, capStepsPerDay: number) {
    this.umPerStep = umPerStep;
    this.capStepsPerDay = capStepsPerDay;
    this.snap = null;
    this.stepCount = 0;
    this.phase = null;
    this.lastTMs = 0;
    this.lastEstimateUm = NaN;
    this.lastEstimateForceN = NaN;
    this.account = { est: NaN, bias: NaN, force: 0, steps: 0, estForce: NaN };
    this.govWindow = NO_WINDOW;
    this.supWindow = NO_WINDOW;
    this.audit = new AuditTrail(auditKeep);
    this.openIntent = null;
  }

  snapshot(_seq: number, tMs: number, payload: any): void {
    const s = payload as Snapshot;
    this.snap = s;
    this.stepCount = typeof s.stepCount === "number" ? s.stepCount : 0;
    this.phase = s.phase || null;
    this.lastTMs = tMs;
    this.govWindow = makeTravelWindow(WINDOW_BUCKET_MS, this.capStepsPerDay);
    this.supWindow = makeTravelWindow(WINDOW_BUCKET_MS, this.capStepsPerDay);
    if (s.window) {
      loadWindow(this.govWindow, s.window);
      loadWindow(this.supWindow, s.window);
    }
    this.audit.load(s.audit);
    const a = s.account;
    if (a && typeof a === "object") this.setAccount(num(a.est), num(a.bias), num(a.force), num(a.steps), num(a.estForce));
  }

  /** What a heartbeat or snapshot journaled of the supervisor (a non-finite value: not known). */
  private setAccount(est: number, bias: number, force: number, steps: number, estForce: number): void {
    if (isFinite(est)) {
      this.lastEstimateUm = est;
      this.lastEstimateForceN = estForce;
    }
    if (isFinite(bias) && isFinite(force) && isFinite(steps)) this.account = { est, bias, force, steps, estForce };
  }

  intent(seq: number, tMs: number, steps: number, dir: number, estUm: number): void {
    this.lastTMs = tMs;
    this.openIntent = { seq, tMs, steps, dir, estUm };
  }

  move(_seq: number, tMs: number, issued: number, _requested: number, dir: number, _fault: string, estUm: number): void {
    this.lastTMs = tMs;
    this.openIntent = null;
    this.stepCount += issued * dir;
    this.lastEstimateUm = estUm + issued * dir * this.umPerStep;
    this.lastEstimateForceN = NaN;
    windowAdd(this.govWindow, tMs, issued);
    windowAdd(this.supWindow, tMs, issued);
  }

  event(seq: number, tMs: number, code: string, detail: string): void {
    this.lastTMs = tMs;
    if (code === HEARTBEAT_EVENT) {
      let v: any = null;
      try {
        v = JSON.parse(detail);
      } catch (e) {
        // an authenticated heartbeat is always JSON: nothing else writes one
      }
      if (Array.isArray(v) && (v.length === 4 || v.length === 5)) this.setAccount(num(v[0]), num(v[1]), num(v[2]), num(v[3]), v.length === 5 ? num(v[4]) : NaN);
      return;
    }
    if (code === PHASE_EVENT) {
      try {
        this.phase = JSON.parse(detail) as PhaseState;
      } catch (e) {
        // an authenticated phase event is always JSON: nothing else writes one
      }
    }
    this.audit.add(seq, tMs, code, detail);
  }
}

/**
 * How many steps of a cut-short move were issued, judged by the position sensor:
 * the measured travel since the intent, in steps, within [0, the steps asked].
 */
export function reconcileIssued(intent: OpenIntent, sensedUm: number, umPerStep: number): number {
  const moved = Math.round(((sensedUm - intent.estUm) * intent.dir) / umPerStep);
  return moved < 0 ? 0 : moved > intent.steps ? intent.steps : moved;
}
