// The dashboard page (runs in the browser): the status of a running device or a
// finished run's log, with uPlot charts that stay fast on days of 10 s samples
// (every redraw draws min/max buckets of the visible window, one per pixel: see
// decimate.ts). Live: a server-sent-event stream (the whole picture first, then
// updates); with ?sync=1 the page acknowledges each update once drawn, and the
// device waits for it (lockstep, for tests). Offline: window.OSTEO_DATA embedded
// by `osteodrive report`. Read-only: the page sends nothing but acknowledgments.

import type uPlotType from "uplot";
import { decimate } from "../decimate.ts";
import { SampleColumns } from "../columns.ts";
import type { DashData, DashEvent, DashMeta, DashStatus, DashUpdate } from "../types.ts";

declare const uPlot: typeof uPlotType;
type Plot = uPlotType;

interface OsteoWindow extends Window {
  OSTEO_DATA?: DashData;
  /**
   * What tests and people can read back: first paint (ms since navigation start, and
   * from data in hand to painted), the last chart redraw's cost, points drawn, the last
   * update drawn, and when (wall ms), how long after the server sent it, and at which
   * update a latched fault was first shown.
   */
  osteo?: { firstPaintMs: number; renderMs: number; lastRedrawMs: number; pointsDrawn: number; seqDrawn: number; redraws: number; faultSeenAtSeq: number; faultSeenAtWallMs: number; faultLatencyMs: number };
}
const win = window as OsteoWindow;

const DAY_MS = 86400000;
const RATE_TOLERANCE = 0.01;
const RATE_ZOOM = 5;
const REDRAW_MS = 250;
const PHASE_COLORS: { [p: string]: string } = {
  latency: "#e4e8ef", distraction: "#e2f3df", consolidation: "#dde9f8", complete: "#f1f1f1", paused: "#fff0bf", fault: "#fadcdc",
};
const ALARM_LEVELS = ["none", "advisory", "warning", "fault"];

let meta: DashMeta;
let status: DashStatus;
let events: DashEvent[] = [];
const samples = new SampleColumns();
let xRange: { min: number; max: number } | null = null;
let charts: Array<{ plot: Plot; cols: number[]; series: number }> = [];
let rateChart: Plot | null = null;
let lastRedraw = 0;
let redrawPending = false;
let syncing = false;
let zooming = false;
win.osteo = { firstPaintMs: -1, renderMs: -1, lastRedrawMs: -1, pointsDrawn: 0, seqDrawn: 0, redraws: 0, faultSeenAtSeq: -1, faultSeenAtWallMs: -1, faultLatencyMs: -1 };
/** When the server sent the update being drawn (wall ms; 0 offline). */
let sentAtWallMs = 0;

