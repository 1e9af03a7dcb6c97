// `--advisor` on a device: the tissue-response advisor inside the control loop
// (every 15 device minutes), advisory only. It stays off where its evaluation fell
// short or the device is not the one it was trained for; that is logged, and the
// device runs without it. Importing this module loads TensorFlow.js: the device
// commands import it only when --advisor is given.

import type { Annunciator } from "../../../hal/types.ts";
import type { Controller } from "../../core/controller.ts";
import { selectBackend } from "./backend.ts";
import { AdvisoryHook } from "./hook.ts";
import { MODEL_DIR, loadAdvisor } from "./load.ts";
import { modelScorer } from "./predict.ts";

/** True when the advisor runs on this device; its decisions go to stderr. */
export async function attachAdvisor(ctl: Controller, alarm: Annunciator, device: string): Promise<boolean> {
  const say = (line: string) => process.stderr.write("advisor: " + line + "\n");
  const backend = await selectBackend();
  say("backend " + backend.name);
  const loaded = await loadAdvisor(MODEL_DIR, device, false, say);
  if (!loaded) return false;
  ctl.addObserver(new AdvisoryHook(ctl, alarm, modelScorer(loaded.model), loaded.meta.modelPolicy, say));
  return true;
}
