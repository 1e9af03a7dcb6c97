// The committed advisor: its files load (tfjs layers format, ≤ 1 MB) and, on the
// small fixed subset of the held-out test seeds, reproduce the evaluation figures
// committed in advisor.json. A broken advisor never gets in the way: a corrupt or
// wrongly shaped model is refused at load, one that returns NaN is ignored at
// every inference, and an advisor whose evaluation fell short stays off unless forced.

import test from "ava";
import * as tf from "@tensorflow/tfjs";
import { copyFileSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../firmware/node/advisor/backend.ts";
import { AdvisoryHook } from "../firmware/node/advisor/hook.ts";
import { MODEL_DIR, loadAdvisor } from "../firmware/node/advisor/load.ts";
import { readMeta, writeMeta } from "../firmware/node/advisor/meta.ts";
import type { Figures } from "../firmware/node/advisor/metrics.ts";
import { MODEL_JSON, WEIGHTS_BIN, saveModel } from "../firmware/node/advisor/model-io.ts";
import { buildModel } from "../firmware/node/advisor/model.ts";
import { evaluateSaved } from "../firmware/node/advisor/pipeline.ts";
import { modelScorer } from "../firmware/node/advisor/predict.ts";
import { simulate } from "../firmware/node/advisor/simulate.ts";
import { drawTrial } from "../firmware/node/advisor/spread.ts";
import { trialScenario } from "../firmware/node/advisor/trials.ts";

test.before(async () => {
  await selectBackend("cpu");
});

/** The device the trials simulate (and the committed advisor was trained for). */
const DEVICE = trialScenario(drawTrial("normal", 1)).profile.name;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "advisor-"));
}

/** A copy of the committed advisor.json, forced on, next to another model. */
function withMeta(dir: string, enabled: boolean): string {
  writeMeta(dir, Object.assign(readMeta(MODEL_DIR), { enabledByDefault: enabled }));
  return dir;
}

test.serial("the committed model is in the layers format, at most 1 MB, and loads", async (t) => {
  const bytes = readdirSync(MODEL_DIR).reduce((s, f) => s + statSync(join(MODEL_DIR, f)).size, 0);
  t.true(bytes <= 1024 * 1024, bytes + " bytes");
  const logs: string[] = [];
  const a = await loadAdvisor(MODEL_DIR, DEVICE, true, (l) => logs.push(l));
  t.truthy(a, logs.join("\n"));
  t.deepEqual(a!.model.inputs[0].shape, [null, 192, 5]);
  t.deepEqual(a!.model.outputs[0].shape, [null, 4]);
});

function close(t: any, got: Figures, want: Figures, what: string): void {
  t.is(got.falseAlarms, want.falseAlarms, what + " false alarms");
  for (const c of Object.keys(want.perClass) as Array<keyof Figures["perClass"]>) {
    for (const k of ["precision", "recall"] as const) {
      const g = got.perClass[c][k];
      const w = want.perClass[c][k];
      t.true(g === w || (g !== null && w !== null && Math.abs(g - w) <= 0.01), what + " " + c + " " + k + ": " + g + " vs " + w);
    }
  }
  const gl = got.prematureLead.medianLeadDays;
  const wl = want.prematureLead.medianLeadDays;
  t.true(gl === wl || (gl !== null && wl !== null && Math.abs(gl - wl) <= 0.05), what + " lead " + gl + " vs " + wl);
}

test.serial("on the fixed test subset the committed figures are reproduced", async (t) => {
  const meta = readMeta(MODEL_DIR);
  const run = await evaluateSaved(MODEL_DIR, true, "cpu", 0, () => {});
  t.is(run.backend.name, "cpu");
  t.deepEqual(run.report.trials, meta.subset.trials);
  close(t, run.report.model, meta.subset.model, "model");
  close(t, run.report.baseline, meta.subset.baseline, "baseline");
  close(t, run.report.detector, meta.subset.detector, "detector");
  close(t, run.report.modelAndDetector, meta.subset.modelAndDetector, "model and detector");
});

test.serial("a corrupt model is refused at load and logged", async (t) => {
  const dir = withMeta(tmp(), true);
  writeFileSync(join(dir, MODEL_JSON), "{ not json");
  const logs: string[] = [];
  t.is(await loadAdvisor(dir, DEVICE, true, (l) => logs.push(l)), null);
  t.regex(logs[0], /not loaded from .*JSON/);
});

test.serial("a model with the wrong output shape is refused at load", async (t) => {
  const dir = withMeta(tmp(), true);
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [192, 5] }), tf.layers.dense({ units: 3, activation: "softmax" })] });
  await saveModel(m, dir);
  const logs: string[] = [];
  t.is(await loadAdvisor(dir, DEVICE, true, (l) => logs.push(l)), null);
  t.regex(logs[0], /gives \[null,3\]; expected/);
});

test.serial("an advisor whose evaluation fell short is off unless forced", async (t) => {
  const dir = withMeta(tmp(), false);
  copyFileSync(join(MODEL_DIR, MODEL_JSON), join(dir, MODEL_JSON));
  copyFileSync(join(MODEL_DIR, WEIGHTS_BIN), join(dir, WEIGHTS_BIN));
  const logs: string[] = [];
  t.is(await loadAdvisor(dir, DEVICE, false, (l) => logs.push(l)), null);
  t.regex(logs[0], /off by default/);
  t.truthy(await loadAdvisor(dir, DEVICE, true, () => {}));
});

test.serial("the advisor is off on a device it was not trained for", async (t) => {
  const logs: string[] = [];
  t.is(await loadAdvisor(MODEL_DIR, "OD-L1 femoral lengthening nail", true, (l) => logs.push(l)), null);
  t.regex(logs[0], /off: trained for "OD-M1 mandibular distractor", this device is "OD-L1/);
});

test.serial("a model that answers NaN is ignored at every inference: no advisory, no slow-down", async (t) => {
  const dir = withMeta(tmp(), true);
  const m = buildModel(1);
  m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, NaN)));
  await saveModel(m, dir);
  const a = await loadAdvisor(dir, DEVICE, true, () => {});
  t.truthy(a, "NaN weights still load: the shapes are right");
  const logs: string[] = [];
  let hook: AdvisoryHook | null = null;
  const sc = trialScenario(Object.assign(drawTrial("premature-consolidation", 3), { latencyDays: 1 }));
  const run = simulate(sc, 2, (ctl, hal) => (hook = new AdvisoryHook(ctl, hal.alarm, modelScorer(a!.model), a!.meta.modelPolicy, (l) => logs.push(l))));
  const h = hook as unknown as AdvisoryHook;
  t.true(h.inferences > 0);
  t.is(h.ignored, h.inferences);
  t.deepEqual(h.advisories, []);
  t.is(run.controller.inspect().state.advisoryScale, 1);
  t.false(run.hal.alarm.history.some((x) => x.level === 1));
  t.regex(logs[0], /ignored at .* output is not 4 probabilities: \[null,null,null,null\]/);
});
