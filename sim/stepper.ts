// Stepper motor behind its gearing: a step is missed when the load force on the
// carriage exceeds what the motor's torque can hold (stall), or at random with a
// scripted fraction (missed-step injection: skipped pulses, resonance, a bad driver).

import { Rng } from "./rng.ts";

export interface StepperParams {
  /** Motor holding torque (N·m). */
  holdingTorqueNm: number;
  /** Efficiency of the gear train and the drive (0–1). */
  efficiency: number;
  /** Fraction of steps missed at random (0 = none). */
  missedStepFraction: number;
}

/** Largest load force (N) the motor can push against through this drive. */
export function stallForceN(p: StepperParams, travelPerMotorRevMm: number): number {
  return (p.holdingTorqueNm * 2 * Math.PI * p.efficiency) / (travelPerMotorRevMm / 1000);
}

export class StepperModel {
  p: StepperParams;
  stallN: number;
  rng: Rng;
  /** Rotor position in microsteps. */
  position: number;
  missedByLoad: number;
  missedInjected: number;

  constructor(p: StepperParams, travelPerMotorRevMm: number, rng: Rng) {
    this.p = p;
    this.stallN = stallForceN(p, travelPerMotorRevMm);
    this.rng = rng;
    this.position = 0;
    this.missedByLoad = 0;
    this.missedInjected = 0;
  }

  /** One pulse against `opposingLoadN` (N resisting this direction). Returns whether the rotor moved. */
  pulse(dir: number, opposingLoadN: number): boolean {
    if (opposingLoadN > this.stallN) {
      this.missedByLoad++;
      return false;
    }
    if (this.p.missedStepFraction > 0 && this.rng.next() < this.p.missedStepFraction) {
      this.missedInjected++;
      return false;
    }
    this.position += dir;
    return true;
  }
}
