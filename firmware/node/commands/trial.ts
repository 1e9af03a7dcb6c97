// `osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE
// [--time-scale K] [--duration D] [--out DIR] [--json]`: a bench rate trial of the
// real controller on a board (see docs/hardware.md). Prints the `sim` summary
// (text, or the same JSON fields plus the trial's), accuracy and precision; writes
// NDJSON and CSV logs, summary.json and report.html into --out. Ctrl-C disables
// the motor, flushes the log and exits 130.

import { numberFlag, parseArgs, UsageError } from "../args.ts";
import { progressBar } from "../progress.ts";
import { runTrial } from "../trial/run.ts";
import type { TrialSummary } from "../trial/summary.ts";
import { formatSummary } from "./sim.ts";

const USAGE = "usage: osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE [--time-scale K] [--duration DAYS] [--out DIR] [--json]\n" +
  "  --time-scale K  device days run K× faster than the board's clock (bench-only profiles, \"benchOnly\": true)\n" +
  "  --duration D    stop after D days of device time (default: until complete)";

function formatTrial(s: TrialSummary, files: { ndjson: string; csv: string; report: string }): string {
  return formatSummary(s) + [
    "port            " + s.port + (s.timeScale !== 1 ? " — BENCH ONLY, time ×" + s.timeScale : "") + ", " + s.boardSeconds + " s of board time, stopped: " + s.stopReason,
    "accuracy        " + s.accuracyPct + " % (length delivered vs prescribed, measured on the " + (s.truth === "plant" ? "rig's true gap" : "position sensor") + ")",
    "precision       " + s.precisionPct + " % over " + s.segmentAccuracyPct.length + " segments",
    "tolerance       final error " + s.finalErrorUm + " µm vs ±" + s.toleranceUm + " µm: " + (s.withinTolerance ? "within" : "OUTSIDE"),
    "logs            " + files.ndjson + ", " + files.csv + " (" + s.logRecords + " records)",
    "report          " + files.report,
  ].join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["port", "profile", "prescription", "time-scale", "duration", "out"], switches: ["json", "help"] });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  for (const f of ["port", "profile", "prescription"]) if (!args.values[f]) throw new UsageError("--" + f + " is required\n" + USAGE);
  const bar = progressBar(!args.switches.json);
  const res = await runTrial({
    port: args.values.port,
    profileFile: args.values.profile,
    prescriptionFile: args.values.prescription,
    timeScale: numberFlag(args, "time-scale", 1, 100000, 1)!,
    durationDays: numberFlag(args, "duration", 0.0001, 3650, undefined),
    outDir: args.values.out ?? "out/trial",
    onProgress: (f, day) => bar.update(f, "trial day " + day.toFixed(3)),
  }).catch((e) => {
    bar.done();
    // Board and link failures carry a named reason ("board-not-responding: …"): report, do not crash.
    if (e instanceof Error && /^[a-z][a-z-]+: /.test(e.message)) return e.message;
    throw e;
  });
  if (typeof res === "string") {
    process.stderr.write("osteodrive trial: " + res + "\n");
    return 1;
  }
  bar.done();
  process.stdout.write(args.switches.json ? JSON.stringify(res.summary) + "\n" : formatTrial(res.summary, res.files));
  return res.interrupted ? 130 : 0;
}
