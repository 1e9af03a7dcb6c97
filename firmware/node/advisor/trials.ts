// Turns a TrialSpec (spread.ts) into a simulator scenario: the mandibular
// distractor of sim/scenarios/mandible-continuous-1mm.json with the trial's
// tissue, latency, rate, rhythm and load-cell noise and ten days of
// distraction, plus the rupture's force-collapse fault. Built in code with
// mergeScenario/parseScenario, so the scenario files stay untouched. The split
// into train / validation / test is by seed: disjoint seed blocks.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCENARIO_DIR, mergeScenario, parseScenario } from "../../../sim/scenario.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import { CLASSES } from "./classes.ts";
import type { TissueClass } from "./classes.ts";
import { drawTrial } from "./spread.ts";
import type { TrialSpec } from "./spread.ts";

export const BASE_SCENARIO = "mandible-continuous-1mm";
export const DISTRACTION_DAYS = 10;

/** A trial runs to the end of distraction: that is where the advisor has work. */
export function trialDays(t: TrialSpec): number {
  return t.latencyDays + DISTRACTION_DAYS;
}

export type Split = "train" | "validation" | "test";

/**
 * First seed and trials per class of each split. Normal protocols get the most:
 * false alarms are rare events and 2 % of a hundred is two trials.
 */
export const SPLITS: { [s in Split]: { firstSeed: number; count: { [c in TissueClass]: number } } } = {
  train: { firstSeed: 1, count: { "normal": 150, "premature-consolidation": 60, "weak-regenerate": 60, "rupture": 120 } },
  validation: { firstSeed: 100001, count: { "normal": 200, "premature-consolidation": 25, "weak-regenerate": 25, "rupture": 60 } },
  test: { firstSeed: 300001, count: { "normal": 150, "premature-consolidation": 30, "weak-regenerate": 30, "rupture": 40 } },
};

let baseJson: any = null;

function base(): any {
  if (!baseJson) baseJson = JSON.parse(readFileSync(join(SCENARIO_DIR, BASE_SCENARIO + ".json"), "utf8"));
  return baseJson;
}

export function trialScenario(t: TrialSpec): Scenario {
  const b = base();
  const ti = b.plant.tissue;
  const over: any = {
    name: "advisor-" + t.cls + "-" + t.seed,
    description: "advisor trial: " + t.cls + ", seed " + t.seed,
    seed: t.seed,
    profile: { forceNoiseN: t.noiseSigmaN },
    prescription: {
      latencyDays: t.latencyDays,
      rateMmPerDay: t.rateMmPerDay,
      rhythm: t.rhythm > 0 ? t.rhythm : "continuous",
      targetLengthMm: t.rateMmPerDay * DISTRACTION_DAYS,
      consolidationDays: 1,
    },
    plant: {
      tissue: {
        eInfNPerMm: ti.eInfNPerMm * t.stiffnessScale,
        e1NPerMm: ti.e1NPerMm * t.stiffnessScale,
        e2NPerMm: ti.e2NPerMm * t.stiffnessScale,
        tau1S: t.tau1S,
        tau2S: t.tau2S,
        remodelTauDays: t.remodelTauDays,
        maturationPerDay: t.maturationPerDay,
        disruptionPerMmPerDay: t.disruptionPerMmPerDay,
        boneStiffnessFactor: t.boneStiffnessFactor,
      },
      forceSensor: { noiseSigma: t.noiseSigmaN },
    },
    faults: t.collapseFraction > 0 ? [{ atDay: t.latencyDays + t.collapseDay, kind: "force-collapse", value: t.collapseFraction }] : [],
  };
  return parseScenario(mergeScenario(b, over));
}

/** Every trial of a split, class by class; `limit` keeps the first few of each class (test subsets). */
export function splitTrials(split: Split, limit = Infinity): TrialSpec[] {
  const s = SPLITS[split];
  const out: TrialSpec[] = [];
  CLASSES.forEach((cls: TissueClass, k) => {
    const n = Math.min(limit, s.count[cls]);
    // each class has its own seed block inside the split, so no seed repeats anywhere
    for (let i = 0; i < n; i++) out.push(drawTrial(cls, s.firstSeed + k * 10000 + i));
  });
  return out;
}
