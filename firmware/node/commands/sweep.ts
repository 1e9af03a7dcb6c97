// `osteodrive sweep --family F|all --n N [--seed S] [--workers W] [--json]
// [--report FILE.html]`: the population campaign. N seeded virtual patients of a
// family (sim/sweep/families.ts; seeds S … S+N−1) run on worker threads, each the
// whole device on its simulated world, and the figures a risk file needs are
// printed: false alarms per 1,000 normal protocols, and per fault family the
// detection rate, latency percentiles against the bounds, naming and the worst
// silent length error. Exit 0 when every run of every family was right, 3 when
// any was not (the failures are listed).

import { cpus, loadavg } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { numberFlag, parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { progressBar } from "../progress.ts";
import { FAMILIES, family } from "../../../sim/sweep/families.ts";
import { runPool } from "../../../sim/sweep/pool.ts";
import type { Job } from "../../../sim/sweep/pool.ts";
import { allRight, familyStats } from "../../../sim/sweep/stats.ts";
import type { FamilyStats } from "../../../sim/sweep/stats.ts";
import { renderSweepReport } from "../../../sim/sweep/report.ts";

export const spec: CommandSpec = {
  name: "sweep",
  summary: "the population campaign: N seeded virtual patients of a family on worker threads, and the figures a risk file needs",
  synopsis: "--family " + FAMILIES.map((f) => f.name).join("|") + "|all --n N [--seed S] [--workers W] [--json] [--report FILE.html]",
  flags: [
    { name: "family", value: "NAME|all", help: "the family of patients (below), or all of them", default: "required" },
    { name: "n", value: "N", help: "patients per family, a whole number from 1 to 1000000", default: "required" },
    { name: "seed", value: "S", help: "the first seed (seeds S … S+N−1), 0 to 1e9", default: "1" },
    { name: "workers", value: "W", help: "worker threads, 1 to 64", default: "the number of cores" },
    { name: "json", help: "print the figures as one JSON line (no progress bar)" },
    { name: "report", value: "FILE.html", help: "also write an HTML report with every run", default: "no report" },
  ],
  notes: ["families:", ...FAMILIES.map((f) => "  " + f.name.padEnd(16) + f.description), "exit code: 0 every run of every family was right, 3 one was not (listed with its seed), 2 bad flags"],
};

function pct(x: number): string {
  return isFinite(x) ? (100 * x).toFixed(1) + " %" : "—";
}

function num(x: number, d: number): string {
  return isFinite(x) ? x.toFixed(d) : "—";
}

export function formatStats(s: FamilyStats, seed0: number): string {
  const codes = (m: { [k: string]: number }) => Object.keys(m).sort().map((k) => k + " " + m[k]).join(", ") || "none";
  const lines = [
    s.family + " — n " + s.n + " (seeds " + seed0 + "–" + (seed0 + s.n - 1) + "), " + num(s.simulatedDays / s.n, 1) + " simulated days, " + num(s.cpuMsPerRun / 1000, 2) + " CPU-s (" + num(s.wallMsPerRun / 1000, 2) + " s wall) per patient",
    "  verdicts           " + codes(s.verdicts),
    "  faults per 1000    " + num(s.faultsPer1000, 1) + " (" + codes(s.faultCodes) + ")",
    "  warnings per 1000  " + num(s.warningsPer1000, 1) + " (" + codes(s.warningCodes) + ")",
  ];
  if (s.family !== "normal") {
    lines.push(
      "  detection          " + pct(s.detectionRate) + " of the " + s.mattered + " runs where the fault mattered",
      "  latency (min)      p50 " + num(s.latencyMin.p50, 1) + ", p95 " + num(s.latencyMin.p95, 1) + ", max " + num(s.latencyMin.max, 1) + " (bounds p50 " + num(s.boundMin.p50, 1) + ", max " + num(s.boundMin.max, 1) + "; worst latency/bound " + num(s.worstLatencyOverBound, 2) + ")",
    );
  }
  lines.push("  worst silent error " + num(s.worstSilentErrorUm, 1) + " µm (" + s.silentOutOfTolerance + " silent runs out of tolerance)");
  if (s.hardLimitStops) lines.push("  moves past hard    " + s.hardLimitStops + " runs had a move end with the true force at the hard limit or over it, worst by " + num(s.worstOvershootN, 1) + " N");
  if (s.risingLeadDays.n) lines.push("  rising baseline    before the hard limit in " + s.risingLeadDays.n + " runs, lead min " + num(s.risingLeadDays.min, 1) + " d, p50 " + num(s.risingLeadDays.p50, 1) + " d");
  if (s.family === "normal") for (const w of s.warned) lines.push("  ! seed " + w.seed + ": " + w.warnings.join(", "));
  for (const f of s.failures) lines.push("  ✗ seed " + f.seed + ": " + f.verdict + (f.fault ? " (" + f.fault + (isFinite(f.latencyMin) ? " after " + num(f.latencyMin, 1) + " min, bound " + num(f.boundMin, 1) : "") + ")" : "") + (f.label ? " — " + f.label : "") + "; final error " + num(f.finalErrorUm, 1) + " µm");
  return lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  requireFlags(args, spec);
  const name = args.values.family;
  const fams = name === "all" ? FAMILIES : [family(name)];
  if (!fams[0]) throw new UsageError("unknown family " + JSON.stringify(name) + " (families: " + FAMILIES.map((f) => f.name).join(", ") + ", all)\n" + usageLine(spec));
  const n = numberFlag(args, "n", 1, 1e6, undefined)!;
  if (Math.floor(n) !== n) throw new UsageError("--n must be a whole number of patients\n" + usageLine(spec));
  const seed0 = numberFlag(args, "seed", 0, 1e9, 1)!;
  const workers = numberFlag(args, "workers", 1, 64, Math.max(1, cpus().length))!;
  const jobs: Job[] = [];
  for (const f of fams) for (let i = 0; i < n; i++) jobs.push({ family: f!.name, seed: seed0 + i });
  const bar = progressBar(true);
  const wall0 = performance.now();
  const outcomes = await runPool(jobs, workers, (done, total) => {
    const el = (performance.now() - wall0) / 1000;
    const eta = done > 0 ? (el / done) * (total - done) : NaN;
    bar.update(done / total, done + "/" + total + " patients, " + el.toFixed(0) + " s, ETA " + (isFinite(eta) ? eta.toFixed(0) + " s" : "…"));
  });
  bar.done();
  const wallS = (performance.now() - wall0) / 1000;
  const stats = fams.map((f) => familyStats(f!.name, outcomes.filter((o) => o.family === f!.name)));
  if (args.values.report) {
    mkdirSync(dirname(args.values.report), { recursive: true });
    writeFileSync(args.values.report, renderSweepReport(stats, outcomes, { seed0, workers, wallS }));
  }
  const cpuS = outcomes.reduce((a, o) => a + o.cpuMs, 0) / 1000;
  if (args.switches.json) process.stdout.write(JSON.stringify({ seed: seed0, n, workers, wallS: Math.round(wallS * 10) / 10, cpuS: Math.round(cpuS), loadAverage: loadavg().map((x) => Math.round(x * 100) / 100), families: stats }) + "\n");
  else {
    for (const s of stats) process.stdout.write(formatStats(s, seed0));
    process.stdout.write("campaign          " + jobs.length + " patients in " + wallS.toFixed(1) + " s on " + workers + " worker" + (workers > 1 ? "s" : "") + " (" + cpuS.toFixed(0) + " CPU-s: " + (cpuS / workers).toFixed(0) + " s on " + workers + " idle cores; load average " + loadavg()[0].toFixed(1) + ")\n");
    if (args.values.report) process.stdout.write("report            " + args.values.report + "\n");
  }
  return stats.every(allRight) ? EXIT.ok : EXIT.fault;
}
