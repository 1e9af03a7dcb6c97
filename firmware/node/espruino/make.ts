// Everything `osteodrive bundle espruino` does short of I/O: validates the profile
// and prescription, bundles the app with its configuration, checks the bundle
// (check.ts), tokenises it as Espruino stores code (tokenise.ts: the image that goes
// into Storage), and works out the figures: what the image, the journal's two files
// and the vault's (none in a build without the journal) take of the board's Storage (the limit: its saved-code pages, from
// Espruino's board file), and the variable estimate (code and names from the syntax tree,
// live data measured by running the bundle in the shim for one simulated hour).

import type { EspruinoHalConfig } from "../../../hal/espruino/config.ts";
import type { Board } from "../../espruino/boards.ts";
import type { BundleConfig } from "../../espruino/bundle-config.ts";
import { parsePrescriptionFile, parseProfileFile } from "../../core/input-files.ts";
import { MS_PER_HOUR } from "../../core/units.ts";
import { EspruinoShim } from "../../../sim/espruino-shim.ts";
import { Plant } from "../../../sim/plant.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { buildBundle } from "./build.ts";
import { VAULT_BYTES } from "../../../hal/espruino/driver.ts";
import type { Bundle } from "./build.ts";
import { checkBundle } from "./check.ts";
import type { Violation } from "./check.ts";
import { tokenise } from "./tokenise.ts";
import { staticVariables } from "./variables.ts";
import type { StaticVariables } from "./variables.ts";

/** Storage files beside the image: the journal's two and the vault's two (hal/espruino/driver.ts). */
const STORE_FILES = 4;
/** What Storage adds to each file: its header (size, flags, name) and the alignment of the next one (jsflash.c; sim/espruino-real/flash.ts). */
export const FILE_OVERHEAD_BYTES = 32 + 4;

/** The largest image the board's Storage holds beside a journal of `storeBytes` files and the vault, every file at its largest (without a journal: alone). */
export function maxImageBytes(board: Board, storeBytes: number, journal = true): number {
  if (!journal) return board.storageBytes - FILE_OVERHEAD_BYTES;
  return board.storageBytes - 2 * storeBytes - 2 * VAULT_BYTES - (1 + STORE_FILES) * FILE_OVERHEAD_BYTES;
}
/** Variables the interpreter itself holds after boot (root, timers, pins), an assumption of the model. */
export const INTERPRETER_VARS = 50;

export interface EspruinoBuildOptions {
  board: Board;
  hal: EspruinoHalConfig;
  profile: unknown;
  prescription: unknown;
  journal: boolean;
  /** Build the device console in (on USB: firmware/espruino/main-console.ts). */
  console?: boolean;
}

export interface VariableEstimate extends StaticVariables {
  live: number;
  interpreter: number;
  /** Totals with the code in flash (run from Storage) and uploaded to RAM. */
  total: number;
  totalCodeInRam: number;
  available: number;
}

export interface EspruinoBuild {
  config: BundleConfig;
  bundle: Bundle;
  /** The bundle pretokenised: the bytes that go into the board's Storage. */
  image: Uint8Array;
  violations: Violation[];
  variables: VariableEstimate;
  /** Storage bytes the code, the journal's and the vault's files need at their largest, headers included. */
  storageNeeded: number;
  /** The largest image the board's Storage holds beside them. */
  maxImageBytes: number;
  /** Why the build cannot run on the board (empty when it can). */
  problems: string[];
}

/** Variables the app's live data holds after one simulated hour in the shim (a plant from the mandible scenario). */
function measureLiveVars(bundle: Bundle, board: Board, hal: EspruinoHalConfig): number {
  const sc = loadScenario("mandible-continuous-1mm");
  const shim = new EspruinoShim({ plant: new Plant(sc.plant, sc.seed), hal, wallStartMs: sc.startWallMs, variables: board.variables, varBytes: board.varBytes, storageBytes: board.storageBytes });
  shim.run(bundle.code);
  shim.runUntil(MS_PER_HOUR);
  return shim.heapVars();
}

export function makeEspruinoBuild(o: EspruinoBuildOptions): EspruinoBuild {
  const profile = parseProfileFile(o.profile);
  if (o.prescription) parsePrescriptionFile(o.prescription, profile, 0);
  const config: BundleConfig = {
    board: o.board.name,
    hal: o.hal,
    profile: o.profile,
    prescription: o.prescription || null,
    journalCompactBytes: o.journal ? Math.floor(o.hal.storeBytes / 2) : 0,
  };
  const bundle = buildBundle({ console: o.console === true, journal: o.journal, define: { OD_CONFIG: config, OD_NATIVE_AES: o.board.crypto.aes, OD_NATIVE_SHA256: o.board.crypto.sha256 } });
  // the untrimmed bundle's findings name their TypeScript source; the trimmed one is checked again as it ships
  let violations = bundle.full ? checkBundle(bundle.full.code, bundle.full.map) : [];
  if (violations.length === 0) violations = checkBundle(bundle.code, bundle.map);
  const st = staticVariables(bundle.code, o.board.varBytes);
  const live = violations.length === 0 ? measureLiveVars(bundle, o.board, o.hal) : 0;
  const rest = st.bindings + st.literals + live + INTERPRETER_VARS;
  const variables: VariableEstimate = Object.assign({}, st, {
    live,
    interpreter: INTERPRETER_VARS,
    total: st.codeInFlash + rest,
    totalCodeInRam: st.codeInRam + rest,
    available: o.board.variables,
  });
  const image = tokenise(bundle.code);
  const maxImage = maxImageBytes(o.board, o.hal.storeBytes, o.journal);
  const storageNeeded = image.length + (o.board.storageBytes - maxImage);
  const problems: string[] = [];
  if (variables.total > o.board.variables) problems.push("needs about " + variables.total + " variables, the " + o.board.name + " has " + o.board.variables);
  if (storageNeeded > o.board.storageBytes && !o.journal) {
    problems.push("the image needs " + storageNeeded + " Storage bytes with its file header, the " + o.board.name + " has " + o.board.storageBytes + ": the image is " + (image.length - maxImage) + " bytes too large");
  } else if (storageNeeded > o.board.storageBytes) {
    problems.push("code and journal need " + storageNeeded + " Storage bytes (the image " + image.length + ", journal 2 x " + o.hal.storeBytes + ", vault 2 x " + VAULT_BYTES + ", " + (1 + STORE_FILES) + " file headers), the " + o.board.name + " has " + o.board.storageBytes + ": the image is " + (image.length - maxImage) + " bytes too large");
  }
  if (o.hal.watchdogS > o.board.watchdogMaxS) problems.push("watchdog timeout " + o.hal.watchdogS + " s is over the board's " + o.board.watchdogMaxS + " s");
  if (o.hal.watchdogS > 0 && o.hal.watchdogS * 1000 < 2 * profile.tickMs) problems.push("watchdog timeout " + o.hal.watchdogS + " s is shorter than two control ticks (" + profile.tickMs / 500 + " s)");
  return { config, bundle, image, violations, variables, storageNeeded, maxImageBytes: maxImage, problems };
}
