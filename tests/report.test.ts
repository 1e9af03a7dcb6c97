// The HTML run report: self-contained (no network references), four plots with
// phase bands, the summary's numbers and faults shown, text escaped, and long
// series downsampled without losing spikes.

import test from "ava";
import { loadScenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";
import type { Summary } from "../sim/run.ts";
import type { Series } from "../sim/recorder.ts";
import { renderReport, runReportInput } from "../sim/report.ts";
import type { ReportInput } from "../sim/report.ts";
import { downsampleMinMax, escapeHtml } from "../sim/report-svg.ts";

const sc = loadScenario("mandible-continuous-1mm");
const res = runScenario(sc, { days: 10 });
const base: ReportInput = runReportInput(res);
const html = renderReport(base);

function count(s: string, needle: string): number {
  return s.split(needle).length - 1;
}

/** Point counts of every polyline in one <svg id=...> element. */
function polylinePoints(page: string, svgId: string): number[] {
  const start = page.indexOf(`<svg id="${svgId}"`);
  const svg = page.slice(start, page.indexOf("</svg>", start));
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1].trim().split(" ").length);
}

test("a short run renders four inline SVG plots and nothing that needs the network", (t) => {
  t.true(html.startsWith("<!doctype html>"));
  t.is(count(html, "<svg"), 4);
  for (const id of ["plot-length", "plot-error", "plot-force", "plot-rate"]) t.true(html.includes(`<svg id="${id}"`), id);
  t.false(/https?:\/\//i.test(html));
  t.false(/<script/i.test(html));
  t.false(/<img|<link|@import|url\((?!#)/i.test(html));
  t.true(html.length < 1_000_000);
});

test("the header shows the scenario and the summary's numbers", (t) => {
  const s = res.summary;
  t.true(html.includes("<h1>mandible-continuous-1mm</h1>"));
  for (const v of [
    s.finalLengthMm.toFixed(4) + " mm reached of " + s.targetLengthMm + " mm",
    "final " + s.finalErrorUm.toFixed(2) + " µm",
    "rms " + s.rmsErrorUm.toFixed(2) + " µm",
    "max " + s.maxErrorUm.toFixed(2) + " µm",
    s.peakForceN.toFixed(1) + " N",
    "<td>" + s.incrementsPerDay + "</td>",
    "<td>" + s.missedSteps + "</td>",
    "<td>" + s.finalPhase + "</td>",
    s.wallMs + " ms wall",
    "over " + s.dailyRateMmPerDay.length + " distraction days",
  ]) t.true(html.includes(v), v);
  t.true(html.includes("No faults."));
});

test("phases are shaded as background bands with a legend", (t) => {
  const bands = [...html.matchAll(/<rect class="band"[^>]*>(?:<title>([^<]*)<\/title>)?/g)].map((m) => m[1]);
  // latency (day 0–7) and distraction (7–10) on each of the three time plots
  t.is(bands.length, 2 * 3);
  t.true(bands.some((b) => b.startsWith("latency from day 0.00 to 7.00")));
  t.true(bands.some((b) => b.startsWith("distraction from day 7.00 to 10.00")));
  t.true(html.includes(">phase: latency<") && html.includes(">phase: distraction<"));
  t.true(html.includes(">soft limit 100 N<") && html.includes(">hard limit 180 N<"));
  t.true(html.includes(">prescribed 1 mm/day<") && html.includes(">±1% band<"));
});

test("text from the input is escaped", (t) => {
  t.is(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const page = renderReport({ ...base, title: "run <b>& co", description: "<script>alert(1)</script>", notes: ["accuracy <1 µm & precision"] });
  t.true(page.includes("<h1>run &lt;b&gt;&amp; co</h1>"));
  t.false(page.includes("<b>& co"));
  t.false(/<script/i.test(page));
  t.true(page.includes("<li>accuracy &lt;1 µm &amp; precision</li>"));
});

test("a fault in the summary shows prominently with its day, and alarms are listed", (t) => {
  const summary: Summary = {
    ...res.summary,
    finalPhase: "fault",
    faults: [{ atMs: 8.5 * 86400000, code: "force-hard-limit", detail: "governor: force-hard-limit at 180.0 N" }],
    alarms: [{ atMs: 8.25 * 86400000, level: 2, code: "force-soft-limit" }, { atMs: 8.5 * 86400000, level: 3, code: "force-hard-limit" }],
  };
  const page = renderReport({ ...base, summary });
  const faults = page.slice(page.indexOf(`<section id="faults"`), page.indexOf("</section>", page.indexOf(`<section id="faults"`)));
  t.true(faults.includes(`class="fault"`));
  t.true(faults.includes("1 fault"));
  t.true(faults.includes("day 8.50") && faults.includes("force-hard-limit") && faults.includes("at 180.0 N"));
  t.false(page.includes("No faults."));
  t.true(page.includes(`<tr class="lvl2"><td>8.25</td><td>warning</td><td><code>force-soft-limit</code>`));
  t.true(page.includes(`<tr class="lvl3"><td>8.50</td><td>fault</td><td><code>force-hard-limit</code>`));
  t.true(page.includes(`<td class="bad">fault</td>`));
});

test("downsampling keeps at most maxPoints, in order, and keeps spikes", (t) => {
  const n = 10000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => (i === 6543 ? 500 : i === 1234 ? -300 : Math.sin(i / 300)));
  const pts = downsampleMinMax(x, y, 2000);
  const kept = pts.filter((p) => p !== null) as Array<[number, number]>;
  t.true(kept.length <= 2000 && kept.length > 1000);
  t.true(kept.some((p) => p[0] === 6543 && p[1] === 500));
  t.true(kept.some((p) => p[0] === 1234 && p[1] === -300));
  t.true(kept.every((p, i) => i === 0 || p[0] > kept[i - 1][0]));
  t.deepEqual(kept[0], [0, 0]);
  t.is(kept[kept.length - 1][0], n - 1);
  // short series pass through unchanged
  t.deepEqual(downsampleMinMax([0, 1, 2], [5, 6, 7], 2000), [[0, 5], [1, 6], [2, 7]]);
  // non-finite samples break the line instead of being drawn
  t.deepEqual(downsampleMinMax([0, 1, 2, 3], [1, NaN, 2, 3], 2000), [[0, 1], null, [2, 2], [3, 3]]);
});

test("a 10,000-point series is drawn with at most 2,000 points per line", (t) => {
  const n = 10000;
  const day = 86400000;
  const tMs = Array.from({ length: n }, (_, i) => (i * 60 * day) / n);
  const targetUm = tMs.map((tm) => Math.max(0, Math.min(20000, (tm - 7 * day) / 1000)));
  const series: Series = {
    tMs,
    targetUm,
    trueUm: targetUm.map((v, i) => v + Math.sin(i)),
    sensedUm: targetUm.map((v, i) => v + Math.cos(i)),
    estimateUm: targetUm,
    forceN: tMs.map((_, i) => (i === 4321 ? 170 : 40)),
    phase: tMs.map(() => "distraction"),
  };
  const page = renderReport({ ...base, series, summary: { ...res.summary, simulatedDays: 60 } });
  for (const id of ["plot-length", "plot-error", "plot-force"]) {
    const lines = polylinePoints(page, id);
    t.true(lines.length >= 1, id);
    for (const k of lines) t.true(k <= 2000 && k > 1000, id + " " + k);
  }
  t.is(polylinePoints(page, "plot-length").length, 3);
  t.true(page.length < 1_000_000);
});
