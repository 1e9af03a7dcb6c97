// The campaign's HTML report (`osteodrive sweep --report FILE.html`): per family the
// figures table, a plot of every detection's latency against its bound (points
// under the diagonal are within bound) and a histogram of the final length errors
// of the runs that raised no fault, with the tolerance marked. Offline: inline SVG.

import { escapeHtml } from "../report-svg.ts";
import type { Outcome } from "./evaluate.ts";
import type { FamilyStats } from "./stats.ts";

const W = 520;
const H = 300;
const M = 46;

function fx(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/** Latency against bound on log–log axes; the diagonal is latency = bound. */
function latencyPlot(outs: Outcome[]): string {
  const pts = outs.filter((o) => isFinite(o.latencyMs) && o.latencyMs > 0 && o.boundMs > 0);
  if (pts.length === 0) return "<p>no detections with a latency</p>";
  const lo = Math.log10(Math.max(1 / 60, Math.min(...pts.map((o) => Math.min(o.latencyMs, o.boundMs) / 60000))));
  const hi = Math.log10(Math.max(...pts.map((o) => Math.max(o.latencyMs, o.boundMs) / 60000)) * 1.2);
  const sx = (v: number) => M + ((Math.log10(v) - lo) / (hi - lo)) * (W - 2 * M);
  const sy = (v: number) => H - M - ((Math.log10(v) - lo) / (hi - lo)) * (H - 2 * M);
  const dots = pts.map((o) => {
    const b = o.boundMs / 60000;
    const l = Math.max(o.latencyMs / 60000, Math.pow(10, lo));
    const late = o.latencyMs > o.boundMs;
    return `<circle cx="${fx(sx(b))}" cy="${fx(sy(l))}" r="3" fill="${late ? "#c62828" : "#1565c0"}" fill-opacity="0.6"><title>seed ${o.seed}: ${escapeHtml(o.fault)} after ${fx(o.latencyMs / 60000)} min, bound ${fx(b)} min — ${escapeHtml(o.label)}</title></circle>`;
  });
  const ticks: string[] = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const v = Math.pow(10, e);
    ticks.push(`<text x="${fx(sx(v))}" y="${H - M + 16}" text-anchor="middle">${v >= 1 ? v : v.toFixed(Math.max(0, -e))}</text><text x="${M - 6}" y="${fx(sy(v) + 4)}" text-anchor="end">${v >= 1 ? v : v.toFixed(Math.max(0, -e))}</text>`);
  }
  const a = Math.pow(10, lo);
  const b = Math.pow(10, hi);
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif">
<rect x="${M}" y="${M}" width="${W - 2 * M}" height="${H - 2 * M}" fill="#fafafa" stroke="#bbb"/>
<line x1="${fx(sx(a))}" y1="${fx(sy(a))}" x2="${fx(sx(b))}" y2="${fx(sy(b))}" stroke="#888" stroke-dasharray="4 3"/>
${ticks.join("")}${dots.join("")}
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">detection bound (min, log)</text>
<text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">detected after (min, log)</text>
</svg>`;
}

/** Histogram of |final error| (µm) of the silent runs, with the largest tolerance marked. */
function errorHistogram(outs: Outcome[]): string {
  const silent = outs.filter((o) => o.fault === "");
  if (silent.length === 0) return "<p>every run raised a fault</p>";
  const errs = silent.map((o) => Math.abs(o.finalErrorUm));
  const tol = Math.max(...silent.map((o) => o.toleranceUm));
  const top = Math.max(tol * 2, ...errs) * 1.05;
  const bins = 30;
  const counts = new Array(bins).fill(0);
  for (const e of errs) counts[Math.min(bins - 1, Math.floor((e / top) * bins))]++;
  const cmax = Math.max(...counts);
  const bw = (W - 2 * M) / bins;
  const bars = counts.map((c, i) => `<rect x="${fx(M + i * bw)}" y="${fx(H - M - (c / cmax) * (H - 2 * M))}" width="${fx(bw - 1)}" height="${fx((c / cmax) * (H - 2 * M))}" fill="#2e7d32"><title>${c} runs with |error| ${fx((i * top) / bins)}–${fx(((i + 1) * top) / bins)} µm</title></rect>`);
  const tx = M + (tol / top) * (W - 2 * M);
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="11" font-family="sans-serif">
<rect x="${M}" y="${M}" width="${W - 2 * M}" height="${H - 2 * M}" fill="#fafafa" stroke="#bbb"/>
${bars.join("")}
<line x1="${fx(tx)}" y1="${M}" x2="${fx(tx)}" y2="${H - M}" stroke="#c62828" stroke-dasharray="4 3"/><text x="${fx(tx + 4)}" y="${M + 12}" fill="#c62828">tolerance ${fx(tol)} µm</text>
<text x="${M}" y="${H - M + 16}">0</text><text x="${W - M}" y="${H - M + 16}" text-anchor="end">${fx(top)} µm</text>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">|delivered − prescribed| of runs with no fault (µm), ${silent.length} runs, max ${cmax} per bar</text>
</svg>`;
}

