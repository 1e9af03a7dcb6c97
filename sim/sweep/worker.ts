// A campaign worker thread: takes (family, seed) jobs from the pool, runs each
// patient and posts its outcome back; one patient at a time, deterministic.

import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { family, makePatient } from "./families.ts";
import { evaluate } from "./evaluate.ts";

/**
 * CPU time of this thread (ms). process.cpuUsage() counts the whole process, so with
 * two workers each patient would be charged the other's CPU too: Linux keeps a
 * per-thread account (/proc/thread-self/stat: utime, stime in 10 ms ticks); where
 * there is none, the process's (exact with one worker).
 */
function threadCpuMs(): number {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch (e) {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  }
}

parentPort!.on("message", (job: { family: string; seed: number } | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  try {
    // CPU time, not wall time: a loaded machine makes the wall time wait, not the work
    const cpu0 = threadCpuMs();
    const outcome = evaluate(makePatient(family(job.family)!, job.seed));
    outcome.cpuMs = threadCpuMs() - cpu0;
    parentPort!.postMessage({ ok: true, outcome });
  } catch (e: any) {
    parentPort!.postMessage({ ok: false, family: job.family, seed: job.seed, error: e && e.message ? e.message : String(e) });
  }
});
