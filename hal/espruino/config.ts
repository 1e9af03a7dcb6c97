// Configuration of the Espruino driver: pin map, sensor calibration, driver limits,
// flash journal files and watchdog. Plain JSON, embedded in the bundle at build time
// (firmware/node/espruino/build.ts); board presets in firmware/espruino/boards.ts.

/**
 * Two-point calibration of an analog input: analogRead() gives `raw0` at `value0`
 * and `raw1` at `value1` (linear between). A reading outside [rawMin, rawMax]
 * (open or shorted sensor) is reported as failed.
 */
export interface Calibration {
  raw0: number;
  value0: number;
  raw1: number;
  value1: number;
  rawMin: number;
  rawMax: number;
}

export interface EspruinoPins {
  /** Stepper driver (A4988/DRV8825/TMC step-dir): STEP, DIR and EN. */
  step: string;
  dir: string;
  enable: string;
  /** Optional FAULT output of the driver ("" when not wired). */
  fault: string;
  position: string;
  force: string;
  /** Alarm LED/buzzer output. */
  alarm: string;
}

export interface EspruinoHalConfig {
  pins: EspruinoPins;
  /** EN is active low on A4988/DRV8825 boards. */
  enableActiveLow: boolean;
  /** Level of DIR that distracts (+1). */
  dirDistractLevel: number;
  /** Level the FAULT pin shows while the driver reports a fault. */
  faultActiveLevel: number;
  position: Calibration;
  force: Calibration;
  maxStepRateHz: number;
  maxMoveSteps: number;
  /** STEP pulses queued per digitalPulse() call (the utility-timer queue holds 16 edges). */
  pulsesPerBurst: number;
  /** Storage file name prefix (two files: prefix + "0" and prefix + "1") and the most one holds (each is made with its snapshot and room for half that in appends). */
  storeName: string;
  storeBytes: number;
  /** Hardware watchdog timeout (s); 0 leaves the watchdog off. */
  watchdogS: number;
}
