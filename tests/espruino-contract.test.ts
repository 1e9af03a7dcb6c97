// The ONE HAL contract suite (tests/hal-contract.ts) on the Espruino driver,
// bundled and run in the vm shim on the quiet bench rig's plant.

import { BOARDS } from "../firmware/espruino/boards.ts";
import { Plant } from "../sim/plant.ts";
import type { SensorParams } from "../sim/sensors.ts";
import { bootEspruinoHal } from "./espruino-hal-harness.ts";
import { halContract } from "./hal-contract.ts";
import type { HalHarness } from "./hal-contract.ts";
import { quietBench } from "./hal-contract-harnesses.ts";

function calibration(s: SensorParams) {
  return { raw0: 0, value0: s.min, raw1: 1, value1: s.max, rawMin: 0, rawMax: 1 };
}

async function espruinoHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  const sc = spec.scenario;
  const plant = new Plant(sc.plant, sc.seed);
  const seen = { forward: 0, backward: 0 };
  const pulse = plant.pulse.bind(plant);
  plant.pulse = (dir: number) => {
    if (dir > 0) seen.forward++;
    else seen.backward++;
    return pulse(dir);
  };
  const hal = Object.assign({}, BOARDS.pico.hal, {
    maxStepRateHz: cfg.stepRateHz,
    maxMoveSteps: cfg.maxMoveSteps,
    position: calibration(sc.plant.positionSensor),
    force: calibration(sc.plant.forceSensor),
  });
  const { shim, hal: h } = bootEspruinoHal({ plant, hal, wallStartMs: sc.startWallMs });
  return {
    hal: h,
    advance: async (ms) => shim.runUntil(shim.nowMs() + ms),
    truth: () => ({
      ...seen,
      enabled: shim.pins[hal.pins.enable] === (hal.enableActiveLow ? 0 : 1),
      gapUm: plant.gapUm,
      forceN: plant.forceN(),
      alarmOn: shim.pins[hal.pins.alarm] === 1,
    }),
    freshWithinMs: 1,
    resolutionUm: 0,
    resolutionN: 0,
    close: async () => {},
  };
}

halContract("espruino in the vm shim", espruinoHarness, { unplug: false });
