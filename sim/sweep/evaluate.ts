// One virtual patient of the campaign, run and judged: the device assembled on its
// simulated world (sim/run.ts), then what the supervisor said against what was
// injected. A run is right when it raises a fault of a right name, not before the
// fault began and within that code's detection bound, or raises none and ends
// with |delivered − prescribed| within the profile's tolerance. Everything else is
// named: a false alarm (a fault with no fault injected, or before it began), a
// wrong name, late, or a silent length error; a fault in time that says it cannot
// tell the drive from the sensor (uncommanded-motion) is "ambiguous": safe, but
// not a right name.

import { CODES, dropBound, dwellBound } from "../../firmware/core/codes.ts";
import type { SupervisorConfig } from "../../firmware/core/supervisor.ts";
import { MS_PER_DAY } from "../../firmware/core/units.ts";
import { runScenario } from "../run.ts";
import { parseScenario } from "../scenario.ts";
import type { Patient } from "./families.ts";
import { EvidenceWatch } from "./evidence.ts";

export type Verdict = "clean" | "detected" | "ambiguous" | "harmless" | "false-alarm" | "early" | "wrong-name" | "late" | "silent-error";

/** The codes uncommanded-motion stands for when it says it cannot tell them apart. */
const UNTOLD = ["runaway", "uncommanded-retraction", "position-sensor-drift"];

export interface Outcome {
  family: string;
  seed: number;
  label: string;
  verdict: Verdict;
  /** The first fault raised (code, ms since start), or "" / NaN. */
  fault: string;
  faultMs: number;
  /** Detection latency from the fault's onset and the bound it is held to (ms; NaN when not applicable). */
  latencyMs: number;
  boundMs: number;
  expected: string[];
  warnings: string[];
  /** Final error on the true gap (µm), the tolerance (µm), and whether a fault was raised. */
  finalErrorUm: number;
  toleranceUm: number;
  /** The highest true force at the end of a move over the hard limit (N; NaN when no move reached it): the force excursion an increment caused. */
  overshootN: number;
  /** How far the warning for premature consolidation came before the hard limit (days; NaN otherwise). */
  risingLeadDays: number;
  finalPhase: string;
  simulatedDays: number;
  wallMs: number;
  /** CPU time the worker spent on the patient (ms; NaN outside a worker). */
  cpuMs: number;
}

function boundFor(code: string, sup: SupervisorConfig, v: number, g: number): number {
  for (const r of CODES) if (r.code === code) return r.bound(sup, v, g);
  return NaN;
}

/** Times are whole ms: a fault in the same second as the onset is not before it. */
const EARLY_SLACK_MS = 1000;

const ACCOUNT = ["stall", "missed-steps", "runaway", "uncommanded-retraction", "uncommanded-motion", "position-sensor-drift"];

/** How long the supervisor takes once the evidence is there (ms). */
function reaction(code: string, sup: SupervisorConfig, g: number): number {
  // the filter's lag, the time a slow growth takes to clear the estimate's noise, a dwell
  if (ACCOUNT.indexOf(code) >= 0) return 3 * sup.filterTauMs + sup.tickMs + Math.min(sup.dwellMaxMs, (4 * sup.filterNoiseUm) / g) + dwellBound(sup, g);
  // (or a step down told from a rupture by the frame's spring-back: codes.ts dropBound)
  if (code === "force-sensor-drift") return Math.max(2 * sup.settleMs + 3 * sup.filterTauMs + sup.tickMs, dropBound(sup));
  return sup.tickMs;
}

export function evaluate(p: Patient): Outcome {
  const sc = parseScenario(p.scenario);
  const e0 = p.expect;
  let watch: EvidenceWatch | null = null;
  const r = runScenario(sc, { watch: (session) => (watch = new EvidenceWatch(session, e0 && e0.evidence ? e0.evidence : null, e0 ? e0.onsetMs : 0)) });
  const s = r.summary;
  const sup = r.controller.inspect().sup;
  const first = s.faults.length ? s.faults[0] : null;
  const e = p.expect;
  const tol = sc.profile.positionToleranceUm;
  const within = Math.abs(s.finalErrorUm) <= tol;
  const v = (sc.prescription.rateMmPerDay * 1000) / MS_PER_DAY;
  let verdict: Verdict;
  let latency = NaN;
  let bound = NaN;
  if (!e) verdict = first ? "false-alarm" : within ? "clean" : "silent-error";
  else if (!first) verdict = within ? "harmless" : "silent-error";
  else if (first.atMs < e.onsetMs - EARLY_SLACK_MS) verdict = "early";
  else if (e.codes.indexOf(first.code) < 0 && !(first.code === "uncommanded-motion" && e.codes.some((c) => UNTOLD.indexOf(c) >= 0))) verdict = "wrong-name";
  else {
    // in the combined family a code only the second fault has is timed from that fault's onset
    const own = e.second && e.second.codes.indexOf(first.code) >= 0 && e.codes.slice(0, e.codes.length - e.second.codes.length).indexOf(first.code) < 0 ? e.second : null;
    const onset = own ? own.onsetMs : e.onsetMs;
    latency = Math.max(0, first.atMs - onset);
    // from when the evidence was there, where the simulator can tell (a detection before that, e.g. helped by
    // backlash, is in time); else the bound for a constant growth
    const ready = watch ? (watch as EvidenceWatch).readyMs : NaN;
    if (e.evidence && !own && (isNaN(ready) || first.atMs <= ready)) bound = Math.max(latency, isFinite(ready) ? ready - onset + reaction(first.code, sup, e.growth) : 0);
    else bound = isFinite(ready) && !own ? ready - onset + reaction(first.code, sup, e.growth) : boundFor(first.code, sup, v, own ? own.growth : e.growth);
    // a fault that stops the device in time but says it cannot tell the drive from the sensor is counted apart
    verdict = latency > bound ? "late" : first.code === "uncommanded-motion" ? "ambiguous" : "detected";
  }
  const hard = s.faults.find((f) => f.code === "force-hard-limit");
  const moveEnd = watch ? (watch as EvidenceWatch).maxMoveEndForceN : -Infinity;
  const rising = s.warnings.find((w) => w.code === "force-rising-baseline");
  return {
    family: p.family,
    seed: p.seed,
    label: e ? e.label : "",
    verdict,
    fault: first ? first.code : "",
    faultMs: first ? first.atMs : NaN,
    latencyMs: latency,
    boundMs: bound,
    expected: e ? e.codes : [],
    warnings: s.warnings.map((w) => w.code),
    finalErrorUm: s.finalErrorUm,
    toleranceUm: tol,
    overshootN: moveEnd >= sc.prescription.hardForceN ? moveEnd - sc.prescription.hardForceN : NaN,
    risingLeadDays: hard && rising && rising.atMs < hard.atMs ? (hard.atMs - rising.atMs) / MS_PER_DAY : NaN,
    finalPhase: s.finalPhase,
    simulatedDays: s.simulatedDays,
    wallMs: s.wallMs,
    cpuMs: NaN,
  };
}
