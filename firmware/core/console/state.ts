// The canonical device state: everything that decides what the device does next,
// so "a refused console line changes nothing" can be checked exactly. It covers the
// prescription in force, schedule, governor and supervisor configuration and state
// (travel windows included), phase, time base, the console image and clock
// correction, the alarm and the motor enable. It leaves out the journal (every
// command is journaled, accepted or not) and the console's own session (flood
// counters, the pending nonce). deviceState() takes a deep copy; stateChange()
// compares the device as it is now with a copy, walking both without copying or
// formatting anything (a test checks it after every input).

import type { Hal } from "../../../hal/types.ts";
import type { Controller } from "../controller.ts";
import type { CorrectedClock } from "./wall-clock.ts";

/** A copy of the device state: plain objects, arrays, typed arrays and scalars. */
export type DeviceState = { [key: string]: unknown };

/** The state as the device holds it (live objects, not copies). */
function live(ctl: Controller, clock: CorrectedClock, hal: Hal): DeviceState {
  return { controller: ctl.inspect(), correctionMs: clock.correctionMs, alarm: hal.alarm.level(), motorEnabled: hal.stepper.isEnabled() };
}

function isTyped(v: any): boolean {
  return typeof v.BYTES_PER_ELEMENT === "number";
}

function copy(v: any): any {
  if (typeof v !== "object" || v === null) return v;
  if (isTyped(v)) return v.slice();
  if (Array.isArray(v)) return v.map(copy);
  const out: { [key: string]: unknown } = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) out[keys[i]] = copy(v[keys[i]]);
  return out;
}

/** Equal numbers, NaN equal to NaN (and 0 to -0): as the numbers would print. */
function sameScalar(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** firstOtherCell's answer when every cell is the same. */
const NO_OTHER_CELL = -1;

/** The first index where two typed arrays of one length differ (as sameScalar has it), or NO_OTHER_CELL. */
function firstOtherCell(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && (a[i] === a[i] || b[i] === b[i])) return i;
  return NO_OTHER_CELL;
}

/**
 * Where a and b first differ, or null: what differs there, then the keys that lead to it,
 * innermost first (the path is built only for a difference, on the way out).
 */
function difference(a: any, b: any): string[] | null {
  const objects = typeof a === "object" && a !== null && typeof b === "object" && b !== null;
  if (!objects) return sameScalar(a, b) ? null : [String(a) + " → " + String(b)];
  if (isTyped(a) !== isTyped(b) || Array.isArray(a) !== Array.isArray(b)) return ["a different kind of value"];
  if (isTyped(a) || Array.isArray(a)) {
    if (a.length !== b.length) return ["length " + a.length + " → " + b.length];
    // a typed array holds numbers only: compared in place (a travel window has 1,441 cells)
    if (isTyped(a)) {
      const i = firstOtherCell(a, b);
      return i === NO_OTHER_CELL ? null : [a[i] + " → " + b[i], "[" + i + "]"];
    }
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i]);
      if (d) return d.concat(["[" + i + "]"]);
    }
    return null;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return ["keys " + ka.join(",") + " → " + kb.join(",")];
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return ["keys " + ka.join(",") + " → " + kb.join(",")];
    const d = difference(a[ka[i]], b[ka[i]]);
    if (d) return d.concat(["." + ka[i]]);
  }
  return null;
}

/** A deep copy of the device's state now. */
export function deviceState(ctl: Controller, clock: CorrectedClock, hal: Hal): DeviceState {
  return copy(live(ctl, clock, hal));
}

/** How the device's state now differs from `before` (the first differing field, "state.…: old → new"), or "" if it does not. */
export function stateChange(before: DeviceState, ctl: Controller, clock: CorrectedClock, hal: Hal): string {
  const d = difference(before, live(ctl, clock, hal));
  return d ? "state" + d.slice(1).reverse().join("") + ": " + d[0] : "";
}
