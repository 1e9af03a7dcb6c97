// The self-contained HTML run report (`osteodrive sim --report`, reusable for bench
// trials): summary table, faults and alarms, and four inline-SVG plots — length vs
// prescription over phases, tracking error, force vs limits, daily delivered rate.
// Opens offline: no scripts, fonts, images or network references.

import { MS_PER_DAY } from "../firmware/core/units.ts";
import { chart, escapeHtml } from "./report-svg.ts";
import type { LineSpec, XBandSpec } from "./report-svg.ts";
import type { PhaseEvent, Series } from "./recorder.ts";
import type { RunResult, Summary } from "./run.ts";

export interface ReportInput {
  title: string;
  description: string;
  summary: Summary;
  series: Series;
  phases: PhaseEvent[];
  softForceN: number;
  hardForceN: number;
  /** Extra lines shown under the summary (e.g. a bench trial's accuracy and precision). */
  notes?: string[];
  /** What the lengths were measured on: the simulator's/rig's true gap (default) or, on a real rig, the position sensor. */
  truth?: Truth;
}

export type Truth = "plant" | "sensor";

/** How a length measured on `truth` is named in tables, legends and axes. */
export function lengthName(truth: Truth | undefined): string {
  return truth === "sensor" ? "position sensor" : "true gap";
}

const PHASE_COLORS: Record<string, string> = {
  latency: "#e4e8ef",
  distraction: "#e2f3df",
  consolidation: "#dde9f8",
  complete: "#f1f1f1",
  paused: "#fff0bf",
  fault: "#fadcdc",
};

const ALARM_LEVELS = ["cleared", "advisory", "warning", "fault"];

/** Daily rate within this fraction of the prescription counts as on rate. */
const RATE_TOLERANCE = 0.01;
/** The rate panel shows the prescription ± this many tolerances (days beyond are marked at the edge). */
const RATE_ZOOM = 5;

function num(x: number, digits: number): string {
  return isFinite(x) ? x.toFixed(digits) : "—";
}

function day(ms: number): string {
  return (ms / MS_PER_DAY).toFixed(2);
}

/** Background bands, one per phase interval, ending at the next phase change or endDay. */
function phaseBands(phases: PhaseEvent[], endDay: number): XBandSpec[] {
  const out: XBandSpec[] = [];
  phases.forEach((p, i) => {
    const color = PHASE_COLORS[p.to];
    if (!color) return;
    const x0 = p.atMs / MS_PER_DAY;
    const x1 = i + 1 < phases.length ? phases[i + 1].atMs / MS_PER_DAY : endDay;
    out.push({ label: "phase: " + p.to, color, x0, x1, title: p.to + " from day " + x0.toFixed(2) + " to " + x1.toFixed(2) + ": " + p.reason });
  });
  return out;
}

