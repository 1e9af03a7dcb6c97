// The bench rig behind the board's pins: a STEP/DIR/EN stepper driver moving the
// plant (one plant.pulse per STEP rising edge while EN is active), a linear
// potentiometer and a load-cell amplifier feeding two analog inputs through the
// analog front end, and an alarm LED. EN has an external pull-up, so a floating
// pin (board reset, unpowered board) leaves an active-low driver disabled.
// Keeps the ground truth the HAL contract checks against.

import type { Plant } from "../plant.ts";
import type { PinLevel } from "./avr.ts";
import type { FrontEnd } from "./front-end.ts";
import { unitsToVolts } from "./front-end.ts";

export interface RigWiring {
  stepPin: number;
  dirPin: number;
  enablePin: number;
  /** A4988/DRV8825 style: EN low = driver on. */
  enableActiveLow: boolean;
  /** DIR level that distracts (+1). */
  dirForwardHigh: boolean;
  alarmPin: number;
  /** Analog channels (A0 = 0). */
  positionChannel: number;
  forceChannel: number;
}

export interface RigTruth {
  forward: number;
  backward: number;
  /** STEP edges that arrived while the driver was disabled (ignored by the driver). */
  ignoredEdges: number;
  enabled: boolean;
  alarmOn: boolean;
}

export class Rig {
  plant: Plant;
  wiring: RigWiring;
  position: FrontEnd;
  force: FrontEnd;
  private levels: { [pin: number]: PinLevel } = {};
  truth: RigTruth = { forward: 0, backward: 0, ignoredEdges: 0, enabled: false, alarmOn: false };
  /** Board time (ms) of every change of the driver's enable state. */
  enableChanges: Array<{ atMs: number; enabled: boolean }> = [];

  constructor(plant: Plant, wiring: RigWiring, position: FrontEnd, force: FrontEnd) {
    this.plant = plant;
    this.wiring = wiring;
    this.position = position;
    this.force = force;
    this.truth.enabled = this.enableActive();
  }

  /** Electrical level of a line: floating STEP/DIR read low (driver pull-downs), floating EN high (pull-up). */
  private high(pin: number): boolean {
    const lv = this.levels[pin] ?? "float";
    if (lv === "float") return pin === this.wiring.enablePin;
    return lv === "high" || lv === "pullup";
  }

  private enableActive(): boolean {
    return this.high(this.wiring.enablePin) !== this.wiring.enableActiveLow;
  }

  /** A board pin changed level at board time atMs. */
  line(pin: number, level: PinLevel, atMs: number): void {
    const w = this.wiring;
    const rising = pin === w.stepPin && !this.high(pin) && (level === "high" || level === "pullup");
    this.levels[pin] = level;
    if (rising) {
      this.plant.advanceTo(atMs);
      if (!this.truth.enabled) {
        this.truth.ignoredEdges++;
      } else {
        const dir = this.high(w.dirPin) === w.dirForwardHigh ? 1 : -1;
        if (dir > 0) this.truth.forward++;
        else this.truth.backward++;
        this.plant.pulse(dir);
      }
    }
    const en = this.enableActive();
    if (en !== this.truth.enabled) {
      this.truth.enabled = en;
      this.enableChanges.push({ atMs, enabled: en });
    }
    this.truth.alarmOn = this.high(w.alarmPin);
  }

  netSteps(): number {
    return this.truth.forward - this.truth.backward;
  }

  /** Volts on an analog channel at board time atMs (the sensors' outputs through the front end). */
  volts(channel: number, atMs: number): number {
    this.plant.advanceTo(atMs);
    if (channel === this.wiring.positionChannel) return unitsToVolts(this.position, this.plant.sensePosition());
    if (channel === this.wiring.forceChannel) return unitsToVolts(this.force, this.plant.senseForce());
    return 0;
  }
}
