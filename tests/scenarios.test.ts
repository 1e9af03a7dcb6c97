// Accuracy and safety of the closed-loop governor on every contract scenario,
// measured on the simulator's TRUE gap (deterministic: fixed seeds).

import test from "ava";
import { loadScenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";
import type { RunResult } from "../sim/run.ts";
import { MS_PER_DAY, MS_PER_HOUR, UM_PER_MM } from "../firmware/core/units.ts";

const cache: { [k: string]: RunResult } = {};
function run(name: string, openLoop = false): RunResult {
  const key = name + (openLoop ? ":open" : "");
  if (!cache[key]) cache[key] = runScenario(loadScenario(name), { openLoop });
  return cache[key];
}

const ALL = ["mandible-continuous-1mm", "limb-4x-daily", "noisy-rig", "premature-consolidation", "spring-loaded"];

test("mandible-continuous-1mm tracks within micrometres", (t) => {
  const s = run("mandible-continuous-1mm").summary;
  t.true(Math.abs(s.finalErrorUm) <= 5, "final " + s.finalErrorUm);
  t.true(s.rmsErrorUm <= 5, "rms " + s.rmsErrorUm);
  t.true(s.maxErrorUm <= 15, "max " + s.maxErrorUm);
  t.is(s.finalPhase, "complete");
  t.deepEqual(s.faults, []);
});

test("mandible-continuous-1mm delivers 1 mm ±1% on every distraction day in ≥ 1440 increments", (t) => {
  const s = run("mandible-continuous-1mm").summary;
  t.is(s.dailyRateMmPerDay.length, 20);
  for (const [d, r] of s.dailyRateMmPerDay.entries()) t.true(Math.abs(r - 1) <= 0.01, "day " + d + ": " + r);
  t.is(s.incrementsByDay.length, 20);
  for (const [d, n] of s.incrementsByDay.entries()) t.true(n >= 1440, "day " + d + ": " + n + " increments");
});

test("no motion during latency or consolidation", (t) => {
  for (const name of ["mandible-continuous-1mm", "limb-4x-daily", "spring-loaded"]) {
    const r = run(name);
    const rec = r.recorder;
    t.is(rec.movesOutsideDistraction, 0, name);
    const latency = r.scenario.prescription.latencyDays * MS_PER_DAY;
    const consolidation = rec.phases.find((p) => p.to === "consolidation");
    t.truthy(consolidation, name + " reached consolidation");
    for (let i = 0; i < rec.moveAtMs.length; i++) {
      if (rec.moveIssued[i] === 0) continue;
      t.true(rec.moveAtMs[i] >= latency, name + ": move during latency at " + rec.moveAtMs[i]);
      t.true(rec.moveAtMs[i] < consolidation!.atMs, name + ": move during consolidation at " + rec.moveAtMs[i]);
    }
  }
});

test("limb-4x-daily: four 0.25 mm increments a day at their scheduled times (± one tick)", (t) => {
  const r = run("limb-4x-daily");
  const rec = r.recorder;
  const um = r.scenario.profile.umPerMicrostep;
  const tick = r.scenario.profile.tickMs;
  const latency = r.scenario.prescription.latencyDays * MS_PER_DAY;
  const big: number[] = [];
  for (let i = 0; i < rec.moveAtMs.length; i++) {
    const size = rec.moveIssued[i] * um;
    if (size >= 200) {
      big.push(rec.moveAtMs[i]);
      t.true(Math.abs(size - 250) <= 10, "increment of " + size.toFixed(2) + " µm");
    }
  }
  t.is(big.length, 160, "40 mm in 160 increments");
  for (let k = 0; k < big.length; k++) {
    const due = latency + k * 6 * MS_PER_HOUR;
    t.true(big[k] >= due && big[k] <= due + tick, "increment " + k + " at " + big[k] + ", due " + due);
  }
  const s = r.summary;
  t.true(Math.abs(s.finalErrorUm) <= 5, "final " + s.finalErrorUm);
  for (const [d, n] of s.incrementsByDay.entries()) t.true(n >= 4, "day " + d + ": " + n);
});

test("noisy-rig: closed loop within 15 µm rms, 10 µm final; the open-loop baseline misses by ≥ 2%", (t) => {
  const closed = run("noisy-rig").summary;
  const open = run("noisy-rig", true).summary;
  t.true(closed.missedSteps > 0, "steps were missed");
  t.true(closed.rmsErrorUm <= 15, "rms " + closed.rmsErrorUm);
  t.true(Math.abs(closed.finalErrorUm) <= 10, "final " + closed.finalErrorUm);
  t.true(Math.abs(open.finalErrorUm) >= 0.02 * open.targetLengthMm * UM_PER_MM, "open-loop final " + open.finalErrorUm);
  t.true(open.rmsErrorUm / closed.rmsErrorUm >= 50, "ratio " + open.rmsErrorUm / closed.rmsErrorUm);
});

test("spring-loaded variant tracks within micrometres", (t) => {
  const s = run("spring-loaded").summary;
  t.true(Math.abs(s.finalErrorUm) <= 5, "final " + s.finalErrorUm);
  t.true(s.rmsErrorUm <= 5, "rms " + s.rmsErrorUm);
  t.is(s.finalPhase, "complete");
});

test("premature-consolidation: slows at the soft limit, stops at the hard limit, never drives into a stall", (t) => {
  const r = run("premature-consolidation");
  const s = r.summary;
  const rx = r.scenario.prescription;
  t.is(s.finalPhase, "fault");
  t.is(s.faults.length, 1);
  t.is(s.faults[0].code, "force-hard-limit");
  t.is(s.missedSteps, 0, "the motor never stalled");
  const soft = s.alarms.find((a) => a.code === "force-soft-limit");
  t.truthy(soft, "a soft-limit warning was raised");
  t.true(soft!.atMs < s.faults[0].atMs, "warning before the stop");
  t.true(s.peakForceN <= rx.hardForceN + 5, "peak force " + s.peakForceN);
  const after = r.recorder.moveAtMs.filter((m, i) => m > s.faults[0].atMs && r.recorder.moveIssued[i] > 0);
  t.deepEqual(after, [], "no motion after the fault");
});

test("in every scenario no rolling 24 h window exceeds the cap or budget, and no move exceeds the increment cap (whole log)", (t) => {
  for (const name of ALL) {
    const r = run(name);
    const { profile: p, prescription: rx } = r.scenario;
    const um = p.umPerMicrostep;
    const budgetUm = Math.min(p.hardRateCapMmPerDay, rx.rateMmPerDay * p.catchUpFactor) * UM_PER_MM;
    const rec = r.recorder;
    let lo = 0;
    let sum = 0;
    let worst = 0;
    for (let i = 0; i < rec.moveAtMs.length; i++) {
      const size = rec.moveIssued[i] * um;
      t.true(size <= p.incrementCapMm * UM_PER_MM + 1e-9, name + ": move of " + size + " µm");
      sum += size;
      while (rec.moveAtMs[lo] <= rec.moveAtMs[i] - MS_PER_DAY) sum -= rec.moveIssued[lo++] * um;
      if (sum > worst) worst = sum;
    }
    t.true(worst <= budgetUm + 1e-6, name + ": worst 24 h window " + worst.toFixed(3) + " µm > budget " + budgetUm);
    t.true(worst <= p.hardRateCapMmPerDay * UM_PER_MM, name + ": over the hard cap");
  }
});

test("runs are deterministic for a seed and differ across seeds", (t) => {
  const sc = loadScenario("noisy-rig");
  const a = runScenario(sc, { days: 3 }).summary;
  const b = runScenario(sc, { days: 3 }).summary;
  const c = runScenario(sc, { days: 3, seed: 99 }).summary;
  t.deepEqual({ ...a, wallMs: 0 }, { ...b, wallMs: 0 });
  t.not(a.finalLengthMm, c.finalLengthMm);
});
