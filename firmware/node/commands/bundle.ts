// `osteodrive bundle espruino [--board NAME] [--profile FILE] [--prescription FILE]
// [--hal FILE] [--no-journal] [--text] [--json] -o FILE`: builds the Espruino script,
// checks it against what the interpreter accepts, writes it pretokenised as Espruino
// stores code (--text: the plain script), and prints its size and variable estimate.
// Exit 1 when the check finds violations (nothing is written) or the build does not
// fit the board (written, with the reasons).

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { BOARDS } from "../../espruino/boards.ts";
import { formatViolation } from "../espruino/check.ts";
import { parseHalOverride } from "../espruino/hal-config.ts";
import { ROOT } from "../espruino/build.ts";
import { makeEspruinoBuild } from "../espruino/make.ts";
import type { EspruinoBuild } from "../espruino/make.ts";
import { sizeFloor } from "../espruino/floor.ts";
import { readJsonFile } from "../../../sim/json-file.ts";

export const spec: CommandSpec = {
  name: "bundle",
  summary: "builds the Espruino script, checks it against what the interpreter accepts, prints its size and variable estimate",
  synopsis: "espruino [--board " + Object.keys(BOARDS).join("|") + "] [--profile FILE] [--prescription FILE] [--hal FILE] [--no-journal] [--console] [--text] [--json] -o FILE",
  positionals: [{ name: "espruino", help: "the target (the only one)" }],
  flags: [
    { name: "out", short: "o", value: "FILE", help: "where the bundle is written", default: "required" },
    { name: "board", value: "NAME", help: "the board: " + Object.keys(BOARDS).join(", "), default: "pico" },
    { name: "profile", value: "FILE", help: "device profile JSON (a scenario file works: its \"profile\" is used)", default: "the demo device, sim/scenarios/mandible-continuous-1mm.json" },
    { name: "prescription", value: "FILE", help: "prescription JSON to embed (a scenario file works: its \"prescription\" is used)", default: "none: the board boots and holds still" },
    { name: "hal", value: "FILE", help: "JSON overriding the board's pins, calibration and limits (hal/espruino/config.ts)", default: "the board's own" },
    { name: "no-journal", help: "build without the flash journal: none of its code, none of its Storage (bench only: a reset restarts the prescription)" },
    { name: "console", help: "build the device console in, on USB (status, log, pause, signed requests and prescriptions; too large for a Pico's Storage: docs/espruino.md)" },
    { name: "text", help: "write the plain script instead of Espruino's pretokenised form (the default: what Storage holds, ~12 % smaller)" },
    { name: "json", help: "print the build figures as JSON" },
  ],
  notes: ["exit code: 0 written and fits, 1 the check found what Espruino lacks (nothing written) or it does not fit the board (written, with the reasons), 2 bad flags or input"],
};
const DEMO = join(ROOT, "sim/scenarios/mandible-continuous-1mm.json");

/** The object itself, or its `key` member when the file is a scenario. */
function section(json: any, key: string): any {
  return json && typeof json === "object" && json[key] && typeof json[key] === "object" ? json[key] : json;
}

function n(x: number): string {
  return x.toLocaleString("en-US");
}

function report(b: EspruinoBuild, out: string): string {
  const v = b.variables;
  const board = BOARDS[b.config.board];
  return [
    "wrote        " + out,
    "size         " + n(b.image.length) + " bytes pretokenised (" + n(b.bundle.bytes) + " as text; the board's Storage holds " + n(b.maxImageBytes) + (b.config.journalCompactBytes > 0 ? " beside the journal)" : " with no journal)"),
    "checks       syntax (the \"fails\" column of docs/espruino.md), globals, definition order: ok",
    "variables    about " + n(v.total) + " of " + n(v.available) + " (" + board.description + ") with the code in flash:",
    "             code " + n(v.codeInFlash) + " (" + v.functions + " functions), names " + n(v.bindings) + ", literal data " + n(v.literals) + ", live data " + n(v.live) + " (after 1 simulated hour), interpreter " + v.interpreter,
    "             about " + n(v.totalCodeInRam) + " if the code is uploaded to RAM instead (docs/espruino.md)",
    "storage      " + (b.config.journalCompactBytes > 0 ? "code, journal and vault files: " : "code (no journal, no vault): ") + n(b.storageNeeded) + " of " + n(board.storageBytes) + " bytes",
    "journal      " + (b.config.journalCompactBytes > 0 ? "compacts every " + n(b.config.journalCompactBytes) + " bytes" : "OFF: a reset restarts the prescription from its beginning (bench use only)"),
    "prescription " + (b.config.prescription ? "embedded" : "none: the board holds still"),
  ].join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  if (args.positional.length !== 1 || args.positional[0] !== "espruino") throw new UsageError("the only target is espruino\n" + usageLine(spec));
  const out = args.values.out;
  if (!out) throw new UsageError("-o FILE is required\n" + usageLine(spec));
  const board = BOARDS[args.values.board || "pico"];
  if (!board) throw new UsageError("unknown board " + JSON.stringify(args.values.board) + " (boards: " + Object.keys(BOARDS).join(", ") + ")");
  const build = makeEspruinoBuild({
    board,
    hal: args.values.hal ? parseHalOverride(readJsonFile(args.values.hal, "hal file"), board.hal) : board.hal,
    profile: section(readJsonFile(args.values.profile || DEMO, "profile file"), "profile"),
    prescription: args.values.prescription ? section(readJsonFile(args.values.prescription, "prescription file"), "prescription") : null,
    journal: args.switches["no-journal"] !== true,
    console: args.switches.console === true,
  });
  if (build.violations.length > 0) {
    process.stderr.write("osteodrive bundle: the bundle uses what Espruino lacks (nothing written):\n" + build.violations.map((v) => "  " + formatViolation(v)).join("\n") + "\n");
    return 1;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, args.switches.text ? build.bundle.code : build.image);
  if (args.switches.json) {
    process.stdout.write(JSON.stringify({ out, board: board.name, bytes: args.switches.text ? build.bundle.bytes : build.image.length, textBytes: build.bundle.bytes, maxBytes: build.maxImageBytes, variables: build.variables, storageNeeded: build.storageNeeded, storageBytes: board.storageBytes, journalCompactBytes: build.config.journalCompactBytes, floor: sizeFloor(build.bundle.code, build.image.length), problems: build.problems }) + "\n");
  } else {
    if (!args.values.profile) process.stdout.write("profile      " + DEMO + " (demo device: pass --profile)\n");
    process.stdout.write(report(build, out));
  }
  for (const p of build.problems) process.stderr.write("osteodrive bundle: does not fit: " + p + "\n");
  return build.problems.length > 0 ? 1 : 0;
}
