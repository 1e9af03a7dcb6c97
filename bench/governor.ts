// Governor cost: µs per decide() (median of batches, ≥ 10⁶ ticks in all) and heap
// bytes allocated per tick in steady state (heap growth over a batch with no GC,
// after warm-up), on a realistic closed loop that a perfect plant follows. The
// prescribed targets are computed up front (a table per tick), so the figures are the
// governor's own; the schedule's cost per call is measured separately, because V8
// boxes a returned double (16 bytes) whenever it does not inline the call.

import { PerformanceObserver } from "node:perf_hooks";
import { loadScenario } from "../sim/scenario.ts";
import { makeSchedule, targetUm } from "../firmware/core/schedule.ts";
import { applyMove, decide, makeDecision, makeGovernorConfig, makeGovernorState } from "../firmware/core/governor.ts";
import type { GovernorInput } from "../firmware/core/governor.ts";
import type { Reading } from "../hal/types.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";

export interface GovernorBench {
  ticks: number;
  usPerTickMedian: number;
  usPerTickBatches: number[];
  heapBytesPerTick: number;
  gcDuringAllocationBatch: number;
  scheduleUsPerCall: number;
  scheduleHeapBytesPerCall: number;
}

export function benchGovernor(batches: number, batchTicks: number, onProgress: (f: number) => void): GovernorBench {
  const sc = loadScenario("mandible-continuous-1mm");
  const sched = makeSchedule(sc.prescription, 0, sc.startWallMs);
  const cfg = makeGovernorConfig(sc.profile, sc.prescription, sched, sc.driver.maxMoveSteps, sc.driver.maxStepRateHz);
  const st = makeGovernorState(cfg, 0);
  const d = makeDecision();
  const pos: Reading = { value: 0, atMs: 0, ok: true };
  const force: Reading = { value: 20, atMs: 0, ok: true };
  const inp: GovernorInput = { tMs: 0.5, targetUm: 0.5, motionAllowed: true, pos, force };
  const tick = sc.profile.tickMs;
  const n = Math.floor((19 * MS_PER_DAY) / tick);
  const targets = new Float64Array(n);
  for (let k = 0; k < n; k++) targets[k] = targetUm(sched, sched.latencyMs + (k + 1) * tick);
  let k = 0;
  let lap = 0;
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      if (++k >= n) {
        k = 0;
        lap++;
      }
      // time keeps running (lap after lap) so the budget window rolls on
      const t = sched.latencyMs + (lap * n + k + 1) * tick;
      pos.value = st.stepCount * cfg.umPerStep - lap * targets[n - 1];
      pos.atMs = t;
      force.atMs = t;
      inp.tMs = t;
      inp.targetUm = targets[k];
      decide(cfg, st, inp, d);
      applyMove(st, t, d.steps, 1);
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
  const sch = benchSchedule(sched);
  return {
    ticks: batches * batchTicks,
    usPerTickMedian: round(sorted[Math.floor(sorted.length / 2)], 4),
    usPerTickBatches: per.map((x) => round(x, 4)),
    heapBytesPerTick: round(Math.max(0, h1 - h0) / allocTicks, 3),
    gcDuringAllocationBatch: gcs,
    scheduleUsPerCall: sch.us,
    scheduleHeapBytesPerCall: sch.bytes,
  };
}

function benchSchedule(sched: ReturnType<typeof makeSchedule>): { us: number; bytes: number } {
  const calls = 200000;
  let acc = 0;
  const call = () => {
    for (let i = 0; i < calls; i++) acc += targetUm(sched, sched.latencyMs + i * 10000);
  };
  call();
  const h0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  call();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / calls;
  const bytes = Math.max(0, process.memoryUsage().heapUsed - h0) / calls;
  return { us: round(us + (acc === -1 ? 1 : 0), 4), bytes: round(bytes, 3) };
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}
