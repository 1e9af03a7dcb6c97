// The dashboard page as HTML: the live page (scripts fetched from the dashboard
// server: uPlot from node_modules, the page's own code bundled from client/ by
// esbuild) and the offline report (the same page with uPlot, the code and the run's
// data inlined: one file that opens without a network or a server).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import type { DashData } from "./types.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const UPLOT_DIST = join(dirname(createRequire(import.meta.url).resolve("uplot/package.json")), "dist");

let clientJs: string | null = null;

/** The page's script: client/main.ts and what it imports, bundled once per process. */
export function clientScript(): string {
  if (clientJs === null) {
    const out = buildSync({ entryPoints: [join(HERE, "client", "main.ts")], bundle: true, format: "iife", target: "es2020", write: false, legalComments: "none" });
    clientJs = out.outputFiles[0].text;
  }
  return clientJs;
}

const ASSETS: { [name: string]: { type: string; file?: string } } = {
  "uPlot.iife.min.js": { type: "text/javascript; charset=utf-8", file: "uPlot.iife.min.js" },
  "uPlot.min.css": { type: "text/css; charset=utf-8", file: "uPlot.min.css" },
  "client.js": { type: "text/javascript; charset=utf-8" },
};

export function uplotAsset(name: string): { type: string; body: string } | null {
  const a = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : null;
  if (!a) return null;
  return { type: a.type, body: a.file ? readFileSync(join(UPLOT_DIST, a.file), "utf8") : clientScript() };
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; padding: 12px 20px 30px; max-width: 1280px; background: #fff; }
header { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 8px; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { font-size: 16px; margin: 0 0 6px; }
h3 { font-size: 12px; margin: 0 0 4px; color: #555; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
#clock { color: #444; font-size: 14px; }
.phasebar { margin: 6px 0 10px; font-size: 15px; }
.phase { display: inline-block; padding: 3px 10px; border-radius: 12px; font-weight: 700; background: #e4e8ef; }
.phase.distraction { background: #cdebc6; } .phase.consolidation { background: #cfe0f7; } .phase.complete { background: #e6e6e6; }
.phase.paused { background: #ffe9a8; } .phase.fault { background: #c81e1e; color: #fff; }
.reason { color: #444; }
.top { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; align-items: start; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
.card { background: #f6f7f9; border-radius: 6px; padding: 8px 10px; }
.card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .u { margin-left: 4px; color: #555; }
.card .sub { font-size: 12px; color: #555; margin-top: 2px; }
.card.warn { background: #fff1d6; } .card.bad { background: #fde0e0; }
.panel { background: #f6f7f9; border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; }
.panel ul { margin: 0; padding-left: 18px; font-size: 14px; }
.panel.fault { background: #fde8e8; border: 2px solid #c81e1e; } .panel.fault h2 { color: #b00000; }
.panel.warn { background: #fff5e0; border: 1px solid #e0a040; }
li.fault, li.ev-fault { color: #a00000; font-weight: 600; } li.warning, li.ev-warning { color: #8a4b00; } li.none { color: #1d6b33; list-style: none; margin-left: -18px; }
.lvl { font-size: 12px; padding: 1px 8px; border-radius: 10px; background: #ddd; margin-left: 6px; }
.lvl2 { background: #ffcf7a; } .lvl3 { background: #c81e1e; color: #fff; }
.bad { color: #b00000; font-weight: 700; }
.chart { margin-top: 12px; }
.note { font-size: 12px; color: #666; }
.audit table { border-collapse: collapse; font-size: 13px; width: 100%; }
.audit td, .audit th { text-align: left; padding: 2px 8px 2px 0; vertical-align: top; }
.audit tr.ev-fault td { color: #a00000; } .audit tr.ev-warning td { color: #8a4b00; }
.audit { max-height: 420px; overflow: auto; }
footer { margin-top: 18px; font-size: 12px; color: #777; }
`;

function shell(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/&/g, "&amp;").replace(/</g, "&lt;")} — osteodrive dashboard</title>
${head}
<style>${STYLE}</style>
</head>
<body>
<div id="app">loading…</div>
${body}
</body>
</html>
`;
}

export function livePage(title: string): string {
  return shell(title, `<link rel="stylesheet" href="/assets/uPlot.min.css">`, `<script src="/assets/uPlot.iife.min.js"></script>\n<script src="/assets/client.js"></script>`);
}

/** Text safe inside a <script> element (no "</script", no "<!--"). */
function inScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** The offline report: one self-contained file with the run's data. */
export function offlinePage(data: DashData): string {
  const css = uplotAsset("uPlot.min.css")!.body;
  const uplot = uplotAsset("uPlot.iife.min.js")!.body;
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return shell(data.meta.title, `<style>${css}</style>`, `<script>${inScript(uplot)}</script>\n<script>window.OSTEO_DATA = ${json};</script>\n<script>${inScript(clientScript())}</script>`);
}
