// `osteodrive trial --port PATH|emulated:uno --profile FILE --prescription FILE
// [--board-clock SOCKET] [--time-scale K] [--duration D] [--out DIR] [--resume|--force]
// [--console PATH] [--advisor] [--dashboard [HOST:]PORT] [--json]`: a bench rate
// trial — the Node device on a board plus the bench recorder and report (see
// docs/hardware.md). Prints the `sim` summary (text, or the same JSON fields plus the
// trial's), accuracy and precision; writes NDJSON and CSV logs, summary.json,
// report.html and the journal into --out, which is never cleared. Ctrl-C disables
// the motor, flushes the log and exits 130. Its modules load after --help.

import { numberFlag, parseArgs, UsageError, usageLine } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { DASHBOARD_FLAG, DASHBOARD_SYNC_FLAG } from "../dashboard/flags.ts";
import { progressBar } from "../progress.ts";
import type { TrialSummary } from "../trial/summary.ts";

export const spec: CommandSpec = {
  name: "trial",
  summary: "a bench rate trial: the Node device on a Firmata board (or the emulated Uno) plus the bench recorder: logs, summary, report",
  synopsis: "--port PATH|emulated:uno --profile FILE --prescription FILE [--board-clock SOCKET] [--time-scale K] [--duration DAYS] [--out DIR] [--resume|--force] [--console PATH] [--advisor] [--json]",
  flags: [
    { name: "port", value: "PATH|emulated:uno", help: "the board's serial port (osteodrive ports lists them), or emulated:uno for the emulated Uno running genuine StandardFirmata", default: "required" },
    { name: "board-clock", value: "SOCKET", help: "the lockstep socket of an emulated Uno served by its own process (sim/uno/serve.ts); --port is then its pty", default: "the real-time clock" },
    { name: "profile", value: "FILE", help: "device profile JSON with its \"board\" wiring section (docs/hardware.md)", default: "required" },
    { name: "prescription", value: "FILE", help: "prescription JSON for this device (optional with --resume: the folder keeps its own copy)", default: "required" },
    { name: "time-scale", value: "K", help: "device days run K× faster than the board's clock, 1 to 100000; only for bench-only profiles (\"benchOnly\": true)", default: "1 (real time)" },
    { name: "duration", value: "DAYS", help: "stop after DAYS of device time, 0.0001 to 3650", default: "until complete (schedule + consolidation + 10 %)" },
    { name: "out", value: "DIR", help: "where trial.ndjson, trial.csv, summary.json, journal.bin and report.html go; never cleared", default: "out/trial" },
    { name: "resume", help: "continue the trial whose journal is in --out (logs appended)" },
    { name: "force", help: "start a new trial in a non-empty --out (what is there moves to previous-N/; nothing is deleted)" },
    { name: "console", value: "PATH", help: "serve the device console (docs/protocol.md) on this serial port", default: "no console" },
    { name: "advisor", help: "run the tissue-response advisor in the control loop (advisory only; off where it was not trained)" },
    { name: "json", help: "print the summary as one JSON line (no progress bar)" },
    DASHBOARD_FLAG,
    DASHBOARD_SYNC_FLAG,
  ],
  notes: ["exit code: 0 completed within tolerance, 3 a fault latched, 4 outside tolerance, 6 the board was lost (--resume continues), 1 the board or port failed, 2 bad flags, input files or a non-empty --out, 130 Ctrl-C (motor disabled, logs flushed)"],
};

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
  const args = parseArgs(argv, spec);
  for (const f of ["port", "profile"]) if (!args.values[f]) throw new UsageError("--" + f + " is required\n" + usageLine(spec));
  if (!args.values.prescription && !args.switches.resume) throw new UsageError("--prescription is required (except with --resume)\n" + usageLine(spec));
  const bar = progressBar(!args.switches.json);
  // loaded only now: --help stays quick
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
      dashboard: args.values.dashboard ? { address: args.values.dashboard, sync: args.switches["dashboard-sync"] === true } : undefined,
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
