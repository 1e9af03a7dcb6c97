// `osteodrive device`: the Node firmware.
//   --board PORT|emulated:uno --profile FILE [--prescription FILE] --journal DIR
//   [--board-clock SOCKET] [--console PATH] [--advisor] [--time-scale K]
//   [--duration DAYS] [--until-complete] [--json]
// runs it on a johnny-five board (firmware/node/device/board-run.ts): file journal
// with recovery on every start, console on a second serial line, advisor. Without
// --until-complete or --duration it runs until stopped (a device).
//   --hal sim --scenario NAME|FILE [--journal DIR] [--world FILE] [--time-scale K|max]
//   [--days N] [--until-complete] [--json] [--console PATH] [--bench-input] [--advisor]
// runs it on the simulated device (firmware/node/device/sim-run.ts).
// Only what the chosen target needs is loaded: TensorFlow.js only with --advisor.

import { numberFlag, parseArgs, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";

const USAGE = [
  "usage: osteodrive device --board PORT|emulated:uno --profile FILE [--prescription FILE] --journal DIR [--board-clock SOCKET] [--console PATH] [--advisor] [--time-scale K] [--duration DAYS] [--until-complete] [--json]",
  "       osteodrive device --hal sim --scenario NAME|FILE [--journal DIR] [--world FILE] [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH] [--bench-input] [--advisor]",
  "  --board PORT       the Uno's serial device (StandardFirmata), or emulated:uno (an emulated Uno in this process)",
  "  --board-clock S    the lockstep socket of an emulated Uno served by its own process (sim/uno/serve.ts)",
  "  --journal DIR      the journal (recovered at every start) and the prescription it is bound to",
  "  --prescription F   required on a fresh DIR; later starts may omit it (a different one is refused)",
  "  --console PATH     the device console on a second serial line (docs/protocol.md)",
  "  --time-scale K     device time runs K× the board's (bench-only profiles)",
  "  --duration D       stop after D device days; --until-complete: once complete or faulted",
  "exit codes: 0 done, 1 runtime failure, 2 bad input, 3 latched fault, 4 out of tolerance, 5 board lost, 130 interrupted",
].join("\n");

const say = (line: string) => process.stderr.write("osteodrive device: " + line + "\n");

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ["board", "board-clock", "profile", "prescription", "journal", "console", "time-scale", "duration", "hal", "scenario", "world", "days"],
    switches: ["until-complete", "json", "help", "bench-input", "advisor"],
  });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return EXIT.ok;
  }
  const v = args.values;
  if (v.hal !== undefined && v.board !== undefined) throw new UsageError("--hal and --board exclude each other\n" + USAGE);
  if (v.hal !== undefined) {
    if (v.hal !== "sim") throw new UsageError("--hal sim is the only simulated HAL (real boards: --board PORT)\n" + USAGE);
    if (!v.scenario) throw new UsageError("--scenario is required with --hal sim\n" + USAGE);
    for (const f of ["board-clock", "profile", "prescription", "duration"]) if (v[f] !== undefined) throw new UsageError("--" + f + " goes with --board, not --hal sim\n" + USAGE);
    const scale = v["time-scale"] === "max" ? Infinity : numberFlag(args, "time-scale", 1, 1e7, 1)!;
    const { runSimDevice } = await import("../device/sim-run.ts");
    return runSimDevice({
      scenario: v.scenario,
      journalDir: v.journal ?? null,
      worldFile: v.world ?? null,
      timeScale: scale,
      days: numberFlag(args, "days", 0.001, 3650, undefined) ?? null,
      untilComplete: args.switches["until-complete"] === true,
      json: args.switches.json === true,
      consolePath: v.console ?? null,
      benchInput: args.switches["bench-input"] === true,
      advisor: args.switches.advisor === true,
      say,
    });
  }
  if (!v.board) throw new UsageError("--board PORT|emulated:uno (or --hal sim) is required\n" + USAGE);
  for (const f of ["profile", "journal"]) if (!v[f]) throw new UsageError("--" + f + " is required with --board\n" + USAGE);
  for (const f of ["scenario", "world", "days", "bench-input"]) if (v[f] !== undefined || args.switches[f]) throw new UsageError("--" + f + " goes with --hal sim, not --board\n" + USAGE);
  const timeScale = numberFlag(args, "time-scale", 1, 100000, 1)!;
  const durationDays = numberFlag(args, "duration", 0.0001, 3650, undefined) ?? null;
  const { runBoardDevice } = await import("../device/board-run.ts");
  const { deviceReport } = await import("../device/board-report.ts");
  const end = await runBoardDevice({
    board: v.board,
    boardClock: v["board-clock"] ?? null,
    profileFile: v.profile,
    prescriptionFile: v.prescription ?? null,
    journalDir: v.journal,
    consolePath: v.console ?? null,
    advisor: args.switches.advisor === true,
    timeScale,
    durationDays,
    untilComplete: args.switches["until-complete"] === true,
    say,
  });
  const out = deviceReport(end);
  process.stdout.write((args.switches.json ? JSON.stringify(out) : Object.entries(out).map(([k, val]) => k.padEnd(18) + val).join("\n")) + "\n");
  if (end.stopReason.startsWith("board-lost")) say(end.stopReason + " (the next start recovers from the journal)");
  return end.exitCode;
}
