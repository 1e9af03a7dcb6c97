// Inference cost per backend: milliseconds per single-window call, the way the
// hook calls the model, on each backend that comes up here. Figures for the
// report only; nothing asserts on time.

import * as tf from "@tensorflow/tfjs";
import { BACKEND_ORDER, LOADERS } from "./backend.ts";
import type { BackendName } from "./backend.ts";
import { WINDOW_SIZE } from "./dataset.ts";
import type { Scorer } from "./evaluate.ts";

export interface BackendTiming {
  backend: BackendName;
  available: boolean;
  msPerCall: number | null;
  note: string;
}

export async function timeBackends(scorer: Scorer, calls: number): Promise<BackendTiming[]> {
  const before = tf.getBackend();
  const x = new Float32Array(WINDOW_SIZE).fill(0.1);
  const out: BackendTiming[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      if (!(await LOADERS[name]())) throw new Error("did not initialise");
      await tf.ready();
      for (let i = 0; i < 5; i++) scorer.score(x, 1);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) scorer.score(x, 1);
      out.push({ backend: name, available: true, msPerCall: Math.round(((performance.now() - t0) / calls) * 1000) / 1000, note: "" });
    } catch (e) {
      out.push({ backend: name, available: false, msPerCall: null, note: (e instanceof Error ? e.message : String(e)).split("\n")[0] });
    }
  }
  await tf.setBackend(before);
  return out;
}
