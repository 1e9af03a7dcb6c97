// Power cuts at 1,000 seeded random instants across a whole protocol, a sixth of
// them inside a journal write: every committed record survives, the device never
// overshoots the prescription by more than one increment and resumes at once.

import test from "ava";
import { loadScenario } from "../sim/scenario.ts";
import { runWithPowerCuts } from "../sim/power-cuts.ts";
import { MS_PER_MINUTE, UM_PER_MM } from "../firmware/core/units.ts";

for (const [name, cuts] of [["mandible-continuous-1mm", 1000], ["limb-4x-daily", 300]] as const) {
  test(cuts + " power cuts across " + name + ": nothing committed lost, no overshoot beyond one increment, prompt resume", (t) => {
    const sc = loadScenario(name);
    const r = runWithPowerCuts(sc, { cuts, seed: 7, maxOffMs: 10 * MS_PER_MINUTE, inWriteFraction: 0.4 });
    t.is(r.cuts, cuts);
    if (name === "mandible-continuous-1mm") {
      t.true(r.cutsInWrite >= 100, "cuts inside a journal write: " + r.cutsInWrite);
      t.true(r.reconciledMoves > 0, "some moves were cut short and reconciled");
    }
    t.is(r.lostRecords, 0);
    t.deepEqual(r.recoveryErrors, []);
    const rx = sc.prescription;
    const increment = rx.incrementsPerDay > 0 ? (rx.rateMmPerDay / rx.incrementsPerDay) * UM_PER_MM : sc.profile.positionToleranceUm;
    t.true(r.maxOvershootUm <= increment, "overshoot " + r.maxOvershootUm + " µm > " + increment);
    t.true(r.resumeDelaysMs.length > 0);
    for (const d of r.resumeDelaysMs) t.true(d <= sc.profile.tickMs, "resumed after " + d + " ms");
    t.true(Math.abs(r.summary.finalErrorUm) <= sc.profile.positionToleranceUm, "final " + r.summary.finalErrorUm);
    t.is(r.summary.finalPhase, "complete");
    t.deepEqual(r.summary.faults, []);
  });
}

test("a journal with a torn tail still recovers everything committed before it", (t) => {
  const sc = loadScenario("mandible-continuous-1mm");
  const r = runWithPowerCuts({ ...sc, prescription: { ...sc.prescription, latencyDays: 0.1, targetLengthMm: 0.3, consolidationDays: 0.1 } }, { cuts: 40, seed: 3, maxOffMs: MS_PER_MINUTE, inWriteFraction: 1 });
  t.is(r.lostRecords, 0);
  t.true(r.cutsInWrite > 0);
  t.is(r.summary.finalPhase, "complete");
});
