// `osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE
// [--board-clock SOCKET] [--time-scale K] [--duration D] [--out DIR] [--resume|--force]
// [--console PATH] [--advisor] [--json]`: a bench rate trial — the Node device on a
// board plus the bench recorder and report (see docs/hardware.md). Prints the `sim`
// summary (text, or the same JSON fields plus the trial's), accuracy and precision;
// writes NDJSON and CSV logs, summary.json, report.html and the journal into --out.
// Ctrl-C disables the motor, flushes the log and exits 130.

import { numberFlag, parseArgs, UsageError } from "../args.ts";
import { progressBar } from "../progress.ts";
import type { TrialSummary } from "../trial/summary.ts";

const USAGE = "usage: osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE [--board-clock SOCKET] [--time-scale K] [--duration DAYS] [--out DIR] [--resume|--force] [--console PATH] [--advisor] [--json]\n" +
  "  --time-scale K  device days run K× faster than the board's clock (bench-only profiles, \"benchOnly\": true)\n" +
  "  --duration D    stop after D days of device time (default: until complete)\n" +
  "  --out DIR       where logs, report and journal go (default out/trial); never cleared:\n" +
  "  --resume        continue the trial whose journal is in --out (--prescription may be omitted)\n" +
  "  --force         start a new trial in a non-empty --out (what is there moves to previous-N/)\n" +
  "exit codes: 0 done within tolerance, 1 runtime failure, 2 bad input, 3 latched fault, 4 out of tolerance, 5 board lost, 130 interrupted";

function formatTrial(formatSummary: (s: TrialSummary) => string, s: TrialSummary, files: { ndjson: string; csv: string; report: string }): string {
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
  const args = parseArgs(argv, { values: ["port", "board-clock", "profile", "prescription", "time-scale", "duration", "out", "console"], switches: ["json", "help", "resume", "force", "advisor"] });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  for (const f of ["port", "profile"]) if (!args.values[f]) throw new UsageError("--" + f + " is required\n" + USAGE);
  if (!args.values.prescription && !args.switches.resume) throw new UsageError("--prescription is required (except with --resume)\n" + USAGE);
  const bar = progressBar(!args.switches.json);
  // loaded only now: --help stays instant
  const { runTrial } = await import("../trial/run.ts");
  const { formatSummary } = await import("./sim.ts");
  try {
    const res = await runTrial({
      port: args.values.port,
      boardClock: args.values["board-clock"] ?? null,
      profileFile: args.values.profile,
      prescriptionFile: args.values.prescription ?? null,
      timeScale: numberFlag(args, "time-scale", 1, 100000, 1)!,
      durationDays: numberFlag(args, "duration", 0.0001, 3650, undefined),
      outDir: args.values.out ?? "out/trial",
      resume: args.switches.resume === true,
      force: args.switches.force === true,
      consolePath: args.values.console ?? null,
      advisor: args.switches.advisor === true,
      onProgress: (f, day) => bar.update(f, "trial day " + day.toFixed(3)),
      say: (line) => {
        bar.done();
        process.stderr.write("osteodrive trial: " + line + "\n");
      },
    });
    bar.done();
    process.stdout.write(args.switches.json ? JSON.stringify(res.summary) + "\n" : formatTrial(formatSummary, res.summary, res.files));
    if (res.stopReason.startsWith("board-lost")) process.stderr.write("osteodrive trial: " + res.stopReason + " (--resume continues from the journal)\n");
    return res.exitCode;
  } finally {
    bar.done();
  }
}
