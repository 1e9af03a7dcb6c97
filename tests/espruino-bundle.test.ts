// The Espruino build: the app bundle passes the checks, is pretokenised, and its
// variable estimate is within a Pico's 5,100 with the code in flash; whether it fits
// the board's Storage beside the journal and the vault (a known failure on the Pico
// since the format-3 journal, and on the WiFi since the supervisor's cross-checks:
// docs/espruino.md); the app without the journal fits both; every module of
// firmware/core passes the checks, and
// `osteodrive bundle espruino` works from the command line.

import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { buildBundle, ROOT } from "../firmware/node/espruino/build.ts";
import { checkBundle, formatViolation } from "../firmware/node/espruino/check.ts";
import { makeEspruinoBuild } from "../firmware/node/espruino/make.ts";
import type { EspruinoBuild } from "../firmware/node/espruino/make.ts";
import { sizeFloor } from "../firmware/node/espruino/floor.ts";
import { loadScenario } from "../sim/scenario.ts";
import { BIN } from "./helpers/bundle.ts";

const SCENARIO = loadScenario("mandible-continuous-1mm").source;

/** The journaled Pico app, built once for the two tests that read it. */
let picoBuild: EspruinoBuild | null = null;
const pico = (): EspruinoBuild => picoBuild || (picoBuild = makeEspruinoBuild({ board: BOARDS.pico, hal: BOARDS.pico.hal, profile: SCENARIO.profile, prescription: SCENARIO.prescription, journal: true }));

test("the app bundle for a Pico passes the checks, is pretokenised and fits the Pico's variables", (t) => {
  const b = pico();
  t.deepEqual(b.violations.map(formatViolation), []);
  t.true(b.image.length < 0.92 * b.bundle.bytes, "pretokenised: " + b.image.length + " of " + b.bundle.bytes + " bytes");
  const v = b.variables;
  t.true(v.total <= BOARDS.pico.variables, JSON.stringify(v));
  t.true(v.live > 500, "the live data was measured in the shim: " + v.live);
  t.deepEqual(b.problems.filter((p) => !/Storage bytes/.test(p)), []);
  t.log("image " + b.image.length + " bytes (" + b.bundle.bytes + " as text); variables " + v.total + " of " + v.available + " (code in flash " + v.codeInFlash + ", names " + v.bindings + ", literals " + v.literals + ", live " + v.live + ", interpreter " + v.interpreter + "); code in RAM: " + v.totalCodeInRam);
});

// Known failure: with the format-3 journal (authenticated records, vault, audit trail,
// boot checks) the app's image outgrew what the Pico's 48 KB of Storage holds beside
// the journal. The guard reports it (the build is written with the reason, exit 1);
// this test turns into a plain failure ("passed unexpectedly") once the app fits.
test.failing("known failure: the Pico app fits the Pico's Storage beside the journal and the vault", (t) => {
  const b = pico();
  t.log("image " + b.image.length + " bytes, the Pico's Storage holds " + b.maxImageBytes + " beside the journal and the vault: " + b.problems.join("; "));
  t.deepEqual(b.problems, []);
});

// Without the journal (bench use only) the app leaves out the journal's code and
// Storage (firmware/node/espruino/build.ts): that build fits a Pico and a WiFi.
for (const name of ["pico", "wifi"]) {
  test("the " + name + " app without the journal fits the board: Storage and variables", (t) => {
    const board = BOARDS[name];
    const b = makeEspruinoBuild({ board, hal: board.hal, profile: SCENARIO.profile, prescription: SCENARIO.prescription, journal: false });
    t.deepEqual(b.violations.map(formatViolation), []);
    t.is(b.config.journalCompactBytes, 0);
    t.is(b.maxImageBytes, board.storageBytes - 36, "the image alone in Storage, with its file header");
    t.deepEqual(b.problems, []);
    t.log("image " + b.image.length + " of " + b.maxImageBytes + " bytes; variables about " + b.variables.total + " of " + board.variables);
  });
}