function esc(s: unknown): string {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A number to show; null (JSON's NaN), NaN and infinities have no value. */
function has(v: number | null | undefined): v is number {
  return typeof v === "number" && isFinite(v);
}

function num(v: number | null, digits: number): string {
  return has(v) ? v.toFixed(digits) : "—";
}

function day(ms: number): string {
  return (ms / DAY_MS).toFixed(3);
}

/** "true gap" where there is one; on a real rig the length is the position sensor's. */
function lengthName(): string {
  return meta.truth === "plant" ? "true gap" : meta.truth === "sensor" ? "position sensor" : "supervisor estimate (journal)";
}

function field(name: string, value: number | null, digits: number, unit: string): string {
  const v = has(value) ? String(value) : "";
  return `<span class="v" data-field="${name}" data-value="${v}">${num(value, digits)}</span>${unit ? `<span class="u">${unit}</span>` : ""}`;
}

function card(title: string, body: string, cls = ""): string {
  return `<div class="card ${cls}"><h3>${esc(title)}</h3><div class="body">${body}</div></div>`;
}

function renderStatus(): void {
  const s = status;
  const today = s.dailyRateMmPerDay.length ? s.dailyRateMmPerDay[s.dailyRateMmPerDay.length - 1] : NaN;
  const onBand = has(today) && Math.abs(today - meta.prescribedRateMmPerDay) <= meta.prescribedRateMmPerDay * RATE_TOLERANCE;
  const force = s.forceOk && has(s.forceN) ? s.forceN : NaN;
  const forceCls = force >= meta.hardForceN ? "bad" : force >= meta.softForceN ? "warn" : "";
  const j = s.journal;
  const l = s.link;
  const cards = [
    card("target", field("targetUm", s.targetUm, 3, "µm")),
    card("estimate", field("estimateUm", s.estimateUm, 3, "µm")),
    card("position sensor", field("sensorUm", s.sensorOk ? s.sensorUm : NaN, 3, "µm") + (s.sensorOk ? "" : ` <span class="bad">invalid</span>`)),
    meta.truth === "plant" ? card("true gap (simulated)", field("trueUm", s.trueUm, 3, "µm")) : "",
    card("error (" + lengthName() + " − target)", field("errorUm", s.errorUm, 3, "µm") + `<div class="sub">tolerance ±${meta.toleranceUm} µm</div>`, has(s.errorUm) && Math.abs(s.errorUm) > meta.toleranceUm ? "warn" : ""),
    card("force", field("forceN", force, 2, "N") + `<div class="sub">soft ${meta.softForceN} N · hard ${meta.hardForceN} N</div>`, forceCls),
    card("daily rate (this day)", field("rateToday", today, 4, "mm/day") + `<div class="sub">prescribed ${meta.prescribedRateMmPerDay} ± ${RATE_TOLERANCE * 100}% · ${onBand ? "on band" : "off band"}</div>`, has(today) && !onBand ? "warn" : ""),
    card("moves", field("moves", s.moves.count, 0, "") + `<div class="sub">${s.moves.issuedSteps} microsteps issued · ${s.moves.faults} ended with a fault${s.clamps.length ? " · last decision: " + esc(s.clamps.join(", ")) : ""}</div>`),
    card("journal", j ? `<span data-field="journal">${j.ok ? "ok" : "FAILED"}</span><div class="sub">${j.bytes} bytes · next record ${j.nextSeq}${j.error ? " · " + esc(j.error) : ""}</div>` : `<span data-field="journal">—</span><div class="sub">${meta.source === "live" ? "no journal" : "from the log"}</div>`, j && !j.ok ? "bad" : ""),
    l ? card("board link", `<span data-field="link">${l.ok ? "up" : "LOST"}</span><div class="sub">${esc(l.reason || "reports arriving")}</div>`, l.ok ? "" : "bad") : "",
  ];
  setHtml("cards", cards.join(""));
  setHtml("phase", `<span class="phase ${esc(s.phase)}" data-field="phase">${esc(s.phase)}</span> <span class="reason" data-field="reason">${esc(s.reason)}</span>`);
  setHtml("clock", `device day <b data-field="day" data-value="${s.tMs}">${day(s.tMs)}</b> · update <b data-field="seq">${s.seq}</b> · ${s.ticks} decisions · ${esc(meta.source === "live" ? "live" : meta.source + " (finished run)")}`);
  const alarms = s.active.length
    ? s.active.map((a) => `<li class="${a.kind}"><code data-alarm="${esc(a.code)}">${esc(a.code)}</code> <span class="kind">${a.kind}</span> since day ${day(a.sinceMs)}: ${esc(a.text)}</li>`).join("")
    : `<li class="none">no active alarm</li>`;
  setHtml("alarms", `<h2>Alarms <span class="lvl lvl${s.alarmLevel}" data-field="alarmLevel">${ALARM_LEVELS[s.alarmLevel] ?? s.alarmLevel}</span></h2><ul>${alarms}</ul>`);
  document.getElementById("alarms")!.className = s.phase === "fault" ? "panel fault" : s.active.length ? "panel warn" : "panel";
  if (s.phase === "fault" && win.osteo!.faultSeenAtSeq < 0) {
    win.osteo!.faultSeenAtSeq = s.seq;
    win.osteo!.faultSeenAtWallMs = Date.now();
    win.osteo!.faultLatencyMs = sentAtWallMs > 0 ? Date.now() - sentAtWallMs : -1;
  }
}

function renderEvents(): void {
  const flagged = events.filter((e) => e.kind === "warning" || e.kind === "fault" || e.kind === "move" || e.kind === "link");
  setHtml("flagged", `<h2>Warnings and faults (${flagged.length})</h2>` + (flagged.length
    ? `<ul>${flagged.map((e) => `<li class="ev-${e.kind}">day ${day(e.atMs)} <code>${esc(e.code)}</code> ${esc(e.detail)}</li>`).join("")}</ul>`
    : `<p>none</p>`));
  const shown = events.slice(-300).reverse();
  setHtml("audit", `<h2>Audit log (${events.length} events${events.length > shown.length ? ", newest " + shown.length + " shown" : ""})</h2><table><tr><th>day</th><th>kind</th><th>code</th><th>detail</th></tr>${shown.map((e) => `<tr class="ev-${e.kind}"><td>${day(e.atMs)}</td><td>${e.kind}</td><td><code>${esc(e.code)}</code></td><td>${esc(e.detail)}</td></tr>`).join("")}</table>`);
}

function setHtml(id: string, html: string): void {
  const el = document.getElementById(id);
  if (el && el.innerHTML !== html) el.innerHTML = html;
}

/** Phase spans (days) from the phase and fault events. */
function phaseSpans(): Array<{ x0: number; x1: number; phase: string }> {
  const end = samples.length ? samples.cols[0][samples.length - 1] : status.tMs / DAY_MS;
  const marks = events.filter((e) => e.kind === "phase" || e.kind === "fault").map((e) => ({ at: e.atMs / DAY_MS, phase: e.kind === "fault" ? "fault" : e.code.split("→").pop()! }));
  return marks.map((m, i) => ({ x0: m.at, x1: i + 1 < marks.length ? marks[i + 1].at : Math.max(end, m.at), phase: m.phase }));
}

function drawBands(u: Plot): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  for (const sp of phaseSpans()) {
    const color = PHASE_COLORS[sp.phase];
    if (!color) continue;
    const a = Math.max(left, u.valToPos(sp.x0, "x", true));
    const b = Math.min(left + width, u.valToPos(sp.x1, "x", true));
    if (b <= a) continue;
    ctx.fillStyle = color;
    ctx.fillRect(a, top, b - a, height);
  }
  ctx.restore();
}

function hLine(u: Plot, y: number, color: string, dash: number[], label: string): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const py = u.valToPos(y, "y", true);
  if (py < top || py > top + height) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
  ctx.beginPath();
  ctx.moveTo(left, py);
  ctx.lineTo(left + width, py);
  ctx.stroke();
  ctx.fillStyle = color;
  ctx.font = 12 * devicePixelRatio + "px system-ui, sans-serif";
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  ctx.fillText(label, left + 6 * devicePixelRatio, py - 4 * devicePixelRatio);
  ctx.restore();
}

