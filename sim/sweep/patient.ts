// The normal virtual patient of the population campaign: a device of one of four
// kinds (mandible, cranial, limb nail, spring-driven), its mechanics and sensors
// within their specification, tissue within the published normal ranges, and a
// prescription anywhere in clinical practice — rate 0.25–2 mm/day, rhythm from one
// increment a day to continuous, latency 0–10 days starting at any time of day.
// Every number comes from one seeded generator: a seed fixes a patient. The
// ranges are the table in docs/sweep.md; change them together.

import { Rng } from "../rng.ts";

/** Uniform in [a, b). */
export function uniform(r: Rng, a: number, b: number): number {
  return a + (b - a) * r.next();
}

/** Log-uniform in [a, b) (a, b > 0): as many slow as fast. */
export function logUniform(r: Rng, a: number, b: number): number {
  return a * Math.pow(b / a, r.next());
}

export function pick<T>(r: Rng, items: T[]): T {
  return items[Math.floor(r.next() * items.length)];
}

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}

export type DeviceKind = "mandible" | "cranial" | "limb" | "spring";
export const DEVICE_KINDS: DeviceKind[] = ["mandible", "cranial", "limb", "spring"];

interface DeviceBase {
  drive: "rack-pinion" | "lead-screw" | "spring";
  /** Motor step rate (Hz) and the driver's largest move (microsteps): a fine lead needs more of both. */
  stepRateHz: number;
  maxMoveSteps: number;
  /** Pinion pitch diameter or lead (mm), gear ratio, stroke (mm), structural rating (N). */
  pitchMm: number;
  gear: number;
  strokeMm: number;
  maxForceN: number;
  holdingTorqueNm: number;
  /** The prescription's force limits for this indication (N). */
  softN: number;
  hardN: number;
  /** Calibrated tissue of this indication (docs/scenarios.md): eInf, e1, tau1, e2, tau2, remodel. */
  tissue: [number, number, number, number, number, number];
  /** Distraction length range (mm). */
  lengthMm: [number, number];
  frameNPerUm: [number, number];
}

const DEVICES: { [k in DeviceKind]: DeviceBase } = {
  mandible: { drive: "rack-pinion", stepRateHz: 2000, maxMoveSteps: 20000, pitchMm: 6, gear: 100, strokeMm: 30, maxForceN: 236, holdingTorqueNm: 0.02, softN: 100, hardN: 180, tissue: [9, 40, 60, 23, 1200, 2], lengthMm: [5, 25], frameNPerUm: [10, 40] },
  cranial: { drive: "lead-screw", stepRateHz: 8000, maxMoveSteps: 100000, pitchMm: 0.5, gear: 16, strokeMm: 30, maxForceN: 150, holdingTorqueNm: 0.02, softN: 60, hardN: 100, tissue: [5, 20, 60, 12, 1200, 2], lengthMm: [5, 20], frameNPerUm: [5, 20] },
  limb: { drive: "rack-pinion", stepRateHz: 2000, maxMoveSteps: 20000, pitchMm: 6, gear: 100, strokeMm: 80, maxForceN: 1200, holdingTorqueNm: 0.1, softN: 700, hardN: 1000, tissue: [12, 100, 120, 50, 1800, 30], lengthMm: [10, 60], frameNPerUm: [20, 60] },
  spring: { drive: "spring", stepRateHz: 8000, maxMoveSteps: 100000, pitchMm: 0.5, gear: 16, strokeMm: 30, maxForceN: 236, holdingTorqueNm: 0.02, softN: 100, hardN: 180, tissue: [9, 40, 60, 23, 1200, 2], lengthMm: [5, 25], frameNPerUm: [10, 40] },
};

const RHYTHMS: Array<number | "continuous"> = [1, 2, 3, 4, 6, 8, 12, 24, 48, 96, "continuous"];

export interface PatientOptions {
  /** Only these device kinds (a family that needs a spring or a back-drivable drive). */
  kinds?: DeviceKind[];
  /** Force a back-drivable drive (true) or a self-locking one (false); default: a quarter are back-drivable. */
  backDrivable?: boolean;
}

