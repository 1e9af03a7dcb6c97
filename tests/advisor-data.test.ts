// The advisor's data and decision plumbing, without a model: trials are a pure
// function of (class, seed) and the splits never share a seed; scenarios built
// from them parse; the feature bins, labels, debounced policy, output validation,
// threshold tuning and the evaluation figures do what docs/advisor.md says.

import test from "ava";
import { CLASSES, NUM_CLASSES, classIndex } from "../firmware/node/advisor/classes.ts";
import { RUPTURE_BINS, WARMUP_BINS, labelAt } from "../firmware/node/advisor/dataset.ts";
import { BIN_MS, CHANNELS, CH_DELIVERED, CH_PEAK, CH_REST, FeatureTap, WINDOW_BINS, windowInto } from "../firmware/node/advisor/features.ts";
import type { TrialRecord } from "../firmware/node/advisor/generate.ts";
import { figures } from "../firmware/node/advisor/metrics.ts";
import { AlarmRule, validProbabilities } from "../firmware/node/advisor/policy.ts";
import { SPREAD, drawTrial } from "../firmware/node/advisor/spread.ts";
import type { TrialSpec } from "../firmware/node/advisor/spread.ts";
import { SPLITS, splitTrials, trialScenario } from "../firmware/node/advisor/trials.ts";
import { tunePolicy } from "../firmware/node/advisor/tune.ts";
import { makeDecision } from "../firmware/core/governor.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";

test("splits are disjoint by seed and hold the documented counts", (t) => {
  const seen = new Set<number>();
  for (const split of ["train", "validation", "test"] as const) {
    const specs = splitTrials(split);
    for (const c of CLASSES) t.is(specs.filter((s) => s.cls === c).length, SPLITS[split].count[c]);
    for (const s of specs) {
      t.false(seen.has(s.seed), "seed " + s.seed + " in two places");
      seen.add(s.seed);
    }
  }
});

test("a trial is a pure function of (class, seed), inside its class's spread", (t) => {
  for (const c of CLASSES) {
    const a = drawTrial(c, 123);
    t.deepEqual(a, drawTrial(c, 123));
    const s = SPREAD[c];
    t.true(a.rateMmPerDay >= s.rateMmPerDay[0] && a.rateMmPerDay < s.rateMmPerDay[1]);
    t.true(a.remodelTauDays >= s.remodelTauDays[0] && a.remodelTauDays < s.remodelTauDays[1]);
    t.is(a.collapseFraction > 0, c === "rupture");
  }
});

test("trial scenarios parse, respect the increment cap and carry the rupture fault", (t) => {
  for (const spec of splitTrials("validation", 5)) {
    const sc = trialScenario(spec);
    t.is(sc.seed, spec.seed);
    t.is(sc.prescription.latencyDays, spec.latencyDays);
    if (sc.prescription.incrementsPerDay > 0) t.true(sc.prescription.rateMmPerDay / sc.prescription.incrementsPerDay <= sc.profile.incrementCapMm);
    t.is(sc.faults.length, spec.cls === "rupture" ? 1 : 0);
  }
});

test("the feature tap bins force and delivery, and holds the last bin through a sensor gap", (t) => {
  const tap = new FeatureTap({ forceN: 100, rateMmPerDay: 1.5, umPerStep: 0.5 });
  const d = makeDecision();
  const at = (tMs: number, force: number, ok = true) => tap.decision(tMs, d, { value: 0, atMs: tMs, ok: true }, { value: force, atMs: tMs, ok });
  at(0, 10);
  at(60000, 30);
  tap.moved(60000, 10, { issued: 10, fault: "", startedAtMs: 0, endedAtMs: 0 });
  at(BIN_MS, 50, false);
  at(2 * BIN_MS, 0);
  t.is(tap.count(), 2);
  t.is(tap.bins[CH_REST], 0.1);
  t.is(tap.bins[CH_PEAK], 0.3);
  t.is(tap.bins[CH_DELIVERED], (5 / 1000) * (MS_PER_DAY / BIN_MS) / 1.5);
  t.deepEqual(tap.bins.slice(CHANNELS, CHANNELS + 3), tap.bins.slice(0, 3), "no valid force: the last bin is held");
  const w = new Float32Array(WINDOW_BINS * CHANNELS);
  windowInto(tap.bins, 1, w, 0);
  t.is(w[(WINDOW_BINS - 2) * CHANNELS + CH_PEAK], Math.fround(0.3));
  t.is(w[0], 0, "zero padding before the first bin");
});

function record(spec: TrialSpec, collapseBin: number, events: TrialRecord["events"] = []): TrialRecord {
  return { spec, bins: new Float32Array(0), firstBin: 100, lastBin: 900, collapseBin, events };
}

