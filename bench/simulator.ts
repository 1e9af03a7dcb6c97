// Simulator speed (simulated days per wall second, wall seconds for a 60-day
// protocol) and the closed-loop vs open-loop comparison on noisy-rig.

import { loadScenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";

export interface SimulatorBench {
  protocol60DaysWallS: number;
  simulatedDaysPerWallS: number;
  noisyRig: {
    seed: number;
    closedLoop: { finalErrorUm: number; rmsErrorUm: number; maxErrorUm: number };
    openLoop: { finalErrorUm: number; rmsErrorUm: number; maxErrorUm: number };
    rmsRatio: number;
    finalRatio: number;
  };
}

export function benchSimulator(onProgress: (f: number) => void): SimulatorBench {
  const mandible = loadScenario("mandible-continuous-1mm");
  runScenario(mandible, { days: 5 }); // warm-up
  const t0 = performance.now();
  const r = runScenario(mandible, { days: 60, onProgress: (f) => onProgress(0.8 * f) });
  const wallS = (performance.now() - t0) / 1000;
  const rig = loadScenario("noisy-rig");
  const closed = runScenario(rig).summary;
  onProgress(0.9);
  const open = runScenario(rig, { openLoop: true }).summary;
  onProgress(1);
  const pick = (s: typeof closed) => ({ finalErrorUm: s.finalErrorUm, rmsErrorUm: s.rmsErrorUm, maxErrorUm: s.maxErrorUm });
  return {
    protocol60DaysWallS: Math.round(wallS * 1000) / 1000,
    simulatedDaysPerWallS: Math.round(r.summary.simulatedDays / wallS),
    noisyRig: {
      seed: rig.seed,
      closedLoop: pick(closed),
      openLoop: pick(open),
      rmsRatio: Math.round((open.rmsErrorUm / closed.rmsErrorUm) * 10) / 10,
      finalRatio: Math.round(Math.abs(open.finalErrorUm / closed.finalErrorUm) * 10) / 10,
    },
  };
}
