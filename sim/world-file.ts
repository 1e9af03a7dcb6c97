// The simulated world outside the controller — plant state and virtual time — kept
// in a file so it outlives the controller's process: kill the app with SIGKILL and
// the bone, the rack and the clock are where they were. Written atomically (temp +
// rename) after every move's pulses, before the controller journals the move done.

import { existsSync, renameSync, writeFileSync } from "node:fs";
import { readJsonFile } from "./json-file.ts";
import { checker, known, requireObject, throwIfErrors } from "../firmware/core/validate.ts";
import type { Plant } from "./plant.ts";
import type { VirtualClock } from "./virtual-clock.ts";

export interface WorldImage {
  monoMs: number;
  wallOffsetMs: number;
  plant: {
    tMs: number;
    gapUm: number;
    pulses: number;
    peakForceN: number;
    slipUm: number;
    carriageUm: number;
    rotor: number;
    missedByLoad: number;
    missedInjected: number;
    tissue: { sInf: number; s1: number; s2: number; maturity: number; recentRate: number };
  };
}

/** The plant's state and the virtual time now (a reboot of the device on the same plant starts from it). */
export function worldImage(plant: Plant, clock: VirtualClock): WorldImage {
  const t = plant.tissue;
  return {
    monoMs: clock.monoMs(),
    wallOffsetMs: clock.wallOffsetMs,
    plant: {
      tMs: plant.tMs,
      gapUm: plant.gapUm,
      pulses: plant.pulses,
      peakForceN: plant.peakForceN,
      slipUm: plant.slipUm,
      carriageUm: plant.drive.carriageUm,
      rotor: plant.stepper.position,
      missedByLoad: plant.stepper.missedByLoad,
      missedInjected: plant.stepper.missedInjected,
      tissue: { sInf: t.sInf, s1: t.s1, s2: t.s2, maturity: t.maturity, recentRate: t.recentRate },
    },
  };
}

export function saveWorld(file: string, plant: Plant, clock: VirtualClock): void {
  writeFileSync(file + ".tmp", JSON.stringify(worldImage(plant, clock)));
  renameSync(file + ".tmp", file);
}

/** Checks a world image field by field (a hand-edited or damaged file names its field, changes nothing). */
function checkWorld(img: any, file: string): WorldImage {
  requireObject(img, "world", "world file " + file);
  const c = checker();
  known(c, img, ["monoMs", "wallOffsetMs", "plant"], "");
  c.num(img, "monoMs", 0, 1e13, "ms", "");
  c.num(img, "wallOffsetMs", -1e13, 1e13, "ms", "");
  const p = c.obj(img, "plant", "");
  const keys = ["tMs", "gapUm", "pulses", "peakForceN", "slipUm", "carriageUm", "rotor", "missedByLoad", "missedInjected", "tissue"];
  known(c, p, keys, "plant.");
  c.num(p, "tMs", 0, 1e13, "ms", "plant.");
  for (const k of ["gapUm", "slipUm", "carriageUm"]) c.num(p, k, -1e6, 1e6, "µm", "plant.");
  c.num(p, "peakForceN", -1e5, 1e5, "N", "plant.");
  c.int(p, "rotor", -1e12, 1e12, "plant.");
  for (const k of ["pulses", "missedByLoad", "missedInjected"]) c.int(p, k, 0, 1e12, "plant.");
  const t = c.obj(p, "tissue", "plant.");
  known(c, t, ["sInf", "s1", "s2", "maturity", "recentRate"], "plant.tissue.");
  for (const k of ["sInf", "s1", "s2"]) c.num(t, k, -1e6, 1e6, "N", "plant.tissue.");
  c.num(t, "maturity", 0, 1, "", "plant.tissue.");
  c.num(t, "recentRate", 0, 1e4, "mm", "plant.tissue.");
  throwIfErrors("world file " + file, c.errors);
  return img as WorldImage;
}

/** Restores plant and clock from the file; false when there is none yet (a fresh world). Throws naming the field of a bad file. */
export function loadWorld(file: string, plant: Plant, clock: VirtualClock): boolean {
  if (!existsSync(file)) return false;
  applyWorld(checkWorld(readJsonFile(file, "world file"), file), plant, clock);
  return true;
}

/** Puts plant and clock where an image says (a checked one). */
export function applyWorld(img: WorldImage, plant: Plant, clock: VirtualClock): void {
  const p = img.plant;
  Object.assign(plant, { tMs: p.tMs, gapUm: p.gapUm, pulses: p.pulses, peakForceN: p.peakForceN, slipUm: p.slipUm });
  plant.drive.carriageUm = p.carriageUm;
  plant.stepper.position = p.rotor;
  plant.stepper.missedByLoad = p.missedByLoad;
  plant.stepper.missedInjected = p.missedInjected;
  Object.assign(plant.tissue, p.tissue);
  clock.runUntil(img.monoMs);
  clock.wallOffsetMs = img.wallOffsetMs;
}
