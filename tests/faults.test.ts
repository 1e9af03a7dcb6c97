// The fault catalogue: every scenario in sim/scenarios/faults/ ends in its expected
// state (latched fault or warning) with its code, detected within the bound the
// supervisor documents, motor disabled, alarm raised and a journal entry.

import test from "ava";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { SCENARIO_DIR, loadScenario } from "../sim/scenario.ts";
import type { Scenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";
import { DETECTION, WARNING_BOUND } from "../firmware/core/codes.ts";
import { journaledEvents } from "./journal-fixtures.ts";
import { MS_PER_DAY, MS_PER_HOUR, UM_PER_MM } from "../firmware/core/units.ts";

const names = readdirSync(join(SCENARIO_DIR, "faults")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();

test("every fault code has a scenario and every scenario names its code", (t) => {
  for (const code of Object.keys(DETECTION)) t.true(names.includes(code), "no scenario for " + code);
  for (const code of Object.keys(WARNING_BOUND)) t.true(names.includes(code), "no scenario for " + code);
  for (const n of names) t.is(loadScenario(n).expect!.code, n);
});

/** How fast the prescription delivers (µm/ms). */
function deliverySpeed(sc: Scenario): number {
  return (sc.prescription.rateMmPerDay * UM_PER_MM) / MS_PER_DAY;
}

/** How fast the scenario's fault makes the evidence grow (µm/ms, or N/ms for a load cell). */
function growth(sc: Scenario): number {
  const f = sc.faults[0];
  if (!f) return deliverySpeed(sc);
  if (f.kind === "creep" || f.kind === "position-drift" || f.kind === "force-drift") return Math.abs(f.value) / MS_PER_HOUR;
  if (f.kind === "missed-steps") return f.value * deliverySpeed(sc);
  return deliverySpeed(sc);
}

for (const name of names) {
  test("fault scenario " + name, (t) => {
    const sc = loadScenario(name);
    const r = runScenario(sc);
    const s = r.summary;
    const expect = sc.expect!;
    // a fault injected while the power is off shows when the device boots again
    const cut = sc.events.find((e) => e.kind === "power-cut" && sc.faults.length > 0 && e.atDay <= sc.faults[0].atDay && sc.faults[0].atDay <= e.atDay + e.offHours / 24);
    const injected = cut ? (cut.atDay + cut.offHours / 24) * MS_PER_DAY : sc.faults.length ? sc.faults[0].atDay * MS_PER_DAY : 0;
    if (expect.kind === "fault") {
      t.is(s.finalPhase, "fault");
      t.is(s.faults.length, 1, JSON.stringify(s.faults));
      const f = s.faults[0];
      t.is(f.code, expect.code, f.detail);
      const bound = DETECTION[expect.code](r.controller.inspect().sup, deliverySpeed(sc), growth(sc));
      t.true(f.atMs >= injected, "not before the fault");
      t.true(f.atMs - injected <= bound, "detected after " + (f.atMs - injected) / 1000 + " s, bound " + bound / 1000 + " s");
      t.false(r.hal.stepper.isEnabled(), "motor disabled");
      t.true(s.finalStateSafe);
      t.true(s.alarms.some((a) => a.level === 3 && a.code === expect.code), "high-priority alarm with the code");
      const moved = r.recorder.moveAtMs.filter((m, i) => m > f.atMs && r.recorder.moveIssued[i] > 0);
      t.deepEqual(moved, [], "no motion after the fault");
      const events = journaledEvents(r.hal);
      if (expect.code === "storage-failure") {
        // the medium refuses writes: the fault cannot be journaled, but nothing before it is lost
        t.true(events.some((e) => e.code === "phase" && JSON.parse(e.detail).phase === "distraction"));
      } else {
        t.true(events.some((e) => e.code === "phase" && JSON.parse(e.detail).fault === expect.code), "journal entry");
      }
    } else {
      const w = s.warnings.find((x) => x.code === expect.code);
      t.truthy(w, "warning " + expect.code + " raised; got " + JSON.stringify(s.warnings.map((x) => x.code)));
      t.true(w!.atMs >= injected);
      const sup = r.controller.inspect().sup;
      let from = injected;
      if (expect.code === "force-rising-baseline") {
        // known at a whole-day boundary of distraction (whatever the time of day it began), after the ramp days and three rising days
        const start = r.recorder.phases.find((p) => p.to === "distraction")!.atMs;
        from = start + Math.floor((w!.atMs - start) / MS_PER_DAY) * MS_PER_DAY;
        t.true(from - start >= (sup.rampDays + sup.risingDays + 1) * MS_PER_DAY, "not before three whole days after the ramp");
      }
      t.true(w!.atMs >= from, "not before it could be known");
      t.true(w!.atMs - from <= WARNING_BOUND[expect.code](sup, deliverySpeed(sc), growth(sc)), "detected after " + (w!.atMs - from) / 1000 + " s");
      t.true(s.alarms.some((a) => a.level === 2 && a.code === expect.code), "warning alarm");
      t.true(journaledEvents(r.hal).some((e) => e.code === "warning:" + expect.code), "journal entry");
      if (expect.code === "force-rising-baseline") {
        t.true(s.faults.every((f) => f.atMs > w!.atMs), "the alarm comes before the stall");
      } else {
        t.deepEqual(s.faults, [], "a warning does not latch");
        t.not(s.finalPhase, "fault");
      }
    }
  });
}
