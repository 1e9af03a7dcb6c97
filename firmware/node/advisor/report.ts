// One evaluation: the model and the baseline replayed on the same simulated
// trials under their tuned policies, the deterministic detector scored from the
// supervisor's events, and the bar the issue sets (median lead ≥ 1 day over the
// detector on premature consolidation, ≤ 2 % false alarms per normal protocol, and
// better than the baseline on both) — the advisor is on by default only if met.

import type { TissueClass } from "./classes.ts";
import { CLASSES } from "./classes.ts";
import { firstAlarm, scoreTrials } from "./evaluate.ts";
import type { Scorer } from "./evaluate.ts";
import type { TrialRecord } from "./generate.ts";
import { advisorCall, detectorCall, figures } from "./metrics.ts";
import type { Figures } from "./metrics.ts";
import type { Policy } from "./policy.ts";

export interface EvalReport {
  trials: { [c in TissueClass]: number };
  model: Figures;
  baseline: Figures;
  detector: Figures;
}

export const BAR = { minLeadDays: 1, maxFalseAlarmRate: 0.02 };

export function evaluateTrials(recs: TrialRecord[], model: Scorer, modelPolicy: Policy, baseline: Scorer, baselinePolicy: Policy, onProgress: (f: number, label: string) => void): EvalReport {
  const run = (s: Scorer, p: Policy, from: number) => figures(scoreTrials(recs, s, (f, l) => onProgress(from + f / 2, l)).map((t) => advisorCall(t.rec, firstAlarm(t, p))));
  const trials = {} as { [c in TissueClass]: number };
  for (const c of CLASSES) trials[c] = recs.filter((r) => r.spec.cls === c).length;
  return { trials, model: run(model, modelPolicy, 0), baseline: run(baseline, baselinePolicy, 0.5), detector: figures(recs.map(detectorCall)) };
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