function summaryTable(s: Summary, input: ReportInput): string {
  const rates = s.dailyRateMmPerDay;
  const onRate = rates.filter((r) => Math.abs(r - s.prescribedRateMmPerDay) <= s.prescribedRateMmPerDay * RATE_TOLERANCE).length;
  const rows: Array<[string, string]> = [
    ["scenario", s.scenario + " (seed " + s.seed + (s.openLoop ? ", OPEN-LOOP baseline" : "") + ")"],
    ["length", num(s.finalLengthMm, 4) + " mm reached of " + s.targetLengthMm + " mm prescribed"],
    ["tracking error (" + lengthName(input.truth) + ")", "final " + num(s.finalErrorUm, 2) + " µm · rms " + num(s.rmsErrorUm, 2) + " µm · max " + num(s.maxErrorUm, 2) + " µm"],
    ["daily rate", rates.length
      ? num(Math.min(...rates), 4) + " – " + num(Math.max(...rates), 4) + " mm/day over " + rates.length + " distraction days (prescribed " + s.prescribedRateMmPerDay + "); " + onRate + "/" + rates.length + " days within ±" + RATE_TOLERANCE * 100 + "%"
      : "no distraction day reached"],
    ["increments/day", String(s.incrementsPerDay)],
    ["peak force", num(s.peakForceN, 1) + " N (soft limit " + input.softForceN + " N, hard limit " + input.hardForceN + " N)"],
    ["missed steps", String(s.missedSteps)],
    ["final phase", s.finalPhase],
    ["simulated", s.simulatedDays + " days in " + s.wallMs + " ms wall"],
  ];
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td${k === "final phase" && v === "fault" ? ` class="bad"` : ""}>${escapeHtml(v)}</td></tr>`).join("\n");
  return `<table class="summary">\n${body}\n</table>`;
}

/** Every warning the supervisor raised (they do not latch; the alarm table keeps only what the annunciator showed). */
function warningsSection(s: Summary): string {
  if (!s.warnings.length) return `<section id="warnings"><h2>Warnings</h2><p>No warnings.</p></section>`;
  const items = s.warnings.map((w) => `<li><b>day ${day(w.atMs)}</b> — <code>${escapeHtml(w.code)}</code>: ${escapeHtml(w.detail)}</li>`).join("\n");
  return `<section id="warnings" class="warn"><h2>${s.warnings.length} warning${s.warnings.length > 1 ? "s" : ""}</h2><ul>\n${items}\n</ul></section>`;
}

function faultsSection(s: Summary): string {
  if (!s.faults.length) return `<section id="faults" class="ok"><h2>Faults</h2><p>No faults.</p></section>`;
  const items = s.faults.map((f) => `<li><b>day ${day(f.atMs)}</b> — <code>${escapeHtml(f.code)}</code>: ${escapeHtml(f.detail)}</li>`).join("\n");
  return `<section id="faults" class="fault"><h2>⚠ ${s.faults.length} fault${s.faults.length > 1 ? "s" : ""}</h2><ul>\n${items}\n</ul></section>`;
}

function alarmsSection(s: Summary): string {
  if (!s.alarms.length) return `<section id="alarms"><h2>Alarms</h2><p>No alarms.</p></section>`;
  const rows = s.alarms.map((a) => `<tr class="lvl${a.level}"><td>${day(a.atMs)}</td><td>${escapeHtml(ALARM_LEVELS[a.level] ?? String(a.level))}</td><td><code>${escapeHtml(a.code)}</code></td></tr>`).join("\n");
  return `<section id="alarms"><h2>Alarms</h2><table class="alarms"><tr><th>day</th><th>level</th><th>code</th></tr>\n${rows}\n</table></section>`;
}

function figure(title: string, caption: string, svg: string): string {
  return `<figure><h2>${escapeHtml(title)}</h2>\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function plots(input: ReportInput): string {
  const { series: sr, summary: s } = input;
  const tDay = sr.tMs.map((t) => t / MS_PER_DAY);
  const endDay = Math.max(s.simulatedDays, tDay.length ? tDay[tDay.length - 1] : 0);
  const bands = phaseBands(input.phases, endDay);
  const toMm = (a: number[]): number[] => a.map((v) => v / 1000);
  const errUm = sr.trueUm.map((v, i) => v - sr.targetUm[i]);
  const timeAxis = { xLabel: "day since start", xDomain: [0, endDay] as [number, number], xBands: bands };
  const line = (label: string, color: string, y: number[], width?: number, dash?: string): LineSpec => ({ label, color, x: tDay, y, width, dash });
  const truth = lengthName(input.truth);
  const measured = input.truth === "sensor"
    ? [line("position sensor (the bench's length reference)", "#1f5fbf", toMm(sr.trueUm), 2.2)]
    : [line("sensed position", "#f08a24", toMm(sr.sensedUm), 1.2), line("true gap", "#1f5fbf", toMm(sr.trueUm), 2.2)];

  const length = chart({
    ...timeAxis,
    id: "plot-length",
    yLabel: "length (mm)",
    yInclude: [0, s.targetLengthMm],
    lines: measured.concat([line("prescribed target", "#111", toMm(sr.targetUm), 1.6, "7 5")]),
  });
  const error = chart({
    ...timeAxis,
    id: "plot-error",
    yLabel: (input.truth === "sensor" ? "sensor" : "true") + " − target (µm)",
    hLines: [{ label: "zero (on target)", color: "#555", y: 0 }],
    lines: [line("tracking error", "#1f5fbf", errUm, 1.4)],
  });
  const force = chart({
    ...timeAxis,
    id: "plot-force",
    yLabel: "force (N)",
    yInclude: [0],
    hLines: [
      { label: "soft limit " + input.softForceN + " N", color: "#e69500", y: input.softForceN, dash: "8 5" },
      { label: "hard limit " + input.hardForceN + " N", color: "#d62728", y: input.hardForceN },
    ],
    lines: [line("sensed force", "#2c8c3c", sr.forceN, 1.2)],
  });

  const rate = s.prescribedRateMmPerDay;
  const tol = rate * RATE_TOLERANCE;
  const within = { x: [] as number[], y: [] as number[] };
  const outside = { x: [] as number[], y: [] as number[] };
  s.dailyRateMmPerDay.forEach((r, k) => {
    const into = Math.abs(r - rate) <= tol ? within : outside;
    into.x.push(k + 1);
    into.y.push(r);
  });
  const pct = RATE_TOLERANCE * 100 + "%";
  const daily = chart({
    id: "plot-rate",
    xLabel: "distraction day",
    yLabel: "delivered (mm/day)",
    xDomain: [0.5, Math.max(1, s.dailyRateMmPerDay.length) + 0.5],
    xMinStep: 1,
    yDomain: [rate - RATE_ZOOM * tol, rate + RATE_ZOOM * tol],
    bars: [
      { label: "within ±" + pct, color: "#5aa874", width: 0.7, ...within },
      { label: "outside ±" + pct, color: "#e0823a", width: 0.7, ...outside },
    ],
    yBands: [{ label: "±" + pct + " band", color: "#1f5fbf40", y0: rate - tol, y1: rate + tol }],
    hLines: [{ label: "prescribed " + rate + " mm/day", color: "#111", y: rate, dash: "7 5" }],
  });

  return [
    figure("Length vs prescription", "Prescribed target and " + (input.truth === "sensor" ? "the position sensor's length" : "true gap and sensed position") + " over time; the background shows the phase (hover a band for its reason).", length),
    figure("Tracking error", (input.truth === "sensor" ? "Position sensor" : "True gap") + " minus prescribed target at the same instant, in µm; positive = ahead of the prescription. Samples are taken at a control decision, before its move: with a staircase rhythm each step shows as a dip of one increment that the device closes within one control tick (the summary's errors compare with the target one tick earlier, so they do not count these dips).", error),
    figure("Force", "Sensed distraction force against the prescription's soft limit (governor slows or holds) and hard limit (stop and fault).", force),
    figure("Daily delivered rate", "Length delivered per distraction day on the " + truth + ", zoomed on the ±" + pct + " band (days beyond ±" + RATE_ZOOM * RATE_TOLERANCE * 100 + "% are marked ▲/▼ at the edge with their value); a day the distraction only partly held is rated over the span it held.", daily),
  ].join("\n");
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; padding: 16px 24px 40px; max-width: 1180px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 0 0 6px; }
p.desc { margin: 0 0 14px; color: #444; max-width: 900px; }
.top { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; align-items: start; }
table { border-collapse: collapse; font-size: 14px; }
table.summary { width: 100%; }
table.summary th { text-align: left; font-weight: 600; padding: 4px 14px 4px 0; white-space: nowrap; vertical-align: top; color: #444; }
table.summary td, table.alarms td, table.alarms th { padding: 4px 10px 4px 0; font-variant-numeric: tabular-nums; }
table.alarms th { text-align: left; }
tr.lvl3 td { color: #b00000; font-weight: 600; }
tr.lvl2 td { color: #a05a00; }
td.bad { color: #b00000; font-weight: 700; }
section { border-radius: 6px; padding: 10px 14px; margin-bottom: 12px; background: #f6f7f9; }
section.fault { background: #fde8e8; border: 2px solid #c81e1e; color: #8a0d0d; }
section.fault h2 { color: #b00000; font-size: 19px; }
section.ok h2 { color: #1d6b33; }
section.warn { background: #fff5e0; border: 1px solid #e0a040; }
section.warn h2 { color: #a05a00; }
section ul { margin: 4px 0; padding-left: 20px; }
ul.notes { margin: 10px 0 0; padding-left: 20px; }
figure { margin: 22px 0 0; }
figcaption { font-size: 13px; color: #555; margin-top: 2px; }
footer { margin-top: 28px; font-size: 12px; color: #777; }
`;

/** The whole report as one HTML document. */
/** The report of a simulator run: its scenario's name and limits, summary, series and phases. */
export function runReportInput(res: RunResult): ReportInput {
  const sc = res.scenario;
  return {
    title: sc.name,
    description: sc.description,
    summary: res.summary,
    series: res.recorder.series,
    phases: res.recorder.phases,
    softForceN: sc.prescription.softForceN,
    hardForceN: sc.prescription.hardForceN,
  };
}

export function renderReport(input: ReportInput): string {
  const s = input.summary;
  const notes = input.notes?.length ? `<ul class="notes">\n${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("\n")}\n</ul>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)} — osteodrive report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="desc">${escapeHtml(input.description)}</p>
<div class="top">
<div>${summaryTable(s, input)}${notes}</div>
<div>${faultsSection(s)}
${warningsSection(s)}
${alarmsSection(s)}</div>
</div>
${plots(input)}
<footer>osteodrive report · errors measured on the ${escapeHtml(lengthName(input.truth))} against the prescribed target · self-contained, opens offline</footer>
</body>
</html>
`;
}
