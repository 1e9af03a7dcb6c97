// The emulated bench rig from sim/uno/bench-rig.json: the plant's physics and the
// analog front end. Its mechanics (µm per microstep, drive kind) come from the
// device profile under test, so the rig is "the device on the bench": the rig
// file, profile and prescription are combined into a scenario and checked by the
// simulator's own parser (one validator, named fields).

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checker, known, throwIfErrors } from "../../firmware/core/validate.ts";
import type { Checker } from "../../firmware/core/validate.ts";
import { Plant } from "../plant.ts";
import { parseScenario } from "../scenario.ts";
import type { Scenario } from "../scenario.ts";
import type { FrontEnd } from "./front-end.ts";
import { Rig } from "./rig.ts";
import type { RigWiring } from "./rig.ts";

export const UNO_DIR = dirname(fileURLToPath(import.meta.url));
export const BENCH_RIG = join(UNO_DIR, "bench-rig.json");
export const BENCH_PROFILE = join(UNO_DIR, "bench-profile.json");
export const BENCH_PRESCRIPTION = join(UNO_DIR, "bench-prescription.json");

export interface RigSpec {
  scenario: Scenario;
  position: FrontEnd;
  force: FrontEnd;
}

function frontEnd(c: Checker, o: any, prefix: string): FrontEnd {
  known(c, o, ["voltsAtZero", "voltsPerUnit"], prefix);
  return {
    voltsAtZero: c.num(o, "voltsAtZero", 0, 5, "V", prefix),
    voltsPerUnit: c.num(o, "voltsPerUnit", -1, 1, "V per µm or N", prefix),
  };
}

/** Rig JSON + device profile JSON + prescription JSON → a validated rig spec. */
export function rigSpec(rigJson: any, profileJson: any, prescriptionJson: any): RigSpec {
  const scenario = parseScenario({
    name: rigJson?.name,
    description: rigJson?.description,
    seed: rigJson?.seed,
    startWall: rigJson?.startWall,
    profile: profileJson,
    prescription: prescriptionJson,
    plant: rigJson?.plant,
    driver: { maxStepRateHz: 20000, maxMoveSteps: 1000000 },
  });
  const c = checker();
  known(c, rigJson, ["name", "description", "seed", "startWall", "plant", "frontEnd"], "rig.");
  const fe = c.obj(rigJson, "frontEnd", "rig.");
  known(c, fe, ["position", "force"], "rig.frontEnd.");
  const spec = { scenario, position: frontEnd(c, c.obj(fe, "position", "rig.frontEnd."), "rig.frontEnd.position."), force: frontEnd(c, c.obj(fe, "force", "rig.frontEnd."), "rig.frontEnd.force.") };
  throwIfErrors("bench rig", c.errors);
  return spec;
}

/** Builds the plant and wires the rig to it (seeded: runs repeat). */
export function buildRig(spec: RigSpec, wiring: RigWiring): Rig {
  return new Rig(new Plant(spec.scenario.plant, spec.scenario.seed), wiring, spec.position, spec.force);
}
