// Training is deterministic with its seed (a tiny run: two trials, one epoch, on
// the cpu backend; the full `osteodrive advisor train` is not part of the suite),
// and a different seed gives a different model.

import test from "ava";
import { selectBackend } from "../firmware/node/advisor/backend.ts";
import { generateTrial } from "../firmware/node/advisor/generate.ts";
import { drawTrial } from "../firmware/node/advisor/spread.ts";
import { trainModel } from "../firmware/node/advisor/train.ts";

test("the same seed trains the same weights; another seed does not", async (t) => {
  await selectBackend("cpu");
  const quick = (cls: Parameters<typeof drawTrial>[0], seed: number) => generateTrial(Object.assign(drawTrial(cls, seed), { latencyDays: 1 }));
  const train = [quick("normal", 1), quick("premature-consolidation", 2)];
  const val = [quick("weak-regenerate", 3)];
  const weights = async (seed: number) => {
    const m = await trainModel(train, val, { seed, epochs: 1, stride: 32, onEpoch: () => {} });
    return m.getWeights().map((w) => Array.from(w.dataSync()));
  };
  const a = await weights(5);
  t.deepEqual(await weights(5), a);
  t.notDeepEqual(await weights(6), a);
});
