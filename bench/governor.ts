// Governor cost: µs per decide() (median of batches, ≥ 10⁶ ticks in all) and heap
// bytes allocated per tick in steady state (heap growth over a batch with no GC,
// after warm-up), on a realistic closed loop that a perfect plant follows.

import { PerformanceObserver } from "node:perf_hooks";
import { loadScenario } from "../sim/scenario.ts";
import { makeSchedule, targetUm } from "../firmware/core/schedule.ts";
import { applyMove, decide, makeDecision, makeGovernorConfig, makeGovernorState } from "../firmware/core/governor.ts";
import type { Reading } from "../hal/types.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";

export interface GovernorBench {
  ticks: number;
  usPerTickMedian: number;
  usPerTickBatches: number[];
  heapBytesPerTick: number;
  gcDuringAllocationBatch: number;
}

export function benchGovernor(batches: number, batchTicks: number, onProgress: (f: number) => void): GovernorBench {
  const sc = loadScenario("mandible-continuous-1mm");
  const sched = makeSchedule(sc.prescription, 0, sc.startWallMs);
  const cfg = makeGovernorConfig(sc.profile, sc.prescription, sched, sc.driver.maxMoveSteps, sc.driver.maxStepRateHz);
  const st = makeGovernorState(cfg, 0);
  const d = makeDecision();
  const pos: Reading = { value: 0, atMs: 0, ok: true };
  const force: Reading = { value: 20, atMs: 0, ok: true };
  let t = sched.latencyMs;
  const tick = sc.profile.tickMs;
  const end = sched.latencyMs + 19 * MS_PER_DAY;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      t += tick;
      if (t > end) t = sched.latencyMs + tick; // stay inside distraction; the budget window rolls on
      pos.value = st.stepCount * cfg.umPerStep;
      pos.atMs = t;
      force.atMs = t;
      decide(cfg, st, t, targetUm(sched, t), true, pos, force, d);
      applyMove(st, t, d.steps);
    }
  };
  run(200000); // warm-up: JIT and the budget window's buckets
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    run(batchTicks);
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / batchTicks);
    onProgress((b + 1) / (batches + 1));
  }
  let gcs = 0;
  const obs = new PerformanceObserver((list) => { gcs += list.getEntries().length; });
  obs.observe({ entryTypes: ["gc"] });
  const allocTicks = 100000;
  const h0 = process.memoryUsage().heapUsed;
  run(allocTicks);
  const h1 = process.memoryUsage().heapUsed;
  obs.disconnect();
  const sorted = per.slice().sort((a, b) => a - b);
  return {
    ticks: batches * batchTicks,
    usPerTickMedian: round(sorted[Math.floor(sorted.length / 2)], 4),
    usPerTickBatches: per.map((x) => round(x, 4)),
    heapBytesPerTick: round(Math.max(0, h1 - h0) / allocTicks, 3),
    gcDuringAllocationBatch: gcs,
  };
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}
