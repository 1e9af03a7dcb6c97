// The model as a Scorer: windows in, class probabilities out, on whichever tfjs
// backend is active. Synchronous (dataSync), so the hook can run inside a control
// tick; tidy() frees every intermediate tensor.

import * as tf from "@tensorflow/tfjs";
import { CHANNELS, WINDOW_BINS } from "./features.ts";
import type { Scorer } from "./evaluate.ts";

export function modelScorer(model: tf.LayersModel): Scorer {
  return {
    name: "model",
    score(x: Float32Array, n: number): Float32Array {
      return tf.tidy(() => {
        const out = model.predict(tf.tensor3d(x, [n, WINDOW_BINS, CHANNELS]));
        return (Array.isArray(out) ? out[0] : out).dataSync() as Float32Array;
      });
    },
  };
}
