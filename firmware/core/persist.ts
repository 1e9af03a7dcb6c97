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
  /** Rolling-budget windows of the governor and the supervisor: newest bucket and the non-zero ones. */
  govWindow: WindowImage;
  supWindow: WindowImage;
  /** The audit trail: every event journaled so far, carried through compaction. */
  events: AuditEvent[];
}

export interface AuditEvent {
  seq: number;
  tMs: number;
  code: string;
  detail: string;
}

/** The whole audit trail in a journal's records: the last snapshot's events, then the events after it. */
export function auditTrail(records: JournalRecord[]): AuditEvent[] {
  let from = 0;
  let out: AuditEvent[] = [];
  for (let i = records.length - 1; i >= 0; i--) {
    if (records[i].type === "snapshot") {
      out = (records[i].payload.events || []).slice();
      from = i + 1;
      break;
    }
  }
  for (let i = from; i < records.length; i++) {
    const r = records[i];
    if (r.type === "event") out.push({ seq: r.seq, tMs: r.tMs, code: r.payload.code, detail: r.payload.detail });
  }
  return out;
}

export interface WindowImage {
  head: number;
  /** [bucket index, microsteps] pairs. */
  nz: number[][];
}

export function windowImage(w: TravelWindow): WindowImage {
  const nz: number[][] = [];
  for (let i = 0; i < w.buckets.length; i++) if (w.buckets[i] !== 0) nz.push([i, w.buckets[i]]);
  return { head: w.head, nz };
}

export function loadWindow(w: TravelWindow, img: WindowImage): void {
  w.buckets.fill(0);
  w.sum = 0;
  w.head = img.head;
  for (let i = 0; i < img.nz.length; i++) {
    w.buckets[img.nz[i][0]] = img.nz[i][1];
    w.sum += img.nz[i][1];
  }
}

/** Code of the journal event that carries a full phase state as JSON. */
export const PHASE_EVENT = "phase";

export interface Restored {
  snapshot: Snapshot;
  stepCount: number;
  phase: PhaseState;
  /** The last record's time (ms since start): the wall clock must not be behind it. */
  lastTMs: number;
  /** The filtered gap estimate after the last completed move (µm), or NaN when none is journaled. */
  lastEstimateUm: number;
}

/** Rebuilds the controller's state from a recovery: snapshot, then moves and phase changes after it. */
export function replay(rec: Recovery, govWindow: TravelWindow, supWindow: TravelWindow, umPerStep: number): Restored | null {
  if (!rec.lastSnapshot) return null;
  const snap = rec.lastSnapshot.payload as Snapshot;
  loadWindow(govWindow, snap.govWindow);
  loadWindow(supWindow, snap.supWindow);
  let steps = snap.stepCount;
  let phase = snap.phase;
  let lastT = rec.lastSnapshot.tMs;
  let dir = 1;
  let intentAt = NaN;
  let estimate = NaN;
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
    } else if (r.type === "event" && r.payload.code === PHASE_EVENT) {
      phase = JSON.parse(r.payload.detail) as PhaseState;
    }
  }
  return { snapshot: snap, stepCount: steps, phase, lastTMs: lastT, lastEstimateUm: estimate };
}

/**
 * How many steps of a cut-short move were issued, judged by the position sensor:
 * the measured advance since the intent, in steps, within [0, the steps asked].
 */
export function reconcileIssued(intent: JournalRecord, sensedUm: number, umPerStep: number): number {
  const moved = Math.round((sensedUm - intent.payload.target) / umPerStep);
  return moved < 0 ? 0 : moved > intent.payload.steps ? intent.payload.steps : moved;
}
