// Scenario files: a device profile, a prescription, the plant's parameters and a
// seed, as one JSON document in sim/scenarios/. Loaded by name or path and checked
// field by field, so a typo names its field instead of producing a strange run.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checker, invalid, known, nested, requireObject, throwIfErrors } from "../firmware/core/validate.ts";
import type { Checker } from "../firmware/core/validate.ts";
import { travelPerRevMm } from "../firmware/core/profile.ts";
import type { DeviceProfile } from "../firmware/core/profile.ts";
import { parsePrescriptionFile, parseProfileFile } from "../firmware/core/input-files.ts";
import type { Prescription } from "../firmware/core/prescription.ts";
import type { PlantParams } from "./plant.ts";
import type { SensorParams } from "./sensors.ts";
import { UM_PER_MM } from "../firmware/core/units.ts";
import { parseFaults } from "./faults.ts";
import type { FaultSpec } from "./faults.ts";
import { parseEvents } from "./events.ts";
import { readJsonFile } from "./json-file.ts";
import type { EventSpec } from "./events.ts";

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), "scenarios");

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  startWallMs: number;
  profile: DeviceProfile;
  prescription: Prescription;
  plant: PlantParams;
  driver: { maxStepRateHz: number; maxMoveSteps: number };
  faults: FaultSpec[];
  /** Pauses, prescription changes and power cuts, in time order. */
  events: EventSpec[];
  /** For fault scenarios: the code the supervisor must raise, and whether it latches. */
  expect: { code: string; kind: "fault" | "warning" } | null;
  /** The raw JSON, kept so a run can be reproduced from its report. */
  source: any;
}

const SCENARIO_KEYS = ["name", "description", "seed", "startWall", "profile", "prescription", "plant", "driver", "faults", "events", "expect", "base"];
const TISSUE_KEYS = ["eInfNPerMm", "e1NPerMm", "tau1S", "e2NPerMm", "tau2S", "remodelTauDays", "maturationPerDay", "disruptionPerMmPerDay", "boneStiffnessFactor", "initialMaturity", "bridgingMaturity"];

function sensorParams(c: Checker, o: any, prefix: string): SensorParams {
  known(c, o, ["noiseSigma", "quantum", "min", "max"], prefix);
  return {
    noiseSigma: c.num(o, "noiseSigma", 0, 1000, "", prefix),
    quantum: c.num(o, "quantum", 0, 1000, "", prefix),
    min: c.num(o, "min", -1e6, 1e6, "", prefix),
    max: c.num(o, "max", -1e6, 1e6, "", prefix),
  };
}

function plantParams(c: Checker, json: any, prof: DeviceProfile): PlantParams {
  const pl = c.obj(json, "plant", "");
  known(c, pl, ["stepper", "drive", "tissue", "positionSensor", "forceSensor"], "plant.");
  const st = c.obj(pl, "stepper", "plant.");
  const dr = c.obj(pl, "drive", "plant.");
  const ti = c.obj(pl, "tissue", "plant.");
  known(c, st, ["holdingTorqueNm", "efficiency", "missedStepFraction"], "plant.stepper.");
  known(c, dr, ["backlashUm", "frameStiffnessNPerUm"].concat(prof.drive === "spring" ? ["springPreloadN", "springRateNPerMm"] : []), "plant.drive.");
  known(c, ti, TISSUE_KEYS, "plant.tissue.");
  const travelRev = travelPerRevMm(prof.drive, prof.pinionPitchDiameterMm, prof.leadMm);
  return {
    umPerMicrostep: prof.umPerMicrostep,
    travelPerMotorRevMm: travelRev / prof.gearRatio,
    stepper: {
      holdingTorqueNm: c.num(st, "holdingTorqueNm", 0.0001, 10, "N·m", "plant.stepper."),
      efficiency: c.num(st, "efficiency", 0.01, 1, "", "plant.stepper."),
      missedStepFraction: c.optNum(st, "missedStepFraction", 0, 0.5, "", "plant.stepper.", 0),
    },
    drive: {
      kind: prof.drive,
      backlashUm: c.num(dr, "backlashUm", 0, 1000, "µm", "plant.drive."),
      frameStiffnessNPerUm: c.num(dr, "frameStiffnessNPerUm", 0.01, 10000, "N/µm", "plant.drive."),
      springPreloadN: prof.drive === "spring" ? c.num(dr, "springPreloadN", 0, 5000, "N", "plant.drive.") : 0,
      springRateNPerMm: prof.drive === "spring" ? c.num(dr, "springRateNPerMm", 0, 1000, "N/mm", "plant.drive.") : 0,
    },
    tissue: {
      eInfNPerMm: c.num(ti, "eInfNPerMm", 0, 10000, "N/mm", "plant.tissue."),
      e1NPerMm: c.num(ti, "e1NPerMm", 0, 10000, "N/mm", "plant.tissue."),
      tau1S: c.num(ti, "tau1S", 0.1, 1e6, "s", "plant.tissue."),
      e2NPerMm: c.num(ti, "e2NPerMm", 0, 10000, "N/mm", "plant.tissue."),
      tau2S: c.num(ti, "tau2S", 0.1, 1e7, "s", "plant.tissue."),
      remodelTauDays: c.num(ti, "remodelTauDays", 0.1, 1000, "days", "plant.tissue."),
      maturationPerDay: c.num(ti, "maturationPerDay", 0, 10, "1/day", "plant.tissue."),
      disruptionPerMmPerDay: c.num(ti, "disruptionPerMmPerDay", 0, 100, "1/day per mm/day", "plant.tissue."),
      boneStiffnessFactor: c.num(ti, "boneStiffnessFactor", 1, 1000, "", "plant.tissue."),
      initialMaturity: c.optNum(ti, "initialMaturity", 0, 1, "", "plant.tissue.", 0),
      bridgingMaturity: c.optNum(ti, "bridgingMaturity", 0, 0.9, "", "plant.tissue.", 0.3),
    },
    positionSensor: sensorParams(c, c.obj(pl, "positionSensor", "plant."), "plant.positionSensor."),
    forceSensor: sensorParams(c, c.obj(pl, "forceSensor", "plant."), "plant.forceSensor."),
  };
}

