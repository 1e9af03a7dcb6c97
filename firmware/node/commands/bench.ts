// `osteodrive bench [--json] [--quick]`: governor µs/tick and allocations per tick,
// simulator speed, and closed- vs open-loop error on noisy-rig. Numbers, never
// assertions: CI runs the tests, people and dashboards read these.

import { parseArgs } from "../args.ts";
import { progressBar } from "../progress.ts";
import { benchGovernor } from "../../../bench/governor.ts";
import { benchSimulator } from "../../../bench/simulator.ts";
import { benchEspruinoTick } from "../espruino/tick-bench.ts";
import { benchUno } from "../../../bench/uno.ts";

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [], switches: ["json", "quick", "uno", "help"] });
  if (args.switches.help) {
    process.stdout.write("usage: osteodrive bench [--json] [--quick] [--uno]\n  --uno  also measure the emulated Uno (speed, Firmata latency, pins-mode step rate; ~20 s)\n");
    return 0;
  }
  const bar = progressBar(true);
  const quick = args.switches.quick === true;
  const governor = benchGovernor(quick ? 3 : 11, quick ? 100000 : 100000, (f) => bar.update(f * 0.5, "governor"));
  const simulator = benchSimulator((f) => bar.update(0.5 + f * 0.45, "simulator"));
  bar.update(0.95, "espruino bundle in the vm shim");
  const espruino = benchEspruinoTick();
  bar.done();
  const uno = args.switches.uno ? await benchUno() : null;
  const out = { node: process.version, governor, simulator, espruino, uno };
  if (args.switches.json) {
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  }
  const g = governor;
  const s = simulator;
  process.stdout.write([
    "governor       " + g.usPerTickMedian + " µs/tick (median of " + g.usPerTickBatches.length + " batches, " + g.ticks + " ticks); " + g.heapBytesPerTick + " heap bytes/tick (" + g.gcDuringAllocationBatch + " GCs during that batch)",
    "schedule       " + g.scheduleUsPerCall + " µs per target computation; " + g.scheduleHeapBytesPerCall + " heap bytes/call",
    "simulator      60-day protocol in " + s.protocol60DaysWallS + " s wall; " + s.simulatedDaysPerWallS + " simulated days per wall second",
    "noisy-rig      closed loop rms " + s.noisyRig.closedLoop.rmsErrorUm + " µm, final " + s.noisyRig.closedLoop.finalErrorUm + " µm",
    "               open loop   rms " + s.noisyRig.openLoop.rmsErrorUm + " µm, final " + s.noisyRig.openLoop.finalErrorUm + " µm",
    "               ratio (open/closed) rms " + s.noisyRig.rmsRatio + "×, final " + s.noisyRig.finalRatio + "×",
    "espruino       bundle tick in the vm shim " + espruino.usPerTick + " µs (V8); " + espruino.callsPerTick + " calls/tick ≈ " + espruino.espruinoMcuMsPerTick.join("–") + " ms on a microcontroller",
  ].join("\n") + "\n");
  if (uno) process.stdout.write("emulated Uno   " + JSON.stringify(uno) + "\n");
  return 0;
}
