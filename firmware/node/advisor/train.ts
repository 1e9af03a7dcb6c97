// Training, deterministic with its seed: windows from the training trials in an
// order shuffled by a seeded generator (tfjs's own shuffle draws on Math.random,
// so fit() gets shuffle: false), seeded initializers (model.ts), Adam, class
// weights; run on the cpu backend, whose arithmetic is plain, repeatable JS.
// Labels are smoothed (5 % spread over the other classes) so the softmax does not
// saturate: thresholds then sit at probabilities like 0.9, not 0.9999, where the
// last digits of one backend's arithmetic could decide an alarm.

import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../../sim/rng.ts";
import { NUM_CLASSES } from "./classes.ts";
import { WINDOW_SIZE, classWeights, sampleWindows } from "./dataset.ts";
import type { Windows } from "./dataset.ts";
import { CHANNELS, WINDOW_BINS } from "./features.ts";
import type { TrialRecord } from "./generate.ts";
import { buildModel } from "./model.ts";

export interface TrainOptions {
  seed: number;
  epochs: number;
  /** A training window every `stride` bins of each trial. */
  stride: number;
  onEpoch: (epoch: number, logs: { [name: string]: number }) => void;
}

export const TRAIN_DEFAULTS = { epochs: 30, stride: 8, validationStride: 16, batchSize: 64, learningRate: 0.003, labelSmoothing: 0.05 };

function shuffled(w: Windows, seed: number): Windows {
  const rng = new Rng(seed);
  const order = Array.from({ length: w.n }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const x = new Float32Array(w.x.length);
  const y = new Int32Array(w.n);
  order.forEach((k, i) => {
    x.set(w.x.subarray(k * WINDOW_SIZE, (k + 1) * WINDOW_SIZE), i * WINDOW_SIZE);
    y[i] = w.y[k];
  });
  return { x, y, n: w.n };
}

function tensors(w: Windows): [tf.Tensor, tf.Tensor] {
  const e = TRAIN_DEFAULTS.labelSmoothing;
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(w.y, "int32"), NUM_CLASSES).toFloat().mul(1 - e).add(e / NUM_CLASSES));
  return [tf.tensor3d(w.x, [w.n, WINDOW_BINS, CHANNELS]), y];
}

export async function trainModel(train: TrialRecord[], validation: TrialRecord[], opts: TrainOptions): Promise<tf.LayersModel> {
  const w = shuffled(sampleWindows(train, opts.stride), opts.seed);
  const [x, y] = tensors(w);
  const [vx, vy] = tensors(sampleWindows(validation, TRAIN_DEFAULTS.validationStride));
  const model = buildModel(opts.seed);
  model.compile({ optimizer: tf.train.adam(TRAIN_DEFAULTS.learningRate), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  await model.fit(x, y, {
    epochs: opts.epochs,
    batchSize: TRAIN_DEFAULTS.batchSize,
    shuffle: false,
    classWeight: classWeights(w),
    validationData: [vx, vy],
    verbose: 0,
    callbacks: { onEpochEnd: async (epoch, logs) => opts.onEpoch(epoch, (logs ?? {}) as { [name: string]: number }) },
  });
  tf.dispose([x, y, vx, vy]);
  return model;
}