/** The window shown: the zoom, or everything so far. */
function windowDays(): { min: number; max: number } {
  if (xRange) return xRange;
  const n = samples.length;
  if (n === 0) return { min: 0, max: 1 };
  const a = samples.cols[0][0];
  const b = samples.cols[0][n - 1];
  return { min: a, max: b > a ? b : a + 1 / 24 };
}

function chartData(cols: number[], width: number): number[][] {
  const w = windowDays();
  return decimate(cols.map((c) => samples.cols[c]), w.min, w.max, Math.max(50, Math.round(width)), samples.length);
}

function redrawCharts(): void {
  redrawPending = false;
  const t0 = performance.now();
  lastRedraw = t0;
  let points = 0;
  const w = windowDays();
  for (const c of charts) {
    const data = chartData(c.cols, c.plot.bbox.width / devicePixelRatio);
    c.plot.batch(() => {
      c.plot.setData(data as uPlotType.AlignedData, false);
      c.plot.setScale("x", w);
    });
    points += data[0].length * c.series;
  }
  if (rateChart) {
    const r = status.dailyRateMmPerDay;
    rateChart.setData(rateData(r) as uPlotType.AlignedData, false);
    rateChart.setScale("x", { min: 0.5, max: Math.max(1, r.length) + 0.5 });
    points += r.length;
  }
  win.osteo!.pointsDrawn = points;
  win.osteo!.redraws++;
  win.osteo!.lastRedrawMs = performance.now() - t0;
  setHtml("points", `${points} points drawn from ${samples.length} samples (${esc(meta.resolution)}); drag to zoom, double-click to show all`);
}

function scheduleRedraw(): void {
  if (redrawPending) return;
  redrawPending = true;
  const wait = Math.max(0, REDRAW_MS - (performance.now() - lastRedraw));
  setTimeout(() => requestAnimationFrame(redrawCharts), wait);
}

