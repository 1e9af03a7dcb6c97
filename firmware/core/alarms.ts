// Which condition the annunciator shows (IEC 60601-1-8: the highest priority wins,
// and among equals the newest, so a later warning is never masked by an older
// one). Conditions are raised and cleared by code; a latched fault is level 3,
// warnings level 2. A patient's acknowledgment silences the warnings shown now
// (they stay listed until their condition lapses); a new condition sounds again.

import type { AlarmLevel } from "../../hal/types.ts";

export interface Alarms {
  /** Active conditions, oldest first. */
  codes: string[];
  levels: AlarmLevel[];
  acked: boolean[];
}

export function makeAlarms(): Alarms {
  return { codes: [], levels: [], acked: [] };
}

export function raiseAlarm(a: Alarms, level: AlarmLevel, code: string): void {
  clearAlarm(a, code);
  a.codes.push(code);
  a.levels.push(level);
  a.acked.push(false);
}

export function clearAlarm(a: Alarms, code: string): void {
  const i = a.codes.indexOf(code);
  if (i < 0) return;
  a.codes.splice(i, 1);
  a.levels.splice(i, 1);
  a.acked.splice(i, 1);
}

/** Drops every condition at or below `level` (a clinician's fault acknowledgment clears level 3 and below). */
export function clearAlarmsUpTo(a: Alarms, level: AlarmLevel): void {
  for (let i = a.codes.length - 1; i >= 0; i--) {
    if (a.levels[i] <= level) {
      a.codes.splice(i, 1);
      a.levels.splice(i, 1);
      a.acked.splice(i, 1);
    }
  }
}

/** Silences the warnings active now (level 2 and below). */
export function ackWarnings(a: Alarms): boolean {
  let any = false;
  for (let i = 0; i < a.codes.length; i++) {
    if (a.levels[i] < 3 && !a.acked[i]) {
      a.acked[i] = true;
      any = true;
    }
  }
  return any;
}

/** The index of the condition to show: the highest level not silenced, newest first; -1 = none. */
export function shownAlarm(a: Alarms): number {
  let best = -1;
  for (let i = 0; i < a.codes.length; i++) {
    if (a.acked[i]) continue;
    if (best < 0 || a.levels[i] >= a.levels[best]) best = i;
  }
  return best;
}
