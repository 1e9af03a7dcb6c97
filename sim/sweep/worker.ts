// A campaign worker thread: takes (family, seed) jobs from the pool, runs each
// patient and posts its outcome back; one patient at a time, deterministic.

import { parentPort } from "node:worker_threads";
import { family, makePatient } from "./families.ts";
import { evaluate } from "./evaluate.ts";

parentPort!.on("message", (job: { family: string; seed: number } | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ ok: true, outcome: evaluate(makePatient(family(job.family)!, job.seed)) });
  } catch (e: any) {
    parentPort!.postMessage({ ok: false, family: job.family, seed: job.seed, error: e && e.message ? e.message : String(e) });
  }
});
