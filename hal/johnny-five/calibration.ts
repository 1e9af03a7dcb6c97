// Two-point calibration of an analog input: ADC counts measured at two known
// values (µm or N) define the straight line counts → value.

export interface Calibration {
  counts: [number, number];
  values: [number, number];
}

export function countsToValue(cal: Calibration, counts: number): number {
  const [c1, c2] = cal.counts;
  const [v1, v2] = cal.values;
  return v1 + ((counts - c1) * (v2 - v1)) / (c2 - c1);
}

/** Units per ADC count (the quantization step of a reading). */
export function unitsPerCount(cal: Calibration): number {
  return Math.abs((cal.values[1] - cal.values[0]) / (cal.counts[1] - cal.counts[0]));
}
