// Scripted faults for scenarios: each entry fires at a simulated day and breaks one
// part of the simulated device — the drive, a sensor, the clock, the motor driver
// or the store — the way it would break in the field; with `untilDay` it clears
// again (an intermittent fault). The controller is not told.

import type { SimHal } from "./driver.ts";
import type { Checker } from "../firmware/core/validate.ts";
import { known } from "../firmware/core/validate.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { endDrift } from "./plant.ts";

export interface FaultSpec {
  atDay: number;
  kind: string;
  /** Kind-specific size: fraction, µm/h, µm, N or ms (see KINDS). */
  value: number;
  /** When the fault clears (days), or Infinity when it stays. */
  untilDay: number;
}

interface Kind {
  /** Unit of `value` (empty = the kind takes none). */
  unit: string;
  /** Plausible range of `value`. */
  min: number;
  max: number;
  /** What the fault does (`atMs` is when it was scheduled, so a late start still counts from then). */
  apply: (hal: SimHal, value: number, atMs: number) => void;
  /** What clearing it does; null = it cannot clear (a one-off event). */
  clear: ((hal: SimHal, value: number, atMs: number) => void) | null;
}

/** Every fault kind, what it does and undoes, and the unit and range of its value. */
export const KINDS: { [kind: string]: Kind } = {
  "jam": { unit: "", min: 0, max: 0, apply: (h) => { h.plant.jammed = true; }, clear: (h) => { h.plant.jammed = false; } },
  "missed-steps": { unit: "fraction", min: 0, max: 1, apply: (h, v) => { h.plant.stepper.p.missedStepFraction = v; }, clear: (h) => { h.plant.stepper.p.missedStepFraction = 0; } },
  // the carriage moves on its own (signed µm/h): a slipping escapement (+) or a gear back-driven by the tissue (−)
  "creep": { unit: "µm/h", min: -1e6, max: 1e6, apply: (h, v) => { h.plant.creepUmPerMs = v / MS_PER_HOUR; }, clear: (h) => { h.plant.creepUmPerMs = 0; } },
  // the drive skips at once by value µm (signed): a tooth jumping, a set screw letting go
  "slip": { unit: "µm", min: -1e5, max: 1e5, apply: (h, v) => { h.plant.slip(v); }, clear: null },
  "position-stuck": { unit: "", min: 0, max: 0, apply: (h) => { h.position.fault = "stuck"; }, clear: (h) => { h.position.fault = ""; } },
  "position-dropout": { unit: "", min: 0, max: 0, apply: (h) => { h.position.fault = "dropout"; }, clear: (h) => { h.position.fault = ""; } },
  "position-offset": { unit: "µm", min: -1e6, max: 1e6, apply: (h, v) => { h.plant.positionError.offset += v; }, clear: (h, v) => { h.plant.positionError.offset -= v; } },
  // the sensor's zero wanders (signed µm/h): an LVDT warming up, a worn potentiometer track
  "position-drift": { unit: "µm/h", min: -1e6, max: 1e6, apply: (h, v, at) => { const e = h.plant.positionError; endDrift(e, at); e.driftPerMs = v / MS_PER_HOUR; e.driftSinceMs = at; }, clear: (h, _v, at) => { endDrift(h.plant.positionError, at); } },
  "force-stuck": { unit: "", min: 0, max: 0, apply: (h) => { h.force.fault = "stuck"; }, clear: (h) => { h.force.fault = ""; } },
  "force-dropout": { unit: "", min: 0, max: 0, apply: (h) => { h.force.fault = "dropout"; }, clear: (h) => { h.force.fault = ""; } },
  "force-offset": { unit: "N", min: -1e4, max: 1e4, apply: (h, v) => { h.plant.forceError.offset += v; }, clear: (h, v) => { h.plant.forceError.offset -= v; } },
  "force-drift": { unit: "N/h", min: -1e4, max: 1e4, apply: (h, v, at) => { const e = h.plant.forceError; endDrift(e, at); e.driftPerMs = v / MS_PER_HOUR; e.driftSinceMs = at; }, clear: (h, _v, at) => { endDrift(h.plant.forceError, at); } },
  // the tissue itself: a sudden load (the patient bumps the device), or the regenerate tearing
  "force-spike": { unit: "N", min: -1e4, max: 1e4, apply: (h, v) => { h.plant.tissue.sInf += v; }, clear: null },
  "force-collapse": { unit: "fraction", min: 0, max: 1, apply: (h, v) => { const t = h.plant.tissue; t.sInf *= 1 - v; t.s1 *= 1 - v; t.s2 *= 1 - v; }, clear: null },
  "clock-jump": { unit: "ms", min: -1e12, max: 1e12, apply: (h, v) => { h.clock.wallOffsetMs += v; }, clear: null },
  "driver-fault": { unit: "", min: 0, max: 0, apply: (h) => { h.stepper.faultInput = true; }, clear: (h) => { h.stepper.faultInput = false; } },
  "storage-failure": { unit: "", min: 0, max: 0, apply: (h) => { h.store.failAppends = true; }, clear: (h) => { h.store.failAppends = false; } },
};

const FAULT_KEYS = ["atDay", "kind", "value", "untilDay"];

export function parseFaults(c: Checker, json: any): FaultSpec[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) {
    c.fail("faults", "expected an array of {atDay, kind, value, untilDay}");
    return [];
  }
  return json.map((f: any, i: number) => {
    const p = "faults[" + i + "].";
    known(c, f, FAULT_KEYS, p);
    const kind = c.str(f, "kind", Object.keys(KINDS), p);
    const k = kind !== "" ? KINDS[kind] : null;
    if (k && k.unit === "" && f.value !== undefined) c.fail(p + "value", "a " + kind + " fault takes no value");
    const atDay = c.num(f, "atDay", 0, 3650, "days", p);
    const untilDay = c.optNum(f, "untilDay", 0, 3650, "days", p, Infinity);
    if (k && untilDay !== Infinity && !k.clear) c.fail(p + "untilDay", "a " + kind + " fault is a one-off event and cannot clear");
    else if (untilDay <= atDay) c.fail(p + "untilDay", "got " + untilDay + "; must be after atDay (" + atDay + ")");
    return { atDay, kind, value: k && k.unit !== "" ? c.num(f, "value", k.min, k.max, k.unit, p) : 0, untilDay };
  });
}

/**
 * Schedules every fault (and its clearing) on the simulator's clock. From `fromMs`
 * (a world restored from a file): a fault whose time has passed and that is still
 * in force is applied again at once (its state is not in the world file; a drift
 * still counts from its own start), a one-off that has happened is not (its effect
 * is in the plant the file restored).
 */
export function scheduleFaults(hal: SimHal, faults: FaultSpec[], fromMs = 0): void {
  for (const f of faults) {
    const k = KINDS[f.kind];
    const at = f.atDay * MS_PER_DAY;
    if (at < fromMs) {
      if (k.clear && f.untilDay * MS_PER_DAY > fromMs) k.apply(hal, f.value, at);
    } else hal.clock.at(at, () => k.apply(hal, f.value, at));
    if (f.untilDay !== Infinity && k.clear && f.untilDay * MS_PER_DAY > fromMs) {
      const until = f.untilDay * MS_PER_DAY;
      const clear = k.clear;
      hal.clock.at(until, () => clear(hal, f.value, until));
    }
  }
}
