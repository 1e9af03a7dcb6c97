// The simulated device and patient: stepper → drive (backlash, spring) → frame
// compliance in series with the gap tissue, plus the position sensor (gap length)
// and the load cell. Time only moves forward through advanceTo(); every pulse and
// every reading is a function of the seed and the event order, so runs repeat.

import { Rng } from "./rng.ts";
import { Drive } from "./drive.ts";
import type { DriveParams } from "./drive.ts";
import { StepperModel } from "./stepper.ts";
import type { StepperParams } from "./stepper.ts";
import { Tissue } from "./tissue.ts";
import type { TissueParams } from "./tissue.ts";
import { sense } from "./sensors.ts";
import type { SensorParams } from "./sensors.ts";

export interface PlantParams {
  umPerMicrostep: number;
  travelPerMotorRevMm: number;
  stepper: StepperParams;
  drive: DriveParams;
  tissue: TissueParams;
  positionSensor: SensorParams;
  forceSensor: SensorParams;
}

/** A scripted error of a sensor (sim/faults.ts): reading = gain × truth + offset + drift × (t − since). */
export interface SensorError {
  gain: number;
  offset: number;
  driftPerMs: number;
  driftSinceMs: number;
}

export function healthySensor(): SensorError {
  return { gain: 1, offset: 0, driftPerMs: 0, driftSinceMs: 0 };
}

function sensorError(e: SensorError, truth: number, tMs: number): number {
  return e.gain * truth + e.offset + (e.driftPerMs !== 0 ? e.driftPerMs * (tMs - e.driftSinceMs) : 0);
}

/** Stops a drift where it has got to: what it accumulated stays as an offset. */
export function endDrift(e: SensorError, tMs: number): void {
  e.offset += e.driftPerMs * (tMs - e.driftSinceMs);
  e.driftPerMs = 0;
}

/** The net load (N) below which a back-drivable drive still holds by friction. */
export const BACK_DRIVE_HOLD_N = 10;

export class Plant {
  p: PlantParams;
  rng: Rng;
  stepper: StepperModel;
  drive: Drive;
  tissue: Tissue;
  tMs: number;
  /** True gap length (µm) since the osteotomy. */
  gapUm: number;
  pulses: number;
  peakForceN: number;
  /** Scripted faults (sim/faults.ts): a jammed drive misses every pulse; a slipping escapement or a back-driven gear creeps on its own (signed, µm/ms). */
  jammed: boolean;
  creepUmPerMs: number;
  positionError: SensorError;
  forceError: SensorError;
  /** Travel the drive has slipped on its own (back-driven past the motor), µm. */
  slipUm: number;

  constructor(p: PlantParams, seed: number) {
    this.p = p;
    this.rng = new Rng(seed);
    this.stepper = new StepperModel(p.stepper, p.travelPerMotorRevMm, new Rng(seed ^ 0x5bd1e995));
    this.drive = new Drive(p.drive);
    this.tissue = new Tissue(p.tissue);
    this.tMs = 0;
    this.gapUm = 0;
    this.pulses = 0;
    this.peakForceN = 0;
    this.jammed = false;
    this.creepUmPerMs = 0;
    this.positionError = healthySensor();
    this.forceError = healthySensor();
    this.slipUm = 0;
  }

  /** Where the motor side of the drive is (µm): counted rotor steps plus any slip. */
  private inputUm(): number {
    return this.stepper.position * this.p.umPerMicrostep + this.slipUm;
  }

  /** Net load on the carriage, positive = resisting distraction (N). */
  netLoadN(): number {
    return this.tissue.forceN() - this.drive.springForceN();
  }

  forceN(): number {
    return this.tissue.forceN();
  }

  advanceTo(tMs: number): void {
    if (tMs <= this.tMs) return;
    this.tissue.relax(tMs - this.tMs);
    // a drive creeps back only while the tissue pushes it harder than its friction holds
    if (this.creepUmPerMs > 0 || (this.creepUmPerMs < 0 && this.netLoadN() > BACK_DRIVE_HOLD_N)) {
      this.slipUm += this.creepUmPerMs * (tMs - this.tMs);
      this.drive.follow(this.inputUm(), this.netLoadN());
    }
    this.tMs = tMs;
    this.settle();
  }

  /** The drive skips on its own by dUm at once (an escapement tooth, a gear jumping): the carriage moves, nothing was commanded. */
  slip(dUm: number): void {
    if (dUm < 0 && this.netLoadN() <= BACK_DRIVE_HOLD_N) return;
    this.slipUm += dUm;
    this.drive.follow(this.inputUm(), this.netLoadN());
    this.settle();
  }

  /** One STEP pulse in direction dir (+1 distracts). Returns whether the rotor moved. */
  pulse(dir: number): boolean {
    return this.pulseN(dir, 1) === 1;
  }

  /**
   * n STEP pulses in direction dir, one after the other at this instant (a move's
   * pulses reach the plant at its end): n single pulses, with the callus maturity
   * (so the tissue's stiffness and the settle's denominator) worked out once, as it
   * cannot change between them. Returns how many moved the rotor.
   */
  pulseN(dir: number, n: number): number {
    const m = this.tissue.stiffnessMultiplier();
    const e = this.tissue.instantStiffness(m) / 1000; // N/µm
    const den = 1 + e / this.p.drive.frameStiffnessNPerUm;
    let moved = 0;
    for (let i = 0; i < n; i++) {
      this.pulses++;
      if (this.jammed) {
        this.stepper.missedByLoad++;
        continue;
      }
      const load = this.netLoadN();
      if (!this.stepper.pulse(dir, dir > 0 ? load : -load)) continue;
      moved++;
      this.drive.follow(this.inputUm(), load);
      this.settleAt(m, e, den);
    }
    return moved;
  }

  /** Missed steps so far (load + injected). */
  missedSteps(): number {
    return this.stepper.missedByLoad + this.stepper.missedInjected;
  }

  /**
   * Solves the gap for the carriage position: gap = carriage − F/kFrame with the
   * tissue force F = F_now + E·(gap − gap_now), in closed form.
   */
  private settle(): void {
    const m = this.tissue.stiffnessMultiplier();
    const e = this.tissue.instantStiffness(m) / 1000; // N/µm
    this.settleAt(m, e, 1 + e / this.p.drive.frameStiffnessNPerUm);
  }

  /** settle() at the tissue's stiffness multiplier m (the one of this instant), its stiffness e (N/µm) and 1 + e / kFrame. */
  private settleAt(m: number, e: number, den: number): void {
    const kf = this.p.drive.frameStiffnessNPerUm;
    const fNow = this.tissue.forceN();
    const f = (fNow + e * (this.drive.carriageUm - this.gapUm)) / den;
    const gap = this.drive.carriageUm - f / kf;
    const dx = gap - this.gapUm;
    if (dx !== 0) this.tissue.stretch(dx / 1000, m);
    this.gapUm = gap;
    const force = this.tissue.forceN();
    if (force > this.peakForceN) this.peakForceN = force;
  }

  sensePosition(): number {
    return sense(this.p.positionSensor, sensorError(this.positionError, this.gapUm, this.tMs), this.rng);
  }

  senseForce(): number {
    return sense(this.p.forceSensor, sensorError(this.forceError, this.tissue.forceN(), this.tMs), this.rng);
  }
}
