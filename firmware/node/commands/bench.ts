// `osteodrive bench [--json] [--quick]`: governor µs/tick and allocations per tick,
// simulator speed, closed- vs open-loop error on noisy-rig, and the journal's cost
// (format 3 against the format-2 baseline and no journal, side by side). Numbers, never
// assertions: CI runs the tests, people and dashboards read these.

import { parseArgs } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { progressBar } from "../progress.ts";
import { benchGovernor } from "../../../bench/governor.ts";
import { benchSimulator } from "../../../bench/simulator.ts";
import { benchJournal } from "../../../bench/journal.ts";
import { benchEspruinoTick } from "../espruino/tick-bench.ts";
import { benchUno } from "../../../bench/uno.ts";

export const spec: CommandSpec = {
  name: "bench",
  summary: "benchmarks: governor µs and heap per tick, simulator speed, closed vs open loop, Espruino tick cost (numbers, never pass/fail)",
  synopsis: "[--json] [--quick] [--uno]",
  flags: [
    { name: "json", help: "print every figure as JSON" },
    { name: "quick", help: "fewer governor batches (3 instead of 11): faster, noisier" },
    { name: "uno", help: "also measure the emulated Uno (speed, Firmata latency, pins-mode step rate; ~20 s)" },
  ],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  const bar = progressBar(true);
  const quick = args.switches.quick === true;
  const governor = benchGovernor(quick ? 3 : 11, quick ? 100000 : 100000, (f) => bar.update(f * 0.3, "governor"));
  const simulator = benchSimulator((f) => bar.update(0.3 + f * 0.25, "simulator"));
  const journal = benchJournal(quick ? 1 : 3, (f) => bar.update(0.55 + f * 0.4, "journal: format 2, format 3, none"));
  bar.update(0.95, "espruino bundle in the vm shim");
  const espruino = benchEspruinoTick();
  bar.done();
  const uno = args.switches.uno ? await benchUno() : null;
  const out = { node: process.version, governor, simulator, journal, espruino, uno };
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
    "journal        60-day " + journal.protocol + ": format 3 " + journal.medianCpuS.format3 + " s CPU, format 2 " + journal.medianCpuS.format2 + " s (" + journal.speedupVsFormat2 + "× faster), no journal " + journal.medianCpuS.off + " s (" + journal.overJournalOff + "×); median of " + journal.rounds + " (wall " + journal.medianWallS.format3 + " / " + journal.medianWallS.format2 + " / " + journal.medianWallS.off + " s)",
    "               written per simulated day: format 3 " + journal.perDay.format3.bytes + " B in " + journal.perDay.format3.records + " records, " + journal.perDay.format3.compactions + " compactions; format 2 " + journal.perDay.format2.bytes + " B, " + journal.perDay.format2.compactions + " compactions (" + journal.bytesReduction + "× fewer bytes)",
    "               patients per minute (one 60-day protocol each): format 3 " + journal.patientsPerMinute.format3 + ", format 2 " + journal.patientsPerMinute.format2 + ", no journal " + journal.patientsPerMinute.off + " (per CPU minute: " + journal.patientsPerCpuMinute.format3 + " / " + journal.patientsPerCpuMinute.format2 + " / " + journal.patientsPerCpuMinute.off + ")",
    "espruino       bundle tick in the vm shim " + espruino.usPerTick + " µs (V8); " + espruino.callsPerTick + " calls/tick ≈ " + espruino.espruinoMcuMsPerTick.join("–") + " ms on a microcontroller",
  ].join("\n") + "\n");
  if (uno) process.stdout.write("emulated Uno   " + JSON.stringify(uno) + "\n");
  return 0;
}
