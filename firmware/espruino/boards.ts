// Board presets for the Espruino build: memory, flash Storage and watchdog limits
// of each board, and a default pin map and calibration for the driver. Numbers of
// variables as measured on the interpreter (docs/espruino.md); Storage sizes from Espruino's board files
// (boards/*.py, saved_code pages × page size). The calibrations are placeholders:
// every device is calibrated (`osteodrive bundle … --hal FILE`, docs/espruino.md).

import type { Calibration, EspruinoHalConfig } from "../../hal/espruino/config.ts";

export interface Board {
  name: string;
  description: string;
  /** JsVars available to JavaScript and the size of one (bytes: 13 on the STM32 and nRF52 boards, whose references are 13 bits; 27 on the 64-bit Linux build). */
  variables: number;
  varBytes: number;
  /** Flash Storage area (bytes): holds the code (.boot0) and the journal files. */
  storageBytes: number;
  /** Longest hardware watchdog timeout the chip supports (s). */
  watchdogMaxS: number;
  /**
   * What the board's official firmware has in its `crypto` module (Espruino's
   * boards/*.py: CRYPTO + SHA256, and AES through TLS or AES): the journal's
   * AES-128-CMAC and SHA-256 run natively where it has them, in JavaScript where not.
   */
  crypto: { aes: boolean; sha256: boolean };
  hal: EspruinoHalConfig;
}

const POSITION: Calibration = { raw0: 0.1, value0: 0, raw1: 0.9, value1: 30000, rawMin: 0.02, rawMax: 0.98 };
const FORCE: Calibration = { raw0: 0.5, value0: 0, raw1: 0.9, value1: 250, rawMin: 0.02, rawMax: 0.98 };

function hal(step: string, dir: string, enable: string, fault: string, position: string, force: string, alarm: string, storeBytes: number): EspruinoHalConfig {
  return {
    pins: { step, dir, enable, fault, position, force, alarm },
    enableActiveLow: true,
    dirDistractLevel: 1,
    faultActiveLevel: 0,
    position: POSITION,
    force: FORCE,
    maxStepRateHz: 1000,
    maxMoveSteps: 20000,
    pulsesPerBurst: 6,
    storeName: "odj",
    storeBytes,
    watchdogS: 30,
  };
}

export const BOARDS: { [name: string]: Board } = {
  pico: {
    name: "pico",
    description: "Espruino Pico (STM32F401, 96 KB RAM)",
    variables: 5100,
    varBytes: 13,
    storageBytes: 3 * 16384,
    watchdogMaxS: 32,
    crypto: { aes: true, sha256: true },
    hal: hal("B3", "B4", "B5", "A8", "A5", "A6", "B15", 4096),
  },
  wifi: {
    name: "wifi",
    description: "Espruino WiFi (STM32F411, 128 KB RAM)",
    variables: 8190,
    varBytes: 13,
    storageBytes: 65536,
    watchdogMaxS: 32,
    crypto: { aes: true, sha256: true },
    hal: hal("B3", "B4", "B5", "A8", "A5", "A6", "B15", 4096),
  },
  mdbt42q: {
    name: "mdbt42q",
    description: "MDBT42Q module (nRF52832, 64 KB RAM)",
    variables: 2500,
    varBytes: 13,
    storageBytes: 3 * 4096,
    watchdogMaxS: 3600,
    crypto: { aes: false, sha256: true },
    hal: hal("D14", "D15", "D16", "D17", "D2", "D3", "D1", 2048),
  },
  linux: {
    name: "linux",
    description: "Espruino's Linux build (4,096 variables; pins are simulated)",
    variables: 4096,
    varBytes: 27,
    storageBytes: 65536,
    watchdogMaxS: 3600,
    crypto: { aes: true, sha256: true },
    hal: hal("D0", "D1", "D2", "", "D3", "D4", "D5", 4096),
  },
};
