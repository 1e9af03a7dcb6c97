// Control-tick cost of the Espruino bundle in the vm shim: one day of continuous
// 1 mm/day distraction (mandible-continuous-1mm, latency shortened to 1 h), timed
// in V8 (with and without the plant's share), and counted in function calls and
// loop iterations per tick (call-count.ts) to estimate the tick on
// Espruino. Part of `osteodrive bench` (JSON).

import { BOARDS } from "../../espruino/boards.ts";
import { buildBundle } from "./build.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../../core/units.ts";
import { EspruinoShim } from "../../../sim/espruino-shim.ts";
import { Plant } from "../../../sim/plant.ts";
import { loadScenario, parseScenario } from "../../../sim/scenario.ts";
import type { SensorParams } from "../../../sim/sensors.ts";
import { DESKTOP_US_PER_CALL, DESKTOP_US_PER_ITERATION, instrument } from "./call-count.ts";

export interface EspruinoTickBench {
  ticks: number;
  /** STEP pulses that reached the plant during the day. */
  pulses: number;
  usPerTick: number;
  usPerTickWithoutPlant: number;
  callsPerTick: number;
  iterationsPerTick: number;
  /** The interpreter's measured desktop costs (about 5 µs a call, 3 µs a loop iteration: docs/espruino.md) × the counts; a microcontroller is 10–100× slower. */
  espruinoDesktopUsPerTick: number;
  espruinoMcuMsPerTick: [number, number];
}

function run(counters: { calls: number; iters: number } | null): { shim: EspruinoShim; wallMs: number; ticks: number } {
  const json = JSON.parse(JSON.stringify(loadScenario("mandible-continuous-1mm").source));
  json.prescription.latencyDays = 1 / 24;
  const sc = parseScenario(json);
  const cal = (s: SensorParams) => ({ raw0: 0, value0: s.min, raw1: 1, value1: s.max, rawMin: 0, rawMax: 1 });
  const hal = Object.assign({}, BOARDS.pico.hal, { maxStepRateHz: sc.driver.maxStepRateHz, maxMoveSteps: sc.driver.maxMoveSteps, position: cal(sc.plant.positionSensor), force: cal(sc.plant.forceSensor) });
  const bundle = buildBundle({ define: { OD_CONFIG: { board: "pico", hal, profile: json.profile, prescription: json.prescription, journalCompactBytes: 0 } } }).code;
  const shim = new EspruinoShim({ plant: new Plant(sc.plant, sc.seed), hal, wallStartMs: sc.startWallMs });
  if (counters) shim.context.__odc = counters;
  shim.run(counters ? instrument(bundle) : bundle);
  shim.runUntil(MS_PER_HOUR);
  if (counters) {
    counters.calls = 0;
    counters.iters = 0;
  }
  shim.plantMs = 0;
  const t0 = performance.now();
  for (let t = 2 * MS_PER_HOUR; t <= MS_PER_HOUR + MS_PER_DAY; t += MS_PER_HOUR) shim.runUntil(t);
  return { shim, wallMs: performance.now() - t0, ticks: MS_PER_DAY / json.profile.tickMs };
}

export function benchEspruinoTick(): EspruinoTickBench {
  const timed = run(null);
  const counters = { calls: 0, iters: 0 };
  const counted = run(counters);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const calls = counters.calls / counted.ticks;
  const iters = counters.iters / counted.ticks;
  const desktop = calls * DESKTOP_US_PER_CALL + iters * DESKTOP_US_PER_ITERATION;
  return {
    ticks: timed.ticks,
    pulses: timed.shim.pulses,
    usPerTick: r2((timed.wallMs * 1000) / timed.ticks),
    usPerTickWithoutPlant: r2(((timed.wallMs - timed.shim.plantMs) * 1000) / timed.ticks),
    callsPerTick: r2(calls),
    iterationsPerTick: r2(iters),
    espruinoDesktopUsPerTick: Math.round(desktop),
    espruinoMcuMsPerTick: [r2((desktop * 10) / 1000), r2((desktop * 100) / 1000)],
  };
}

