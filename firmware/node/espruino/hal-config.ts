// The `bundle espruino --hal FILE` configuration: a JSON object overriding the
// board's pin map, sensor calibrations and driver limits (hal/espruino/config.ts).
// Every key is checked before anything is built: unknown keys, wrong types,
// out-of-range values and null each name their field, and nothing is written.

import type { Calibration, EspruinoHalConfig, EspruinoPins } from "../../../hal/espruino/config.ts";
import { bool, checker, known, requireObject, throwIfErrors } from "../../core/validate.ts";
import type { Checker } from "../../core/validate.ts";

const PIN_KEYS: Array<keyof EspruinoPins> = ["step", "dir", "enable", "fault", "position", "force", "alarm"];
const CAL_KEYS: Array<keyof Calibration> = ["raw0", "value0", "raw1", "value1", "rawMin", "rawMax"];
const KEYS = ["pins", "enableActiveLow", "dirDistractLevel", "faultActiveLevel", "position", "force", "maxStepRateHz", "maxMoveSteps", "pulsesPerBurst", "storeName", "storeBytes", "watchdogS"];

/** An Espruino pin name (A0…H15, D0…D47) or "" where the pin is optional. */
function pin(c: Checker, o: any, key: string, base: string, optional: boolean): string {
  if (o[key] === undefined) return base;
  const v = o[key];
  if (typeof v !== "string" || !(/^[A-H][0-9]{1,2}$/.test(v) || (optional && v === ""))) {
    c.fail("hal.pins." + key, "got " + JSON.stringify(v) + "; expected a pin name such as \"B3\"" + (optional ? " or \"\" (not wired)" : ""));
    return base;
  }
  return v;
}

function calibration(c: Checker, o: any, base: Calibration, prefix: string): Calibration {
  if (o === undefined) return base;
  if (o === null || typeof o !== "object" || Array.isArray(o)) {
    c.fail(prefix.slice(0, -1), "expected an object {" + CAL_KEYS.join(", ") + "}");
    return base;
  }
  known(c, o, CAL_KEYS, prefix);
  const merged: any = Object.assign({}, base, o);
  const cal: Calibration = {
    raw0: c.num(merged, "raw0", 0, 1, "of full scale", prefix),
    value0: c.num(merged, "value0", -1e6, 1e6, "", prefix),
    raw1: c.num(merged, "raw1", 0, 1, "of full scale", prefix),
    value1: c.num(merged, "value1", -1e6, 1e6, "", prefix),
    rawMin: c.num(merged, "rawMin", 0, 1, "of full scale", prefix),
    rawMax: c.num(merged, "rawMax", 0, 1, "of full scale", prefix),
  };
  if (cal.raw0 === cal.raw1) c.fail(prefix + "raw1", "got " + cal.raw1 + ", the same as raw0: a zero-span calibration maps every reading to one value");
  if (cal.value0 === cal.value1) c.fail(prefix + "value1", "got " + cal.value1 + ", the same as value0: the sensor would read one value whatever happens");
  if (cal.rawMin >= cal.rawMax) c.fail(prefix + "rawMin", "got " + cal.rawMin + "; must be below rawMax (" + cal.rawMax + ")");
  return cal;
}

/** The board's configuration with `json` (the --hal file) applied; throws naming every bad field. */
export function parseHalOverride(json: any, base: EspruinoHalConfig): EspruinoHalConfig {
  requireObject(json, "hal", "hal configuration");
  const c = checker();
  known(c, json, KEYS, "hal.");
  const pinsIn = json.pins === undefined ? {} : json.pins;
  if (pinsIn === null || typeof pinsIn !== "object" || Array.isArray(pinsIn)) c.fail("hal.pins", "expected an object {" + PIN_KEYS.join(", ") + "}");
  const po = pinsIn && typeof pinsIn === "object" ? pinsIn : {};
  known(c, po, PIN_KEYS as string[], "hal.pins.");
  const pins: EspruinoPins = {
    step: pin(c, po, "step", base.pins.step, false),
    dir: pin(c, po, "dir", base.pins.dir, false),
    enable: pin(c, po, "enable", base.pins.enable, false),
    fault: pin(c, po, "fault", base.pins.fault, true),
    position: pin(c, po, "position", base.pins.position, false),
    force: pin(c, po, "force", base.pins.force, false),
    alarm: pin(c, po, "alarm", base.pins.alarm, false),
  };
  const used = [pins.step, pins.dir, pins.enable, pins.fault, pins.position, pins.force, pins.alarm].filter((x) => x !== "");
  if (new Set(used).size !== used.length) c.fail("hal.pins", "two functions share a pin (" + used.join(", ") + ")");
  const m: any = Object.assign({}, base, json);
  const level = (key: string) => {
    const v = m[key];
    if (v !== 0 && v !== 1) c.fail("hal." + key, "got " + JSON.stringify(v) + "; expected 0 or 1");
    return v;
  };
  const name = m.storeName;
  if (typeof name !== "string" || !/^[A-Za-z0-9_]{1,20}$/.test(name)) c.fail("hal.storeName", "got " + JSON.stringify(name) + "; expected 1 to 20 letters, digits or _ (Storage file names)");
  const cfg: EspruinoHalConfig = {
    pins,
    enableActiveLow: bool(c, m, "enableActiveLow", "hal.", undefined),
    dirDistractLevel: level("dirDistractLevel"),
    faultActiveLevel: level("faultActiveLevel"),
    position: calibration(c, json.position, base.position, "hal.position."),
    force: calibration(c, json.force, base.force, "hal.force."),
    maxStepRateHz: c.num(m, "maxStepRateHz", 1, 20000, "Hz", "hal."),
    maxMoveSteps: c.int(m, "maxMoveSteps", 1, 100000, "hal."),
    pulsesPerBurst: c.int(m, "pulsesPerBurst", 1, 8, "hal."),
    storeName: name,
    storeBytes: c.int(m, "storeBytes", 512, 1048576, "hal."),
    watchdogS: c.num(m, "watchdogS", 0, 3600, "s (0 = off)", "hal."),
  };
  throwIfErrors("hal configuration", c.errors);
  return cfg;
}
