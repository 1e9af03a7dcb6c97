// The documented spread of simulated trials (docs/advisor.md): for each class the
// ranges its tissue parameters, rate, rhythm and sensor noise are drawn from. A
// trial is a pure function of (class, seed): the seed picks every parameter, the
// fault day and the plant's noise, so a split by seed is a split by patient.

import { Rng } from "../../../sim/rng.ts";
import type { TissueClass } from "./classes.ts";

/** [low, high) of a uniform draw. */
export type Range = readonly [number, number];

export interface ClassSpread {
  rateMmPerDay: Range;
  /** Multiplies the base scenario's three stiffnesses (eInf, e1, e2). */
  stiffnessScale: Range;
  tau1S: Range;
  tau2S: Range;
  remodelTauDays: Range;
  maturationPerDay: Range;
  disruptionPerMmPerDay: Range;
  boneStiffnessFactor: Range;
}

// Shared by every class.
/** Load-cell noise σ, N. */
export const NOISE_SIGMA_N: Range = [0.2, 2];
/** Latency before distraction, days (clinically typically 5–7). */
export const LATENCY_DAYS: Range = [5, 7];
/** The chance of a staircase rhythm (else continuous). */
export const STAIRCASE_FRACTION = 0.5;
/** Rupture: a force-collapse fault of this fraction, this many days into distraction. */
export const COLLAPSE_FRACTION: Range = [0.15, 0.6];
export const COLLAPSE_DAY: Range = [1, 9];

// Rates overlap between classes on purpose, so the rate alone cannot name the class.
const NORMAL: ClassSpread = {
  rateMmPerDay: [0.6, 1.3],
  stiffnessScale: [0.6, 1.2],
  tau1S: [40, 90],
  tau2S: [900, 1800],
  remodelTauDays: [1.2, 3],
  maturationPerDay: [0.03, 0.07],
  disruptionPerMmPerDay: [0.35, 0.7],
  boneStiffnessFactor: [15, 25],
};

export const SPREAD: { [c in TissueClass]: ClassSpread } = {
  "normal": NORMAL,
  "premature-consolidation": {
    rateMmPerDay: [0.3, 0.9],
    stiffnessScale: [0.5, 1.2],
    tau1S: [40, 90],
    tau2S: [900, 1800],
    remodelTauDays: [6, 20],
    // the callus must mature past bridging (sim/tissue.ts) at these rates: maturation / (maturation + disruption × rate) ≥ ~0.5
    maturationPerDay: [0.08, 0.14],
    disruptionPerMmPerDay: [0.04, 0.1],
    boneStiffnessFactor: [15, 30],
  },
  "weak-regenerate": {
    rateMmPerDay: [1.1, 1.5],
    stiffnessScale: [0.3, 0.6],
    tau1S: [15, 40],
    tau2S: [300, 700],
    remodelTauDays: [0.4, 1],
    maturationPerDay: [0.01, 0.03],
    disruptionPerMmPerDay: [0.7, 1.2],
    boneStiffnessFactor: [5, 12],
  },
  // normal tissue that tears: the collapse is what sets it apart
  "rupture": NORMAL,
};

export interface TrialSpec {
  cls: TissueClass;
  seed: number;
  latencyDays: number;
  rateMmPerDay: number;
  /** 0 = continuous, else increments per day. */
  rhythm: number;
  stiffnessScale: number;
  tau1S: number;
  tau2S: number;
  remodelTauDays: number;
  maturationPerDay: number;
  disruptionPerMmPerDay: number;
  boneStiffnessFactor: number;
  noiseSigmaN: number;
  /** Days into distraction the tissue ruptures, and the fraction of force lost (rupture only, else 0). */
  collapseDay: number;
  collapseFraction: number;
}

function draw(rng: Rng, r: Range): number {
  return r[0] + (r[1] - r[0]) * rng.next();
}

/** The trial a (class, seed) pair stands for. */
export function drawTrial(cls: TissueClass, seed: number): TrialSpec {
  const rng = new Rng(seed * 7919 + 17);
  const s = SPREAD[cls];
  const rate = draw(rng, s.rateMmPerDay);
  const staircase = rng.next() < STAIRCASE_FRACTION;
  const spec: TrialSpec = {
    cls,
    seed,
    latencyDays: draw(rng, LATENCY_DAYS),
    rateMmPerDay: rate,
    // the increment cap is 0.25 mm: at least 4 a day, more when the rate needs them
    rhythm: staircase ? Math.max(4, Math.ceil(rate / 0.25)) : 0,
    stiffnessScale: draw(rng, s.stiffnessScale),
    tau1S: draw(rng, s.tau1S),
    tau2S: draw(rng, s.tau2S),
    remodelTauDays: draw(rng, s.remodelTauDays),
    maturationPerDay: draw(rng, s.maturationPerDay),
    disruptionPerMmPerDay: draw(rng, s.disruptionPerMmPerDay),
    boneStiffnessFactor: draw(rng, s.boneStiffnessFactor),
    noiseSigmaN: draw(rng, NOISE_SIGMA_N),
    collapseDay: 0,
    collapseFraction: 0,
  };
  if (cls === "rupture") {
    spec.collapseDay = draw(rng, COLLAPSE_DAY);
    spec.collapseFraction = draw(rng, COLLAPSE_FRACTION);
  }
  return spec;
}