/** A normal patient as scenario JSON (parseScenario checks it like any file). */
export function normalPatient(r: Rng, name: string, o: PatientOptions = {}): any {
  const kind = pick(r, o.kinds ?? DEVICE_KINDS);
  const d = DEVICES[kind];
  const rate = round(uniform(r, 0.25, 2), 3);
  const cap = rate > 1.25 ? 0.5 : pick(r, [0.25, 0.5]);
  let rhythm = pick(r, RHYTHMS);
  // a rhythm whose increment exceeds the device's cap takes the next finer one
  while (rhythm !== "continuous" && rate / rhythm > cap) rhythm = RHYTHMS[RHYTHMS.indexOf(rhythm) + 1];
  const distractionDays = uniform(r, 5, 30);
  const length = round(Math.min(d.lengthMm[1], Math.max(d.lengthMm[0], rate * distractionDays), d.strokeMm - 2), 2);
  const posSigma = round(uniform(r, 0.5, 3), 2);
  const forceSigma = round(uniform(r, 0.2, 1.5), 2);
  const backlash = round(uniform(r, 0, 30), 1);
  const slipRated = r.next() < 0.5 ? 0 : round(uniform(r, 0, 0.001), 5);
  const frame = uniform(r, d.frameNPerUm[0], d.frameNPerUm[1]);
  const frameSpec = round(frame * uniform(r, 0.85, 1.15), 2);
  const t = d.tissue;
  const quiet = r.next() < 0.25 ? { startHour: 22, endHour: 6 } : null;
  const startHour = Math.floor(uniform(r, 0, 24));
  const startMin = Math.floor(uniform(r, 0, 60));
  const rp = d.drive === "rack-pinion";
  return {
    name,
    description: "normal patient: " + kind + " device, " + rate + " mm/day " + (rhythm === "continuous" ? "continuous" : rhythm + "×/day") + ", " + length + " mm",
    seed: Math.floor(r.next() * 4294967295),
    startWall: "2026-03-0" + (1 + Math.floor(r.next() * 7)) + "T" + String(startHour).padStart(2, "0") + ":" + String(startMin).padStart(2, "0") + ":00Z",
    profile: {
      name: "sweep " + kind + " device",
      serial: "SW-" + kind.toUpperCase() + "-1",
      drive: d.drive,
      ...(rp ? { pinionPitchDiameterMm: d.pitchMm } : { leadMm: d.pitchMm }),
      stepsPerRev: 200,
      microsteps: 16,
      gearRatio: d.gear,
      strokeMm: d.strokeMm,
      hardRateCapMmPerDay: 2.5,
      incrementCapMm: cap,
      catchUpFactor: 1.5,
      maxForceN: d.maxForceN,
      tickMs: 10000,
      maxStepRateHz: d.stepRateHz,
      fusionTauMs: 600000,
      sensorStaleMs: 30000,
      // no better than the sensor (3σ) nor than the frame springs back when a force up to the soft limit relaxes
      positionToleranceUm: round(Math.max(5, 3 * posSigma, d.softN / frameSpec), 1),
      positionNoiseUm: posSigma,
      positionQuantumUm: 0.5,
      forceNoiseN: forceSigma,
      backlashUm: backlash,
      frameStiffnessNPerUm: frameSpec,
      driveSlipFraction: slipRated,
      backDrivable: o.backDrivable ?? (rp && r.next() < 0.25),
      // half the indication's nominal stiffness minutes after a stretch (e∞ + e₂): the least this device expects
      tissueStiffnessNPerMm: round(0.5 * (t[0] + t[3]), 1),
      forceMinN: -50,
      forceMaxN: 2000,
    },
    prescription: {
      deviceSerial: "SW-" + kind.toUpperCase() + "-1",
      counter: 1,
      latencyDays: round(uniform(r, 0, 10), 3),
      rateMmPerDay: rate,
      rhythm,
      targetLengthMm: length,
      consolidationDays: round(uniform(r, 3, 30), 2),
      softForceN: d.softN,
      hardForceN: d.hardN,
      quietHours: quiet,
      utcOffsetMinutes: pick(r, [-300, 0, 60, 120, 330, 540]),
    },
    plant: {
      stepper: { holdingTorqueNm: d.holdingTorqueNm, efficiency: 0.5, missedStepFraction: round(slipRated * r.next(), 5) },
      drive: { backlashUm: round(backlash * uniform(r, 0.5, 1), 1), frameStiffnessNPerUm: round(frame, 2), ...(d.drive === "spring" ? { springPreloadN: 200, springRateNPerMm: 2 } : {}) },
      tissue: {
        eInfNPerMm: round(t[0] * uniform(r, 0.6, 1.4), 2),
        e1NPerMm: round(t[1] * uniform(r, 0.6, 1.5), 2),
        tau1S: round(t[2] * uniform(r, 0.5, 2), 1),
        e2NPerMm: round(t[3] * uniform(r, 0.6, 1.5), 2),
        tau2S: round(t[4] * uniform(r, 0.5, 2), 1),
        remodelTauDays: round(t[5] * uniform(r, 0.5, 2), 2),
        maturationPerDay: round(uniform(r, 0.03, 0.07), 4),
        disruptionPerMmPerDay: round(uniform(r, 0.4, 0.8), 3),
        boneStiffnessFactor: round(uniform(r, 10, 30), 1),
        bridgingMaturity: round(uniform(r, 0.25, 0.35), 3),
      },
      positionSensor: { noiseSigma: round(posSigma * uniform(r, 0.8, 1), 3), quantum: 0.5, min: -1000, max: 60000 + 1000 * d.strokeMm },
      forceSensor: { noiseSigma: round(forceSigma * uniform(r, 0.8, 1), 3), quantum: 0.1, min: -50, max: 2000 },
    },
    driver: { maxStepRateHz: d.stepRateHz, maxMoveSteps: d.maxMoveSteps },
  };
}
