// Flash wear of the Espruino app with the journal on (the format-3 journal on
// main: 14-byte move records, CMAC tags, snapshots at compaction), in the vm shim's
// Storage model, for the board whose Storage holds the app (the WiFi: one 64 KB
// page, the image written first as on a board): the reference mandible protocol
// (1 mm/day continuous) through latency and distraction days. Each Storage
// compaction erases each page at most once, so erases per page ≤ compactions.
// Asserted: no flash byte written twice, no error, still distracting; and, a known
// failure today, erases per page over a 60-day protocol at the measured distraction
// days' rate ≤ 10 % of the STM32F4's rated 10,000 cycles (the app leaves the journal
// about 9 KB of the WiFi's 64 KB, so Storage compacts about every replacement of a
// journal file: docs/espruino.md). Printed: Storage compactions and bytes written a
// day, erases per page over 60 days, and the years to the endurance.

import test from "ava";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { makeEspruinoBuild } from "../firmware/node/espruino/make.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { EspruinoShim } from "../sim/espruino-shim.ts";
import { Plant } from "../sim/plant.ts";
import { loadScenario, parseScenario } from "../sim/scenario.ts";
import type { SensorParams } from "../sim/sensors.ts";

const ENDURANCE_CYCLES = 10000;
const PROTOCOL_DAYS = 60;
const LATENCY_DAYS = 0.25;
const DAYS = 3;

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
  const json = JSON.parse(JSON.stringify(loadScenario("mandible-continuous-1mm").source));
  json.prescription.latencyDays = LATENCY_DAYS;
  const sc = parseScenario(json);
  const board = BOARDS.wifi;
  const hal = Object.assign({}, board.hal, {
    maxStepRateHz: sc.driver.maxStepRateHz,
    maxMoveSteps: sc.driver.maxMoveSteps,
    position: calibration(sc.plant.positionSensor),
    force: calibration(sc.plant.forceSensor),
  });
  const b = makeEspruinoBuild({ board, hal, profile: sc.source.profile, prescription: sc.source.prescription, journal: true });
  const shim = new EspruinoShim({ plant: new Plant(sc.plant, sc.seed), hal, wallStartMs: sc.startWallMs, storageBytes: board.storageBytes });
  shim.storage.write(".boot0", b.image);
  shim.run(b.bundle.code);
  const latencyMs = LATENCY_DAYS * MS_PER_DAY;
  const perDay: Array<{ compactions: number; bytes: number }> = [];
  for (let t0 = 0; t0 < latencyMs + DAYS * MS_PER_DAY; t0 += MS_PER_HOUR) {
    const c0 = shim.storage.compactions;
    const w0 = shim.storage.bytesWritten;
    shim.runUntil(t0 + MS_PER_HOUR);
    if (t0 >= latencyMs) {
      const d = Math.floor((t0 - latencyMs) / MS_PER_DAY);
      if (!perDay[d]) perDay[d] = { compactions: 0, bytes: 0 };
      perDay[d].compactions += shim.storage.compactions - c0;
      perDay[d].bytes += shim.storage.bytesWritten - w0;
    }
  }
  const od = shim.context.od as any;
  const rate = Math.max(...perDay.map((d) => d.compactions));
  const erasesPerPage = rate * PROTOCOL_DAYS;
  const fig = {
    journal: "format 3",
    board: board.name,
    imageBytes: b.image.length,
    storageBytes: board.storageBytes,
    storageCompactionsPerDay: perDay.map((d) => d.compactions),
    bytesWrittenPerDay: perDay.map((d) => d.bytes),
    erasesPerPage60Days: erasesPerPage,
    percentOfEndurance: +((100 * erasesPerPage) / ENDURANCE_CYCLES).toFixed(2),
    yearsToEndurance: rate > 0 ? +(ENDURANCE_CYCLES / rate / 365).toFixed(1) : null,
  };
  console.log("espruino flash wear " + JSON.stringify(fig));
  measured = { errors: shim.errors, phase: od.device.controller.phaseState().phase, rewrites: shim.storage.rewrites, problems: b.problems, fig };
  return measured;
}

test("the journaled app on the WiFi's Storage in the shim: no flash byte written twice, no error, distraction going on (wear figures printed)", (t) => {
  const w = wear();
  t.deepEqual(w.problems, []);
  t.deepEqual(w.errors, []);
  t.is(w.phase, "distraction");
  t.is(w.rewrites, 0);
  t.log(JSON.stringify(w.fig));
});

test.failing("known failure: erases per Storage page over a 60-day protocol within 10 % of the flash's endurance", (t) => {
  const w = wear();
  t.log(JSON.stringify(w.fig));
  t.true(w.fig.erasesPerPage60Days <= 0.1 * ENDURANCE_CYCLES, JSON.stringify(w.fig));
});
