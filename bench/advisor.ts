// Advisor cost: milliseconds per single-window inference (the hook's call) and
// microseconds per window in batches of 256 (evaluation) on every backend that
// comes up, and what the hook adds to a simulated trial's wall time. Prints JSON
// when run directly (`node --import=tsx bench/advisor.ts`); numbers, never asserted.

import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, LOADERS, selectBackend } from "../firmware/node/advisor/backend.ts";
import { WINDOW_SIZE } from "../firmware/node/advisor/dataset.ts";
import { AdvisoryHook } from "../firmware/node/advisor/hook.ts";
import { MODEL_DIR } from "../firmware/node/advisor/load.ts";
import { readMeta } from "../firmware/node/advisor/meta.ts";
import { loadModel } from "../firmware/node/advisor/model-io.ts";
import { modelScorer } from "../firmware/node/advisor/predict.ts";
import { simulate } from "../firmware/node/advisor/simulate.ts";
import { drawTrial } from "../firmware/node/advisor/spread.ts";
import { trialDays, trialScenario } from "../firmware/node/advisor/trials.ts";
import { timeBackends } from "../firmware/node/advisor/timing.ts";
import type { BackendTiming } from "../firmware/node/advisor/timing.ts";

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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(await benchAdvisor(), null, 2) + "\n");
}
