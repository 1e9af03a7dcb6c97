// Status helpers shared by the live and the log sources: a blank status, and what
// is active (the latched fault while the phase is fault, and each warning raised
// since the annunciator was last cleared).

import type { ActiveAlarm, DashStatus } from "./types.ts";

export function activeAlarms(s: DashStatus, warnings: Iterable<ActiveAlarm>): ActiveAlarm[] {
  const latched: ActiveAlarm[] = s.phase === "fault" ? [{ code: s.fault, kind: "fault", sinceMs: s.phaseSinceMs, text: s.reason }] : [];
  return latched.concat([...warnings]);
}

/** A status before anything is known (NaN where there is no value yet). */
export function blankStatus(): DashStatus {
  return {
    seq: 0, ticks: 0, tMs: 0, phase: "idle", phaseSinceMs: 0, reason: "", fault: "",
    targetUm: NaN, estimateUm: NaN, sensorUm: NaN, sensorOk: false, trueUm: null, errorUm: NaN, forceN: NaN, forceOk: false,
    clamps: [], steps: 0, dailyRateMmPerDay: [],
    moves: { count: 0, issuedSteps: 0, faults: 0, lastAtMs: -1, lastIssued: 0, lastFault: "" },
    alarmLevel: 0, active: [], journal: null, link: null,
  };
}
