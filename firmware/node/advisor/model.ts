// The network: a two-level patch network over the 48 h window. Level one sees 2 h
// patches (8 bins × 5 channels: the shape of increments, relaxation, a drop),
// level two three neighbouring patches (6 h); both are dense layers shared along
// the window, i.e. 1-D convolutions whose stride equals their kernel, which run
// as plain matrix products (fast on every backend, also the JS cpu one that
// training uses for determinism). A dense layer over the flattened map keeps WHERE
// in the window things happen (a trend is early-low, late-high); softmax over the
// four classes. About 4,000 weights (16 kB). Every initializer is seeded.

import * as tf from "@tensorflow/tfjs";
import { NUM_CLASSES } from "./classes.ts";
import { CHANNELS, WINDOW_BINS } from "./features.ts";

/** Bins per level-one patch, and patches per level-two group. */
export const PATCH_BINS = 8;
export const GROUP_PATCHES = 3;

export function buildModel(seed: number): tf.LayersModel {
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 101 + k++ });
  const patches = WINDOW_BINS / PATCH_BINS;
  const l1 = 12;
  const model = tf.sequential();
  model.add(tf.layers.reshape({ inputShape: [WINDOW_BINS, CHANNELS], targetShape: [patches, PATCH_BINS * CHANNELS] }));
  model.add(tf.layers.dense({ units: l1, activation: "relu", kernelInitializer: init() }));
  model.add(tf.layers.reshape({ targetShape: [patches / GROUP_PATCHES, GROUP_PATCHES * l1] }));
  model.add(tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: init() }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: init() }));
  model.add(tf.layers.dense({ units: NUM_CLASSES, activation: "softmax", kernelInitializer: init() }));
  return model;
}
