// Saves and loads a tfjs layers model as files (model.json + weights.bin, the
// layers format tfjs-node's file:// handler writes) without tfjs-node: the model
// goes through tf.io.withSaveHandler / tf.io.fromMemory and node:fs.

import * as tf from "@tensorflow/tfjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

function toBuffer(data: tf.io.WeightData): Buffer {
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((b) => Buffer.from(new Uint8Array(b))));
}

/** Writes the model to dir; returns the bytes written. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<number> {
  let bytes = 0;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const weights = toBuffer(a.weightData ?? new ArrayBuffer(0));
    const json = JSON.stringify({
      modelTopology: a.modelTopology,
      format: "layers-model",
      generatedBy: a.generatedBy,
      convertedBy: null,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs }],
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, MODEL_JSON), json + "\n");
    writeFileSync(join(dir, WEIGHTS_BIN), weights);
    bytes = json.length + 1 + weights.length;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON", modelTopologyBytes: json.length, weightDataBytes: weights.length } };
  }));
  return bytes;
}

/** Reads a model saved by saveModel (or by tfjs-node's file:// handler). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), "utf8"));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const specs = manifest.flatMap((g) => g.weights);
  const weights = Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
}
