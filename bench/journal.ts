// The journal's cost, side by side in one run: the 60-day continuous mandible
// protocol on the same controller, plant and store three ways — no journal, the
// format-2 journal as it shipped before issue 12 (bench/journal-baseline.ts), and
// the format-3 authenticated journal — run in turns (each round in a rotated order,
// so machine load falls on all three alike), medians reported with every run, in
// wall seconds and in CPU seconds of this process (what the ratios use: on a
// shared machine a run's wall time also counts the time other processes had the
// core).
// Also what each writes per simulated day (bytes, records, compactions), and
// patients per minute, by wall and by CPU time (one patient = one whole protocol).

import { assemble } from "../firmware/core/assemble.ts";
import type { JournalParts } from "../firmware/core/assemble.ts";
import { JOURNAL_COMPACT_BYTES } from "../firmware/core/assemble.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { sha256 } from "../firmware/core/sha256.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import { loadScenario } from "../sim/scenario.ts";
import type { Scenario } from "../sim/scenario.ts";
import { makeSimWorld } from "../sim/world.ts";
import { openFormat2 } from "./journal-baseline.ts";
import { median } from "./median.ts";

type Variant = "off" | "format2" | "format3";
const VARIANTS: Variant[] = ["off", "format2", "format3"];

export interface Written {
  bytes: number;
  records: number;
  compactions: number;
}

export interface JournalBench {
  protocol: string;
  days: number;
  distractionDays: number;
  rounds: number;
  wallS: { [v: string]: number[] };
  cpuS: { [v: string]: number[] };
  medianWallS: { [v: string]: number };
  medianCpuS: { [v: string]: number };
  /** Format 2 over format 3 (the goal: ≥ 3), and format 3 over no journal (the goal: ≤ 1.5), by median CPU time. */
  speedupVsFormat2: number;
  overJournalOff: number;
  /** Over the whole protocol, per simulated day, and per day of distraction (when moves are journaled). */
  perDay: { [v: string]: Written };
  perDistractionDay: { [v: string]: Written };
  /** Format 2's bytes over format 3's (the goal: ≥ 4). */
  bytesReduction: number;
  /** By median wall time (what a user waits; on a loaded machine it also counts other processes' turns). */
  patientsPerMinute: { [v: string]: number };
  /** By median CPU time of this process: what one core does, whatever the load. */
  patientsPerCpuMinute: { [v: string]: number };
}

function run(sc: Scenario, v: Variant, days: number): { wallS: number; cpuS: number; written: Written } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const w = makeSimWorld(sc, { faults: false });
  const parts: JournalParts | null = v === "off" ? null : { store: w.store, compactAtBytes: JOURNAL_COMPACT_BYTES, auditKeep: Infinity, mac: cmacAes128, digest: sha256 };
  if (parts && v === "format2") parts.open = openFormat2;
  const d = assemble({ hal: w.hal, profile: sc.profile, prescription: sc.prescription, startUm: 0, journal: parts, console: null, observers: [] });
  d.boot();
  w.clock.runUntil(days * MS_PER_DAY);
  d.stop();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  // the first image (provisioning) is a replace too: compactions are the others
  return { wallS, cpuS: (c.user + c.system) / 1e6, written: { bytes: w.store.bytesAppended + w.store.bytesReplaced, records: w.store.appends, compactions: Math.max(0, w.store.replaces - 1) } };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function per(w: Written, days: number): Written {
  return { bytes: Math.round(w.bytes / days), records: Math.round(w.records / days), compactions: r3(w.compactions / days) };
}

export function benchJournal(rounds: number, onProgress: (f: number) => void): JournalBench {
  const sc = loadScenario("mandible-continuous-1mm");
  const days = 60;
  const rx = sc.prescription;
  const distractionDays = rx.targetLengthMm / rx.rateMmPerDay;
  for (const v of VARIANTS) run(sc, v, 3); // warm-up
  const wallS: { [v: string]: number[] } = { off: [], format2: [], format3: [] };
  const cpuS: { [v: string]: number[] } = { off: [], format2: [], format3: [] };
  const written: { [v: string]: Written } = {};
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = VARIANTS[(r + k) % VARIANTS.length];
      const res = run(sc, v, days);
      wallS[v].push(r3(res.wallS));
      cpuS[v].push(r3(res.cpuS));
      written[v] = res.written;
      onProgress((r * VARIANTS.length + k + 1) / (rounds * VARIANTS.length));
    }
  }
  const med: { [v: string]: number } = {};
  const medWall: { [v: string]: number } = {};
  for (const v of VARIANTS) {
    med[v] = r3(median(cpuS[v]));
    medWall[v] = r3(median(wallS[v]));
  }
  const perDay: { [v: string]: Written } = {};
  const perDistractionDay: { [v: string]: Written } = {};
  const patientsPerMinute: { [v: string]: number } = {};
  const patientsPerCpuMinute: { [v: string]: number } = {};
  for (const v of VARIANTS) {
    perDay[v] = per(written[v], days);
    perDistractionDay[v] = per(written[v], distractionDays);
    patientsPerMinute[v] = Math.round((60 / medWall[v]) * 10) / 10;
    patientsPerCpuMinute[v] = Math.round((60 / med[v]) * 10) / 10;
  }
  return {
    protocol: sc.name,
    days,
    distractionDays,
    rounds,
    wallS,
    cpuS,
    medianWallS: medWall,
    medianCpuS: med,
    speedupVsFormat2: Math.round((med.format2 / med.format3) * 100) / 100,
    overJournalOff: Math.round((med.format3 / med.off) * 100) / 100,
    perDay,
    perDistractionDay,
    bytesReduction: Math.round((written.format2.bytes / written.format3.bytes) * 100) / 100,
    patientsPerMinute,
    patientsPerCpuMinute,
  };
}
