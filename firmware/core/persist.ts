// What the controller keeps across a power cut, and how it gets it back: the
// snapshot it writes at start and at every journal compaction, and the replay of
// the records after it (moves done, phase changes). A move cut short (an intent
// without its done) is reconciled against the position sensor — the device never
// re-issues a move blind: what is missing is left to the governor, within its caps.

import type { JournalRecord, Recovery } from "./journal.ts";
import type { PhaseState } from "./phases.ts";
import type { TravelWindow } from "./travel-window.ts";
import { windowAdd } from "./travel-window.ts";

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
  /** The audit trail: every event journaled so far, carried through compaction. */
  events: AuditEvent[];
  /** Events left out of `events` by a device that caps the trail (Espruino), oldest first. */
  eventsDropped: number;
  /** What the console loaded (a signed prescription, a clock correction), when it has: opaque here, read by core/console/restore.ts. */
  console?: object;
}

export interface AuditEvent {
  seq: number;
  tMs: number;
  code: string;
  detail: string;
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
  for (let g = 0; g < img.cells.length; g++) {
    w.buckets[(((img.head - g * CELL) % n) + n) % n] += img.cells[g];
    w.sum += img.cells[g];
  }
}

/** The whole audit trail in a journal's records: the last snapshot's events, then the events after it. */
export function auditTrail(records: JournalRecord[]): AuditEvent[] {
  const snap = lastSnapshotIndex(records);
  const out: AuditEvent[] = snap >= 0 ? (records[snap].payload.events || []).slice() : [];
  for (let i = snap + 1; i < records.length; i++) {
    const r = records[i];
    if (r.type === "event") out.push({ seq: r.seq, tMs: r.tMs, code: r.payload.code, detail: r.payload.detail });
  }
  return out;
}

/** How many events earlier snapshots already left out of the trail. */
export function eventsDropped(records: JournalRecord[]): number {
  const snap = lastSnapshotIndex(records);
  return snap >= 0 ? records[snap].payload.eventsDropped || 0 : 0;
}

function lastSnapshotIndex(records: JournalRecord[]): number {
  for (let i = records.length - 1; i >= 0; i--) if (records[i].type === "snapshot") return i;
  return -1;
}

/** Code of the journal event that carries a full phase state as JSON. */
export const PHASE_EVENT = "phase";

export interface Restored {
  snapshot: Snapshot;
  stepCount: number;
  phase: PhaseState;
  /** The last record's time (ms since start): the wall clock must not be behind it. */
  lastTMs: number;
  /** The filtered gap estimate after the last completed move or heartbeat (µm), or NaN when none is journaled. */
  lastEstimateUm: number;
  /** The supervisor's prescription account from the last heartbeat (NaN bias when none). */
  account: { bias: number; force: number; steps: number };
}

/** Rebuilds the controller's state from a recovery: snapshot, then moves and phase changes after it. */
export function replay(rec: Recovery, govWindow: TravelWindow, supWindow: TravelWindow, umPerStep: number): Restored | null {
  if (!rec.lastSnapshot) return null;
  const snap = rec.lastSnapshot.payload as Snapshot;
  loadWindow(govWindow, snap.window);
  loadWindow(supWindow, snap.window);
  let steps = snap.stepCount;
  let phase = snap.phase;
  let lastT = rec.lastSnapshot.tMs;
  let dir = 1;
  let intentAt = NaN;
  let estimate = NaN;
  const account = { bias: NaN, force: 0, steps: 0 };
  for (let i = 0; i < rec.records.length; i++) {
    const r: JournalRecord = rec.records[i];
    if (r.seq <= rec.lastSnapshot.seq) continue;
    lastT = r.tMs;
    if (r.type === "intent") {
      dir = r.payload.dir;
      intentAt = r.payload.target;
    } else if (r.type === "done") {
      steps += r.payload.issued * dir;
      estimate = intentAt + r.payload.issued * dir * umPerStep;
      windowAdd(govWindow, r.tMs, r.payload.issued);
      windowAdd(supWindow, r.tMs, r.payload.issued);
    } else if (r.type === "heartbeat") {
      estimate = r.payload.est;
      if (r.payload.bias !== null && isFinite(r.payload.bias)) {
        account.bias = r.payload.bias;
        account.force = r.payload.force;
        account.steps = r.payload.steps;
      }
    } else if (r.type === "event" && r.payload.code === PHASE_EVENT) {
      phase = JSON.parse(r.payload.detail) as PhaseState;
    }
  }
  return { snapshot: snap, stepCount: steps, phase, lastTMs: lastT, lastEstimateUm: estimate, account };
}

/**
 * How many steps of a cut-short move were issued, judged by the position sensor:
 * the measured advance since the intent, in steps, within [0, the steps asked].
 */
export function reconcileIssued(intent: JournalRecord, sensedUm: number, umPerStep: number): number {
  const moved = Math.round((sensedUm - intent.payload.target) / umPerStep);
  return moved < 0 ? 0 : moved > intent.payload.steps ? intent.payload.steps : moved;
}
