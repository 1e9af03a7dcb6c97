// Reports that tell the truth (issue 13): each point a new user found wrong has a
// test here (the alarm/fault time base is checked on the emulated-Uno trial in
// trial.test.ts). Rates are measured over the distraction span a day really held;
// "sensor" and "true gap" are labelled by where the length came from; every warning
// and fault reaches the report and the text summary; the rate panel is zoomed on
// its ±1 % band; a run shorter than a distraction day prints no NaN.

import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario, mergeScenario, parseScenario } from "../sim/scenario.ts";
import { runScenario } from "../sim/run.ts";
import { renderReport, runReportInput } from "../sim/report.ts";
import type { ReportInput } from "../sim/report.ts";
import { formatSummary } from "../firmware/node/commands/sim.ts";
import { CSV_COLUMNS, TrialLog } from "../firmware/node/trial/log.ts";
import { TrialObserver } from "../firmware/node/trial/observer.ts";
import { Recorder } from "../sim/recorder.ts";
import { makeSchedule } from "../firmware/core/schedule.ts";
import { makeDecision } from "../firmware/core/governor.ts";
import { cli } from "./helpers/cli-in-process.ts";


function reportOf(res: ReturnType<typeof runScenario>, extra: Partial<ReportInput> = {}): string {
  return renderReport({ ...runReportInput(res), ...extra });
}

/** A compressed protocol like the bench trial's: no latency, 1 mm at 1.2 mm/day = a 0.83-day distraction. */
function compressed(rhythm: string | number, rate: number, lengthMm: number) {
  const base = loadScenario("mandible-continuous-1mm").source;
  return parseScenario(mergeScenario(base, { name: "compressed", prescription: { latencyDays: 0, rateMmPerDay: rate, rhythm, targetLengthMm: lengthMm, consolidationDays: 0.5 } }));
}

test("a distraction shorter than a day is rated over the span it held, not divided as a whole day", (t) => {
  const res = runScenario(compressed("continuous", 1.2, 1), { days: 1 });
  const s = res.summary;
  t.is(s.finalPhase, "consolidation");
  t.is(s.dailyRateMmPerDay.length, 1);
  t.true(Math.abs(s.dailyRateMmPerDay[0] - 1.2) <= 0.012, "rate " + s.dailyRateMmPerDay[0] + " mm/day for 1 mm in 0.833 days");
  t.true(reportOf(res).includes("1/1 days within ±1%"));
});

test("a partial last day of a staircase is rated against what that day prescribed", (t) => {
  // 4 × 0.25 mm a day to 1.5 mm: day 2 holds the last two increments only
  const base = loadScenario("limb-4x-daily").source;
  const res = runScenario(parseScenario(mergeScenario(base, { prescription: { latencyDays: 0, targetLengthMm: 1.5, consolidationDays: 1 } })), { days: 2.5 });
  const r = res.summary.dailyRateMmPerDay;
  t.is(r.length, 2);
  for (const x of r) t.true(Math.abs(x - 1) <= 0.01, "rates " + r.join(", "));
});

test("whole days keep their plain delivered length per day", (t) => {
  const s = runScenario(loadScenario("mandible-continuous-1mm"), { days: 9.5 }).summary;
  // distraction days 1 and 2 whole (1 mm each), day 3 half (rated over its half)
  t.is(s.dailyRateMmPerDay.length, 3);
  for (const x of s.dailyRateMmPerDay) t.true(Math.abs(x - 1) <= 0.01, "rates " + s.dailyRateMmPerDay.join(", "));
});

test("every warning and fault reaches the report and the text summary", (t) => {
  const res = runScenario(loadScenario("premature-consolidation"));
  const s = res.summary;
  t.true(s.warnings.length >= 3, JSON.stringify(s.warnings));
  t.true(s.faults.length >= 1);
  const html = reportOf(res);
  const text = formatSummary(s);
  for (const w of s.warnings.concat(s.faults)) {
    const day = (w.atMs / 86400000).toFixed(2);
    t.true(html.includes(w.code), "report lacks " + w.code);
    t.true(html.includes("day " + day), "report lacks the day of " + w.code);
    t.true(text.includes(w.code + " at day " + day), "text summary lacks " + w.code);
  }
  // (the rising baseline now warns first, days before the soft limit)
  t.regex(text, /^warnings +(\S+ at day [\d.]+, )*force-soft-limit at day/m);
});

