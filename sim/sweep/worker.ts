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
    // CPU time, not wall time: a loaded machine makes the wall time wait, not the work
    const cpu0 = process.cpuUsage();
    const outcome = evaluate(makePatient(family(job.family)!, job.seed));
    const cpu = process.cpuUsage(cpu0);
    outcome.cpuMs = (cpu.user + cpu.system) / 1000;
    parentPort!.postMessage({ ok: true, outcome });
  } catch (e: any) {
    parentPort!.postMessage({ ok: false, family: job.family, seed: job.seed, error: e && e.message ? e.message : String(e) });
  }
});