function timeChart(el: HTMLElement, title: string, yLabel: string, cols: number[], series: Array<{ label: string; stroke: string; width?: number; dash?: number[] }>, extra: (u: Plot) => void, yRange?: (u: Plot, lo: number, hi: number) => [number, number]): void {
  const width = Math.max(400, el.clientWidth);
  const opts: uPlotType.Options = {
    title,
    width,
    height: 260,
    cursor: { sync: { key: "osteo-time" }, drag: { x: true, y: false } },
    scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
    axes: [{ label: "day since the prescription started" }, { label: yLabel, size: 70 }],
    series: [{ label: "day" } as uPlotType.Series].concat(series.map((s) => ({ label: s.label, stroke: s.stroke, width: s.width ?? 1.5, dash: s.dash, spanGaps: false }))),
    hooks: {
      drawClear: [drawBands],
      draw: [extra],
      setSelect: [
        (u: Plot) => {
          // the charts share their cursor: a drag reports a selection on each; the first one zooms all
          if (zooming || u.select.width < 3) return;
          zooming = true;
          setTimeout(() => (zooming = false), 0);
          const min = u.posToVal(u.select.left, "x");
          const max = u.posToVal(u.select.left + u.select.width, "x");
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          xRange = { min, max };
          redrawCharts();
        },
      ],
    },
  };
  // zoom is ours (decimation follows it): uPlot's own drag-zoom is turned off
  opts.cursor!.drag!.setScale = false;
  const plot = new uPlot(opts, [[], ...series.map(() => [])] as unknown as uPlotType.AlignedData, el);
  el.addEventListener("dblclick", () => {
    xRange = null;
    redrawCharts();
  });
  charts.push({ plot, cols, series: series.length });
}

function buildCharts(): void {
  const truthLine = meta.truth === "plant" ? [{ label: "true gap", stroke: "#1f5fbf", width: 2.2 }] : [];
  const lengthCols = meta.truth === "plant" ? [0, 1, 2, 3, 4] : [0, 1, 2, 3];
  timeChart(document.getElementById("chart-length")!, "Length vs prescription", "length (mm)", lengthCols, [
    { label: "target", stroke: "#111", dash: [7, 5], width: 1.6 },
    { label: "estimate", stroke: "#8a3ffc", width: 1.2 },
    { label: meta.truth === "journal" ? "—" : "position sensor", stroke: "#f08a24", width: 1.2 },
    ...truthLine,
  ], () => {});
  const tolUm = meta.toleranceUm;
  timeChart(document.getElementById("chart-error")!, "Tracking error (" + lengthName() + " − target one tick earlier)", "µm", [0, 5], [{ label: "error", stroke: "#1f5fbf", width: 1.4 }], (u) => {
    hLine(u, tolUm, "#e69500", [6, 4], "+" + tolUm + " µm tolerance");
    hLine(u, -tolUm, "#e69500", [6, 4], "−" + tolUm + " µm");
  }, (_u, lo, hi) => [Math.min(-1.5 * tolUm, has(lo) ? lo : 0), Math.max(1.5 * tolUm, has(hi) ? hi : 0)]);
  timeChart(document.getElementById("chart-force")!, "Force", "N", [0, 6], [{ label: "force", stroke: "#2c8c3c", width: 1.2 }], (u) => {
    hLine(u, meta.softForceN, "#e69500", [8, 5], "soft limit " + meta.softForceN + " N");
    hLine(u, meta.hardForceN, "#d62728", [], "hard limit " + meta.hardForceN + " N");
  }, (_u, lo, hi) => [Math.min(0, has(lo) ? lo : 0), Math.max(meta.hardForceN * 1.08, has(hi) ? hi : 0)]);
  const rate = meta.prescribedRateMmPerDay;
  const tol = rate * RATE_TOLERANCE;
  const el = document.getElementById("chart-rate")!;
  rateChart = new uPlot({
    title: "Daily delivered rate (" + lengthName() + "), zoomed on the ±1% band",
    width: Math.max(400, el.clientWidth),
    height: 240,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: { range: () => [rate - RATE_ZOOM * tol, rate + RATE_ZOOM * tol] } },
    axes: [{ label: "distraction day", incrs: [1, 2, 5, 10, 20, 50, 100] }, { label: "mm/day", size: 70 }],
    series: [{ label: "day" },
      { label: "within ±1%", fill: "#5aa874", stroke: "#3b7f52", paths: uPlot.paths.bars!({ size: [0.7, 80] }), points: { show: false } },
      { label: "outside ±1%", fill: "#e0823a", stroke: "#b0602a", paths: uPlot.paths.bars!({ size: [0.7, 80] }), points: { show: false } }],
    hooks: {
      drawClear: [(u: Plot) => {
        const ctx = u.ctx;
        const top = u.valToPos(rate + tol, "y", true);
        const bottom = u.valToPos(rate - tol, "y", true);
        ctx.save();
        ctx.fillStyle = "#1f5fbf33";
        ctx.fillRect(u.bbox.left, top, u.bbox.width, bottom - top);
        ctx.restore();
      }],
      draw: [(u: Plot) => {
        hLine(u, rate, "#111", [7, 5], "prescribed " + rate + " mm/day (band ±1%)");
        offScale(u, rate - RATE_ZOOM * tol, rate + RATE_ZOOM * tol);
      }],
    },
  }, [[], [], []], el);
}

