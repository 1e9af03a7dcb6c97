// The dashboard's data side, without a browser: min/max decimation keeps spikes and
// gaps within its row budget; the server is read-only, binds 127.0.0.1 by default and
// refuses a bad address by name; `report` renders a sim log and a device journal
// (with the same daily rates as the run's summary, and none made up for a day a
// compacted journal no longer holds the start of), a damaged journal up to the
// damage with exit 5; `dashboard` serves a log until Ctrl-C.

import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decimate } from "../firmware/node/dashboard/decimate.ts";
import { DashboardServer, parseAddress } from "../firmware/node/dashboard/server.ts";
import type { DashData } from "../firmware/node/dashboard/types.ts";
import { EXIT } from "../firmware/node/exit-codes.ts";
import { loadJournal } from "../firmware/node/dashboard/log-source.ts";
import { Journal } from "../firmware/core/journal.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { Vault } from "../firmware/core/vault.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { vaultStore } from "../hal/node/storage.ts";
import { loadScenario } from "../sim/scenario.ts";
import { JOURNAL_ID, KEY } from "./journal-fixtures.ts";
import { cli } from "./helpers/cli-in-process.ts";
import { BIN } from "./helpers/bundle.ts";

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

/** The data a report embeds. */
function embedded(html: string): DashData {
  const m = /window\.OSTEO_DATA = (.*);<\/script>/.exec(html);
  if (!m) throw new Error("no embedded data");
  return JSON.parse(m[1]);
}

test("decimation keeps every bucket's extremes, gaps and order within 2 rows per bucket", (t) => {
  const n = 100000;
  const x = Array.from({ length: n }, (_, i) => i / 1000);
  const y = x.map((v, i) => (i === 54321 ? 900 : i === 12345 ? -700 : i >= 80000 && i < 80500 ? NaN : Math.sin(v)));
  const out = decimate([x, y], 0, 100, 500);
  t.true(out[0].length <= 1000 && out[0].length > 900, out[0].length + " rows");
  t.true(out[1].includes(900) && out[1].includes(-700), "spikes survive");
  t.true(out[1].some((v) => Number.isNaN(v)), "the gap stays a gap");
  t.true(out[0].every((v, i) => i === 0 || v >= out[0][i - 1]), "time order kept");
  // a window: only its samples (plus one either side) are read
  const w = decimate([x, y], 10, 11, 500);
  t.true(w[0][0] <= 10 && w[0][0] >= 9.998 && w[0][w[0].length - 1] >= 11 && w[0][w[0].length - 1] <= 11.002);
  // few samples pass through unchanged
  t.deepEqual(decimate([[0, 1, 2], [5, 6, 7]], 0, 2, 500), [[0, 1, 2], [5, 6, 7]]);
});

test("the server binds 127.0.0.1 by default, serves uPlot locally, and changes nothing", async (t) => {
  t.deepEqual(parseAddress("8080"), { host: "127.0.0.1", port: 8080 });
  t.deepEqual(parseAddress("0.0.0.0:9000"), { host: "0.0.0.0", port: 9000 });
  const bad = t.throws(() => parseAddress("localhost:99999"));
  t.regex(bad!.message, /--dashboard must be \[HOST:\]PORT/);
  const data: DashData = embedded(readFileSync(join(await mkReport(), "dashboard.html"), "utf8"));
  const server = new DashboardServer({ meta: data.meta, snapshot: () => data }, false);
  const url = await server.listen(parseAddress("0"));
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await (await fetch(url)).text();
  t.regex(page, /<script src="\/assets\/uPlot\.iife\.min\.js">/);
  t.false(/https?:\/\/(?!127\.0\.0\.1)/.test(page), "no network address in the page");
  t.is((await fetch(url + "assets/uPlot.iife.min.js")).status, 200);
  t.is((await fetch(url + "assets/client.js")).status, 200);
  t.is((await fetch(url + "assets/../package.json")).status, 404);
  for (const path of ["api/console", "api/pause", "api/rx"]) t.is((await fetch(url + path, { method: "POST", body: "{}" })).status, 403, path);
  t.is(((await (await fetch(url + "api/data")).json()) as DashData).status.seq, data.status.seq);
  await server.close();
});

let reportDir: Promise<string> | null = null;
/** A short sim run with --log, reported (made once, by the CLI's main in-process: helpers/cli-in-process.ts). */
function mkReport(): Promise<string> {
  reportDir ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "dash-report-"));
    const sim = await cli("sim", "--scenario", "mandible-continuous-1mm", "--days", "10", "--log", dir, "--json");
    if (sim.status !== 0) throw new Error(sim.stderr);
    writeFileSync(join(dir, "sim.json"), sim.stdout);
    const rep = await cli("report", dir);
    if (rep.status !== 0) throw new Error(rep.stderr);
    return dir;
  })();
  return reportDir;
}

