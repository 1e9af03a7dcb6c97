// The simulated world outside the controller — plant state and virtual time — kept
// in a file so it outlives the controller's process: kill the app with SIGKILL and
// the bone, the rack and the clock are where they were. Written atomically (temp +
// rename) after every move's pulses, before the controller journals the move done.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Plant } from "./plant.ts";
import type { VirtualClock } from "./virtual-clock.ts";

interface WorldImage {
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

export function saveWorld(file: string, plant: Plant, clock: VirtualClock): void {
  const t = plant.tissue;
  const img: WorldImage = {
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
  writeFileSync(file + ".tmp", JSON.stringify(img));
  renameSync(file + ".tmp", file);
}

/** Restores plant and clock from the file; false when there is none yet (a fresh world). */
export function loadWorld(file: string, plant: Plant, clock: VirtualClock): boolean {
  if (!existsSync(file)) return false;
  let img: WorldImage;
  try {
    img = JSON.parse(readFileSync(file, "utf8"));
  } catch (e: any) {
    throw new Error("world file " + file + " is unreadable: " + e.message);
  }
  const p = img.plant;
  Object.assign(plant, { tMs: p.tMs, gapUm: p.gapUm, pulses: p.pulses, peakForceN: p.peakForceN, slipUm: p.slipUm });
  plant.drive.carriageUm = p.carriageUm;
  plant.stepper.position = p.rotor;
  plant.stepper.missedByLoad = p.missedByLoad;
  plant.stepper.missedInjected = p.missedInjected;
  Object.assign(plant.tissue, p.tissue);
  clock.runUntil(img.monoMs);
  clock.wallOffsetMs = img.wallOffsetMs;
  return true;
}
