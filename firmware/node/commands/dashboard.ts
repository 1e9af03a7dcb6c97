// `osteodrive dashboard LOG_DIR|JOURNAL [--listen [HOST:]PORT] [--scenario NAME|FILE]`:
// serves the dashboard page for a run's files (a trial log directory or a device
// journal) until Ctrl-C. Every page load reads the files again, so reloading shows
// how far a trial writing into the directory has got. A running device serves its
// own live page: `device ... --dashboard PORT`, `trial ... --dashboard PORT`.

import { parseArgs, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { loadRun } from "../dashboard/log-source.ts";
import { DashboardServer, parseAddress } from "../dashboard/server.ts";
import type { DashSource } from "../dashboard/server.ts";
import { sized } from "../dashboard/rows.ts";
import { loadScenario } from "../../../sim/scenario.ts";

export const spec: CommandSpec = {
  name: "dashboard",
  summary: "serves the dashboard page for a run's log or journal (a running device serves its own: device/trial --dashboard)",
  synopsis: "LOG_DIR|JOURNAL [--listen [HOST:]PORT] [--scenario NAME|FILE] [--vault FILE]",
  positionals: [{ name: "LOG_DIR|JOURNAL", help: "a trial's --out directory (trial.ndjson), or a journal file / a directory holding journal.bin" }],
  flags: [
    { name: "listen", value: "[HOST:]PORT", help: "where to serve (PORT 0 = any free port; the URL is printed); read-only", default: "127.0.0.1:8080" },
    { name: "scenario", value: "NAME|FILE", help: "for a journal: the scenario whose prescription draws the target and rates", default: "none" },
    { name: "vault", value: "FILE", help: "for a journal: the vault holding the device key it is read with", default: "the vault beside the journal (as journal dump finds it)" },
  ],
  notes: ["exit code: 0 after Ctrl-C, 2 no such log or a bad address"],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  if (args.positional.length !== 1) throw new UsageError("one LOG_DIR or JOURNAL is needed\n" + usageLine(spec));
  const path = args.positional[0];
  const sc = args.values.scenario ? loadScenario(args.values.scenario) : null;
  const vault = args.values.vault || "";
  const addr = parseAddress(args.values.listen ?? "127.0.0.1:8080");
  const first = loadRun(path, sc, vault);
  const source: DashSource = {
    meta: first.data.meta,
    snapshot: (maxRows) => sized(loadRun(path, sc, vault).data, maxRows),
  };
  const server = new DashboardServer(source, false);
  const url = await server.listen(addr);
  process.stderr.write("dashboard: " + url + " (" + first.file + (first.damage ? "; DAMAGED: " + first.damage : "") + "); Ctrl-C to stop\n");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await server.close();
  return EXIT.ok;
}