test("report of a sim log: every sample, the phases, and the daily rates of the run's own summary", async (t) => {
  const dir = await mkReport();
  const html = readFileSync(join(dir, "dashboard.html"), "utf8");
  const d = embedded(html);
  const summary = JSON.parse(readFileSync(join(dir, "sim.json"), "utf8"));
  t.is(d.meta.source, "log");
  t.is(d.meta.truth, "plant");
  t.is(d.rows[0].length, 86401, "10 days of 10 s ticks");
  t.is(d.meta.resolution, "every sample");
  t.deepEqual(d.status.dailyRateMmPerDay.map((r) => Math.round(r * 1e5) / 1e5), summary.dailyRateMmPerDay);
  t.deepEqual(d.events.map((e) => e.code), ["idle→latency", "latency→distraction"]);
  t.is(d.status.phase, "distraction");
  t.false(/<script src=|<link /.test(html), "offline: nothing loaded from elsewhere");
});

test("report of a device journal: the estimate at each move and the audit trail; a damaged journal up to the damage, exit 5", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dash-journal-"));
  // one day of latency: its heartbeats (one per 10 min) leave the journal room for distraction day 1 before it compacts
  const scenario = join(dir, "short-latency.json");
  writeFileSync(scenario, JSON.stringify({ base: "mandible-continuous-1mm", name: "short-latency", prescription: { latencyDays: 1 } }));
  const dev = run("device", "--hal", "sim", "--scenario", scenario, "--time-scale", "max", "--days", "1.2", "--journal", dir, "--json");
  t.is(dev.status, 0, dev.stderr);
  const plain = await cli("report", dir);
  t.is(plain.status, EXIT.ok, plain.stderr);
  const d = embedded(readFileSync(join(dir, "journal.bin.html"), "utf8"));
  t.is(d.meta.source, "journal");
  // the moves since the last compaction (a snapshot replaces the older ones)
  t.true(d.rows[0].length > 500, d.rows[0].length + " moves");
  t.true(d.rows[1].every((v) => v === null), "no prescription given: no target");
  t.deepEqual(d.events.map((e) => e.code), ["idle→latency", "latency→distraction"]);
  const withRx = await cli("report", dir, "--scenario", scenario, "-o", join(dir, "rx.html"));
  t.is(withRx.status, EXIT.ok, withRx.stderr);
  const r = embedded(readFileSync(join(dir, "rx.html"), "utf8"));
  t.true(r.rows[1].every((v) => typeof v === "number"), "the target from the scenario's prescription");
  // the journal still holds the whole of distraction day 1 (format 3 has not compacted yet): its rate on the estimate
  t.is(r.status.dailyRateMmPerDay.length, 1);
  t.true(Math.abs(r.status.dailyRateMmPerDay[0] - 1) < 0.01, String(r.status.dailyRateMmPerDay));
  // a flipped bit in the middle
  const bytes = readFileSync(join(dir, "journal.bin"));
  bytes[Math.floor(bytes.length / 2)] ^= 0x20;
  writeFileSync(join(dir, "bad.bin"), bytes);
  const bad = await cli("report", join(dir, "bad.bin"));
  t.is(bad.status, EXIT.damaged);
  t.regex(bad.stderr, /damaged: journal (bad-(tag|type|header|payload)|seq-gap) at byte \d+/);
  const b = embedded(readFileSync(join(dir, "bad.bin.html"), "utf8"));
  const dmg = b.events.find((e) => e.kind === "journal")!;
  t.truthy(dmg);
  t.regex(dmg.detail, /intact records after it/);
  t.true(b.rows[0].length < d.rows[0].length && b.rows[0].length > 0);
  const missing = await cli("report", join(dir, "nope"));
  t.is(missing.status, EXIT.usage);
});

test("a journal compacted during a distraction day no longer holds the day's start: no rate is made up for it", (t) => {
  const sc = loadScenario("mandible-continuous-1mm");
  const dir = mkdtempSync(join(tmpdir(), "dash-compacted-"));
  const store = new PowerCutStore();
  const j = new Journal(store, 1 << 30, cmacAes128, KEY);
  const day = 86400000;
  const latency = sc.prescription.latencyDays * day;
  // as if compacted half way through distraction day 1: the snapshot, then a move every tick
  t.true(j.create(JOURNAL_ID, 1, { v: 3, startUm: 0, wallAtStart: 0, audit: { events: [], dropped: 0, counts: {} } }, latency + day / 2, 500));
  for (let tMs = latency + day / 2; tMs < latency + 0.9 * day; tMs += sc.profile.tickMs) j.move(2, 2, 1, "", (tMs - latency) / 86.4, tMs);
  writeFileSync(join(dir, "journal.bin"), store.read());
  const v = new Vault(vaultStore(join(dir, "vault.bin")), cmacAes128);
  v.load();
  t.true(v.makeKey(KEY));
  const run = loadJournal(join(dir, "journal.bin"), sc);
  t.is(run.damage, "");
  t.true(run.data.rows[0].length > 3000);
  t.deepEqual(run.data.status.dailyRateMmPerDay.map((r) => (isNaN(r) ? null : r)), [null]);
});

test("dashboard serves a run's files until Ctrl-C", async (t) => {
  const dir = await mkReport();
  const child = spawn(process.execPath, [BIN, "dashboard", dir, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const url = await new Promise<string>((resolve) => child.stderr!.on("data", (c) => {
    err += c;
    const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
    if (m) resolve(m[1]);
  }));
  const d = (await (await fetch(url + "api/data")).json()) as DashData;
  t.is(d.rows[0].length, 86401);
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.kill("SIGINT");
  t.is(await closed, EXIT.ok);
});
