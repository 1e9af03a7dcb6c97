// The live dashboard in a real browser (Debian's headless Chromium through
// playwright-core). A simulated `device --dashboard` and a `trial --port emulated:uno
// --dashboard` run in lockstep (--dashboard-sync): the test is a second sync client
// of the event stream, so the device cannot run past an update until the test has
// compared the page with it. Asserted: at every update checked, the page shows that
// very update (never a tick behind) with the device's numbers to the digit shown;
// the fault latched mid-run is on the page, with its code, in the update that raised
// it (the device's clock stands still until the page has drawn it: 0 s of device
// time). Printed, not asserted: the wall-clock delay from the server sending the
// fault to the page showing it. Screenshots go to out/test/. A 60-day log (10 s
// samples) renders offline: first paint and points drawn are printed. The three
// tests run at once, each on its own page of the one browser; the 60-day log is made
// from the file's start, beside the two runs (which mostly wait on the page).

import test from "ava";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { openBrowser, pageAt, readPage, recordStream } from "./browser.ts";
import type { PageView } from "./browser.ts";
import type { DashStatus } from "../firmware/node/dashboard/types.ts";
import { loadScenario } from "../sim/scenario.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE } from "../sim/uno/bench-rig.ts";
import { EXIT } from "../firmware/node/exit-codes.ts";
import { BIN } from "./helpers/bundle.ts";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "out", "test");
mkdirSync(OUT, { recursive: true });

let browser: BrowserContext;
/** The 60-day log and its report: made from the file's start on, beside the two runs the page follows (they wait on the page, it computes). */
let sixtyDays: Promise<{ dir: string; sim: { code: number | null }; rep: { code: number | null; stdout: string; stderr: string } }>;
test.before(async () => {
  sixtyDays = (async () => {
    const dir = mkdtempSync(join(tmpdir(), "dash-60d-"));
    const sim = await start(["sim", "--scenario", "mandible-continuous-1mm", "--days", "60", "--log", dir, "--json"]).done;
    const rep = sim.code === EXIT.ok ? await start(["report", dir]).done : { code: null, stdout: "", stderr: "the sim did not run" };
    return { dir, sim, rep };
  })();
  browser = await openBrowser();
});
test.after.always(async () => {
  if (browser) await browser.close();
});

interface Child {
  url: Promise<string>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let found: (u: string) => void = () => {};
  const url = new Promise<string>((resolve) => (found = resolve));
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => {
    stderr += d;
    const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
    if (m) found(m[1]);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => {
    found("");
    resolve({ code, stdout, stderr });
  }));
  return { url, done };
}

/** Shown text equals the value to the digits shown (NaN/null shows "—"). */
function sameNumber(shown: { text: string; value: string }, v: number | null, digits: number): boolean {
  if (v === null || !isFinite(v)) return shown.text === "—" && shown.value === "";
  return shown.value === String(v) && shown.text === v.toFixed(digits);
}

function compare(view: PageView, s: DashStatus): string[] {
  const f = view.fields;
  const bad: string[] = [];
  const num = (name: string, v: number | null, digits: number) => {
    if (!f[name] || !sameNumber(f[name], v, digits)) bad.push(name + ": page " + JSON.stringify(f[name]) + ", device " + v);
  };
  if (f.seq?.text !== String(s.seq)) bad.push("seq: page " + f.seq?.text + ", device " + s.seq);
  if (f.day?.value !== String(s.tMs)) bad.push("day: page " + f.day?.value + " ms, device " + s.tMs);
  if (f.phase?.text !== s.phase) bad.push("phase: page " + f.phase?.text + ", device " + s.phase);
  if (f.reason?.text !== s.reason) bad.push("reason differs");
  num("targetUm", s.targetUm, 3);
  num("estimateUm", s.estimateUm, 3);
  num("sensorUm", s.sensorOk ? s.sensorUm : NaN, 3);
  num("trueUm", s.trueUm, 3);
  num("errorUm", s.errorUm, 3);
  num("forceN", s.forceOk ? s.forceN : NaN, 2);
  num("moves", s.moves.count, 0);
  const codes = s.active.map((a) => a.code);
  if (JSON.stringify(view.alarms) !== JSON.stringify(codes)) bad.push("alarms: page " + view.alarms.join(",") + ", device " + codes.join(","));
  return bad;
}

