// The "board" section of a device profile file: how the Uno is wired and driven
// (see docs/hardware.md), checked field by field like the rest of the profile.
// `benchOnly: true` marks a profile for rig trials, the only kind that may run
// with time compression.

import { bool, checker, known, throwIfErrors } from "../../firmware/core/validate.ts";
import type { Checker } from "../../firmware/core/validate.ts";
import type { Calibration } from "./calibration.ts";
import type { JohnnyFiveConfig } from "./config.ts";
import { PINS_MAX_STEP_RATE_HZ } from "./config.ts";

function calibration(c: Checker, o: any, prefix: string): Calibration {
  known(c, o, ["counts", "values"], prefix);
  const counts = Array.isArray(o?.counts) ? o.counts : [];
  const values = Array.isArray(o?.values) ? o.values : [];
  const pair = (a: any[], key: string, min: number, max: number): [number, number] => {
    if (a.length !== 2) {
      c.fail(prefix + key, "expected two numbers (the calibration points)");
      return [NaN, NaN];
    }
    const at = (i: number) => c.num({ [key + "[" + i + "]"]: a[i] }, key + "[" + i + "]", min, max, "", prefix);
    return [at(0), at(1)];
  };
  const cal: Calibration = { counts: pair(counts, "counts", 0, 1023), values: pair(values, "values", -1e6, 1e6) };
  if (cal.counts[0] === cal.counts[1]) c.fail(prefix + "counts", "the two calibration points must differ");
  return cal;
}

/** Parses profileJson.board; `timeScale` is the trial's (checked against benchOnly by the caller). */
export function parseBoardConfig(profileJson: any, timeScale: number): JohnnyFiveConfig {
  const c = checker();
  const p = "profile.board.";
  const b = c.obj(profileJson, "board", "profile.");
  known(c, b, ["mode", "stepPin", "dirPin", "enablePin", "enableActiveLow", "dirForwardHigh", "alarmPin", "positionChannel", "forceChannel",
    "position", "force", "stepRateHz", "maxMoveSteps", "samplingIntervalMs", "linkTimeoutMs", "readyTimeoutMs", "jitterMs"], p);
  const pin = (key: string) => c.int(b, key, 2, 19, p);
  const channel = (key: string) => c.int(b, key, 0, 5, p);
  const flag = (key: string): boolean => bool(c, b, key, p, undefined);
  const cfg: JohnnyFiveConfig = {
    mode: c.str(b, "mode", ["pins", "stepper"], p) as JohnnyFiveConfig["mode"],
    stepPin: pin("stepPin"),
    dirPin: pin("dirPin"),
    enablePin: pin("enablePin"),
    enableActiveLow: flag("enableActiveLow"),
    dirForwardHigh: flag("dirForwardHigh"),
    alarmPin: pin("alarmPin"),
    positionChannel: channel("positionChannel"),
    forceChannel: channel("forceChannel"),
    position: calibration(c, c.obj(b, "position", p), p + "position."),
    force: calibration(c, c.obj(b, "force", p), p + "force."),
    stepRateHz: c.num(b, "stepRateHz", 1, 5000, "Hz", p),
    maxMoveSteps: c.int(b, "maxMoveSteps", 1, 1000000, p),
    samplingIntervalMs: c.int(b, "samplingIntervalMs", 10, 1000, p),
    linkTimeoutMs: c.num(b, "linkTimeoutMs", 30, 10000, "ms", p),
    readyTimeoutMs: c.num(b, "readyTimeoutMs", 1000, 60000, "ms", p),
    jitterMs: c.num(b, "jitterMs", 0, 1000, "ms", p),
    timeScale,
  };
  const used = [cfg.stepPin, cfg.dirPin, cfg.enablePin, cfg.alarmPin];
  if (new Set(used).size !== used.length) c.fail(p + "stepPin", "STEP, DIR, EN and alarm pins must be four different pins");
  if (cfg.positionChannel === cfg.forceChannel) c.fail(p + "forceChannel", "position and force need different analog inputs");
  if (cfg.mode === "pins" && cfg.stepRateHz > PINS_MAX_STEP_RATE_HZ) c.fail(p + "stepRateHz", "got " + cfg.stepRateHz + "; pins mode carries at most " + PINS_MAX_STEP_RATE_HZ + " microsteps/s over 57600 baud (use mode \"stepper\" for more)");
  if (cfg.linkTimeoutMs < 3 * cfg.samplingIntervalMs) c.fail(p + "linkTimeoutMs", "must be at least 3 sampling intervals (" + 3 * cfg.samplingIntervalMs + " ms)");
  // a silent board must be found lost before its last readings go stale (else it reads as a failed sensor)
  const staleMs = profileJson?.sensorStaleMs;
  if (typeof staleMs === "number" && cfg.linkTimeoutMs * timeScale >= staleMs) c.fail(p + "linkTimeoutMs", "got " + cfg.linkTimeoutMs + " ms; at time scale " + timeScale + " it must be under the profile's sensorStaleMs / " + timeScale + " = " + Math.round((staleMs / timeScale) * 100) / 100 + " ms of board time, so a silent board is told from a stale sensor");
  throwIfErrors("board wiring", c.errors);
  return cfg;
}

/** True when the profile is marked for bench rigs only (required for time compression). */
export function isBenchOnly(profileJson: any): boolean {
  return profileJson?.benchOnly === true;
}
