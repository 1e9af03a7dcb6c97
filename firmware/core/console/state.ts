// The canonical device state: everything that decides what the device does next,
// serialized deterministically, so "a refused console line changes nothing" can
// be checked byte for byte. It covers the prescription in force, schedule,
// governor and supervisor configuration and state (travel windows included),
// phase, time base, the console image and clock correction, the alarm and the
// motor enable. It leaves out the journal (every command is journaled, accepted
// or not) and the console's own session (flood counters, the pending nonce).

import type { Hal } from "../../../hal/types.ts";
import type { Controller } from "../controller.ts";
import type { CorrectedClock } from "./wall-clock.ts";

/** A typed array as its length and non-zero cells. */
function cells(v: Int32Array | Uint16Array): string {
  let out = "<" + v.length;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) out += " " + i + ":" + v[i];
  return out + ">";
}

/** JSON-like text where NaN and ±Infinity stay distinct and a travel window's buckets (Int32Array or Uint16Array, travel-window.ts) list their length and non-zero cells (lossless, fast). */
function text(v: any): string {
  if (typeof v === "number") return String(v);
  if (typeof v !== "object" || v === null) return JSON.stringify(v);
  if (v instanceof Int32Array || v instanceof Uint16Array) return cells(v);
  const parts: string[] = [];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) parts.push(text(v[i]));
    return "[" + parts.join(",") + "]";
  }
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) parts.push(JSON.stringify(keys[i]) + ":" + text(v[keys[i]]));
  return "{" + parts.join(",") + "}";
}

export function deviceState(ctl: Controller, clock: CorrectedClock, hal: Hal): string {
  return text({
    controller: ctl.inspect(),
    correctionMs: clock.correctionMs,
    alarm: hal.alarm.level(),
    motorEnabled: hal.stepper.isEnabled(),
  });
}