/** Builds a scenario from parsed JSON; throws naming every bad field. */
export function parseScenario(json: any): Scenario {
  requireObject(json, "scenario", "scenario");
  const c = checker();
  known(c, json, SCENARIO_KEYS, "");
  const name = c.str(json, "name", null, "");
  const seed = c.int(json, "seed", 0, 4294967295, "");
  if (json.description !== undefined && typeof json.description !== "string") c.fail("description", "expected a string");
  const startWallMs = Date.parse(typeof json.startWall === "string" ? json.startWall : "");
  if (isNaN(startWallMs)) c.fail("startWall", "got " + JSON.stringify(json.startWall === undefined ? null : json.startWall) + "; expected an ISO 8601 date-time such as \"2026-01-05T08:00:00Z\"");
  const profile = nested(c, () => parseProfileFile(json.profile));
  const prescription = profile ? nested(c, () => parsePrescriptionFile(json.prescription, profile, 0)) : null;
  if (!profile || !prescription) return invalid("scenario", c.errors);
  const plant = plantParams(c, json, profile);
  const drv = c.obj(json, "driver", "");
  known(c, drv, ["maxStepRateHz", "maxMoveSteps"], "driver.");
  const driver = {
    maxStepRateHz: c.num(drv, "maxStepRateHz", 1, 20000, "Hz", "driver."),
    maxMoveSteps: c.int(drv, "maxMoveSteps", 1, 1000000, "driver."),
  };
  if (driver.maxMoveSteps * profile.umPerMicrostep < prescription.rateMmPerDay * UM_PER_MM / Math.max(1, prescription.incrementsPerDay) && prescription.incrementsPerDay > 0) {
    c.fail("driver.maxMoveSteps", "cannot hold one prescribed increment (" + Math.ceil(prescription.rateMmPerDay * UM_PER_MM / prescription.incrementsPerDay / profile.umPerMicrostep) + " steps)");
  }
  const faults = parseFaults(c, json.faults);
  const events = parseEvents(c, json.events);
  let expect: Scenario["expect"] = null;
  if (json.expect !== undefined) {
    known(c, json.expect, ["code", "kind"], "expect.");
    const code = c.str(json.expect, "code", null, "expect.");
    const kind = c.str(json.expect, "kind", ["fault", "warning"], "expect.") as "fault" | "warning";
    expect = { code, kind };
  }
  throwIfErrors("scenario", c.errors);
  return { name, description: typeof json.description === "string" ? json.description : "", seed, startWallMs, profile, prescription, plant, driver, faults, events, expect, source: json };
}

function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `base` + overrides: objects merge key by key, everything else is replaced. */
export function mergeScenario(base: any, over: any): any {
  const out: any = Object.assign({}, base);
  for (const k of Object.keys(over)) out[k] = isObject(base[k]) && isObject(over[k]) ? mergeScenario(base[k], over[k]) : over[k];
  return out;
}

/** A scenario file that cannot be read as one: an input error (the CLI exits "usage": nothing was run). */
function unreadable(message: string): Error {
  return Object.assign(new Error(message), { code: "invalid" });
}

function findScenarioFile(nameOrFile: string): string {
  const candidates = [nameOrFile, join(SCENARIO_DIR, nameOrFile + ".json"), join(SCENARIO_DIR, "faults", nameOrFile + ".json")];
  const file = candidates.find((f) => f.endsWith(".json") && existsSync(f));
  if (!file) throw unreadable("no scenario named " + JSON.stringify(nameOrFile) + " (looked in " + SCENARIO_DIR + " and its faults/ folder)");
  return file;
}

/** Loads a scenario by name (sim/scenarios/NAME.json, also faults/NAME.json) or by file path; a `base` names the scenario it extends. */
export function loadScenario(nameOrFile: string): Scenario {
  let json = readJsonFile(findScenarioFile(nameOrFile), "scenario");
  requireObject(json, "scenario", "scenario " + nameOrFile);
  for (let depth = 0; typeof json.base === "string"; depth++) {
    if (depth > 4) throw new Error("scenario " + nameOrFile + ": base chain deeper than 4");
    const over = Object.assign({}, json);
    delete over.base;
    json = mergeScenario(readJsonFile(findScenarioFile(json.base), "scenario"), over);
  }
  return parseScenario(json);
}
