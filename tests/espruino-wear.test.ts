// Flash wear of the Espruino app with the journal on (the format-3 journal on
// main: 14-byte move records, CMAC tags, snapshots at compaction), in the vm shim's
// Storage model, for the board whose Storage holds the app (the WiFi: one 64 KB
// page, the image written first as on a board): the reference mandible protocol as
// prescribed (7 days' latency, 20 mm at 1 mm/day continuous, 21 days'
// consolidation), run for 60 days. Each Storage compaction erases each page at most
// once, so erases per page ≤ compactions; they are counted, not extrapolated.
// Asserted: no flash byte written twice, no error, the protocol complete (a known
// failure today: the image no longer fits the WiFi's Storage, so nothing runs); and,
// a known failure too, erases per page over the 60 days ≤ 10 % of the STM32F4's
// rated 10,000 cycles (the app leaves the journal about 9 KB of the WiFi's 64 KB,
// so Storage compacts about every replacement of a journal file during
// distraction: docs/espruino.md). Printed: Storage compactions and bytes written by
// phase and per distraction day, the total, and the years to the endurance at the
// distraction rate.

import test from "ava";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { makeEspruinoBuild } from "../firmware/node/espruino/make.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { EspruinoShim } from "../sim/espruino-shim.ts";
import { Plant } from "../sim/plant.ts";
import { loadScenario } from "../sim/scenario.ts";
import type { SensorParams } from "../sim/sensors.ts";

const ENDURANCE_CYCLES = 10000;
const PROTOCOL_DAYS = 60;

function calibration(s: SensorParams) {
  return { raw0: 0, value0: s.min, raw1: 1, value1: s.max, rawMin: 0, rawMax: 1 };
}

interface Wear {
  errors: string[];
  phase: string;
  rewrites: number;
  problems: string[];
  fig: any;
}

let measured: Wear | null = null;
function wear(): Wear {
  if (measured) return measured;
  const sc = loadScenario("mandible-continuous-1mm");
  const board = BOARDS.wifi;
  const hal = Object.assign({}, board.hal, {
    maxStepRateHz: sc.driver.maxStepRateHz,
    maxMoveSteps: sc.driver.maxMoveSteps,
    position: calibration(sc.plant.positionSensor),
    force: calibration(sc.plant.forceSensor),
  });
  const b = makeEspruinoBuild({ board, hal, profile: sc.source.profile, prescription: sc.source.prescription, journal: true });
  // an image the board's Storage cannot hold beside the journal is not run: there is no wear to count
  if (b.problems.length > 0) return (measured = { errors: [], phase: "not run", rewrites: 0, problems: b.problems, fig: { board: board.name, imageBytes: b.image.length, storageBytes: board.storageBytes } });
  const shim = new EspruinoShim({ plant: new Plant(sc.plant, sc.seed), hal, wallStartMs: sc.startWallMs, storageBytes: board.storageBytes });
  shim.storage.write(".boot0", b.image);
  shim.run(b.bundle.code);
  const controller = () => (shim.context.od as any).device.controller;
  const byPhase: { [phase: string]: { days: number; compactions: number; bytes: number } } = {};
  const distractionDays: number[] = [];
  let dayCompactions = 0;
  for (let t0 = 0; t0 < PROTOCOL_DAYS * MS_PER_DAY; t0 += MS_PER_HOUR) {
    const phase = controller().phaseState().phase;
    const c0 = shim.storage.compactions;
    const w0 = shim.storage.bytesWritten;
    shim.runUntil(t0 + MS_PER_HOUR);
    const p = byPhase[phase] || (byPhase[phase] = { days: 0, compactions: 0, bytes: 0 });
    p.days += 1 / 24;
    p.compactions += shim.storage.compactions - c0;
    p.bytes += shim.storage.bytesWritten - w0;
    if (phase === "distraction") dayCompactions += shim.storage.compactions - c0;
    if ((t0 + MS_PER_HOUR) % MS_PER_DAY === 0 && phase === "distraction") {
      distractionDays.push(dayCompactions);
      dayCompactions = 0;
    }
  }
  const phases: any = {};
  for (const k of Object.keys(byPhase)) {
    const p = byPhase[k];
    phases[k] = { days: +p.days.toFixed(2), storageCompactions: p.compactions, bytesWrittenPerDay: Math.round(p.bytes / p.days) };
  }
  const total = shim.storage.compactions;
  const rate = distractionDays.length > 0 ? Math.max(...distractionDays) : 0;
  const fig = {
    journal: "format 3",
    board: board.name,
    imageBytes: b.image.length,
    storageBytes: board.storageBytes,
    days: PROTOCOL_DAYS,
    phases,
    distractionDayCompactions: distractionDays.length + " days, " + Math.min(...distractionDays) + "-" + rate + " a day",
    erasesPerPage60Days: total,
    percentOfEndurance: +((100 * total) / ENDURANCE_CYCLES).toFixed(2),
    yearsToEnduranceAtDistractionRate: rate > 0 ? +(ENDURANCE_CYCLES / rate / 365).toFixed(1) : null,
  };
  console.log("espruino flash wear " + JSON.stringify(fig));
  measured = { errors: shim.errors, phase: controller().phaseState().phase, rewrites: shim.storage.rewrites, problems: b.problems, fig };
  return measured;
}

// Known failure since the supervisor's cross-checks: the image no longer fits the WiFi's Storage (tests/espruino-bundle.test.ts).
test.failing("known failure: the journaled app on the WiFi's Storage in the shim, the reference protocol over 60 days: no flash byte written twice, no error, complete (wear figures printed)", (t) => {
  const w = wear();
  t.deepEqual(w.problems, []);
  t.deepEqual(w.errors, []);
  t.is(w.phase, "complete");
  t.is(w.rewrites, 0);
  t.log(JSON.stringify(w.fig));
});

test.failing("known failure: erases per Storage page over a 60-day protocol within 10 % of the flash's endurance", (t) => {
  const w = wear();
  t.log(JSON.stringify(w.fig));
  t.true(w.fig.erasesPerPage60Days <= 0.1 * ENDURANCE_CYCLES, JSON.stringify(w.fig));
});