/** Bars of the rate panel: [day numbers, rates within the band (else null), rates outside it (else null)]. */
function rateData(r: number[]): Array<Array<number | null>> {
  const rate = meta.prescribedRateMmPerDay;
  const within = (v: number) => Math.abs(v - rate) <= rate * RATE_TOLERANCE;
  // null: a day with no rate (a journal that no longer holds its start)
  return [r.map((_, i) => i + 1), r.map((v) => (has(v) && within(v) ? v : null)), r.map((v) => (has(v) && !within(v) ? v : null))];
}

/** Marks days beyond the zoomed rate axis at its edge with their value. */
function offScale(u: Plot, lo: number, hi: number): void {
  const xs = u.data[0] as number[];
  const ys = status.dailyRateMmPerDay;
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = "#b00000";
  ctx.font = 11 * devicePixelRatio + "px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (!has(v) || (v >= lo && v <= hi)) continue;
    const x = u.valToPos(xs[i], "x", true);
    const y = v > hi ? u.bbox.top + 14 * devicePixelRatio : u.bbox.top + u.bbox.height - 6 * devicePixelRatio;
    ctx.fillText((v > hi ? "▲ " : "▼ ") + v.toFixed(3), x, y);
  }
  ctx.restore();
}

function layout(): void {
  document.title = meta.title + " — osteodrive dashboard";
  document.getElementById("app")!.innerHTML = `
<header><h1>${esc(meta.title)}</h1><div id="clock"></div></header>
<div id="phase" class="phasebar"></div>
<div class="top"><div id="cards" class="cards"></div><div><div id="alarms" class="panel"></div><div id="flagged" class="panel"></div></div></div>
<div id="chart-length" class="chart"></div><div id="chart-error" class="chart"></div><div id="chart-force" class="chart"></div><div id="chart-rate" class="chart"></div>
<p id="points" class="note"></p>
<div id="audit" class="panel audit"></div>
<footer>osteodrive dashboard · lengths on the ${esc(lengthName())} · ${meta.control ? "" : "read-only"} · works offline (uPlot served locally)</footer>`;
}

function load(data: DashData): void {
  const t0 = performance.now();
  meta = data.meta;
  status = data.status;
  events = data.events;
  samples.append(data.rows);
  layout();
  renderStatus();
  renderEvents();
  buildCharts();
  redrawCharts();
  win.osteo!.seqDrawn = status.seq;
  requestAnimationFrame(() => {
    win.osteo!.renderMs = performance.now() - t0;
    win.osteo!.firstPaintMs = performance.now();
    document.body.dataset.ready = "1";
  });
}

function apply(u: DashUpdate): void {
  status = u.status;
  sentAtWallMs = u.sentAtWallMs;
  if (u.events.length) {
    events = events.concat(u.events);
    renderEvents();
  }
  samples.append(u.rows);
  renderStatus();
  win.osteo!.seqDrawn = status.seq;
  scheduleRedraw();
}

function ack(client: number): void {
  if (!syncing) return;
  const seq = status.seq;
  requestAnimationFrame(() => void fetch("/api/ack", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client, seq }) }));
}

function live(): void {
  syncing = new URLSearchParams(location.search).get("sync") === "1";
  const es = new EventSource("/api/stream" + (syncing ? "?sync=1" : ""));
  let client = 0;
  es.addEventListener("data", (ev) => {
    const m = JSON.parse((ev as MessageEvent).data);
    client = m.client;
    if (!meta) load(m.data);
    else {
      // reconnected: start over from the whole picture
      samples.length = 0;
      load(m.data);
    }
    ack(client);
  });
  es.addEventListener("update", (ev) => {
    apply(JSON.parse((ev as MessageEvent).data));
    ack(client);
  });
  es.onerror = () => setHtml("clock", `<span class="bad">connection to the device lost; retrying…</span>`);
}

if (win.OSTEO_DATA) load(win.OSTEO_DATA);
else live();
