// Dependency-free SVG chart primitives for the offline HTML reports: HTML escaping,
// nice axis ticks, min/max-preserving downsampling, and one chart function that
// draws lines, bars, shaded bands and reference lines with axes, grid and legend.

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Evenly spaced round tick values (1, 2, 2.5, 5 × 10^k) covering [min, max], step at least minStep. */
export function niceTicks(min: number, max: number, count: number, minStep = 0): number[] {
  const span = max - min;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (step < minStep) step = minStep;
  const out: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A tick label with just enough decimals for the step between ticks. */
function tickLabel(v: number, step: number): string {
  let d = 0;
  while (d < 6 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-6) d++;
  return v.toFixed(d);
}

/** A point to draw, or null where the line breaks (non-finite samples). */
export type Pt = [number, number] | null;

/**
 * Reduces (x, y) to at most maxPoints points: the samples are cut into maxPoints/2
 * buckets and each keeps its minimum and maximum (in sample order), so spikes
 * survive. Non-finite y values become line breaks.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): Pt[] {
  const n = Math.min(x.length, y.length);
  const buckets = n <= maxPoints ? n : Math.max(1, Math.floor(maxPoints / 2));
  const out: Pt[] = [];
  for (let b = 0; b < buckets; b++) {
    const i0 = Math.floor((b * n) / buckets);
    const i1 = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    let gap = -1;
    for (let i = i0; i < i1; i++) {
      const v = y[i];
      if (!isFinite(v) || !isFinite(x[i])) {
        if (gap < 0) gap = i;
        continue;
      }
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
    const keep = lo < 0 ? [] : lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo];
    let broke = gap < 0;
    for (const i of keep) {
      if (!broke && gap < i) {
        out.push(null);
        broke = true;
      }
      out.push([x[i], y[i]]);
    }
    if (!broke) out.push(null);
  }
  return out;
}

export interface LineSpec {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  width?: number;
  dash?: string;
}

export interface BarSpec {
  label: string;
  color: string;
  /** Bar centres. */
  x: number[];
  y: number[];
  /** Bar width in x units. */
  width: number;
}

/** A vertical background band (e.g. a phase) from x0 to x1; title becomes a tooltip. */
export interface XBandSpec {
  label: string;
  color: string;
  x0: number;
  x1: number;
  title?: string;
}

/** A horizontal band (e.g. a tolerance) from y0 to y1. */
export interface YBandSpec {
  label: string;
  color: string;
  y0: number;
  y1: number;
}

/** A horizontal reference line (e.g. a limit). */
export interface HLineSpec {
  label: string;
  color: string;
  y: number;
  dash?: string;
}

export interface ChartSpec {
  /** Unique within the page (used for the clip path id). */
  id: string;
  xLabel: string;
  yLabel: string;
  xDomain?: [number, number];
  /** Values the y axis must include (e.g. 0). */
  yInclude?: number[];
  /** A fixed y range (zoomed): bars then rise from its bottom, values beyond it are clipped and marked at the edge. */
  yDomain?: [number, number];
  /** Smallest x tick step (1 for day numbers). */
  xMinStep?: number;
  lines?: LineSpec[];
  bars?: BarSpec[];
  xBands?: XBandSpec[];
  yBands?: YBandSpec[];
  hLines?: HLineSpec[];
  /** Most points drawn per line (default 2000). */
  maxPoints?: number;
  width?: number;
  height?: number;
}

interface LegendItem {
  label: string;
  color: string;
  kind: "line" | "box";
  dash?: string;
}

const FONT = 13;
const CHAR_W = 7.2;

function f1(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  return [lo, hi];
}