test("labels: normal during warm-up, the trial's class after; ruptures for a day after the collapse", (t) => {
  const prem = record(drawTrial("premature-consolidation", 1), -1);
  t.is(labelAt(prem, 100 + WARMUP_BINS - 1), classIndex("normal"));
  t.is(labelAt(prem, 100 + WARMUP_BINS), classIndex("premature-consolidation"));
  const rup = record(drawTrial("rupture", 1), 400);
  t.is(labelAt(rup, 399), classIndex("normal"));
  t.is(labelAt(rup, 400), classIndex("rupture"));
  t.is(labelAt(rup, 400 + RUPTURE_BINS), -1);
});

test("only NUM_CLASSES finite probabilities summing to 1 are accepted", (t) => {
  t.true(validProbabilities([0.1, 0.2, 0.3, 0.4]));
  t.true(validProbabilities(new Float32Array([1, 0, 0, 0])));
  for (const bad of [null, undefined, [], [0.5, 0.5], [0.25, 0.25, 0.25, 0.25, 0], [NaN, 0, 0, 1], [Infinity, 0, 0, 0], [-0.1, 0.1, 0, 1], [0.5, 0.5, 0.5, 0.5], [1.2, -0.2, 0, 0]]) {
    t.false(validProbabilities(bad as any), JSON.stringify(bad));
  }
});

test("the policy raises a class only after `confirm` scores in a row at or above its threshold", (t) => {
  const rule = new AlarmRule({ thresholds: [Infinity, 0.8, 0.8, Infinity], confirm: 3 });
  const p = (c: number, v: number) => CLASSES.map((_, i) => (i === c ? v : (1 - v) / (NUM_CLASSES - 1)));
  t.is(rule.step(p(1, 0.9)), -1);
  t.is(rule.step(p(1, 0.9)), -1);
  t.is(rule.step(p(1, 0.7)), -1, "a dip resets the run");
  t.is(rule.step(p(1, 0.9)), -1);
  t.is(rule.step(p(1, 0.9)), -1);
  t.is(rule.step(p(1, 0.95)), 1);
  t.is(rule.step(p(3, 1)), -1, "a switched-off class never alarms");
});

test("thresholds sit halfway from the worst normal stretch to the median trial of the class, or switch it off", (t) => {
  const rows = (n: number, c: number, v: number) => {
    const s = new Float32Array(n * NUM_CLASSES);
    for (let i = 0; i < n; i++) s[i * NUM_CLASSES + c] = v;
    return s;
  };
  const normal = (v: number) => ({ rec: record(drawTrial("normal", 1), -1), scores: rows(10, 1, v) });
  const prem = (v: number) => ({ rec: record(drawTrial("premature-consolidation", 1), -1), scores: rows(10, 1, v) });
  const weak = { rec: record(drawTrial("weak-regenerate", 1), -1), scores: rows(10, 2, 0.1) };
  const p = tunePolicy([normal(0.2), normal(0.6), prem(0.9), prem(1), prem(0.8), weak, { rec: record(drawTrial("normal", 2), -1), scores: rows(10, 2, 0.5) }], 2);
  t.true(Math.abs(p.thresholds[1] - 0.75) < 1e-6, String(p.thresholds[1]));
  t.is(p.thresholds[2], Infinity, "weak trials score below a normal one: off");
});

test("figures: precision, recall, false alarms and the median lead over the rising-baseline warning", (t) => {
  const day = MS_PER_DAY;
  const prem = (seed: number, warnDay: number) => record(Object.assign(drawTrial("premature-consolidation", seed), { latencyDays: 5 }), -1, [{ atMs: warnDay * day, code: "force-rising-baseline", kind: "warning" }]);
  const calls = [
    { rec: prem(1, 9), cls: 1, atMs: 6 * day },
    { rec: prem(2, 9), cls: 1, atMs: 7 * day },
    { rec: prem(3, 9), cls: 0, atMs: -1 },
    { rec: record(drawTrial("normal", 1), -1), cls: 0, atMs: -1 },
    { rec: record(drawTrial("normal", 2), -1), cls: 2, atMs: 6 * day },
  ];
  const f = figures(calls);
  t.is(f.falseAlarms, 1);
  t.is(f.falseAlarmRate, 0.5);
  t.is(f.perClass["premature-consolidation"].recall, 0.667);
  t.is(f.perClass["premature-consolidation"].precision, 1);
  t.is(f.perClass["weak-regenerate"].precision, 0);
  t.is(f.prematureLead.comparable, 3);
  t.is(f.prematureLead.earlier, 2);
  t.is(f.prematureLead.medianLeadDays, 2, "leads 3, 2 and a miss");
  t.is(f.prematureLead.medianCallDay, 1.5);
});
