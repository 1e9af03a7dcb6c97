// `osteodrive sim`: runs the full controller on the simulator in virtual time and
// prints the summary (text, or the `--json` contract), optionally an HTML report.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { numberFlag, parseArgs, UsageError } from "../args.ts";
import { progressBar } from "../progress.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { runScenario } from "../../../sim/run.ts";
import type { Summary } from "../../../sim/run.ts";
import { renderReport } from "../../../sim/report.ts";
import { EXIT, runOutcome } from "../exit-codes.ts";

const USAGE = "usage: osteodrive sim --scenario NAME|FILE [--seed N] [--days N] [--open-loop] [--json] [--report FILE.html]";

export function formatSummary(s: Summary): string {
  const rates = s.dailyRateMmPerDay;
  const minRate = rates.length ? Math.min(...rates) : 0;
  const maxRate = rates.length ? Math.max(...rates) : 0;
  const lines = [
    "scenario        " + s.scenario + " (seed " + s.seed + (s.openLoop ? ", OPEN LOOP baseline" : "") + ")",
    "simulated       " + s.simulatedDays + " days in " + s.wallMs + " ms",
    "length          " + s.finalLengthMm.toFixed(4) + " mm of " + s.targetLengthMm + " mm prescribed",
    "tracking error  final " + s.finalErrorUm.toFixed(2) + " µm, rms " + s.rmsErrorUm.toFixed(2) + " µm, max " + s.maxErrorUm.toFixed(2) + " µm (true gap)",
    "daily rate      " + minRate.toFixed(4) + "–" + maxRate.toFixed(4) + " mm/day over " + rates.length + " distraction days (prescribed " + s.prescribedRateMmPerDay + ")",
    "increments/day  " + s.incrementsPerDay,
    "peak force      " + s.peakForceN.toFixed(1) + " N",
    "missed steps    " + s.missedSteps,
    "faults          " + (s.faults.length ? s.faults.map((f) => f.code + " at day " + (f.atMs / 86400000).toFixed(2)).join(", ") : "none"),
    "final phase     " + s.finalPhase,
  ];
  return lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["scenario", "seed", "days", "report"], switches: ["json", "open-loop", "help"] });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  if (!args.values.scenario) throw new UsageError("--scenario is required\n" + USAGE);
  const sc = loadScenario(args.values.scenario);
  const bar = progressBar(!args.switches.json);
  const res = runScenario(sc, {
    seed: numberFlag(args, "seed", 0, 4294967295, undefined),
    days: numberFlag(args, "days", 0.01, 3650, undefined),
    openLoop: args.switches["open-loop"] === true,
    onProgress: (f) => bar.update(f, sc.name),
  });
  bar.done();
  if (args.values.report) {
    mkdirSync(dirname(args.values.report), { recursive: true });
    writeFileSync(args.values.report, renderReport({
      title: sc.name,
      description: sc.description,
      summary: res.summary,
      series: res.recorder.series,
      phases: res.recorder.phases,
      softForceN: sc.prescription.softForceN,
      hardForceN: sc.prescription.hardForceN,
    }));
  }
  if (args.switches.json) process.stdout.write(JSON.stringify(res.summary) + "\n");
  else {
    process.stdout.write(formatSummary(res.summary));
    if (args.values.report) process.stdout.write("report          " + args.values.report + "\n");
  }
  return runOutcome(res.summary.finalPhase, Math.abs(res.summary.finalErrorUm) <= sc.profile.positionToleranceUm);
}
