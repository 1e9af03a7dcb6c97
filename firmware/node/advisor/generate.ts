// Simulates the trials of a split and keeps what training and evaluation need:
// the feature bins, the span of bins in which the advisor runs (distraction, up to
// any latched fault), the bin a rupture happens in, and when the deterministic
// detectors of the supervisor fired.

import { MS_PER_DAY } from "../../core/units.ts";
import { BIN_MS, CHANNELS } from "./features.ts";
import { simulate } from "./simulate.ts";
import type { DetectorEvent } from "./simulate.ts";
import type { TrialSpec } from "./spread.ts";
import { trialDays, trialScenario } from "./trials.ts";

export interface TrialRecord {
  spec: TrialSpec;
  bins: Float32Array;
  /** First bin that closes in distraction, and the last bin the advisor sees (inclusive). */
  firstBin: number;
  lastBin: number;
  /** Bin the rupture happens in (-1: none). */
  collapseBin: number;
  events: DetectorEvent[];
}

/** Index of the bin that contains time tMs (ms since the prescription started). */
function binAt(tMs: number): number {
  return Math.floor(tMs / BIN_MS);
}

export function generateTrial(spec: TrialSpec): TrialRecord {
  const days = trialDays(spec);
  const sim = simulate(trialScenario(spec), days);
  const fault = sim.events.find((e) => e.kind === "fault");
  const nBins = sim.bins.length / CHANNELS;
  const endBin = fault ? binAt(fault.atMs) : nBins;
  return {
    spec,
    bins: Float32Array.from(sim.bins),
    firstBin: binAt(sim.distractionStartMs) + 1,
    lastBin: Math.min(nBins, endBin) - 1,
    collapseBin: spec.collapseFraction > 0 ? binAt((spec.latencyDays + spec.collapseDay) * MS_PER_DAY) : -1,
    events: sim.events,
  };
}

export function generateTrials(specs: TrialSpec[], onProgress: (fraction: number, label: string) => void): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (let i = 0; i < specs.length; i++) {
    onProgress(i / specs.length, specs[i].cls + " " + specs[i].seed);
    out.push(generateTrial(specs[i]));
  }
  onProgress(1, "");
  return out;
}