function legendRows(items: LegendItem[], width: number): { svg: string; height: number } {
  const rowH = FONT + 8;
  let x = 0;
  let row = 0;
  const parts: string[] = [];
  for (const it of items) {
    const w = 26 + it.label.length * CHAR_W + 18;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    const cy = row * rowH + rowH / 2;
    parts.push(
      it.kind === "line"
        ? `<line x1="${f1(x)}" y1="${f1(cy)}" x2="${f1(x + 20)}" y2="${f1(cy)}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ` stroke-dasharray="${it.dash}"` : ""}/>`
        : `<rect x="${f1(x)}" y="${f1(cy - 6)}" width="20" height="12" fill="${it.color}" stroke="#0003"/>`,
      `<text x="${f1(x + 26)}" y="${f1(cy + 4.5)}">${escapeHtml(it.label)}</text>`,
    );
    x += w;
  }
  return { svg: parts.join(""), height: (row + 1) * rowH };
}

/** Polylines for one line series: one per unbroken run of points. */
function polylines(pts: Pt[], sx: (v: number) => number, sy: (v: number) => number, l: LineSpec, clip: string): string {
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length) {
      out.push(`<polyline clip-path="url(#${clip})" fill="none" stroke="${l.color}" stroke-width="${l.width ?? 1.6}" stroke-linejoin="round"${l.dash ? ` stroke-dasharray="${l.dash}"` : ""} points="${run.join(" ")}"/>`);
    }
    run = [];
  };
  for (const p of pts) {
    if (p === null) flush();
    else run.push(f1(sx(p[0])) + "," + f1(sy(p[1])));
  }
  flush();
  return out.join("\n");
}

