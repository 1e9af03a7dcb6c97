// Power cuts at 1,000 seeded random instants across a whole protocol, many of them
// inside a journal write: every committed record survives, the device never
// overshoots the prescription by more than one increment and resumes at once. A
// staircase increment is journaled as an intent first, so a cut inside it is
// reconciled against the sensor; a continuous move of a few microsteps (less
// travel than the sensor's noise) is one record after it, so a cut inside it
// leaves at most that little unbooked, which the closed loop absorbs.

import test from "ava";
import { loadScenario } from "../sim/scenario.ts";
import { runWithPowerCuts } from "../sim/power-cuts.ts";
import { MS_PER_MINUTE, UM_PER_MM } from "../firmware/core/units.ts";

for (const [name, cuts] of [["mandible-continuous-1mm", 1000], ["limb-4x-daily", 300]] as const) {
  test(cuts + " power cuts across " + name + ": nothing committed lost, no overshoot beyond one increment, prompt resume", (t) => {
    const sc = loadScenario(name);
    const r = runWithPowerCuts(sc, { cuts, seed: 7, maxOffMs: 10 * MS_PER_MINUTE, inWriteFraction: 0.4 });
    t.is(r.cuts, cuts);
    t.true(r.cutsInWrite >= cuts / 10, "cuts inside a journal write: " + r.cutsInWrite);
    if (name === "mandible-continuous-1mm") t.is(r.reconciledMoves, 0, "continuous moves carry no intent: nothing to reconcile");
    else t.true(r.reconciledMoves > 0, "staircase increments cut short were reconciled against the sensor");
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
