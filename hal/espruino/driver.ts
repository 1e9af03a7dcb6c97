// The Espruino HAL driver: stepper, sensors, clock, flash store and alarm on the
// interpreter's built-ins, plus the hardware watchdog for the app to kick. One
// call builds it from the embedded configuration (hal/espruino/config.ts).

import type { Hal, HalCaps } from "../types.ts";
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

/** Room for the vault's one line (hal/espruino/frame.ts framing included). */
export const VAULT_BYTES = 160;

/** Random bytes from the chip's hardware generator. */
function hwRandom(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = E.hwRand() & 255;
  return b;
}

export function makeEspruinoHal(cfg: EspruinoHalConfig): EspruinoHal {
  const clock = new EspruinoClock();
  const caps: HalCaps = {
    maxMoveSteps: cfg.maxMoveSteps,
    maxStepRateHz: cfg.maxStepRateHz,
    driverFaultInput: cfg.pins.fault !== "",
    persistentStore: true,
    enableLine: true,
    vault: true,
  };
  const storage = require("Storage");
  return {
    name: "espruino",
    caps,
    clock,
    stepper: new EspruinoStepper(cfg, clock),
    position: new AnalogSensor(cfg.pins.position, cfg.position, clock),
    force: new AnalogSensor(cfg.pins.force, cfg.force, clock),
    store: new FlashStore(storage, cfg.storeName, cfg.storeBytes),
    // a Storage file of its own: the journal's files can be lost or replaced without it
    vault: new FlashStore(storage, cfg.storeName + "v", VAULT_BYTES),
    random: hwRandom,
    alarm: new PinAnnunciator(cfg.pins.alarm),
    watchdog: new Watchdog(cfg.watchdogS),
  };
}
