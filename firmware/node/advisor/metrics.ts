// The evaluation figures, per trial then summed up: each trial is called by its
// first advisory (no advisory = normal); precision and recall per class over the
// trials; false alarms = normal protocols with any advisory; lead time on
// premature consolidation = when the supervisor's force-rising-baseline warning
// fired minus when the advisory did (a miss or another class ranks below every
// lead; the median is null when misses are half or more), and the same against the
// first deterministic reaction (that warning or the force-hard-limit stop, which
// often comes first on staircase rhythms). The deterministic detector is scored
// the same way from its events, so the three rows compare.

import { MS_PER_DAY } from "../../core/units.ts";
import { CLASSES, classIndex } from "./classes.ts";
import type { TissueClass } from "./classes.ts";
import { BIN_MS } from "./features.ts";
import type { FirstAlarm } from "./evaluate.ts";
import type { TrialRecord } from "./generate.ts";

export interface Call {
  rec: TrialRecord;
  /** Class index the trial was called (0 = normal) and when (ms since start; -1 = never). */
  cls: number;
  atMs: number;
}

export interface ClassFigures {
  trials: number;
  called: number;
  precision: number | null;
  recall: number | null;
}

export interface Figures {
  perClass: { [c in TissueClass]: ClassFigures };
  normalProtocols: number;
  falseAlarms: number;
  falseAlarmRate: number;
  prematureLead: {
    /** Premature trials on which force-rising-baseline fired (the ones a lead is measured on). */
    comparable: number;
    /** Of those, called premature before the detector. */
    earlier: number;
    medianLeadDays: number | null;
    /** The same against the first deterministic reaction: that warning or the force-hard-limit stop, on every premature trial that had one. */
    firstReaction: number;
    medianLeadOverFirstReactionDays: number | null;
    /** Median day of distraction the premature call came on (all premature trials called so). */
    medianCallDay: number | null;
  };
}

const RISING = "force-rising-baseline";
const HARD_LIMIT = "force-hard-limit";
const DETECTOR_CODES: { [code: string]: TissueClass } = { "force-rising-baseline": "premature-consolidation", "force-sudden-drop": "rupture" };

/** A model's or the baseline's call: its first advisory, timed at the close of that bin. */
export function advisorCall(rec: TrialRecord, a: FirstAlarm): Call {
  return { rec, cls: a.cls < 0 ? 0 : a.cls, atMs: a.bin < 0 ? -1 : (a.bin + 1) * BIN_MS };
}

/** The supervisor's call: its first premature-consolidation warning or rupture fault. */
export function detectorCall(rec: TrialRecord): Call {
  const e = rec.events.find((x) => DETECTOR_CODES[x.code] !== undefined);
  return e ? { rec, cls: classIndex(DETECTOR_CODES[e.code]), atMs: e.atMs } : { rec, cls: 0, atMs: -1 };
}

/** The class a call should have named: rupture trials are normal until their collapse. */
function truth(c: Call): number {
  const r = c.rec;
  if (r.spec.cls !== "rupture") return classIndex(r.spec.cls);
  const collapseMs = (r.spec.latencyDays + r.spec.collapseDay) * MS_PER_DAY;
  return c.atMs < 0 || c.atMs >= collapseMs ? classIndex("rupture") : classIndex("normal");
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return isFinite(m) ? Math.round(m * 100) / 100 : null;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : null;
}

export function figures(calls: Call[]): Figures {
  const perClass = {} as { [c in TissueClass]: ClassFigures };
  CLASSES.forEach((cls, k) => {
    const trials = calls.filter((c) => classIndex(c.rec.spec.cls) === k).length;
    const called = calls.filter((c) => c.cls === k).length;
    const right = calls.filter((c) => c.cls === k && truth(c) === k && classIndex(c.rec.spec.cls) === k).length;
    perClass[cls] = { trials, called, precision: ratio(right, called), recall: ratio(right, trials) };
  });
  const normals = calls.filter((c) => c.rec.spec.cls === "normal");
  const falseAlarms = normals.filter((c) => c.cls !== 0).length;
  const premature = classIndex("premature-consolidation");
  const prem = calls.filter((c) => c.rec.spec.cls === "premature-consolidation");
  const lead = (c: Call, atMs: number) => (c.cls === premature ? (atMs - c.atMs) / MS_PER_DAY : -Infinity);
  const leads: number[] = [];
  const overFirst: number[] = [];
  for (const c of prem) {
    const warned = c.rec.events.find((e) => e.code === RISING);
    const first = c.rec.events.find((e) => e.code === RISING || e.code === HARD_LIMIT);
    if (warned) leads.push(lead(c, warned.atMs));
    if (first) overFirst.push(lead(c, first.atMs));
  }
  const callDays = prem.filter((c) => c.cls === premature).map((c) => (c.atMs - c.rec.spec.latencyDays * MS_PER_DAY) / MS_PER_DAY);
  return {
    perClass,
    normalProtocols: normals.length,
    falseAlarms,
    falseAlarmRate: ratio(falseAlarms, normals.length) ?? 0,
    prematureLead: {
      comparable: leads.length,
      earlier: leads.filter((x) => x > 0).length,
      medianLeadDays: median(leads),
      firstReaction: overFirst.length,
      medianLeadOverFirstReactionDays: median(overFirst),
      medianCallDay: median(callDays),
    },
  };
}
