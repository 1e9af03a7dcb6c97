// An analog sensor on Espruino: analogRead() (0..1 of VCC) through a two-point
// calibration. A raw value outside the calibration's valid window (an open or
// shorted sensor reads at a rail) is a failed reading that carries the last good
// value with its old timestamp (HAL rule R4): the driver never invents a value.

import type { Clock, Reading, Sensor } from "../types.ts";
import type { Calibration } from "./config.ts";

export class AnalogSensor implements Sensor {
  pin: Pin;
  cal: Calibration;
  clock: Clock;
  /** Value per unit of raw reading. */
  gain: number;
  lastValue: number;
  lastAtMs: number;

  constructor(pinName: string, cal: Calibration, clock: Clock) {
    this.pin = new Pin(pinName);
    this.cal = cal;
    this.clock = clock;
    this.gain = (cal.value1 - cal.value0) / (cal.raw1 - cal.raw0);
    this.lastValue = 0;
    this.lastAtMs = -1;
  }

  read(): Reading {
    const t = this.clock.monoMs();
    const raw = analogRead(this.pin);
    const c = this.cal;
    if (!(raw >= c.rawMin && raw <= c.rawMax)) return { value: this.lastValue, atMs: this.lastAtMs, ok: false };
    this.lastValue = c.value0 + (raw - c.raw0) * this.gain;
    this.lastAtMs = t;
    return { value: this.lastValue, atMs: t, ok: true };
  }
}
