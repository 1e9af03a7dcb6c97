// The advisor is advisory only: over random model outputs (probabilities, NaN,
// ±Infinity, wrong lengths, non-arrays) the hook can only lower the governor's
// pace scale, within [ADVISORY_FLOOR, 1]; it changes no limit, schedule or
// supervisor setting, never lowers an alarm nor raises one above advisory; the
// governor never issues more steps with the advisory scale than without; and on
// the simulator a randomly advised run never delivers more than an unadvised one.

import test from "ava";
import fc from "fast-check";
import type { Controller } from "../firmware/core/controller.ts";
import { decide, makeDecision } from "../firmware/core/governor.ts";
import type { GovernorState } from "../firmware/core/governor.ts";
import { initialPhase } from "../firmware/core/phases.ts";
import type { AlarmLevel } from "../hal/types.ts";
import { assembleScenario, makeSimWorld } from "../sim/world.ts";
import { AdvisoryHook } from "../firmware/node/advisor/hook.ts";
import { BIN_MS } from "../firmware/node/advisor/features.ts";
import { ADVISORY_FLOOR, validProbabilities } from "../firmware/node/advisor/policy.ts";
import type { Policy } from "../firmware/node/advisor/policy.ts";
import type { Scorer } from "../firmware/node/advisor/evaluate.ts";
import { simulate } from "../firmware/node/advisor/simulate.ts";
import { drawTrial } from "../firmware/node/advisor/spread.ts";
import { trialScenario } from "../firmware/node/advisor/trials.ts";

/** Alarms on any valid output at once: the most eager advisor there can be. */
const EAGER: Policy = { thresholds: [Infinity, 0, 0, 0], confirm: 1 };

const anyNumber = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, 1, -1));
const probabilities = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }).map((a) => {
  const s = a.reduce((x, y) => x + y, 0);
  return s > 0 ? a.map((x) => x / s) : [1, 0, 0, 0];
});
const output = fc.oneof(
  probabilities,
  fc.array(anyNumber, { minLength: 0, maxLength: 6 }),
  fc.constantFrom(null, undefined, 42, "garbage", { length: 4 }),
  fc.constant("throw"),
);

function scripted(outputs: unknown[]): Scorer {
  let k = 0;
  return {
    name: "scripted",
    score: () => {
      const o = outputs[k++ % outputs.length];
      if (o === "throw") throw new Error("model exploded");
      return (Array.isArray(o) ? Float64Array.from(o) : o) as any;
    },
  };
}

function rig() {
  const sc = trialScenario(drawTrial("normal", 7));
  const { hal } = makeSimWorld(sc, { seed: 1 });
  const ctl = assembleScenario(sc, hal, null, null).controller;
  return { hal, ctl };
}

const frozen = (c: Controller) => {
  const i = c.inspect();
  return JSON.stringify([i.gov, i.sup, i.schedule, i.rx, c.deviceProfile()]);
};

test("random model outputs only ever lower the pace, within [floor, 1], and touch no limit", (t) => {
  let slowed = 0;
  fc.assert(
    fc.property(fc.array(output, { minLength: 1, maxLength: 40 }), fc.constantFrom<AlarmLevel>(0, 1, 2, 3), (outputs, level0) => {
      const { hal, ctl } = rig();
      const before = frozen(ctl);
      if (level0 > 0) hal.alarm.set(level0, "pre-existing");
      const alarmsBefore = hal.alarm.history.length;
      const hook = new AdvisoryHook(ctl, hal.alarm, scripted(outputs), EAGER, () => {});
      hook.phase(0, initialPhase(), Object.assign(initialPhase(), { phase: "distraction" }));
      const d = makeDecision();
      const reading = { value: 10, atMs: 0, ok: true };
      let last = ctl.inspect().state.advisoryScale;
      for (let i = 0; i <= outputs.length; i++) {
        hook.decision(i * BIN_MS, d, reading, reading);
        const s = ctl.inspect().state.advisoryScale;
        if (!(s >= ADVISORY_FLOOR && s <= 1 && s <= last)) return false;
        last = s;
      }
      const added = hal.alarm.history.slice(alarmsBefore);
      if (added.some((a) => a.level !== 1)) return false;
      if (level0 >= 2 && (added.length > 0 || hal.alarm.level() !== level0)) return false;
      if (ctl.inspect().state.advisoryScale < 1) slowed++;
      const garbage = outputs.filter((o) => o === "throw" || !validProbabilities(o as any)).length;
      return frozen(ctl) === before && hook.ignored === garbage;
    }),
    { numRuns: 300, seed: 42 },
  );
  t.true(slowed > 0, "some runs were slowed: the property was exercised");
});

test("the governor never issues more steps under an advisory scale than without one", (t) => {
  const { ctl } = rig();
  const cfg = ctl.inspect().gov;
  const num = fc.oneof(fc.double({ min: -1e3, max: 1e5, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity));
  fc.assert(
    fc.property(anyNumber, num, num, fc.double({ min: 0, max: 2e6, noNaN: true }), fc.boolean(), fc.double({ min: 0, max: 300, noNaN: true }), (scale, target, allowance, tMs, motion, force) => {
      const base = structuredClone(ctl.inspect().state) as GovernorState;
      base.allowanceUm = isFinite(allowance) ? allowance : 0;
      const advised = structuredClone(base) as GovernorState;
      // what setAdvisoryScale would have stored for any requested scale
      advised.advisoryScale = !(scale === scale) ? 1 : scale > 1 ? 1 : scale < ADVISORY_FLOOR ? ADVISORY_FLOOR : scale;
      const input = { tMs, targetUm: target, motionAllowed: motion, pos: { value: 0, atMs: tMs, ok: true }, force: { value: force, atMs: tMs, ok: true } };
      const plain = decide(cfg, base, input, makeDecision()).steps;
      const slowed = decide(cfg, advised, input, makeDecision()).steps;
      return slowed <= plain && slowed <= cfg.incrementCapSteps && (force < cfg.hardForceN || slowed === 0);
    }),
    { numRuns: 1000, seed: 42 },
  );
  t.pass();
});

test("on the simulator a randomly advised run delivers no more than an unadvised one and breaks no rule", (t) => {
  const spec = Object.assign(drawTrial("normal", 11), { latencyDays: 1 });
  const sc = trialScenario(spec);
  const days = 3;
  const plain = simulate(sc, days);
  const plainGap = plain.hal.plant.gapUm;
  let advised = 0;
  fc.assert(
    fc.property(fc.array(output, { minLength: 1, maxLength: 20 }), (outputs) => {
      const hooks: AdvisoryHook[] = [];
      const run = simulate(sc, days, (ctl, hal) => {
        hooks.push(new AdvisoryHook(ctl, hal.alarm, scripted(outputs), EAGER, () => {}));
        return hooks[0];
      });
      advised += hooks[0].advisories.length;
      const faults = run.events.filter((e) => e.kind === "fault");
      return run.hal.plant.gapUm <= plainGap + sc.profile.positionToleranceUm && faults.length === 0;
    }),
    { numRuns: 4, seed: 7 },
  );
  t.true(advised > 0, "the advisor acted in some runs");
});
