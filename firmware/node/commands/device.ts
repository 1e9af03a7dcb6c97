// `osteodrive device`: the Node firmware.
//   --board PORT|emulated:uno --profile FILE [--prescription FILE] --journal DIR
//   [--vault FILE] [--board-clock SOCKET] [--console PATH] [--advisor] [--time-scale K]
//   [--duration DAYS] [--until-complete] [--json] [--dashboard [HOST:]PORT]
// runs it on a johnny-five board (firmware/node/device/board-run.ts): authenticated
// file journal and its vault with recovery on every start, console on a second
// serial line, advisor, dashboard with the board link's health. Without
// --until-complete or --duration it runs until stopped (a device; docs/sbc.md).
//   --hal sim --scenario NAME|FILE [--journal DIR [--vault FILE]] [--world FILE]
//   [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH]
//   [--bench-input] [--advisor] [--dashboard [HOST:]PORT]
// runs it on the simulated device (firmware/node/device/sim-run.ts).
// Only what the chosen target needs is loaded: TensorFlow.js only with --advisor.

import { numberFlag, parseArgs, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { DASHBOARD_FLAG, DASHBOARD_SYNC_FLAG } from "../dashboard/flags.ts";

const BOARD_ONLY = ["board", "board-clock", "profile", "prescription", "duration"];
const SIM_ONLY = ["hal", "scenario", "world", "days", "bench-input"];

export const spec: CommandSpec = {
  name: "device",
  summary: "the Node device firmware (controller, supervisor, authenticated file journal and vault with recovery, console, advisor) on a johnny-five board, or on the simulated device",
  synopsis: "--board PORT|emulated:uno --profile FILE [--prescription FILE] --journal DIR [--vault FILE] [--board-clock SOCKET] [--console PATH] [--advisor] [--time-scale K] [--duration DAYS] [--until-complete] [--json] [--dashboard [HOST:]PORT]\n" +
    "       osteodrive device --hal sim --scenario NAME|FILE [--journal DIR [--vault FILE]] [--world FILE] [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH] [--bench-input] [--advisor] [--dashboard [HOST:]PORT]",
  flags: [
    { name: "board", value: "PORT|emulated:uno", help: "the Uno's serial device (StandardFirmata), or emulated:uno (an emulated Uno in this process)", default: "--hal sim" },
    { name: "board-clock", value: "SOCKET", help: "the lockstep socket of an emulated Uno served by its own process (sim/uno/serve.ts); --board is then its pty", default: "the real-time clock" },
    { name: "profile", value: "FILE", help: "device profile JSON with its \"board\" wiring section (with --board)", default: "required with --board" },
    { name: "prescription", value: "FILE", help: "prescription JSON; required on a fresh journal folder, later starts may omit it (a different one is refused)", default: "the journal folder's" },
    { name: "journal", value: "DIR", help: "the journal (DIR/journal.bin, recovered at every start) and, with --board, the prescription it is bound to", default: "required with --board; in memory with --hal sim" },
    { name: "vault", value: "FILE", help: "keep the vault (device key, provisioning marker, replay counter) in FILE, apart from the journal's folder (needs --journal)", default: "DIR.vault beside --journal DIR" },
    { name: "hal", value: "sim", help: "the simulated device (with --scenario)", default: "--board" },
    { name: "scenario", value: "NAME|FILE", help: "a scenario in sim/scenarios (or its faults/ folder) by name, or a scenario JSON file (with --hal sim)", default: "required with --hal sim" },
    { name: "world", value: "FILE", help: "keep the simulated plant and clock in FILE so they outlive the process (kill and restart at any moment)", default: "none" },
    { name: "time-scale", value: "K|max", help: "device time runs K× faster than the board's (bench-only profiles) or the wall clock (--hal sim; max: as fast as it can)", default: "1 (real time)" },
    { name: "duration", value: "DAYS", help: "with --board: stop after DAYS of device time, 0.0001 to 3650", default: "run until stopped" },
    { name: "days", value: "N", help: "with --hal sim: device days to run, 0.001 to 3650", default: "latency + distraction + consolidation + 1 day" },
    { name: "until-complete", help: "return once the protocol is complete or a fault has latched" },
    { name: "json", help: "print the end state as one JSON line" },
    { name: "console", value: "PATH", help: "serve the device console (docs/protocol.md) on this serial port; keys come from the profile's consoleKeys", default: "no console" },
    { name: "bench-input", help: "with --hal sim: set the simulated bench-mode jumper (bench console commands need it)" },
    { name: "advisor", help: "run the tissue-response advisor in the control loop (advisory only; off where it was not trained)" },
    DASHBOARD_FLAG,
    DASHBOARD_SYNC_FLAG,
  ],
  notes: ["exit code: 0 ran to the end without a fault (complete within tolerance), 1 runtime failure (port, board not answering), 2 bad flags or input, 3 a fault latched, 4 complete outside tolerance, 6 the board was lost (the next start recovers), 130 Ctrl-C or SIGTERM (motor disabled first)"],
};

const say = (line: string) => process.stderr.write("osteodrive device: " + line + "\n");

function refuseOthers(args: ReturnType<typeof parseArgs>, flags: string[], target: string): void {
  for (const f of flags) if (args.values[f] !== undefined || args.switches[f]) throw new UsageError("--" + f + " does not go with " + target + "\n" + usageLine(spec));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  const v = args.values;
  if (v.hal !== undefined && v.board !== undefined) throw new UsageError("--hal and --board exclude each other\n" + usageLine(spec));
  if (v.vault !== undefined && v.journal === undefined) throw new UsageError("--vault needs --journal: the vault is the journal's key (an in-memory journal keeps its vault in memory too)\n" + usageLine(spec));
  if (v.hal !== undefined) {
    if (v.hal !== "sim") throw new UsageError("--hal sim is the only simulated HAL (real boards: --board PORT)\n" + usageLine(spec));
    if (!v.scenario) throw new UsageError("--scenario is required with --hal sim\n" + usageLine(spec));
    refuseOthers(args, BOARD_ONLY, "--hal sim");
    const scale = v["time-scale"] === "max" ? Infinity : numberFlag(args, "time-scale", 1, 1e7, 1)!;
    const { runSimDevice } = await import("../device/sim-run.ts");
    return runSimDevice({
      scenario: v.scenario,
      journalDir: v.journal ?? null,
      vaultFile: v.vault ?? null,
      worldFile: v.world ?? null,
      timeScale: scale,
      days: numberFlag(args, "days", 0.001, 3650, undefined) ?? null,
      untilComplete: args.switches["until-complete"] === true,
      json: args.switches.json === true,
      consolePath: v.console ?? null,
      benchInput: args.switches["bench-input"] === true,
      advisor: args.switches.advisor === true,
      dashboard: v.dashboard ? { address: v.dashboard, sync: args.switches["dashboard-sync"] === true } : null,
      say,
    });
  }
  if (!v.board) throw new UsageError("--board PORT|emulated:uno (or --hal sim) is required\n" + usageLine(spec));
  for (const f of ["profile", "journal"]) if (!v[f]) throw new UsageError("--" + f + " is required with --board\n" + usageLine(spec));
  refuseOthers(args, SIM_ONLY.filter((f) => f !== "hal"), "--board");
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
    vaultFile: v.vault ?? null,
    consolePath: v.console ?? null,
    advisor: args.switches.advisor === true,
    dashboard: v.dashboard ? { flags: { address: v.dashboard, sync: args.switches["dashboard-sync"] === true }, kind: "device" } : null,
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
