// The slice of a johnny-five IO plugin the driver talks to: firmata-io's Firmata
// (StandardFirmata / ConfigurableFirmata boards) and the in-process virtual Uno
// both provide it. Method names and semantics are firmata-io's.

import type { EventEmitter } from "node:events";

export interface AccelStepperConfig {
  deviceNum: number;
  type: number;
  stepPin: number;
  directionPin: number;
  enablePin?: number;
  invertPins?: number[];
}

export interface BoardIO extends EventEmitter {
  MODES: { INPUT: number; OUTPUT: number; ANALOG: number };
  STEPPER?: { TYPE: { DRIVER: number } };
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: number): void;
  /** `pin` is the analog channel (A0 = 0); the callback runs on every report. */
  analogRead(pin: number, cb: (counts: number) => void): void;
  setSamplingInterval(ms: number): void;
  /** Firmata AccelStepper (0x62) on ConfigurableFirmata builds; absent on StandardFirmata. */
  accelStepperConfig?(opts: AccelStepperConfig): void;
  accelStepperZero?(deviceNum: number): void;
  accelStepperSpeed?(deviceNum: number, stepsPerSecond: number): void;
  accelStepperAcceleration?(deviceNum: number, stepsPerSecond2: number): void;
  accelStepperEnable?(deviceNum: number, enabled: boolean): void;
  accelStepperStep?(deviceNum: number, steps: number, done?: (position: number) => void): void;
  accelStepperStop?(deviceNum: number): void;
}
