// One evaluation: the model and the baseline replayed on the same simulated
// trials under their tuned policies, the deterministic detector scored from the
// supervisor's events, the two together (the deployed system), and the bar the issue sets (median lead ≥ 1 day over the
// detector on premature consolidation, ≤ 2 % false alarms per normal protocol, and
// better than the baseline on both) — the advisor is on by default only if met.

import type { TissueClass } from "./classes.ts";
import { CLASSES } from "./classes.ts";
import { firstAlarm, scoreTrials } from "./evaluate.ts";
import type { Scorer } from "./evaluate.ts";
import type { TrialRecord } from "./generate.ts";
import { advisorCall, detectorCall, figures } from "./metrics.ts";
import type { Call, Figures } from "./metrics.ts";
import type { Policy } from "./policy.ts";

export interface EvalReport {
  trials: { [c in TissueClass]: number };
  model: Figures;
  baseline: Figures;
  detector: Figures;
  /** The system as deployed: whichever of the model and the detector called first. */
  modelAndDetector: Figures;
}

export const BAR = { minLeadDays: 1, maxFalseAlarmRate: 0.02 };

function earlier(a: Call, b: Call): Call {
  if (a.atMs < 0) return b;
  return b.atMs < 0 || a.atMs <= b.atMs ? a : b;
}

export function evaluateTrials(recs: TrialRecord[], model: Scorer, modelPolicy: Policy, baseline: Scorer, baselinePolicy: Policy, onProgress: (f: number, label: string) => void): EvalReport {
  const calls = (s: Scorer, p: Policy, from: number) => scoreTrials(recs, s, (f, l) => onProgress(from + f / 2, l)).map((t) => advisorCall(t.rec, firstAlarm(t, p)));
  const trials = {} as { [c in TissueClass]: number };
  for (const c of CLASSES) trials[c] = recs.filter((r) => r.spec.cls === c).length;
  const byModel = calls(model, modelPolicy, 0);
  const byDetector = recs.map(detectorCall);
  return {
    trials,
    model: figures(byModel),
    baseline: figures(calls(baseline, baselinePolicy, 0.5)),
    detector: figures(byDetector),
    modelAndDetector: figures(byModel.map((c, i) => earlier(c, byDetector[i]))),
  };
}

/** Whether the model meets the bar; the reasons it does not, if any. */
export function verdict(r: EvalReport): { meets: boolean; shortfalls: string[] } {
  const m = r.model;
  const b = r.baseline;
  const lead = m.prematureLead.medianLeadDays;
  const baseLead = b.prematureLead.medianLeadDays;
  const out: string[] = [];
  if (lead === null || lead < BAR.minLeadDays) out.push("median lead " + lead + " d < " + BAR.minLeadDays + " d");
  if (m.falseAlarmRate > BAR.maxFalseAlarmRate) out.push("false alarms " + m.falseAlarmRate + " > " + BAR.maxFalseAlarmRate);
  if (lead !== null && baseLead !== null && lead <= baseLead) out.push("lead not above the baseline's " + baseLead + " d");
  if (m.falseAlarmRate > b.falseAlarmRate) out.push("more false alarms than the baseline (" + b.falseAlarmRate + ")");
  return { meets: out.length === 0, shortfalls: out };
}