/** One chart as an inline <svg> that scales to the page width. */
export function chart(spec: ChartSpec): string {
  const W = spec.width ?? 1100;
  const H = spec.height ?? 340;
  const lines = spec.lines ?? [];
  const bars = spec.bars ?? [];
  const xBands = spec.xBands ?? [];
  const yBands = spec.yBands ?? [];
  const hLines = spec.hLines ?? [];
  const maxPoints = spec.maxPoints ?? 2000;

  const legend: LegendItem[] = [];
  const seen = new Set<string>();
  const addLegend = (it: LegendItem): void => {
    if (seen.has(it.label)) return;
    seen.add(it.label);
    legend.push(it);
  };
  for (const l of lines) addLegend({ label: l.label, color: l.color, kind: "line", dash: l.dash });
  for (const b of bars) addLegend({ label: b.label, color: b.color, kind: "box" });
  for (const h of hLines) addLegend({ label: h.label, color: h.color, kind: "line", dash: h.dash });
  for (const b of yBands) addLegend({ label: b.label, color: b.color, kind: "box" });
  for (const b of xBands) addLegend({ label: b.label, color: b.color, kind: "box" });

  const ml = 78;
  const mr = 24;
  const leg = legendRows(legend, W - ml - mr);
  const mt = 12 + leg.height + 10;
  const mb = 50;
  const pw = W - ml - mr;
  const ph = H - mt - mb;

  const sampled = lines.map((l) => downsampleMinMax(l.x, l.y, maxPoints));
  const xs: number[] = [];
  const ys: number[] = [...(spec.yInclude ?? [])];
  sampled.forEach((pts) => {
    for (const p of pts) if (p) (xs.push(p[0]), ys.push(p[1]));
  });
  for (const b of bars) {
    for (let i = 0; i < b.x.length; i++) xs.push(b.x[i] - b.width / 2, b.x[i] + b.width / 2), ys.push(b.y[i]);
    ys.push(0);
  }
  for (const h of hLines) ys.push(h.y);
  for (const b of yBands) ys.push(b.y0, b.y1);
  const [x0, x1] = spec.xDomain ?? extent(xs);
  const [ylo, yhi] = extent(ys);
  const pad = (yhi - ylo) * 0.05;
  const y0 = spec.yDomain ? spec.yDomain[0] : ylo === 0 ? 0 : ylo - pad;
  const y1 = spec.yDomain ? spec.yDomain[1] : yhi + pad;

  const sx = (v: number): number => ml + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => mt + ph - ((v - y0) / (y1 - y0)) * ph;
  const clampX = (v: number): number => Math.min(ml + pw, Math.max(ml, sx(v)));
  const clampY = (v: number): number => Math.min(mt + ph, Math.max(mt, sy(v)));
  const clip = "clip-" + spec.id;

  const out: string[] = [];
  out.push(`<svg id="${escapeHtml(spec.id)}" viewBox="0 0 ${W} ${H}" width="100%" font-size="${FONT}" font-family="system-ui, sans-serif" fill="#222">`);
  out.push(`<defs><clipPath id="${clip}"><rect x="${ml}" y="${mt}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  out.push(`<g transform="translate(${ml},12)">${leg.svg}</g>`);

  for (const b of xBands) {
    const a = clampX(b.x0);
    const w = clampX(b.x1) - a;
    if (w <= 0) continue;
    out.push(`<rect class="band" x="${f1(a)}" y="${mt}" width="${f1(w)}" height="${ph}" fill="${b.color}">${b.title ? `<title>${escapeHtml(b.title)}</title>` : ""}</rect>`);
  }

  const yTicks = niceTicks(y0, y1, Math.max(3, Math.round(ph / 45)));
  const xTicks = niceTicks(x0, x1, Math.max(4, Math.round(pw / 90)), spec.xMinStep ?? 0);
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  for (const t of yTicks) {
    const y = f1(sy(t));
    out.push(`<line x1="${ml}" y1="${y}" x2="${ml + pw}" y2="${y}" stroke="${t === 0 ? "#666" : "#0000001a"}"${t === 0 ? ` stroke-width="1.2"` : ""}/>`);
    out.push(`<text x="${ml - 8}" y="${f1(sy(t) + 4.5)}" text-anchor="end">${tickLabel(t, yStep)}</text>`);
  }
  for (const t of xTicks) {
    const x = f1(sx(t));
    out.push(`<line x1="${x}" y1="${mt}" x2="${x}" y2="${mt + ph}" stroke="#0000001a"/>`);
    out.push(`<text x="${x}" y="${mt + ph + 18}" text-anchor="middle">${tickLabel(t, xStep)}</text>`);
  }

  const base = spec.yDomain ? y0 : 0;
  for (const b of bars) {
    const w = Math.max(1, (b.width / (x1 - x0)) * pw);
    for (let i = 0; i < b.x.length; i++) {
      const v = b.y[i];
      if (!isFinite(v)) continue;
      const top = clampY(Math.max(base, v));
      const title = `<title>${escapeHtml(b.label + " at " + b.x[i] + ": " + v)}</title>`;
      out.push(`<rect x="${f1(sx(b.x[i]) - w / 2)}" y="${f1(top)}" width="${f1(w)}" height="${f1(Math.max(0.5, clampY(Math.min(base, v)) - top))}" fill="${b.color}">${title}</rect>`);
      if (v > y1 || v < y0) out.push(`<text class="offscale" x="${f1(sx(b.x[i]))}" y="${f1(v > y1 ? mt + 12 : mt + ph - 4)}" text-anchor="middle" font-size="11">${v > y1 ? "▲" : "▼"} ${escapeHtml(String(v))}${title}</text>`);
    }
  }
  for (const b of yBands) {
    const top = clampY(Math.max(b.y0, b.y1));
    out.push(`<rect x="${ml}" y="${f1(top)}" width="${pw}" height="${f1(Math.max(1, clampY(Math.min(b.y0, b.y1)) - top))}" fill="${b.color}"/>`);
  }
  sampled.forEach((pts, i) => out.push(polylines(pts, sx, sy, lines[i], clip)));
  for (const h of hLines) {
    const y = f1(sy(h.y));
    out.push(`<line x1="${ml}" y1="${y}" x2="${ml + pw}" y2="${y}" stroke="${h.color}" stroke-width="2"${h.dash ? ` stroke-dasharray="${h.dash}"` : ""}/>`);
  }

  out.push(`<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${ml + pw / 2}" y="${H - 8}" text-anchor="middle" font-weight="600">${escapeHtml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18,${f1(mt + ph / 2)}) rotate(-90)" text-anchor="middle" font-weight="600">${escapeHtml(spec.yLabel)}</text>`);
  out.push(`</svg>`);
  return out.join("\n");
}
