// What the supervisor answers each time it is asked: how many steps may go, and
// at most one of each kind of news with its reason — a fault (latches), a warning
// raised or cleared (does not latch), a hold (motion stops for now, no fault) and
// a note (journaled only, e.g. a small clock correction). One Verdict object is
// reused by its owner, so checking allocates nothing.

export interface Verdict {
  allowSteps: number;
  fault: string;
  warning: string;
  /** A warning whose condition lapsed this tick. */
  cleared: string;
  /** Why motion is held for now (a diagnostic dwell, a relaxation probe); "" = not held. */
  hold: string;
  /** The position reading was set aside as a spike: nothing else may act on it (the governor's fusion included). */
  positionSetAside: boolean;
  note: string;
  noteDetail: string;
  reason: string;
}

export function makeVerdict(): Verdict {
  return { allowSteps: 0, fault: "", warning: "", cleared: "", hold: "", positionSetAside: false, note: "", noteDetail: "", reason: "" };
}

export function clearVerdict(v: Verdict, allow: number): Verdict {
  v.allowSteps = allow;
  v.fault = "";
  v.warning = "";
  v.cleared = "";
  v.hold = "";
  v.positionSetAside = false;
  v.note = "";
  v.noteDetail = "";
  v.reason = "";
  return v;
}

export function fault(v: Verdict, code: string, reason: string): Verdict {
  v.allowSteps = 0;
  v.fault = code;
  v.reason = reason;
  return v;
}

/** Raises a warning unless one was already raised this tick (the other rises next tick). Returns whether it was taken. */
export function warn(v: Verdict, code: string, reason: string): boolean {
  if (v.warning !== "") return false;
  v.warning = code;
  v.reason = reason;
  return true;
}

/** Reports a lapsed warning unless one was already reported this tick. Returns whether it was taken. */
export function lapse(v: Verdict, code: string): boolean {
  if (v.cleared !== "") return false;
  v.cleared = code;
  return true;
}

export function note(v: Verdict, code: string, detail: string): void {
  v.note = code;
  v.noteDetail = detail;
}

export function fmt(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}