test("the size floor counts the names after a dot and the strings, and cuts each to one character", (t) => {
  const code = 'var a = {key: "abc"}; a.key = a.other + "x" + \'\';';
  const f = sizeFloor(code, 1000);
  t.deepEqual(f.properties, { count: 2, bytes: 8 });
  t.deepEqual(f.strings, { count: 3, bytes: 4 });
  t.is(f.floorBytes, 1000 - (8 - 2) - (4 - 3));
  // the journaled builds on a Pico: the floor is what no shortening of names or texts gets under
  for (const cons of [false, true]) {
    const b = makeEspruinoBuild({ board: BOARDS.pico, hal: BOARDS.pico.hal, profile: SCENARIO.profile, prescription: SCENARIO.prescription, journal: true, console: cons });
    const fl = sizeFloor(b.bundle.code, b.image.length);
    t.true(fl.floorBytes < b.image.length && fl.floorBytes > 0);
    t.log((cons ? "console" : "no console") + ": image " + b.image.length + " B, floor " + fl.floorBytes + " B, the Pico holds " + b.maxImageBytes + " B; " + JSON.stringify(fl));
  }
});

test("every module of firmware/core passes the Espruino checks", (t) => {
  const files = readdirSync(join(ROOT, "firmware/core")).filter((f) => f.endsWith(".ts")).sort();
  const src = files.map((f, i) => "import * as m" + i + " from \"./firmware/core/" + f + "\";").join("\n") +
    "\n(global as any).keep = [" + files.map((_, i) => "m" + i).join(", ") + "];\n";
  const b = buildBundle({ source: src });
  t.deepEqual(checkBundle(b.code, b.map).map(formatViolation), []);
  t.true(files.length >= 10);
});

test("a bundle that does not fit the board is written with the reasons", (t) => {
  const b = makeEspruinoBuild({ board: BOARDS.mdbt42q, hal: BOARDS.mdbt42q.hal, profile: SCENARIO.profile, prescription: null, journal: true });
  t.deepEqual(b.violations, []);
  t.true(b.problems.some((p) => /Storage bytes/.test(p)), b.problems.join("; "));
});

// Known failure: with the supervisor's cross-checks (issue 11) on top of the format-3
// journal the image (~73 KB) outgrew the WiFi's one 64 KB Storage page too; no board
// in boards.ts holds the app today (docs/espruino.md, "What fits").
test.failing("known failure: the WiFi app fits the WiFi's Storage beside the journal and the vault", (t) => {
  const b = makeEspruinoBuild({ board: BOARDS.wifi, hal: BOARDS.wifi.hal, profile: SCENARIO.profile, prescription: SCENARIO.prescription, journal: true });
  t.log("image " + b.image.length + " bytes, the WiFi's Storage holds " + b.maxImageBytes + " beside the journal and the vault: " + b.problems.join("; "));
  t.deepEqual(b.problems, []);
});

test("osteodrive bundle espruino -o FILE writes the script and prints its figures; a board that cannot hold it exits 1 naming why", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "od-bundle-"));
  const out = join(dir, "od.js");
  const built = spawnSync(process.execPath, [BIN, "bundle", "espruino", "--board", "wifi", "--prescription", join(ROOT, "sim/scenarios/mandible-continuous-1mm.json"), "-o", out, "--json"], { encoding: "utf8" });
  const r = JSON.parse(built.stdout);
  t.is(r.board, "wifi");
  t.is(r.bytes, readFileSync(out).length);
  t.true(r.variables.total < r.variables.available);
  // the exit code and the reasons follow the fit (see the known failure above)
  t.is(built.status, r.problems.length === 0 ? 0 : 1, built.stderr);
  for (const p of r.problems) t.true(built.stderr.includes(p), "stderr names " + p);
  const bad = (args: string[]) => {
    try {
      execFileSync(process.execPath, [BIN, "bundle"].concat(args), { encoding: "utf8", stdio: "pipe" });
      return "";
    } catch (e: any) {
      return e.status + " " + e.stderr;
    }
  };
  t.regex(bad(["espruino"]), /^2 .*-o FILE is required/);
  t.regex(bad(["espruino", "--board", "nano", "-o", out]), /^2 .*unknown board "nano"/);
  t.regex(bad(["arduino", "-o", out]), /^2 .*the only target is espruino/);
});
