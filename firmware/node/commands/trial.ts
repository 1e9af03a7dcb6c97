// `osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE
// [--time-scale K] [--duration D] [--out DIR] [--json]`: a bench rate trial of the
// real controller on a board (see docs/hardware.md). Prints the `sim` summary
// (text, or the same JSON fields plus the trial's), accuracy and precision; writes
// NDJSON and CSV logs, summary.json and report.html into --out. Ctrl-C disables
// the motor, flushes the log and exits 130.

import { numberFlag, parseArgs, requireFlags } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT, runOutcome } from "../exit-codes.ts";
import { DASHBOARD_FLAG, DASHBOARD_SYNC_FLAG } from "../dashboard/flags.ts";
import { progressBar } from "../progress.ts";
import { runTrial } from "../trial/run.ts";
import type { TrialSummary } from "../trial/summary.ts";
import { formatSummary } from "./sim.ts";

export const spec: CommandSpec = {
  name: "trial",
  summary: "a bench rate trial of the real controller on a Firmata board (or the emulated Uno): logs, summary, report",
  synopsis: "--port PATH|emulated:uno --profile FILE --prescription FILE [--time-scale K] [--duration DAYS] [--out DIR] [--json]",
  flags: [
    { name: "port", value: "PATH|emulated:uno", help: "the board's serial port (osteodrive ports lists them), or emulated:uno for the emulated Uno running genuine StandardFirmata", default: "required" },
    { name: "profile", value: "FILE", help: "device profile JSON with its \"board\" wiring section (docs/hardware.md)", default: "required" },
    { name: "prescription", value: "FILE", help: "prescription JSON for this device", default: "required" },
    { name: "time-scale", value: "K", help: "device days run K× faster than the board's clock, 1 to 100000; only for bench-only profiles (\"benchOnly\": true)", default: "1 (real time)" },
    { name: "duration", value: "DAYS", help: "stop after DAYS of device time, 0.0001 to 3650", default: "until complete (schedule + consolidation + 10 %)" },
    { name: "out", value: "DIR", help: "where trial.ndjson, trial.csv, summary.json, journal.bin and report.html go", default: "out/trial" },
    { name: "json", help: "print the summary as one JSON line (no progress bar)" },
    DASHBOARD_FLAG,
    DASHBOARD_SYNC_FLAG,
  ],
  notes: ["exit code: 0 completed within tolerance, 3 a fault latched, 4 outside tolerance, 1 the board or port failed, 2 bad flags or input files, 130 Ctrl-C (motor disabled, logs flushed)"],
};

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
  const args = parseArgs(argv, spec);
  requireFlags(args, spec);
  const bar = progressBar(!args.switches.json);
  const res = await runTrial({
    port: args.values.port,
    profileFile: args.values.profile,
    prescriptionFile: args.values.prescription,
    timeScale: numberFlag(args, "time-scale", 1, 100000, 1)!,
    durationDays: numberFlag(args, "duration", 0.0001, 3650, undefined),
    outDir: args.values.out ?? "out/trial",
    onProgress: (f, day) => bar.update(f, "trial day " + day.toFixed(3)),
    dashboard: args.values.dashboard ? { address: args.values.dashboard, sync: args.switches["dashboard-sync"] === true } : undefined,
    say: (line) => process.stderr.write(line + "\n"),
  }).catch((e) => {
    bar.done();
    // Board and link failures carry a named reason ("board-not-responding: …"): report, do not crash.
    if (e instanceof Error && /^[a-z][a-z-]+: /.test(e.message)) return e.message;
    throw e;
  });
  if (typeof res === "string") {
    process.stderr.write("osteodrive trial: " + res + "\n");
    return EXIT.error;
  }
  bar.done();
  process.stdout.write(args.switches.json ? JSON.stringify(res.summary) + "\n" : formatTrial(res.summary, res.files));
  return res.interrupted ? EXIT.interrupted : runOutcome(res.summary.finalPhase, res.summary.withinTolerance);
}
