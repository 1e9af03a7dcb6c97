// The rate governor as a function of (state, readings, now): each clamp, its
// reason, and bounds that hold for any input.

import test from "ava";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { parseProfile } from "../firmware/core/profile.ts";
import { parsePrescription } from "../firmware/core/prescription.ts";
import { makeSchedule, targetUm } from "../firmware/core/schedule.ts";
import {
  C_AHEAD, C_BUDGET, C_FORCE_HARD, C_FORCE_SOFT, C_FORCE_STALE, C_INCREMENT, C_PACE, C_PHASE, C_POSITION_STALE,
  applyMove, decide, explain, makeDecision, makeGovernorConfig, makeGovernorState,
} from "../firmware/core/governor.ts";
import type { GovernorInput } from "../firmware/core/governor.ts";
import type { Reading } from "../hal/types.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";

const base = JSON.parse(readFileSync(new URL("../sim/scenarios/mandible-continuous-1mm.json", import.meta.url), "utf8"));
const profile = parseProfile(base.profile);
const L = 7 * MS_PER_DAY;

function setup(over: any = {}) {
  const rx = parsePrescription({ ...base.prescription, ...over }, profile, 0);
  const sched = makeSchedule(rx, 0, 0);
  const cfg = makeGovernorConfig(profile, rx, sched, 20000, 2000);
  const st = makeGovernorState(cfg, 0);
  return { rx, sched, cfg, st, d: makeDecision() };
}
const r = (value: number, atMs: number, ok = true): Reading => ({ value, atMs, ok });
const inp = (tMs: number, targetUm: number, motionAllowed: boolean, pos: Reading, force: Reading): GovernorInput => ({ tMs, targetUm, motionAllowed, pos, force });

/** Runs the governor as a perfect plant would follow it, from t0 to t1 at the profile tick. */
function follow(g: ReturnType<typeof setup>, t0: number, t1: number, forceN = 10) {
  let issued = 0;
  for (let t = t0; t <= t1; t += profile.tickMs) {
    const pos = g.st.stepCount * g.cfg.umPerStep;
    decide(g.cfg, g.st, inp(t, targetUm(g.sched, t), true, r(pos, t), r(forceN, t)), g.d);
    applyMove(g.st, t, g.d.steps, 1);
    issued += g.d.steps;
  }
  return issued;
}

test("no motion when the phase forbids it, with the reason", (t) => {
  const g = setup();
  decide(g.cfg, g.st, inp(L + MS_PER_HOUR, 500, false, r(0, L + MS_PER_HOUR), r(5, L + MS_PER_HOUR)), g.d);
  t.is(g.d.steps, 0);
  t.true((g.d.clamps & C_PHASE) !== 0);
  t.true(explain(g.cfg, g.d).includes("phase does not allow motion"));
});

test("a stale, invalid or non-finite position or force reading holds motion", (t) => {
  const cases: Array<[Reading, Reading, number]> = [
    [r(0, 0), r(5, 100000), C_POSITION_STALE],
    [r(0, 100000, false), r(5, 100000), C_POSITION_STALE],
    [r(NaN, 100000), r(5, 100000), C_POSITION_STALE],
    [r(0, 100000), r(5, 100000, false), C_FORCE_STALE],
    [r(0, 100000), r(Infinity, 100000), C_FORCE_STALE],
    [r(0, 100000), r(5, 0), C_FORCE_STALE],
  ];
  for (const [pos, force, flag] of cases) {
    const g = setup();
    decide(g.cfg, g.st, inp(0, 0, true, r(0, 0), r(5, 0)), g.d);
    decide(g.cfg, g.st, inp(100000, 50, true, pos, force), g.d);
    t.is(g.d.steps, 0);
    t.true((g.d.clamps & flag) !== 0, explain(g.cfg, g.d).join("; "));
  }
});

test("force at the hard limit stops and names the fault; above the soft limit it slows", (t) => {
  const g = setup();
  decide(g.cfg, g.st, inp(0, 0, true, r(0, 0), r(5, 0)), g.d);
  decide(g.cfg, g.st, inp(60000, 50, true, r(0, 60000), r(180, 60000)), g.d);
  t.is(g.d.stop, "force-hard-limit");
  t.is(g.d.steps, 0);
  t.true((g.d.clamps & C_FORCE_HARD) !== 0);
  t.regex(explain(g.cfg, g.d).join(";"), /force at hard limit: stop \(180\.0 N; soft 100, hard 180\)/);

  const normal = setup();
  const slowed = setup();
  const a = follow(normal, L, L + 6 * MS_PER_HOUR, 10);
  const b = follow(slowed, L, L + 6 * MS_PER_HOUR, 170);
  t.true((slowed.d.clamps & C_FORCE_SOFT) !== 0);
  t.true(b < a * 0.5, "slowed " + b + " vs " + a);
  t.true(b > 0, "soft limits slow, they do not stop");
});

