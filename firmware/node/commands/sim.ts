// `osteodrive sim`: runs the full controller on the simulator in virtual time and
// prints the summary (text, or the `--json` contract), optionally an HTML report.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { numberFlag, parseArgs, requireFlags } from "../args.ts";
import type { CommandSpec, FlagDef } from "../args.ts";
import { runOutcome } from "../exit-codes.ts";
import { progressBar } from "../progress.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import type { SimWorld } from "../../../sim/world.ts";
import { Recorder } from "../../../sim/recorder.ts";
import { makeSchedule } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { TrialLog, logStart } from "../trial/log.ts";
import { TrialObserver } from "../trial/observer.ts";
import type { LengthSource } from "../trial/observer.ts";
import { runScenario } from "../../../sim/run.ts";
import type { Summary } from "../../../sim/run.ts";
import { lengthName, renderReport, runReportInput } from "../../../sim/report.ts";
import type { Truth } from "../../../sim/report.ts";

/** --scenario, as sim, device and advisor sim take it. */
export const SCENARIO_FLAG: FlagDef = { name: "scenario", value: "NAME|FILE", help: "a scenario in sim/scenarios (or its faults/ folder) by name, or a scenario JSON file", default: "required" };

export const spec: CommandSpec = {
  name: "sim",
  summary: "runs the controller on the simulator in virtual time and prints the summary (text or the --json contract)",
  synopsis: "--scenario NAME|FILE [--seed N] [--days N] [--open-loop] [--json] [--report FILE.html]",
  flags: [
    SCENARIO_FLAG,
    { name: "seed", value: "N", help: "the plant's random seed, 0 to 4294967295", default: "the scenario's seed" },
    { name: "days", value: "N", help: "simulated days to run, 0.01 to 3650", default: "latency + distraction + consolidation + 1 day" },
    { name: "open-loop", help: "the open-loop baseline: the position sensor is replaced by a turn counter (how magnet-driven nails measure)" },
    { name: "json", help: "print the summary contract as one JSON line (no progress bar)" },
    { name: "report", value: "FILE.html", help: "also write the self-contained HTML report with plots", default: "no report" },
    { name: "log", value: "DIR", help: "also write the run's log as a trial does (DIR/trial.ndjson, trial.csv), for osteodrive report and dashboard", default: "no log" },
  ],
  notes: ["exit code: 0 completed within the profile's tolerance, 3 a fault latched, 4 outside tolerance, 2 bad flags or scenario (osteodrive --help lists them)"],
};

function events(list: Summary["faults"]): string {
  return list.length ? list.map((f) => f.code + " at day " + (f.atMs / 86400000).toFixed(2)).join(", ") : "none";
}

/** The text summary; `truth` names what the lengths were measured on (a real rig: its position sensor). */
export function formatSummary(s: Summary & { truth?: Truth }): string {
  const rates = s.dailyRateMmPerDay;
  const lines = [
    "scenario        " + s.scenario + " (seed " + s.seed + (s.openLoop ? ", OPEN LOOP baseline" : "") + ")",
    "simulated       " + s.simulatedDays + " days in " + s.wallMs + " ms",
    "length          " + s.finalLengthMm.toFixed(4) + " mm of " + s.targetLengthMm + " mm prescribed",
    "tracking error  final " + s.finalErrorUm.toFixed(2) + " µm, rms " + s.rmsErrorUm.toFixed(2) + " µm, max " + s.maxErrorUm.toFixed(2) + " µm (" + lengthName(s.truth) + ")",
    "daily rate      " + (rates.length
      ? Math.min(...rates).toFixed(4) + "–" + Math.max(...rates).toFixed(4) + " mm/day over " + rates.length + " distraction days (prescribed " + s.prescribedRateMmPerDay + ")"
      : "none: no distraction day reached (prescribed " + s.prescribedRateMmPerDay + " mm/day)"),
    "increments/day  " + (rates.length ? String(s.incrementsPerDay) : "none: no distraction day reached"),
    "peak force      " + s.peakForceN.toFixed(1) + " N",
    "missed steps    " + s.missedSteps,
    "faults          " + events(s.faults),
    "warnings        " + events(s.warnings),
    "final phase     " + s.finalPhase,
  ];
  return lines.join("\n") + "\n";
}

/** Writes every sample and command of a simulated run in the trial log's format (the plant is the truth). */
function logObserver(sc: Scenario, world: SimWorld, log: TrialLog): TrialObserver {
  const schedule = makeSchedule(sc.prescription, 0, sc.startWallMs);
  log.write({ type: "start", tMs: 0, boardMs: 0, code: sc.profile.name, detail: JSON.stringify(logStart(sc.profile, sc.prescription, schedule, sc.startWallMs, "plant", "sim:" + sc.name, 1)) });
  const length: LengthSource = { kind: "plant", get gapUm() { return world.plant.gapUm; } };
  const recorder = new Recorder(world.plant, schedule, sc.profile.tickMs, MS_PER_DAY);
  return new TrialObserver(recorder, log, length, () => world.clock.monoMs());
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  requireFlags(args, spec);
  const sc = loadScenario(args.values.scenario);
  const bar = progressBar(!args.switches.json);
  if (args.values.log) mkdirSync(args.values.log, { recursive: true });
  const log = args.values.log ? new TrialLog(args.values.log, "plant", false, true) : null;
  const res = runScenario(sc, {
    seed: numberFlag(args, "seed", 0, 4294967295, undefined),
    days: numberFlag(args, "days", 0.01, 3650, undefined),
    openLoop: args.switches["open-loop"] === true,
    onProgress: (f) => bar.update(f, sc.name),
    observers: (world) => (log ? [logObserver(sc, world, log)] : []),
  });
  if (log) log.close();
  bar.done();
  if (args.values.report) {
    mkdirSync(dirname(args.values.report), { recursive: true });
    writeFileSync(args.values.report, renderReport(runReportInput(res)));
  }
  if (args.switches.json) process.stdout.write(JSON.stringify(res.summary) + "\n");
  else {
    process.stdout.write(formatSummary(res.summary));
    if (args.values.report) process.stdout.write("report          " + args.values.report + "\n");
  }
  return runOutcome(res.summary.finalPhase, res.summary.withinTolerance);
}
