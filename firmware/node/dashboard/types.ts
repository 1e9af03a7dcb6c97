// What the dashboard page shows, as data: the run's fixed facts (meta), the latest
// status, the audit events, and sample rows in columns. The same shapes come from a
// running device (live.ts, pushed as updates) and from a finished run's log or
// journal (log-source.ts, embedded in an offline report). Types only: the page
// (client/) and the server share them.

/** Sample columns, in row order. t in days since the prescription started; lengths in mm; error in µm; force in N. NaN = no value. */
export const COLUMNS = ["t", "target", "estimate", "sensor", "truth", "error", "force"] as const;
export type Column = (typeof COLUMNS)[number];

/** Where lengths come from: the simulator's or emulated rig's true gap, a real rig's position sensor, or (from a journal) the supervisor's estimate. */
export type Truth = "plant" | "sensor" | "journal";

export interface DashMeta {
  title: string;
  /** "live" (a running device), "log" (a trial log directory) or "journal". */
  source: "live" | "log" | "journal";
  truth: Truth;
  tickMs: number;
  latencyDays: number;
  prescribedRateMmPerDay: number;
  targetLengthMm: number;
  softForceN: number;
  hardForceN: number;
  toleranceUm: number;
  /** Whether the page may send console requests (signed ones only, through the console's own authentication). */
  control: boolean;
  /** What the embedded or initial series holds (e.g. "every sample" or "min/max of 104 s buckets"). */
  resolution: string;
}

export interface DashEvent {
  atMs: number;
  kind: "phase" | "warning" | "fault" | "move" | "link" | "console" | "journal";
  code: string;
  detail: string;
}

export interface ActiveAlarm {
  code: string;
  /** "fault" latches; "warning" does not. */
  kind: "fault" | "warning";
  sinceMs: number;
  text: string;
}

export interface DashStatus {
  /** Update number: +1 per published status. */
  seq: number;
  /** Control decisions seen. */
  ticks: number;
  tMs: number;
  phase: string;
  phaseSinceMs: number;
  reason: string;
  fault: string;
  targetUm: number;
  estimateUm: number;
  sensorUm: number;
  sensorOk: boolean;
  /** The true gap (simulator or emulated rig), null where there is none. */
  trueUm: number | null;
  /** Length (true gap, or the sensor on a real rig) minus the target one tick earlier. */
  errorUm: number;
  forceN: number;
  forceOk: boolean;
  /** Governor clamps on the last decision, by name. */
  clamps: string[];
  steps: number;
  /** Delivered rate per distraction day so far (mm/day), partial days rated over the span they held. */
  dailyRateMmPerDay: number[];
  moves: { count: number; issuedSteps: number; faults: number; lastAtMs: number; lastIssued: number; lastFault: string };
  /** The annunciator's level (0 none, 1 advisory, 2 warning, 3 fault). */
  alarmLevel: number;
  active: ActiveAlarm[];
  journal: { ok: boolean; bytes: number; nextSeq: number; error: string } | null;
  link: { ok: boolean; reason: string } | null;
}

/** Everything the page needs at load. rows: one array per column of COLUMNS. */
export interface DashData {
  meta: DashMeta;
  status: DashStatus;
  events: DashEvent[];
  rows: number[][];
}

/** A live update: the new status, sample rows and events since the last one. */
export interface DashUpdate {
  /** When the server sent it (wall ms): the page measures its own delay from it. */
  sentAtWallMs: number;
  status: DashStatus;
  rows: number[][];
  events: DashEvent[];
}
