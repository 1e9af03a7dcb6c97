// Scripted events for scenarios: what people and the power grid do to a device
// during a protocol — the patient pauses and resumes, the clinician loads a new
// prescription (it continues from the length reached), the power fails for a
// while. Unlike faults (sim/faults.ts) the controller is told about pauses and
// prescriptions the way the console would tell it; a power cut kills it and a
// fresh one boots from the journal.

import type { Checker } from "../firmware/core/validate.ts";
import { isPlainObject, known } from "../firmware/core/validate.ts";

export type EventKind = "pause" | "resume" | "prescription" | "power-cut";

export interface EventSpec {
  atDay: number;
  kind: EventKind;
  /** power-cut: how long the device stays off (hours). */
  offHours: number;
  /** prescription: the fields that change (merged over the prescription in force). */
  prescription: any;
}

const KINDS: EventKind[] = ["pause", "resume", "prescription", "power-cut"];

export function parseEvents(c: Checker, json: any): EventSpec[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) {
    c.fail("events", "expected an array of {atDay, kind, ...}");
    return [];
  }
  const out = json.map((e: any, i: number) => {
    const p = "events[" + i + "].";
    const kind = c.str(e, "kind", KINDS, p) as EventKind;
    known(c, e, ["atDay", "kind"].concat(kind === "power-cut" ? ["offHours"] : kind === "prescription" ? ["prescription"] : []), p);
    const ev: EventSpec = { atDay: c.num(e, "atDay", 0, 3650, "days", p), kind, offHours: 0, prescription: null };
    if (kind === "power-cut") ev.offHours = c.num(e, "offHours", 0, 24 * 365, "h", p);
    if (kind === "prescription") {
      ev.prescription = c.obj(e, "prescription", p);
      if (isPlainObject(ev.prescription) && ev.prescription.deviceSerial !== undefined) c.fail(p + "prescription.deviceSerial", "a new prescription is for the same device: leave it out");
    }
    return ev;
  });
  for (let i = 1; i < out.length; i++) {
    if (out[i].atDay < out[i - 1].atDay) c.fail("events[" + i + "].atDay", "events must be in time order (" + out[i].atDay + " < " + out[i - 1].atDay + ")");
  }
  return out;
}
