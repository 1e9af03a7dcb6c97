// Text for people: the evaluation table (model vs baseline vs detector), the
// inference times per backend, and the verdict.

import { CLASSES } from "./classes.ts";
import type { Figures } from "./metrics.ts";
import type { EvalRun } from "./pipeline.ts";

function pct(x: number | null): string {
  return x === null ? "   –  " : (x * 100).toFixed(1).padStart(5) + "%";
}

function days(x: number | null): string {
  return x === null ? "missed" : x.toFixed(2) + " d";
}

function row(name: string, f: Figures): string {
  const l = f.prematureLead;
  const cells = CLASSES.slice(1).map((c) => pct(f.perClass[c].precision) + " / " + pct(f.perClass[c].recall));
  return name.padEnd(10) + " " + days(l.medianLeadDays).padStart(8) + "  " + (f.falseAlarms + "/" + f.normalProtocols + " " + pct(f.falseAlarmRate)).padStart(14) + "  " + cells.join("  ");
}

export function formatEval(r: EvalRun): string {
  const rep = r.report;
  const lines = [
    "backend    " + r.backend.name + (r.backend.skipped.length ? " (skipped " + r.backend.skipped.join("; ") + ")" : ""),
    "trials     " + CLASSES.map((c) => c + " " + rep.trials[c]).join(", ") + (r.subset ? " (test-suite subset)" : " (held-out test seeds)"),
    "",
    "           median lead   false alarms   precision / recall: " + CLASSES.slice(1).join(" | "),
    row("model", rep.model),
    row("baseline", rep.baseline),
    row("detector", rep.detector),
    row("model+det", rep.modelAndDetector),
    "",
    "lead = force-rising-baseline warning time − advisory time, on the " + rep.model.prematureLead.comparable + " premature trials where that warning fired;",
    "       against the first deterministic reaction (that warning or the hard-limit stop, " + rep.model.prematureLead.firstReaction + " trials): model " + days(rep.model.prematureLead.medianLeadOverFirstReactionDays) + ", baseline " + days(rep.baseline.prematureLead.medianLeadOverFirstReactionDays),
    "inference  " + r.inference.map((t) => t.backend + " " + (t.msPerCall === null ? "unavailable (" + t.note + ")" : t.msPerCall + " ms/call")).join(", "),
    "model      " + r.modelBytes + " bytes",
    "verdict    " + (r.subset ? "(judged on the full test seeds only)" : r.shortfalls.length ? "short of the bar: " + r.shortfalls.join("; ") : "meets the bar") + "; committed advisor is " + (r.enabledByDefault ? "ON" : "OFF") + " by default",
  ];
  return lines.join("\n") + "\n";
}
