// The fault catalogue: every scenario in sim/scenarios/faults/ ends in its expected
// state (latched fault or warning) with its code, detected within the bound the
// supervisor documents, motor disabled, alarm raised and a journal entry.

import test from "ava";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { SCENARIO_DIR, loadScenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";
import { DETECTION, WARNING_BOUND } from "../firmware/core/supervisor.ts";
import { journaledEvents } from "./journal-fixtures.ts";
import { MS_PER_DAY, MS_PER_HOUR, UM_PER_MM } from "../firmware/core/units.ts";

const names = readdirSync(join(SCENARIO_DIR, "faults")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();

test("every fault code has a scenario and every scenario names its code", (t) => {
  for (const code of Object.keys(DETECTION)) t.true(names.includes(code), "no scenario for " + code);
  for (const code of Object.keys(WARNING_BOUND)) t.true(names.includes(code), "no scenario for " + code);
  for (const n of names) t.is(loadScenario(n).expect!.code, n);
});

for (const name of names) {
  test("fault scenario " + name, (t) => {
    const sc = loadScenario(name);
    const r = runScenario(sc);
    const s = r.summary;
    const expect = sc.expect!;
    const injected = sc.faults.length ? sc.faults[0].atDay * MS_PER_DAY : 0;
    if (expect.kind === "fault") {
      t.is(s.finalPhase, "fault");
      t.is(s.faults.length, 1, JSON.stringify(s.faults));
      const f = s.faults[0];
      t.is(f.code, expect.code, f.detail);
      const speed = sc.faults[0].kind === "runaway" ? sc.faults[0].value / MS_PER_HOUR : (sc.prescription.rateMmPerDay * UM_PER_MM) / MS_PER_DAY;
      const bound = DETECTION[expect.code](r.controller.inspect().sup, speed);
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
      const f0 = sc.faults[0];
      const shortfall = f0 && f0.kind === "missed-steps" ? (f0.value * sc.prescription.rateMmPerDay * UM_PER_MM) / MS_PER_DAY : 1;
      // rising baseline: three days of rising resting force from the start of distraction, then the bound
      const from = expect.code === "force-rising-baseline" ? (sc.prescription.latencyDays + 3) * MS_PER_DAY : injected;
      t.true(w!.atMs - from <= WARNING_BOUND[expect.code](r.controller.inspect().sup, shortfall), "detected after " + (w!.atMs - from) / 1000 + " s");
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
