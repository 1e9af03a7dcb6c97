// Loads the committed advisor (model/ next to this file: model.json, weights.bin,
// advisor.json) for the Node app. Anything wrong — missing files, a corrupt model,
// an output of the wrong shape — is logged and the app runs without the advisor:
// it is advisory, the controller never depends on it. Off by default unless the
// committed evaluation met the bar (advisor.json), or the caller forces it on; and
// off on any device but the one it was trained for (forces are scaled by the soft
// limit, but tissue, drive and force range differ between devices: on the limb
// nail the mandible model reads the low scaled force as a weak regenerate).

import type * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NUM_CLASSES } from "./classes.ts";
import { CHANNELS, WINDOW_BINS } from "./features.ts";
import { readMeta } from "./meta.ts";
import type { AdvisorMeta } from "./meta.ts";
import { loadModel } from "./model-io.ts";

export const MODEL_DIR = join(dirname(fileURLToPath(import.meta.url)), "model");

export interface LoadedAdvisor {
  model: tf.LayersModel;
  meta: AdvisorMeta;
}

function sameShape(a: unknown, b: Array<number | null>): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * The model and its metadata for the device named `device` (a profile name), or
 * null with the reason logged. `force` loads it even when off by default.
 */
export async function loadAdvisor(dir: string, device: string, force: boolean, log: (line: string) => void): Promise<LoadedAdvisor | null> {
  try {
    const meta = readMeta(dir);
    if (meta.device !== device) {
      log("advisor: off: trained for " + JSON.stringify(meta.device) + ", this device is " + JSON.stringify(device));
      return null;
    }
    if (!meta.enabledByDefault && !force) {
      log("advisor: off by default (its evaluation fell short: " + meta.shortfalls.join("; ") + ")");
      return null;
    }
    const model = await loadModel(dir);
    const inShape = model.inputs[0].shape;
    const outShape = model.outputs[0].shape;
    if (!sameShape(inShape, [null, WINDOW_BINS, CHANNELS]) || !sameShape(outShape, [null, NUM_CLASSES])) {
      throw new Error("model takes " + JSON.stringify(inShape) + " and gives " + JSON.stringify(outShape) + "; expected [null," + WINDOW_BINS + "," + CHANNELS + "] → [null," + NUM_CLASSES + "]");
    }
    return { model, meta };
  } catch (e) {
    log("advisor: not loaded from " + dir + ": " + (e instanceof Error ? e.message : String(e)));
    return null;
  }
}