test("the daily-rate panel is zoomed on the ±1 % band instead of starting at zero", (t) => {
  const res = runScenario(loadScenario("mandible-continuous-1mm"), { days: 12 });
  // the run ends as distraction day 6 begins: five days, none of them empty
  t.is(res.summary.dailyRateMmPerDay.length, 5);
  const html = reportOf(res);
  const start = html.indexOf(`<svg id="plot-rate"`);
  const svg = html.slice(start, html.indexOf("</svg>", start));
  const frame = /<rect x="(\d+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg)!;
  const plotH = Number(frame[4]);
  const band = /<rect x="\d+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#1f5fbf40"\/>/.exec(svg)!;
  t.truthy(band, "the ±1% band is drawn");
  t.true(Number(band[2]) >= 0.1 * plotH, "band " + band[2] + " px of a " + plotH + " px plot");
  const yTicks = [...svg.matchAll(/<text x="\d+" y="[\d.]+" text-anchor="end">([-\d.]+)<\/text>/g)].map((m) => Number(m[1]));
  t.true(yTicks.length >= 3);
  t.true(Math.min(...yTicks) > 0.5, "lowest rate tick " + Math.min(...yTicks));
});

test("a run that ends before a distraction day prints no NaN", async (t) => {
  const r = await cli("sim", "--scenario", "mandible-continuous-1mm", "--days", "0.01");
  t.is(r.status, 0, r.stderr);
  t.notRegex(r.stdout, /NaN/);
  t.regex(r.stdout, /increments\/day +none: no distraction day reached/);
  const j = await cli("sim", "--scenario", "mandible-continuous-1mm", "--days", "0.01", "--json");
  const s = JSON.parse(j.stdout);
  t.is(s.incrementsPerDay, 0);
  t.deepEqual(s.dailyRateMmPerDay, []);
});

test("on a real rig the sensor reading is labelled as the sensor, never as the true gap", (t) => {
  const res = runScenario(loadScenario("mandible-continuous-1mm"), { days: 9 });
  const html = reportOf(res, { truth: "sensor" });
  t.false(/true gap/i.test(html), "a sensor-measured report says \"true gap\"");
  t.true(html.includes("position sensor"));
  const text = formatSummary({ ...res.summary, truth: "sensor" });
  t.false(/true gap/.test(text));
  t.regex(text, /\(position sensor\)/);
  // the log has no "trueUm" column: the sensor reading is positionUm
  const dir = mkdtempSync(join(tmpdir(), "truth-log-"));
  const log = new TrialLog(dir, "sensor");
  const sched = makeSchedule(res.scenario.prescription, 0, 0);
  const length = { kind: "sensor" as const, gapUm: 0 };
  const obs = new TrialObserver(new Recorder(length, sched, 10000, 60000), log, length, () => 0);
  obs.decision(10000, makeDecision(), { value: 12.5, atMs: 10000, ok: true }, { value: 3, atMs: 10000, ok: true });
  obs.moved(10500, 10, { issued: 10, fault: "", startedAtMs: 10000, endedAtMs: 10500 });
  log.close();
  const csv = readFileSync(join(dir, "trial.csv"), "utf8").split("\n");
  t.false(csv[0].split(",").includes("trueUm"), csv[0]);
  for (const line of readFileSync(join(dir, "trial.ndjson"), "utf8").trim().split("\n")) t.false("trueUm" in JSON.parse(line), line);
  // on the emulated rig the column is there and means the rig's true gap
  t.true(CSV_COLUMNS.includes("trueUm"));
  const dir2 = mkdtempSync(join(tmpdir(), "truth-log-"));
  const log2 = new TrialLog(dir2, "plant");
  log2.close();
  t.true(readFileSync(join(dir2, "trial.csv"), "utf8").split("\n")[0].split(",").includes("trueUm"));
});
