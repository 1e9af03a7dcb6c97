// The drive between the motor and the bone: gearing (handled by the plant's
// µm/microstep), backlash (a dead band the rack crosses when the load changes side)
// and, for the spring-loaded variant, a preloaded spring that pushes the carriage
// forward while the motor meters it out through a self-locking escapement.

export interface DriveParams {
  kind: "rack-pinion" | "lead-screw" | "spring";
  backlashUm: number;
  /** Stiffness of frame and fixation in series with the tissue (N/µm). */
  frameStiffnessNPerUm: number;
  springPreloadN: number;
  springRateNPerMm: number;
}

export class Drive {
  p: DriveParams;
  /** Carriage (rack) position, µm. */
  carriageUm: number;

  constructor(p: DriveParams) {
    this.p = p;
    this.carriageUm = 0;
  }

  /** Spring force pushing the carriage forward (N); 0 for motor-driven drives. */
  springForceN(): number {
    if (this.p.kind !== "spring") return 0;
    const f = this.p.springPreloadN - (this.p.springRateNPerMm * this.carriageUm) / 1000;
    return f > 0 ? f : 0;
  }

  /**
   * Places the carriage for a motor-side position inputUm. Within the backlash band
   * the carriage stays put unless a net load (positive = pushing it back) presses it
   * against one side of the band.
   */
  follow(inputUm: number, netLoadN: number): void {
    const half = this.p.backlashUm / 2;
    const lo = inputUm - half;
    const hi = inputUm + half;
    let c = this.carriageUm;
    if (netLoadN > 0) c = lo;
    else if (netLoadN < 0) c = hi;
    if (c < lo) c = lo;
    if (c > hi) c = hi;
    this.carriageUm = c;
  }
}
