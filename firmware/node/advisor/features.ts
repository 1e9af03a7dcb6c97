// What the advisor sees: the force and motion of the controller, binned. A
// FeatureTap is a ControllerObserver; every BIN_MS it closes a bin of five
// channels (resting = lowest force, peak force, mean force, delivered rate and
// prescribed rate), scaled so one model serves devices of any force rating:
// forces over the prescription's soft limit, rates over the device's hard cap.
// window() returns the last WINDOW_BINS closed bins, oldest first, zero-padded.

import type { MoveResult, Reading } from "../../../hal/types.ts";
import type { ControllerObserver } from "../../core/controller.ts";
import type { Decision } from "../../core/governor.ts";
import type { PhaseState } from "../../core/phases.ts";
import { MS_PER_DAY, MS_PER_MINUTE, UM_PER_MM } from "../../core/units.ts";

export const BIN_MS = 15 * MS_PER_MINUTE;
/** 48 h of bins: two days of resting force are the span a trend needs. */
export const WINDOW_BINS = 192;
export const CHANNELS = 5;
export const CH_REST = 0;
export const CH_PEAK = 1;
export const CH_MEAN = 2;
export const CH_DELIVERED = 3;
export const CH_PRESCRIBED = 4;

export interface FeatureScale {
  /** Force that maps to 1 (the prescription's soft limit), N. */
  forceN: number;
  /** Rate that maps to 1 (the device's hard cap), mm/day. */
  rateMmPerDay: number;
  umPerStep: number;
}

const BINS_PER_DAY = MS_PER_DAY / BIN_MS;

export class FeatureTap implements ControllerObserver {
  scale: FeatureScale;
  /** Closed bins, CHANNELS values each, scaled. */
  bins: number[] = [];
  /** Called with the index of each bin as it closes. */
  onBin: ((bin: number) => void) | null = null;
  private cur = -1;
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private n = 0;
  private deliveredUm = 0;
  private targetStartUm = NaN;
  private targetUm = NaN;

  constructor(scale: FeatureScale) {
    this.scale = scale;
  }

  decision(tMs: number, d: Decision, _pos: Reading, force: Reading): void {
    const bin = Math.floor(tMs / BIN_MS);
    if (this.cur < 0) this.cur = bin;
    while (bin > this.cur) this.close();
    if (force.ok && isFinite(force.value)) {
      if (force.value < this.min) this.min = force.value;
      if (force.value > this.max) this.max = force.value;
      this.sum += force.value;
      this.n++;
    }
    if (isFinite(d.targetUm)) {
      if (!isFinite(this.targetStartUm)) this.targetStartUm = d.targetUm;
      this.targetUm = d.targetUm;
    }
  }

  moved(_tMs: number, _requested: number, res: MoveResult): void {
    this.deliveredUm += res.issued * this.scale.umPerStep;
  }

  phase(_tMs: number, _from: PhaseState, _to: PhaseState): void {}

  warning(_tMs: number, _code: string, _detail: string): void {}

  /** Number of closed bins. */
  count(): number {
    return this.bins.length / CHANNELS;
  }

  private close(): void {
    const s = this.scale;
    const k = this.bins.length;
    const toRate = (um: number) => (um / UM_PER_MM) * BINS_PER_DAY / s.rateMmPerDay;
    if (this.n > 0) {
      this.bins.push(this.min / s.forceN, this.max / s.forceN, this.sum / this.n / s.forceN);
    } else if (k >= CHANNELS) {
      // no valid force in this bin (a sensor gap): hold the last bin rather than invent a drop
      this.bins.push(this.bins[k - CHANNELS + CH_REST], this.bins[k - CHANNELS + CH_PEAK], this.bins[k - CHANNELS + CH_MEAN]);
    } else {
      this.bins.push(0, 0, 0);
    }
    const prescribed = isFinite(this.targetUm) ? this.targetUm - this.targetStartUm : 0;
    this.bins.push(toRate(this.deliveredUm), toRate(prescribed));
    this.min = Infinity;
    this.max = -Infinity;
    this.sum = 0;
    this.n = 0;
    this.deliveredUm = 0;
    this.targetStartUm = this.targetUm;
    this.cur++;
    if (this.onBin) this.onBin(this.count() - 1);
  }
}

/**
 * The window ending with closed bin `last` (inclusive), oldest first, as
 * WINDOW_BINS × CHANNELS values written into `out` at `offset`.
 */
export function windowInto(bins: ArrayLike<number>, last: number, out: Float32Array, offset: number): void {
  const first = last - WINDOW_BINS + 1;
  for (let i = 0; i < WINDOW_BINS; i++) {
    const b = first + i;
    for (let c = 0; c < CHANNELS; c++) out[offset + i * CHANNELS + c] = b >= 0 ? bins[b * CHANNELS + c] : 0;
  }
}
