// `osteodrive report LOG_DIR|JOURNAL [-o FILE.html] [--scenario NAME|FILE]`: renders
// a finished run (a trial's log directory, or a device journal) as the dashboard
// page with the same charts, in one self-contained HTML file that opens offline.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadRun } from "../dashboard/log-source.ts";
import { offlinePage } from "../dashboard/page.ts";
import { sized } from "../dashboard/rows.ts";
import { loadScenario } from "../../../sim/scenario.ts";

/** Rows embedded in a report at most (min/max time buckets beyond it): a 60-day log of 10 s samples stays a few MB. */
export const MAX_EMBEDDED_ROWS = 100000;

export const spec: CommandSpec = {
  name: "report",
  summary: "renders a finished run (trial log directory or device journal) as the dashboard page, offline, in one HTML file",
  synopsis: "LOG_DIR|JOURNAL [-o FILE.html] [--scenario NAME|FILE] [--vault FILE]",
  positionals: [{ name: "LOG_DIR|JOURNAL", help: "a trial's --out directory (trial.ndjson), or a journal file / a directory holding journal.bin" }],
  flags: [
    { name: "out", short: "o", value: "FILE.html", help: "where the page is written", default: "LOG_DIR/dashboard.html, or JOURNAL.html" },
    { name: "scenario", value: "NAME|FILE", help: "for a journal: the scenario whose prescription draws the target and rates (a journal holds no prescription)", default: "none: the estimate and events only" },
    { name: "vault", value: "FILE", help: "for a journal: the vault holding the device key it is read with", default: "the vault beside the journal (as journal dump finds it)" },
  ],
  notes: ["exit code: 0 written, 5 written but the log or journal is damaged (the page shows where), 2 no such log"],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  if (args.positional.length !== 1) throw new UsageError("one LOG_DIR or JOURNAL is needed\n" + usageLine(spec));
  const path = args.positional[0];
  const run = loadRun(path, args.values.scenario ? loadScenario(args.values.scenario) : null, args.values.vault || "");
  const rows = run.data.rows;
  const data = sized(run.data, MAX_EMBEDDED_ROWS);
  const out = args.values.out ?? (run.file.endsWith("trial.ndjson") ? join(path, "dashboard.html") : run.file + ".html");
  writeFileSync(out, offlinePage(data));
  process.stdout.write("report          " + out + " (" + rows[0].length + " samples, " + run.data.events.length + " events; " + data.meta.resolution + ")\n");
  if (run.damage) process.stderr.write("osteodrive report: damaged: " + run.damage + "\n");
  return run.damage ? EXIT.damaged : EXIT.ok;
}
