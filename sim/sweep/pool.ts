// Runs a campaign's patients on worker threads (one patient per job, jobs handed
// out as workers free up, so a slow patient does not hold up the rest) and
// returns the outcomes in seed order whatever order they finished in. A failed
// patient (an exception in the simulator) stops the campaign with its seed.

import { Worker } from "node:worker_threads";
import type { Outcome } from "./evaluate.ts";

export interface Job {
  family: string;
  seed: number;
}

export async function runPool(jobs: Job[], workers: number, onDone: (done: number, total: number) => void): Promise<Outcome[]> {
  const out: Outcome[] = new Array(jobs.length);
  const index = new Map<string, number>();
  jobs.forEach((j, i) => index.set(j.family + ":" + j.seed, i));
  let next = 0;
  let done = 0;
  let failure: Error | null = null;
  const n = Math.max(1, Math.min(workers, jobs.length));
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(new URL("./worker.mjs", import.meta.url));
    const feed = () => w.postMessage(!failure && next < jobs.length ? jobs[next++] : null);
    w.on("message", (m: any) => {
      if (m.ok) out[index.get(m.outcome.family + ":" + m.outcome.seed)!] = m.outcome;
      else failure = failure || new Error("patient " + m.family + " seed " + m.seed + " failed: " + m.error);
      onDone(++done, jobs.length);
      feed();
    });
    w.on("error", (e) => reject(e));
    w.on("exit", () => resolve());
    feed();
  })));
  if (failure) throw failure;
  return out;
}
