// The Espruino HAL driver: stepper, sensors, clock, flash store and alarm on the
// interpreter's built-ins, plus the hardware watchdog for the app to kick. One
// call builds it from the embedded configuration (hal/espruino/config.ts), with the
// journal's store and the vault in Storage (flashStorage) or, for an app built
// without a journal, none: then no flash code is in the build, and a store that
// keeps nothing says so (caps: not persistent, no vault).

import type { Hal, HalCaps, HalStorage, Store } from "../types.ts";
import type { EspruinoHalConfig } from "./config.ts";
import { PinAnnunciator } from "./alarm.ts";
import { EspruinoClock } from "./clock.ts";
import { AnalogSensor } from "./sensor.ts";
import { EspruinoStepper } from "./stepper.ts";
import { FlashStore } from "./store.ts";
import { Watchdog } from "./watchdog.ts";

/** Espruino's module loader (declared here: Node's `require` type would clash). */
declare const require: (name: "Storage") => EspruinoStorage;

export interface EspruinoHal extends Hal {
  clock: EspruinoClock;
  stepper: EspruinoStepper;
  watchdog: Watchdog;
}

/** Appends a journal file takes beyond its compaction threshold: the record that crosses it and one move's. */
const APPEND_SLACK_BYTES = 256;
/** Flash bytes per journal byte: a 14-byte move record is framed in 16 (hal/espruino/frame.ts), and about 2 % of its bytes are escaped. */
const FRAMING = 1.25;

/** Room for the vault's one line (hal/espruino/frame.ts framing included). */
export const VAULT_BYTES = 160;

/** Random bytes from the chip's hardware generator. */
function hwRandom(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = E.hwRand() & 255;
  return b;
}

/** The journal's two files and the vault's in the board's Storage. */
export function flashStorage(cfg: EspruinoHalConfig): HalStorage {
  const storage = require("Storage");
  return {
    // the journal compacts when half a file was appended (firmware/node/espruino/make.ts): room for that, framed, and a move's records
    store: new FlashStore(storage, cfg.storeName, cfg.storeBytes, Math.ceil((cfg.storeBytes / 2) * FRAMING) + APPEND_SLACK_BYTES),
    // a Storage file of its own: the journal's files can be lost or replaced without it
    vault: new FlashStore(storage, cfg.storeName + "v", VAULT_BYTES, VAULT_BYTES),
    persistent: true,
    vaultApart: true,
    random: hwRandom,
  };
}

/** A store that keeps nothing (an app without a journal): every write refused, nothing to read. */
const NO_STORE: Store = {
  append: () => false,
  read: () => new Uint8Array(0),
  replace: () => false,
  committedBytes: () => -1,
  preserve: () => "",
};

/** The HAL, with `storage` (flashStorage) or none. */
export function makeEspruinoHal(cfg: EspruinoHalConfig, storage: HalStorage | null): EspruinoHal {
  const clock = new EspruinoClock();
  const caps: HalCaps = {
    maxMoveSteps: cfg.maxMoveSteps,
    maxStepRateHz: cfg.maxStepRateHz,
    driverFaultInput: cfg.pins.fault !== "",
    persistentStore: storage !== null && storage.persistent,
    enableLine: true,
    vault: storage !== null && storage.vaultApart,
  };
  return {
    name: "espruino",
    caps,
    clock,
    stepper: new EspruinoStepper(cfg, clock),
    position: new AnalogSensor(cfg.pins.position, cfg.position, clock),
    force: new AnalogSensor(cfg.pins.force, cfg.force, clock),
    store: storage ? storage.store : NO_STORE,
    vault: storage ? storage.vault : NO_STORE,
    random: hwRandom,
    alarm: new PinAnnunciator(cfg.pins.alarm),
    watchdog: new Watchdog(cfg.watchdogS),
  };
}
