// Scripted faults for scenarios: each entry fires at a simulated day and breaks one
// part of the simulated device — the drive, a sensor, the clock, the motor driver
// or the store — the way it would break in the field. The controller is not told.

import type { SimHal } from "./driver.ts";
import type { Checker } from "../firmware/core/validate.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";

export interface FaultSpec {
  atDay: number;
  kind: string;
  /** Kind-specific size: fraction, µm/h, µm, N or ms (see KINDS). */
  value: number;
}

/** Every fault kind, what it does, and the unit of its value (empty = no value). */
export const KINDS: { [kind: string]: { unit: string; apply: (hal: SimHal, value: number) => void } } = {
  "jam": { unit: "", apply: (h) => { h.plant.jammed = true; } },
  "missed-steps": { unit: "fraction", apply: (h, v) => { h.plant.stepper.p.missedStepFraction = v; } },
  "runaway": { unit: "µm/h", apply: (h, v) => { h.plant.runawayUmPerMs = v / MS_PER_HOUR; } },
  "position-stuck": { unit: "", apply: (h) => { h.position.fault = "stuck"; } },
  "position-dropout": { unit: "", apply: (h) => { h.position.fault = "dropout"; } },
  "position-offset": { unit: "µm", apply: (h, v) => { h.position.fault = "offset"; h.position.offset = v; } },
  "force-stuck": { unit: "", apply: (h) => { h.force.fault = "stuck"; } },
  "force-dropout": { unit: "", apply: (h) => { h.force.fault = "dropout"; } },
  "force-spike": { unit: "N", apply: (h, v) => { h.plant.tissue.sInf += v; } },
  "force-collapse": { unit: "fraction", apply: (h, v) => { const t = h.plant.tissue; t.sInf *= 1 - v; t.s1 *= 1 - v; t.s2 *= 1 - v; } },
  "clock-jump": { unit: "ms", apply: (h, v) => { h.clock.wallOffsetMs += v; } },
  "driver-fault": { unit: "", apply: (h) => { h.stepper.faultInput = true; } },
  "storage-failure": { unit: "", apply: (h) => { h.store.failAppends = true; } },
};

export function parseFaults(c: Checker, json: any): FaultSpec[] {
  if (json === undefined) return [];
  if (!Array.isArray(json)) {
    c.fail("faults", "expected an array of {atDay, kind, value}");
    return [];
  }
  return json.map((f: any, i: number) => {
    const p = "faults[" + i + "].";
    const kind = c.str(f, "kind", Object.keys(KINDS), p);
    const needs = kind !== "" && KINDS[kind].unit !== "";
    return {
      atDay: c.num(f, "atDay", 0, 3650, "days", p),
      kind,
      value: needs ? c.num(f, "value", -1e9, 1e9, KINDS[kind].unit, p) : 0,
    };
  });
}

/** Schedules every fault on the simulator's clock. */
export function scheduleFaults(hal: SimHal, faults: FaultSpec[]): void {
  for (const f of faults) hal.clock.at(f.atDay * MS_PER_DAY, () => KINDS[f.kind].apply(hal, f.value));
}