interface Watch {
  checked: number;
  mismatches: string[];
  faultSeq: number;
  fault: DashStatus | null;
  faultView: PageView | null;
}

/**
 * Follows a sync run: for every `every`-th update (and every fault update) waits for the
 * page to draw it, compares, and only then lets the device go on.
 */
async function watch(page: Page, url: string, every: number, shot: string): Promise<Watch> {
  const w: Watch = { checked: 0, mismatches: [], faultSeq: -1, fault: null, faultView: null };
  let first = true;
  const rec = await recordStream(url, async (s) => {
    const isFault = s.phase === "fault" && w.faultSeq < 0;
    // the picture before the run starts is acknowledged at once: the page is opened after it
    if (first || (!isFault && s.seq % every !== 0)) {
      first = false;
      return;
    }
    await pageAt(page, s.seq).catch((e) => {
      throw new Error("update " + s.seq + ": " + e.message);
    });
    const view = await readPage(page);
    w.checked++;
    for (const m of compare(view, s)) w.mismatches.push("update " + s.seq + " " + m);
    if (isFault) {
      w.faultSeq = s.seq;
      w.fault = s;
      w.faultView = view;
      await page.screenshot({ path: join(OUT, shot), fullPage: true });
    }
  });
  await page.goto(url + "?sync=1");
  await rec.closed;
  for (const e of rec.errors) w.mismatches.push("check failed: " + e);
  return w;
}

function report(t: any, name: string, w: Watch, extra: object): void {
  const figures = Object.assign({ updatesChecked: w.checked, mismatches: w.mismatches.length, faultCode: w.fault ? w.fault.fault : null, faultAtDay: w.fault ? w.fault.phaseSinceMs / 86400000 : null, faultShownWallMsAfterSent: w.faultView ? w.faultView.osteo.faultLatencyMs : null }, extra);
  t.log(name + " " + JSON.stringify(figures));
  writeFileSync(join(OUT, "dashboard-" + name + ".json"), JSON.stringify(figures, null, 2) + "\n");
}

test("a simulated device --dashboard: the page follows every update, and a mid-run fault is on it in the update that raised it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dash-device-"));
  const base = loadScenario("mandible-continuous-1mm").source;
  const sc = Object.assign({}, base, {
    name: "dashboard-driver-fault",
    prescription: Object.assign({}, base.prescription, { latencyDays: 0.01 }),
    faults: [{ atDay: 0.03, kind: "driver-fault" }],
  });
  writeFileSync(join(dir, "scenario.json"), JSON.stringify(sc));
  const child = start(["device", "--hal", "sim", "--scenario", join(dir, "scenario.json"), "--time-scale", "max", "--days", "0.035", "--dashboard", "127.0.0.1:0", "--dashboard-sync", "--json"]);
  const url = await child.url;
  t.truthy(url, "the device printed its dashboard URL");
  const page = await browser.newPage();
  const w = await watch(page, url, 1, "dashboard-device.png");
  const res = await child.done;
  t.is(res.code, EXIT.fault, res.stderr);
  const end = JSON.parse(res.stdout.trim().split("\n").pop()!);
  t.deepEqual(w.mismatches, []);
  t.true(w.checked >= 300, w.checked + " updates checked");
  t.truthy(w.fault);
  t.is(w.fault!.fault, "driver-fault");
  t.is(end.fault, "driver-fault");
  // raised in the update the page showed it in: the device clock had not moved on
  t.is(w.faultView!.osteo.faultSeenAtSeq, w.faultSeq);
  t.is(w.fault!.tMs, w.fault!.phaseSinceMs);
  t.deepEqual(w.faultView!.alarms, ["driver-fault"]);
  t.true(w.fault!.phaseSinceMs >= 0.03 * 86400000 && w.fault!.phaseSinceMs <= 0.03 * 86400000 + 10000, "latched " + w.fault!.phaseSinceMs + " ms");
  report(t, "device", w, { screenshot: "out/test/dashboard-device.png" });
  await page.close();
});

