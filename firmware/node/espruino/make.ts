// Everything `osteodrive bundle espruino` does short of I/O: validates the profile
// and prescription, bundles the app with its configuration, checks the bundle
// (check.ts), and works out the figures: size against the 48 KB limit and the
// board's Storage, and the variable estimate (code and names from the syntax tree,
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
import { staticVariables } from "./variables.ts";
import type { StaticVariables } from "./variables.ts";

/** The largest bundle accepted (bytes). */
export const MAX_BUNDLE_BYTES = 48 * 1024;
/** Variables the interpreter itself holds after boot (root, timers, pins), an assumption of the model. */
export const INTERPRETER_VARS = 50;

export interface EspruinoBuildOptions {
  board: Board;
  hal: EspruinoHalConfig;
  profile: unknown;
  prescription: unknown;
  journal: boolean;
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
  violations: Violation[];
  variables: VariableEstimate;
  /** Storage bytes the code and the two journal files need. */
  storageNeeded: number;
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
  const bundle = buildBundle({ define: { OD_CONFIG: config, OD_NATIVE_AES: o.board.crypto.aes, OD_NATIVE_SHA256: o.board.crypto.sha256 } });
  const violations = checkBundle(bundle.code, bundle.map);
  const st = staticVariables(bundle.code);
  const live = violations.length === 0 ? measureLiveVars(bundle, o.board, o.hal) : 0;
  const rest = st.bindings + st.literals + live + INTERPRETER_VARS;
  const variables: VariableEstimate = Object.assign({}, st, {
    live,
    interpreter: INTERPRETER_VARS,
    total: st.codeInFlash + rest,
    totalCodeInRam: st.codeInRam + rest,
    available: o.board.variables,
  });
  const storageNeeded = bundle.bytes + 2 * o.hal.storeBytes + 2 * VAULT_BYTES;
  const problems: string[] = [];
  if (bundle.bytes > MAX_BUNDLE_BYTES) problems.push("bundle is " + bundle.bytes + " bytes, over the " + MAX_BUNDLE_BYTES + "-byte limit");
  if (variables.total > o.board.variables) problems.push("needs about " + variables.total + " variables, the " + o.board.name + " has " + o.board.variables);
  if (storageNeeded > o.board.storageBytes) problems.push("code and journal need " + storageNeeded + " Storage bytes, the " + o.board.name + " has " + o.board.storageBytes);
  if (o.hal.watchdogS > o.board.watchdogMaxS) problems.push("watchdog timeout " + o.hal.watchdogS + " s is over the board's " + o.board.watchdogMaxS + " s");
  if (o.hal.watchdogS > 0 && o.hal.watchdogS * 1000 < 2 * profile.tickMs) problems.push("watchdog timeout " + o.hal.watchdogS + " s is shorter than two control ticks (" + profile.tickMs / 500 + " s)");
  return { config, bundle, violations, variables, storageNeeded, problems };
}
