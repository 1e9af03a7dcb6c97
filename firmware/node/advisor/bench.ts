// Advisor cost: milliseconds per single-window inference (the hook's call) and
// microseconds per window in batches of 256 (evaluation) on every backend that
// comes up, and what the hook adds to a simulated trial's wall time, for
// `osteodrive advisor bench` (JSON); numbers, never asserted.

import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, LOADERS, selectBackend } from "./backend.ts";
import { WINDOW_SIZE } from "./dataset.ts";
import { AdvisoryHook } from "./hook.ts";
import { MODEL_DIR } from "./load.ts";
import { readMeta } from "./meta.ts";
import { loadModel } from "./model-io.ts";
import { modelScorer } from "./predict.ts";
import { simulate } from "./simulate.ts";
import { drawTrial } from "./spread.ts";
import { trialDays, trialScenario } from "./trials.ts";
import { timeBackends } from "./timing.ts";
import type { BackendTiming } from "./timing.ts";

export interface AdvisorBench {
  modelBytes: number;
  perCall: BackendTiming[];
  batch256UsPerWindow: { [backend: string]: number | null };
  trialWallMs: { withoutHook: number; withHook: number; inferences: number; backend: string };
}

export async function benchAdvisor(): Promise<AdvisorBench> {
  const backend = await selectBackend();
  const scorer = modelScorer(await loadModel(MODEL_DIR));
  const meta = readMeta(MODEL_DIR);
  const spec = drawTrial("normal", 1);
  const sc = trialScenario(spec);
  const days = trialDays(spec);
  let t0 = performance.now();
  simulate(sc, days);
  const withoutHook = performance.now() - t0;
  let hook: AdvisoryHook | null = null;
  t0 = performance.now();
  simulate(sc, days, (ctl, hal) => (hook = new AdvisoryHook(ctl, hal.alarm, scorer, meta.modelPolicy, () => {})));
  const withHook = performance.now() - t0;
  const perCall = await timeBackends(scorer, 500);
  const batch: { [b: string]: number | null } = {};
  const x = new Float32Array(256 * WINDOW_SIZE).fill(0.1);
  for (const name of BACKEND_ORDER) {
    batch[name] = null;
    try {
      if (!(await LOADERS[name]())) continue;
    } catch {
      continue;
    }
    scorer.score(x, 256);
    const t = performance.now();
    for (let i = 0; i < 10; i++) scorer.score(x, 256);
    batch[name] = Math.round(((performance.now() - t) / 2560) * 1000 * 100) / 100;
  }
  await tf.setBackend(backend.name);
  const inferences = (hook as AdvisoryHook | null)?.inferences ?? 0;
  return { modelBytes: meta.modelBytes, perCall, batch256UsPerWindow: batch, trialWallMs: { withoutHook: Math.round(withoutHook), withHook: Math.round(withHook), inferences, backend: backend.name } };
}