test("after a pause, catch-up is paced at the catch-up factor, never a burst", (t) => {
  const g = setup();
  // the device was held for a day into distraction: 1 mm behind
  decide(g.cfg, g.st, inp(L + MS_PER_DAY - 10000, 0, false, r(0, L + MS_PER_DAY - 10000), r(5, L + MS_PER_DAY - 10000)), g.d);
  const first = follow(g, L + MS_PER_DAY, L + MS_PER_DAY);
  t.true((g.d.clamps & C_PACE) !== 0, explain(g.cfg, g.d).join("; "));
  t.true(first * g.cfg.umPerStep <= g.cfg.paceCapacityUm + g.cfg.umPerStep, "first tick " + first * g.cfg.umPerStep + " µm");
  const hour = follow(g, L + MS_PER_DAY + 10000, L + MS_PER_DAY + MS_PER_HOUR);
  const nominalPerHour = 1000 / 24;
  t.true(hour * g.cfg.umPerStep <= nominalPerHour * profile.catchUpFactor + g.cfg.paceCapacityUm, "hour: " + hour * g.cfg.umPerStep);
  t.true(hour * g.cfg.umPerStep >= nominalPerHour * 1.2, "it does catch up");
});

test("the rolling 24 h budget stops motion when spent", (t) => {
  const g = setup();
  decide(g.cfg, g.st, inp(L, 0, true, r(0, L), r(5, L)), g.d);
  applyMove(g.st, L, g.cfg.budgetSteps, 1);
  const t1 = L + MS_PER_HOUR;
  const pos = g.st.stepCount * g.cfg.umPerStep;
  decide(g.cfg, g.st, inp(t1, pos + 100, true, r(pos, t1), r(5, t1)), g.d);
  t.is(g.d.steps, 0);
  t.true((g.d.clamps & C_BUDGET) !== 0);
  t.regex(explain(g.cfg, g.d).join(";"), /rolling 24 h travel budget \(0 of \d+ steps left\)/);
  // a day later the window has rolled on
  const t2 = L + MS_PER_DAY + 2 * 60000;
  decide(g.cfg, g.st, inp(t2, pos + 100, true, r(pos, t2), r(5, t2)), g.d);
  t.true(g.d.steps > 0);
});

test("a single move never exceeds the per-increment cap", (t) => {
  const g = setup({ rhythm: 4 });
  decide(g.cfg, g.st, inp(L, 400, true, r(0, L), r(5, L)), g.d);
  t.true((g.d.clamps & C_INCREMENT) !== 0);
  t.is(g.d.steps, g.cfg.incrementCapSteps);
  t.true(g.d.steps * g.cfg.umPerStep <= 250);
});

test("ahead of target it holds and never retracts", (t) => {
  const g = setup();
  decide(g.cfg, g.st, inp(L + MS_PER_HOUR, 10, true, r(50, L + MS_PER_HOUR), r(5, L + MS_PER_HOUR)), g.d);
  t.is(g.d.steps, 0);
  t.true((g.d.clamps & C_AHEAD) !== 0);
});

test("for any readings and target, a decision is a whole number of steps within every cap", (t) => {
  const num = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, 0));
  fc.assert(
    fc.property(fc.array(fc.tuple(num, num, num, fc.boolean(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 30 }), (ticks) => {
      const g = setup();
      let tMs = L;
      for (const [target, pos, force, okP, okF, allowed] of ticks) {
        tMs += profile.tickMs;
        decide(g.cfg, g.st, inp(tMs, target, allowed, r(pos, tMs, okP), r(force, tMs, okF)), g.d);
        const n = g.d.steps;
        if (!(Number.isInteger(n) && n >= 0 && n <= g.cfg.incrementCapSteps && n <= g.cfg.moveCapSteps)) return false;
        if (!allowed && n !== 0) return false;
        if ((!okP || !okF || !isFinite(force) || force >= g.cfg.hardForceN) && n !== 0) return false;
        applyMove(g.st, tMs, n, 1);
      }
      return true;
    }),
    { numRuns: 2000, seed: 42 },
  );
  t.pass();
});
