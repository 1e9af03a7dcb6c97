// The simulated world a controller runs in: the plant (stepper, drive, tissue,
// sensors) of a scenario, the virtual clock, and the simulator's HAL on them, with
// the scenario's scripted faults on the clock. Every simulated target (sim runs,
// power cuts, the Node app on `--hal sim`, the advisor's trials, tests) builds its
// world here and hands `hal` to the one assembly (firmware/core/assemble.ts).

import type { Hal, Store } from "../hal/types.ts";
import { JOURNAL_COMPACT_BYTES, assemble } from "../firmware/core/assemble.ts";
import type { ConsoleParts, Device } from "../firmware/core/assemble.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { sha256 } from "../firmware/core/sha256.ts";
import { makeSimHal } from "./driver.ts";
import type { SimHal } from "./driver.ts";
import { scheduleFaults } from "./faults.ts";
import { Plant } from "./plant.ts";
import { PowerCutStore } from "./power-cut-store.ts";
import type { Scenario } from "./scenario.ts";
import { VirtualClock } from "./virtual-clock.ts";

export interface SimWorld {
  clock: VirtualClock;
  plant: Plant;
  hal: SimHal;
  /** The non-volatile stores (they outlive a simulated power cut): the journal and the vault. */
  store: PowerCutStore;
  vault: PowerCutStore;
}

export interface SimWorldOptions {
  /** Plant noise seed (default: the scenario's). */
  seed?: number;
  /** Stores to start from (a reboot on an earlier device's journal and vault); default blank ones. */
  store?: PowerCutStore;
  vault?: PowerCutStore;
  /** Schedule the scenario's scripted faults (default true). */
  faults?: boolean;
}

export function makeSimWorld(sc: Scenario, o: SimWorldOptions = {}): SimWorld {
  const clock = new VirtualClock(sc.startWallMs);
  const plant = new Plant(sc.plant, o.seed ?? sc.seed);
  const store = o.store ?? new PowerCutStore();
  const vault = o.vault ?? new PowerCutStore();
  const hal = makeSimHal(plant, clock, sc.driver, store, vault, o.seed ?? sc.seed);
  if (o.faults !== false) scheduleFaults(hal, sc.faults);
  return { clock, plant, hal, store, vault };
}

/**
 * The scenario's device (its profile and prescription, a fresh start from 0 µm) on
 * `hal`, journaled on `store` (null: no journal) with Node's journal policy, with the
 * console parts given (or none). Observers are added by the caller before boot.
 */
export function assembleScenario(sc: Scenario, hal: Hal, store: Store | null, console: ConsoleParts | null): Device {
  return assemble({
    hal,
    profile: sc.profile,
    prescription: sc.prescription,
    startUm: 0,
    journal: store ? { store, compactAtBytes: JOURNAL_COMPACT_BYTES, auditKeep: Infinity, mac: cmacAes128, digest: sha256 } : null,
    console,
    observers: [],
  });
}
