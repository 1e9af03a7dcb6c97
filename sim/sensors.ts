// Sensor models: a true value plus Gaussian noise, quantized to the sensor's
// resolution and clipped to its span (what an ADC or encoder would return).

import { Rng } from "./rng.ts";

export interface SensorParams {
  noiseSigma: number;
  quantum: number;
  min: number;
  max: number;
}

export function sense(p: SensorParams, truth: number, rng: Rng): number {
  let v = truth + (p.noiseSigma > 0 ? p.noiseSigma * rng.gauss() : 0);
  if (p.quantum > 0) v = Math.round(v / p.quantum) * p.quantum;
  return v < p.min ? p.min : v > p.max ? p.max : v;
}
