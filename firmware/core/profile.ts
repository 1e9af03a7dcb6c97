// Device profile: the mechanics and hard limits of one device, from JSON.
// umPerMicrostep = travel per output rev / (stepsPerRev × microsteps × gearRatio).

import { bool, checker, throwIfErrors } from "./validate.ts";
import { UM_PER_MM } from "./units.ts";

export type DriveKind = "rack-pinion" | "lead-screw" | "spring";

export interface DeviceProfile {
  name: string;
  serial: string;
  drive: DriveKind;
  /** Rack-and-pinion: pinion pitch diameter (mm). */
  pinionPitchDiameterMm: number;
  /** Lead screw / spring escapement: travel per output revolution (mm). */
  leadMm: number;
  stepsPerRev: number;
  microsteps: number;
  gearRatio: number;
  strokeMm: number;
  /** Absolute rate ceiling of this device, whatever the prescription says. */
  hardRateCapMmPerDay: number;
  /** Largest single increment (Richards 1999: gap stress rises sharply above 0.25 mm). */
  incrementCapMm: number;
  /** Catch-up after a pause may run at most this multiple of the nominal rate. */
  catchUpFactor: number;
  /** The device's structural force rating; a prescription's hard limit must not exceed it. */
  maxForceN: number;
  /** Control tick (ms). */
  tickMs: number;
  /** Fastest microstep rate the motor is driven at. */
  maxStepRateHz: number;
  /** Time constant of the step-count/sensor fusion (ms). */
  fusionTauMs: number;
  /** A position or force reading older than this stops motion (ms). */
  sensorStaleMs: number;
  /** Nominal position tolerance (µm): phase completion, agreement checks. */
  positionToleranceUm: number;
  /** Sensor and drive specifications the supervisor sizes its checks with. */
  positionNoiseUm: number;
  forceNoiseN: number;
  backlashUm: number;
  /** Position sensor resolution (µm); 0 = finer than its noise. */
  positionQuantumUm: number;
  /** Stiffness of frame and fixation in series with the tissue (N/µm): the gap is shorter than the rack by force / this. 0 = not known. */
  frameStiffnessNPerUm: number;
  /** Fraction of steps the drive may lose in normal use (its rating): the supervisor tolerates that much shortfall. */
  driveSlipFraction: number;
  /** Whether the tissue force can turn the drive backwards when it stands still (not self-locking); default false. */
  backDrivable: boolean;
  /** The least stiffness of the tissue this device distracts, a few minutes after a stretch (N/mm; 0 = not known): tells a real jump of the carriage from a jump of the sensor. */
  tissueStiffnessNPerMm: number;
  /** Load-cell span: readings outside [forceMinN, forceMaxN] are invalid. */
  forceMinN: number;
  forceMaxN: number;
  /** Derived: µm of travel per microstep. */
  umPerMicrostep: number;
}

const DRIVES: string[] = ["rack-pinion", "lead-screw", "spring"];

export function travelPerRevMm(drive: string, pinionPitchDiameterMm: number, leadMm: number): number {
  return drive === "rack-pinion" ? Math.PI * pinionPitchDiameterMm : leadMm;
}

/** Parses and validates a device profile; throws one Error naming every bad field. */
export function parseProfile(json: any): DeviceProfile {
  const c = checker();
  const p = "profile.";
  const drive = c.str(json, "drive", DRIVES, p);
  const rp = drive === "rack-pinion";
  const prof: DeviceProfile = {
    name: c.str(json, "name", null, p),
    serial: c.str(json, "serial", null, p),
    drive: drive as DriveKind,
    pinionPitchDiameterMm: rp ? c.num(json, "pinionPitchDiameterMm", 1, 50, "mm", p) : 0,
    leadMm: rp ? 0 : c.num(json, "leadMm", 0.05, 10, "mm", p),
    stepsPerRev: c.int(json, "stepsPerRev", 4, 2000, p),
    microsteps: c.int(json, "microsteps", 1, 256, p),
    gearRatio: c.num(json, "gearRatio", 1, 10000, "", p),
    strokeMm: c.num(json, "strokeMm", 1, 200, "mm", p),
    hardRateCapMmPerDay: c.num(json, "hardRateCapMmPerDay", 0.1, 3, "mm/day", p),
    incrementCapMm: c.num(json, "incrementCapMm", 0.001, 0.5, "mm", p),
    catchUpFactor: c.num(json, "catchUpFactor", 1, 3, "", p),
    maxForceN: c.num(json, "maxForceN", 1, 5000, "N", p),
    tickMs: c.int(json, "tickMs", 100, 60000, p),
    maxStepRateHz: c.num(json, "maxStepRateHz", 1, 20000, "Hz", p),
    fusionTauMs: c.num(json, "fusionTauMs", 1000, 86400000, "ms", p),
    sensorStaleMs: c.num(json, "sensorStaleMs", 100, 600000, "ms", p),
    positionToleranceUm: c.num(json, "positionToleranceUm", 0.1, 1000, "µm", p),
    positionNoiseUm: c.optNum(json, "positionNoiseUm", 0, 1000, "µm", p, 1),
    forceNoiseN: c.optNum(json, "forceNoiseN", 0, 100, "N", p, 0.5),
    backlashUm: c.optNum(json, "backlashUm", 0, 1000, "µm", p, 0),
    positionQuantumUm: c.optNum(json, "positionQuantumUm", 0, 1000, "µm", p, 0),
    frameStiffnessNPerUm: c.optNum(json, "frameStiffnessNPerUm", 0, 10000, "N/µm (0 = not known)", p, 0),
    driveSlipFraction: c.optNum(json, "driveSlipFraction", 0, 0.2, "", p, 0),
    backDrivable: bool(c, json, "backDrivable", p, false),
    tissueStiffnessNPerMm: c.optNum(json, "tissueStiffnessNPerMm", 0, 10000, "N/mm (0 = not known)", p, 0),
    forceMinN: c.optNum(json, "forceMinN", -10000, 0, "N", p, -50),
    forceMaxN: c.optNum(json, "forceMaxN", 1, 20000, "N", p, 2000),
    umPerMicrostep: 0,
  };
  if (c.errors.length === 0) {
    const travelUm = travelPerRevMm(prof.drive, prof.pinionPitchDiameterMm, prof.leadMm) * UM_PER_MM;
    prof.umPerMicrostep = travelUm / (prof.stepsPerRev * prof.microsteps * prof.gearRatio);
    if (prof.umPerMicrostep > 5) {
      c.fail(p + "gearRatio", "gives " + prof.umPerMicrostep.toFixed(2) + " µm per microstep; at most 5 µm allowed (raise microsteps or gearRatio)");
    }
    if (prof.sensorStaleMs < prof.tickMs) {
      c.fail(p + "sensorStaleMs", "got " + prof.sensorStaleMs + "; must be at least tickMs (" + prof.tickMs + ")");
    }
  }
  throwIfErrors("device profile", c.errors);
  return prof;
}
