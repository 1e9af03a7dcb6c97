// Viscoelastic gap tissue (Richards 1999: a two-term Prony series fits the
// relaxation). Force is built incrementally: each stretch dx adds E·dx to an
// equilibrium branch and to two Maxwell branches that relax with their own time
// constants. A callus maturity M ∈ [0, 1] sets the stiffness of new stretch: it
// matures over days and distraction disrupts it, so slow distraction lets it
// stiffen (premature consolidation) and fast distraction keeps it weak. The
// regenerate stays soft fibrovascular tissue until it starts to bridge the gap
// (M above `bridgingMaturity`); only then does its stiffness rise, as the square
// of how far bridging has gone, toward bone. Calibrated in docs/scenarios.md: a
// 0.5 mm mandible step gives ~36 N whatever the latency (Robinson 2001). Because
// stiffness only scales new stretch, maturing never creates force on its own.

import { MS_PER_DAY } from "../firmware/core/units.ts";

/** Time steps whose decay factors are kept (a run cycles through six or so). */
const MEMO = 8;

export interface TissueParams {
  /** Equilibrium (long-term) stiffness of the soft tissue, N/mm. */
  eInfNPerMm: number;
  /** Prony branches: stiffness N/mm and time constant s. */
  e1NPerMm: number;
  tau1S: number;
  e2NPerMm: number;
  tau2S: number;
  /** Remodelling: the equilibrium stress is relieved by growth with this time constant (days). */
  remodelTauDays: number;
  /** Callus maturation rate (1/day) and disruption per mm/day of distraction (1/day per mm/day). */
  maturationPerDay: number;
  disruptionPerMmPerDay: number;
  /** Stiffness multiplier of fully mature callus over soft tissue. */
  boneStiffnessFactor: number;
  /** Starting maturity. */
  initialMaturity: number;
  /** Maturity at which the callus starts to bridge the gap and stiffen (below it: soft tissue). */
  bridgingMaturity: number;
}

export class Tissue {
  p: TissueParams;
  sInf: number;
  s1: number;
  s2: number;
  maturity: number;
  /** Recent distraction rate, mm/day (1-day moving average). */
  recentRate: number;
  /**
   * The decay factors of the last MEMO time steps relax() was given: a run steps
   * by the same few intervals (a tick, a move of one, two or three pulses, and the
   * rest of the tick after it) over and over, so their exps are computed once each
   * (the same values, so the same run). Slot k holds the factors of memoDt[k] at
   * memo[4k, 4k + 4); slots are reused in turn.
   */
  private memoDt = new Float64Array(MEMO).fill(-1);
  private memo = new Float64Array(4 * MEMO);
  private memoNext = 0;

  constructor(p: TissueParams) {
    this.p = p;
    this.sInf = 0;
    this.s1 = 0;
    this.s2 = 0;
    this.maturity = p.initialMaturity;
    this.recentRate = 0;
  }

  forceN(): number {
    return this.sInf + this.s1 + this.s2;
  }

  stiffnessMultiplier(): number {
    const b = this.p.bridgingMaturity;
    const s = this.maturity > b ? (this.maturity - b) / (1 - b) : 0;
    return 1 + s * s * (this.p.boneStiffnessFactor - 1);
  }

  /** Instantaneous stiffness for new stretch (N/mm) at the stiffness multiplier m (stiffnessMultiplier() now). */
  instantStiffness(m: number): number {
    return (this.p.eInfNPerMm + this.p.e1NPerMm + this.p.e2NPerMm) * m;
  }

  /** Applies a stretch of dxMm (positive = distraction) at the stiffness multiplier m (stiffnessMultiplier() now). */
  stretch(dxMm: number, m: number): void {
    this.sInf += this.p.eInfNPerMm * m * dxMm;
    this.s1 += this.p.e1NPerMm * m * dxMm;
    this.s2 += this.p.e2NPerMm * m * dxMm;
    if (dxMm > 0) this.recentRate += dxMm;
  }

  /** Lets dtMs pass: relaxation, remodelling and maturation. */
  relax(dtMs: number): void {
    if (dtMs <= 0) return;
    const p = this.p;
    const dtDays = dtMs / MS_PER_DAY;
    const f = this.memo;
    const o = this.factors(dtMs);
    this.s1 *= f[o];
    this.s2 *= f[o + 1];
    this.sInf *= f[o + 2];
    // recentRate holds mm delivered, decaying over a day: equals mm/day at steady rate
    this.recentRate *= f[o + 3];
    const k = p.maturationPerDay + p.disruptionPerMmPerDay * this.recentRate;
    const target = k > 0 ? p.maturationPerDay / k : this.maturity;
    this.maturity = target + (this.maturity - target) * Math.exp(-k * dtDays);
  }

  /** Where the factors of a time step dtMs start in memo (computed into the next slot if it is not there). */
  private factors(dtMs: number): number {
    const dts = this.memoDt;
    for (let i = 0; i < MEMO; i++) if (dts[i] === dtMs) return 4 * i;
    const k = this.memoNext;
    this.memoNext = k === MEMO - 1 ? 0 : k + 1;
    const p = this.p;
    const dtS = dtMs / 1000;
    const dtDays = dtMs / MS_PER_DAY;
    const f = this.memo;
    const o = 4 * k;
    f[o] = Math.exp(-dtS / p.tau1S);
    f[o + 1] = Math.exp(-dtS / p.tau2S);
    f[o + 2] = Math.exp(-dtDays / p.remodelTauDays);
    f[o + 3] = Math.exp(-dtDays);
    dts[k] = dtMs;
    return o;
  }
}
