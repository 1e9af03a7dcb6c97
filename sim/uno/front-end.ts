// The analog front end between the rig's sensors and the Uno's ADC (0–5 V, 10 bit,
// AVCC reference): a linear potentiometer on the gap (volts = offset + µm × gain)
// and a load-cell amplifier (volts = offset + N × gain), clipped to the rails.
// The host undoes it with a two-point calibration measured in ADC counts.

export interface FrontEnd {
  /** Output at zero µm / zero N (V). */
  voltsAtZero: number;
  /** V per µm (position) or per N (force). */
  voltsPerUnit: number;
}

export const ADC_VREF = 5;
export const ADC_MAX = 1023;

export function unitsToVolts(fe: FrontEnd, value: number): number {
  const v = fe.voltsAtZero + value * fe.voltsPerUnit;
  return v < 0 ? 0 : v > ADC_VREF ? ADC_VREF : v;
}

/** The count an ATmega328P ADC returns for a voltage (as avr8js converts it). */
export function voltsToCounts(v: number): number {
  const raw = Math.floor((v / ADC_VREF) * (ADC_MAX + 1));
  return raw < 0 ? 0 : raw > ADC_MAX ? ADC_MAX : raw;
}

/**
 * Two calibration points (ADC counts ↔ units) for this front end, as a bench
 * tester measures them by averaging many noisy readings at two known values: the
 * centre of the count's bin (so a single reading is off by at most half a count).
 */
export function calibrationPoints(fe: FrontEnd, low: number, high: number): { counts: [number, number]; values: [number, number] } {
  const centre = (value: number) => (unitsToVolts(fe, value) / ADC_VREF) * (ADC_MAX + 1) - 0.5;
  return { counts: [centre(low), centre(high)], values: [low, high] };
}
