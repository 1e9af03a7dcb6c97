// The figures a risk file needs from a family's outcomes: for normal protocols
// the false alarms per 1,000 (faults and warnings separately, by code); for a
// fault family the detection rate among the runs where the fault mattered (a fault
// was raised, or the length left its tolerance), detection latency percentiles
// against the bounds, naming, and the worst silent length error (|delivered −
// prescribed| of the runs that raised no fault). A distribution, never a best run.

import type { Outcome } from "./evaluate.ts";

export interface FamilyStats {
  family: string;
  n: number;
  verdicts: { [verdict: string]: number };
  /** Runs with at least one fault / one warning, per 1,000, and by code. */
  faultsPer1000: number;
  warningsPer1000: number;
  faultCodes: { [code: string]: number };
  warningCodes: { [code: string]: number };
  /** Detected rightly in time / runs where the fault mattered. */
  detectionRate: number;
  mattered: number;
  latencyMin: { p50: number; p95: number; max: number };
  /** The largest latency as a share of its run's bound (≤ 1 means every one within its bound). */
  worstLatencyOverBound: number;
  boundMin: { p50: number; max: number };
  /** Worst |final error| of the runs that raised no fault (µm), and of those, how many ended out of tolerance. */
  worstSilentErrorUm: number;
  silentOutOfTolerance: number;
  /** Moves that ended with the true force at or over the hard limit, and the worst excess (N). */
  worstOvershootN: number;
  hardLimitStops: number;
  /** Premature consolidation flagged before the hard limit: lead time (days). */
  risingLeadDays: { n: number; min: number; p50: number };
  wallMsPerRun: number;
  /** CPU time per patient (ms): what it costs on an idle core, whatever else loads the machine. */
  cpuMsPerRun: number;
  simulatedDays: number;
  /** Runs that raised a warning: seed and codes (at most 20), so each can be looked at. */
  warned: Array<{ seed: number; warnings: string[] }>;
  /** The runs that were not right, with what happened (at most 20). */
  failures: Array<{ seed: number; verdict: string; label: string; fault: string; latencyMin: number; boundMin: number; finalErrorUm: number }>;
}

/** The q-quantile (nearest rank) of values; NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function count(into: { [k: string]: number }, k: string): void {
  into[k] = (into[k] || 0) + 1;
}

const RIGHT = ["clean", "detected", "harmless"];

export function familyStats(family: string, outs: Outcome[]): FamilyStats {
  const verdicts: { [v: string]: number } = {};
  const faultCodes: { [c: string]: number } = {};
  const warningCodes: { [c: string]: number } = {};
  let withFault = 0;
  let withWarning = 0;
  const lat: number[] = [];
  const bounds: number[] = [];
  let worstRatio = 0;
  let worstSilent = 0;
  let silentOut = 0;
  let worstOver = -Infinity;
  let stops = 0;
  const leads: number[] = [];
  let wall = 0;
  let cpu = 0;
  let days = 0;
  const failures: FamilyStats["failures"] = [];
  const warned: FamilyStats["warned"] = [];
  for (const o of outs) {
    count(verdicts, o.verdict);
    if (o.fault !== "") {
      withFault++;
      count(faultCodes, o.fault);
    } else {
      worstSilent = Math.max(worstSilent, Math.abs(o.finalErrorUm));
      if (Math.abs(o.finalErrorUm) > o.toleranceUm) silentOut++;
    }
    if (o.warnings.length) {
      withWarning++;
      if (warned.length < 20) warned.push({ seed: o.seed, warnings: o.warnings });
    }
    for (const w of o.warnings.filter((x, i, a) => a.indexOf(x) === i)) count(warningCodes, w);
    if (isFinite(o.latencyMs)) {
      lat.push(o.latencyMs / 60000);
      bounds.push(o.boundMs / 60000);
      worstRatio = Math.max(worstRatio, o.latencyMs / o.boundMs);
    }
    if (isFinite(o.overshootN)) {
      stops++;
      worstOver = Math.max(worstOver, o.overshootN);
    }
    if (isFinite(o.risingLeadDays)) leads.push(o.risingLeadDays);
    wall += o.wallMs;
    cpu += o.cpuMs;
    days += o.simulatedDays;
    if (RIGHT.indexOf(o.verdict) < 0 && o.verdict !== "ambiguous" && failures.length < 20) {
      failures.push({ seed: o.seed, verdict: o.verdict, label: o.label, fault: o.fault, latencyMin: o.latencyMs / 60000, boundMin: o.boundMs / 60000, finalErrorUm: o.finalErrorUm });
    }
  }
  const n = outs.length;
  const detected = verdicts.detected || 0;
  const mattered = detected + (verdicts.ambiguous || 0) + (verdicts["wrong-name"] || 0) + (verdicts.late || 0) + (verdicts["silent-error"] || 0) + (verdicts.early || 0);
  return {
    family,
    n,
    verdicts,
    faultsPer1000: n ? (1000 * withFault) / n : 0,
    warningsPer1000: n ? (1000 * withWarning) / n : 0,
    faultCodes,
    warningCodes,
    detectionRate: mattered ? detected / mattered : NaN,
    mattered,
    latencyMin: { p50: quantile(lat, 0.5), p95: quantile(lat, 0.95), max: quantile(lat, 1) },
    worstLatencyOverBound: worstRatio,
    boundMin: { p50: quantile(bounds, 0.5), max: quantile(bounds, 1) },
    worstSilentErrorUm: worstSilent,
    silentOutOfTolerance: silentOut,
    worstOvershootN: stops ? worstOver : NaN,
    hardLimitStops: stops,
    risingLeadDays: { n: leads.length, min: quantile(leads, 0), p50: quantile(leads, 0.5) },
    warned,
    wallMsPerRun: n ? wall / n : 0,
    cpuMsPerRun: n ? cpu / n : 0,
    simulatedDays: days,
    failures,
  };
}

/** True when every run was right (the done-when of a family). */
export function allRight(s: FamilyStats): boolean {
  return RIGHT.reduce((a, v) => a + (s.verdicts[v] || 0), 0) === s.n;
}