function row(k: string, v: string): string {
  return `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
}

function num(x: number, d: number): string {
  return isFinite(x) ? x.toFixed(d) : "—";
}

function table(s: FamilyStats): string {
  const codes = (m: { [k: string]: number }) => Object.keys(m).sort().map((k) => k + " " + m[k]).join(", ") || "none";
  const rows = [
    row("patients", String(s.n)),
    row("verdicts", codes(s.verdicts)),
    row("faults per 1,000", num(s.faultsPer1000, 1) + " (" + codes(s.faultCodes) + ")"),
    row("warnings per 1,000", num(s.warningsPer1000, 1) + " (" + codes(s.warningCodes) + ")"),
    row("detection rate", isFinite(s.detectionRate) ? (100 * s.detectionRate).toFixed(1) + " % of " + s.mattered : "—"),
    row("latency p50 / p95 / max", num(s.latencyMin.p50, 1) + " / " + num(s.latencyMin.p95, 1) + " / " + num(s.latencyMin.max, 1) + " min (worst latency/bound " + num(s.worstLatencyOverBound, 2) + ")"),
    row("worst silent length error", num(s.worstSilentErrorUm, 1) + " µm (" + s.silentOutOfTolerance + " out of tolerance)"),
    row("moves ending at or over the hard limit", s.hardLimitStops + (s.hardLimitStops ? " runs, worst by " + num(s.worstOvershootN, 1) + " N" : "")),
  ];
  return `<table>${rows.join("")}</table>` + (s.failures.length ? "<h4>runs that were not right</h4><ul>" + s.failures.map((f) => `<li>seed ${f.seed}: ${escapeHtml(f.verdict)} ${escapeHtml(f.fault)} — ${escapeHtml(f.label)} (final error ${num(f.finalErrorUm, 1)} µm)</li>`).join("") + "</ul>" : "");
}

export function renderSweepReport(stats: FamilyStats[], outs: Outcome[], run: { seed0: number; workers: number; wallS: number }): string {
  const parts = stats.map((s) => {
    const mine = outs.filter((o) => o.family === s.family);
    return `<section><h2>${escapeHtml(s.family)}</h2>${table(s)}<div class="plots">${s.family === "normal" ? "" : latencyPlot(mine)}${errorHistogram(mine)}</div></section>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>osteodrive sweep</title>
<style>body{font-family:sans-serif;max-width:1150px;margin:1em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}th{background:#f4f4f4}.plots{display:flex;flex-wrap:wrap;gap:12px}section{border-top:2px solid #ccc;margin-top:1.2em}</style></head>
<body><h1>osteodrive sweep</h1><p>${outs.length} virtual patients from seed ${run.seed0} on ${run.workers} workers in ${run.wallS.toFixed(1)} s. Families and ranges: docs/sweep.md.</p>${parts.join("\n")}</body></html>`;
}
