// Backend selection: tfjs-node when it loads, else wasm, else cpu, with the reason
// each better one was skipped; and the committed model gives the same
// probabilities on every backend that comes up here (cpu and wasm at least).

import test from "ava";
import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, LOADERS, selectBackend } from "../firmware/node/advisor/backend.ts";
import type { BackendName, Loader } from "../firmware/node/advisor/backend.ts";
import { WINDOW_SIZE } from "../firmware/node/advisor/dataset.ts";
import { windowInto } from "../firmware/node/advisor/features.ts";
import { generateTrial } from "../firmware/node/advisor/generate.ts";
import { MODEL_DIR } from "../firmware/node/advisor/load.ts";
import { loadModel } from "../firmware/node/advisor/model-io.ts";
import { modelScorer } from "../firmware/node/advisor/predict.ts";
import { drawTrial } from "../firmware/node/advisor/spread.ts";

function loaders(over: Partial<{ [n in BackendName]: Loader }>): { [n in BackendName]: Loader } {
  return Object.assign({}, LOADERS, over);
}

test.serial("without tfjs-node the wasm backend is chosen and the reason is kept", async (t) => {
  const c = await selectBackend("tensorflow", loaders({ tensorflow: async () => { throw new Error("Cannot find package '@tensorflow/tfjs-node'"); } }));
  t.is(c.name, "wasm");
  t.is(tf.getBackend(), "wasm");
  t.regex(c.skipped[0], /^tensorflow: Cannot find package/);
});

test.serial("without tfjs-node and wasm the cpu backend is chosen", async (t) => {
  const c = await selectBackend("tensorflow", loaders({
    tensorflow: async () => { throw new Error("not installed"); },
    wasm: async () => false,
  }));
  t.is(c.name, "cpu");
  t.is(tf.getBackend(), "cpu");
  t.deepEqual(c.skipped, ["tensorflow: not installed", "wasm: did not initialise"]);
});

test.serial("when nothing comes up the error names every backend", async (t) => {
  const fail: Loader = async () => { throw new Error("no"); };
  const e = await t.throwsAsync(selectBackend("tensorflow", { tensorflow: fail, wasm: fail, cpu: fail }));
  t.is(e!.message, "no tfjs backend could start (tensorflow: no; wasm: no; cpu: no)");
});

test.serial("the real selection here settles on a working backend, tfjs-node first", async (t) => {
  const c = await selectBackend();
  t.true(c.name === "tensorflow" || c.name === "wasm", c.name);
  if (c.name === "wasm") t.regex(c.skipped[0], /^tensorflow: /);
  t.log("chosen: " + c.name + (c.skipped.length ? " (skipped " + c.skipped.join("; ") + ")" : ""));
});

test.serial("the committed model gives the same probabilities on every backend that comes up", async (t) => {
  const rec = generateTrial(Object.assign(drawTrial("premature-consolidation", 5), { latencyDays: 1 }));
  const n = 16;
  const x = new Float32Array(n * WINDOW_SIZE);
  for (let i = 0; i < n; i++) windowInto(rec.bins, rec.firstBin + i * 12, x, i * WINDOW_SIZE);
  await selectBackend("cpu");
  const scorer = modelScorer(await loadModel(MODEL_DIR));
  const ref = scorer.score(x, n);
  let compared = 0;
  for (const name of BACKEND_ORDER) {
    try {
      if (!(await LOADERS[name]())) continue;
    } catch {
      continue;
    }
    const got = scorer.score(x, n);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    t.true(worst < 1e-4, name + " differs from cpu by " + worst);
    compared++;
  }
  t.true(compared >= 2, "cpu and wasm at least");
});
