// The population campaign (osteodrive sweep): its generators are pure functions of
// (family, seed) and stay inside their documented ranges, its statistics are
// exact, and a small campaign on worker threads holds the done-when figures that
// a small n can show: no false alarm on normal protocols, no fault before its
// cause in any family, no silent length error beyond 0.1 mm. (The figures at
// n ≥ 1,000 and ≥ 200 per family are in docs/hazards.md and docs/sweep.md.)

import test from "ava";
import { spawnSync } from "node:child_process";
import { FAMILIES, family, makePatient } from "../sim/sweep/families.ts";
import { parseScenario } from "../sim/scenario.ts";
import { quantile } from "../sim/sweep/stats.ts";
import { BIN } from "./helpers/bundle.ts";


test("every family makes valid, deterministic patients within the documented ranges", (t) => {
  for (const f of FAMILIES) {
    for (let seed = 1; seed <= 40; seed++) {
      const p = makePatient(f, seed);
      t.deepEqual(makePatient(f, seed), p, f.name + " " + seed + " repeats");
      const sc = parseScenario(p.scenario);
      const rx = sc.prescription;
      t.true(rx.rateMmPerDay >= 0.25 && rx.rateMmPerDay <= 2, "rate " + rx.rateMmPerDay);
      t.true(rx.latencyDays >= 0 && rx.latencyDays <= 10, "latency " + rx.latencyDays);
      t.true(rx.incrementsPerDay === 0 || rx.rateMmPerDay / rx.incrementsPerDay <= sc.profile.incrementCapMm + 1e-9);
      t.true(sc.plant.stepper.missedStepFraction <= sc.profile.driveSlipFraction + 1e-12, "a normal drive slips within its rating");
      if (f.name === "normal") t.is(p.expect, null);
      else {
        t.truthy(p.expect, f.name);
        t.true(p.expect!.onsetMs >= 0);
        t.true(sc.faults.length > 0 || sc.events.length > 0, f.name + " injects something");
      }
    }
  }
  t.not(JSON.stringify(makePatient(family("normal")!, 1).scenario), JSON.stringify(makePatient(family("normal")!, 2).scenario));
});

test("quantiles are nearest-rank", (t) => {
  t.is(quantile([5, 1, 3, 2, 4], 0.5), 3);
  t.is(quantile([5, 1, 3, 2, 4], 0.95), 5);
  t.is(quantile([1, 2, 3, 4], 0.5), 2);
  t.true(isNaN(quantile([], 0.5)));
});

test("a small campaign on worker threads: no false alarm, nothing before its cause, no silent error beyond 0.1 mm", (t) => {
  const r = spawnSync(process.execPath, [BIN, "sweep", "--family", "all", "--n", "4", "--seed", "7000", "--workers", "2", "--json"], { encoding: "utf8", timeout: 20 * 60000 });
  t.true(r.status === 0 || r.status === 3, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  t.is(out.families.length, FAMILIES.length);
  for (const s of out.families) {
    t.is(s.n, 4, s.family);
    t.is(s.verdicts["false-alarm"] || 0, 0, s.family + ": " + JSON.stringify(s.failures));
    t.is(s.verdicts.early || 0, 0, s.family + ": " + JSON.stringify(s.failures));
    t.true(s.worstSilentErrorUm <= 100, s.family + ": worst silent error " + s.worstSilentErrorUm + " µm");
    if (s.family === "normal") {
      t.is(s.faultsPer1000, 0);
      t.is(s.warningsPer1000, 0);
    }
  }
});
