// The two long jobs behind `osteodrive advisor`: train (simulate the train,
// validation and test seeds, fit on the cpu backend, tune both policies on
// validation, evaluate on test and on the small subset the test suite re-runs,
// save model + advisor.json) and evaluate a saved advisor (the test seeds or the
// subset, plus inference time per backend).

import { linearTrend } from "./baseline.ts";
import { selectBackend } from "./backend.ts";
import type { BackendChoice, BackendName } from "./backend.ts";
import { scoreTrials } from "./evaluate.ts";
import { generateTrials } from "./generate.ts";
import type { TrialRecord } from "./generate.ts";
import { readMeta, writeMeta } from "./meta.ts";
import type { AdvisorMeta } from "./meta.ts";
import { loadModel, saveModel } from "./model-io.ts";
import { CONFIRM_BINS } from "./policy.ts";
import { modelScorer } from "./predict.ts";
import { evaluateTrials, verdict } from "./report.ts";
import type { EvalReport } from "./report.ts";
import { timeBackends } from "./timing.ts";
import type { BackendTiming } from "./timing.ts";
import { TRAIN_DEFAULTS, trainModel } from "./train.ts";
import { splitTrials, trialScenario } from "./trials.ts";
import type { Split } from "./trials.ts";
import { tunePolicy } from "./tune.ts";

/** Trials per class the test suite evaluates (the first of each class in the test split). */
export const SUBSET_PER_CLASS = 3;

export type ProgressFn = (fraction: number, label: string) => void;

/** Progress over [from, to) of the whole job. */
function part(p: ProgressFn, from: number, to: number): ProgressFn {
  return (f, label) => p(from + (to - from) * f, label);
}

function simulateSplit(split: Split, limit: number, p: ProgressFn): TrialRecord[] {
  return generateTrials(splitTrials(split, limit), (f, label) => p(f, "simulating " + split + " " + label));
}

function subsetOf(test: TrialRecord[]): TrialRecord[] {
  const seen: { [c: string]: number } = {};
  return test.filter((r) => (seen[r.spec.cls] = (seen[r.spec.cls] ?? 0) + 1) <= SUBSET_PER_CLASS);
}

export async function trainAndSave(seed: number, epochs: number, dir: string, p: ProgressFn): Promise<AdvisorMeta> {
  await selectBackend("cpu");
  const train = simulateSplit("train", Infinity, part(p, 0, 0.2));
  const validation = simulateSplit("validation", Infinity, part(p, 0.2, 0.3));
  const test = simulateSplit("test", Infinity, part(p, 0.3, 0.4));
  const model = await trainModel(train, validation, {
    seed,
    epochs,
    stride: TRAIN_DEFAULTS.stride,
    onEpoch: (e, logs) => p(0.4 + (0.5 * (e + 1)) / epochs, "epoch " + (e + 1) + "/" + epochs + " loss " + logs.loss.toFixed(3) + " val " + logs.val_loss.toFixed(3)),
  });
  const scorer = modelScorer(model);
  const modelPolicy = tunePolicy(scoreTrials(validation, scorer, part(p, 0.9, 0.93)), CONFIRM_BINS);
  const baselinePolicy = tunePolicy(scoreTrials(validation, linearTrend, part(p, 0.93, 0.94)), CONFIRM_BINS);
  const full = evaluateTrials(test, scorer, modelPolicy, linearTrend, baselinePolicy, part(p, 0.94, 0.99));
  const subset = evaluateTrials(subsetOf(test), scorer, modelPolicy, linearTrend, baselinePolicy, part(p, 0.99, 1));
  const v = verdict(full);
  const modelBytes = await saveModel(model, dir);
  const device = trialScenario(train[0].spec).profile.name;
  const meta: AdvisorMeta = { format: 1, device, trainSeed: seed, epochs, modelPolicy, baselinePolicy, subsetPerClass: SUBSET_PER_CLASS, subset, test: full, enabledByDefault: v.meets, shortfalls: v.shortfalls, modelBytes };
  writeMeta(dir, meta);
  return meta;
}

export interface EvalRun {
  backend: BackendChoice;
  subset: boolean;
  report: EvalReport;
  enabledByDefault: boolean;
  shortfalls: string[];
  inference: BackendTiming[];
  modelBytes: number;
}

/** Evaluates the saved advisor on the test seeds (or the subset) with its committed policies, on the first backend from `from` that comes up. */
export async function evaluateSaved(dir: string, subset: boolean, from: BackendName, timingCalls: number, p: ProgressFn): Promise<EvalRun> {
  const backend = await selectBackend(from);
  const meta = readMeta(dir);
  const scorer = modelScorer(await loadModel(dir));
  const test = simulateSplit("test", subset ? meta.subsetPerClass : Infinity, part(p, 0, 0.5));
  const report = evaluateTrials(test, scorer, meta.modelPolicy, linearTrend, meta.baselinePolicy, part(p, 0.5, 0.95));
  const inference = timingCalls > 0 ? await timeBackends(scorer, timingCalls) : [];
  p(1, "");
  const v = verdict(report);
  return { backend, subset, report, enabledByDefault: meta.enabledByDefault, shortfalls: v.shortfalls, inference, modelBytes: meta.modelBytes };
}