test("trial --port emulated:uno --dashboard: the page follows the board, and the force-hard-limit fault shows with its code", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dash-trial-"));
  // limits the bench phantom crosses early in the run (about 540 updates, each drawn by the page):
  // soft 10 N slows, hard 14 N latches
  const rx = Object.assign(JSON.parse(readFileSync(BENCH_PRESCRIPTION, "utf8")), { softForceN: 10, hardForceN: 14 });
  writeFileSync(join(dir, "rx.json"), JSON.stringify(rx));
  const child = start(["trial", "--port", "emulated:uno", "--profile", BENCH_PROFILE, "--prescription", join(dir, "rx.json"), "--time-scale", "4320", "--out", join(dir, "out"), "--dashboard", "127.0.0.1:0", "--dashboard-sync", "--json"]);
  const url = await child.url;
  t.truthy(url, "the trial printed its dashboard URL");
  const page = await browser.newPage();
  const w = await watch(page, url, 2, "dashboard-trial.png");
  const res = await child.done;
  t.is(res.code, EXIT.fault, res.stderr);
  const s = JSON.parse(res.stdout);
  t.deepEqual(w.mismatches, []);
  t.true(w.checked >= 200, w.checked + " updates checked");
  t.is(w.fault!.fault, "force-hard-limit");
  t.is(s.faults[0].code, "force-hard-limit");
  t.is(w.faultView!.osteo.faultSeenAtSeq, w.faultSeq);
  t.true(w.faultView!.alarms.includes("force-hard-limit") && w.faultView!.alarms.includes("force-soft-limit"), w.faultView!.alarms.join(","));
  t.is(w.faultView!.fields.link.text, "up");
  t.is(w.faultView!.fields.journal.text, "ok");
  report(t, "trial", w, { screenshot: "out/test/dashboard-trial.png" });
  await page.close();
});

test("a 60-day log of 10 s samples opens offline in the report page and stays interactive", async (t) => {
  const { dir, sim, rep: r } = await sixtyDays;
  t.is(sim.code, EXIT.ok);
  t.is(r.code, EXIT.ok, r.stderr);
  t.regex(r.stdout, /518401 samples/);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // offline: any request leaving the file is refused
  await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
  await page.goto("file://" + join(dir, "dashboard.html"));
  await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
  const first = await readPage(page);
  // a zoom by dragging on the length chart: decimation follows the window
  const box = (await page.locator("#chart-length .u-over").boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((n) => (globalThis as any).osteo.redraws > n, first.osteo.redraws);
  const zoomed = await readPage(page);
  await page.screenshot({ path: join(OUT, "dashboard-60-days.png"), fullPage: true });
  t.deepEqual(errors, []);
  t.is(first.fields.phase.text, "complete");
  // at most two rows per pixel bucket per series: a few thousand points, never the 518,401 samples
  t.true(first.osteo.pointsDrawn > 1000 && first.osteo.pointsDrawn < 40000, first.osteo.pointsDrawn + " points");
  t.true(zoomed.osteo.pointsDrawn > 1000 && zoomed.osteo.pointsDrawn < 40000, zoomed.osteo.pointsDrawn + " points after zoom");
  const figures = { samples: 518401, firstPaintMsSinceNavigation: Math.round(first.osteo.firstPaintMs), renderMs: Math.round(first.osteo.renderMs), pointsDrawn: first.osteo.pointsDrawn, zoomRedrawMs: Math.round(zoomed.osteo.lastRedrawMs), pointsAfterZoom: zoomed.osteo.pointsDrawn, htmlBytes: readFileSync(join(dir, "dashboard.html")).length };
  t.log("60-day log " + JSON.stringify(figures));
  writeFileSync(join(OUT, "dashboard-60-days.json"), JSON.stringify(figures, null, 2) + "\n");
  await page.close();
});
