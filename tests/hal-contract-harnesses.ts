// Harnesses for the HAL contract suite: the simulator driver, johnny-five on the
// in-process virtual Uno, johnny-five → firmata-io → the emulated Uno running the
// genuine StandardFirmata hex (in-process byte stream, or a socat pty pair opened
// with serialport 13). All share the bench rig (sim/uno/bench-*.json) with sensor
// noise off, so the plant's truth is exact; time is virtual or emulated.

import { once } from "node:events";
import { setImmediate as turn } from "node:timers/promises";
import { makeSimHal } from "../hal/sim/driver.ts";
import { openJohnnyFiveHal } from "../hal/johnny-five/driver.ts";
import type { JohnnyFiveConfig, StepperMode } from "../hal/johnny-five/config.ts";
import { unitsPerCount } from "../hal/johnny-five/calibration.ts";
import { firmataOn, firmataOverSerial } from "../hal/johnny-five/serial.ts";
import { parseBoardConfig } from "../firmware/node/trial/board-config.ts";
import { Plant } from "../sim/plant.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { VirtualClock } from "../sim/virtual-clock.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE, BENCH_RIG, buildRig, readJson, rigSpec } from "../sim/uno/bench-rig.ts";
import type { RigSpec } from "../sim/uno/bench-rig.ts";
import type { Rig } from "../sim/uno/rig.ts";
import { bootUno } from "../sim/uno/board.ts";
import { UnoDuplex } from "../sim/uno/duplex.ts";
import { openEmulatedPort } from "../sim/uno/emulated-port.ts";
import { VirtualIO } from "../sim/uno/virtual-io.ts";
import type { HalHarness, Truth } from "./hal-contract.ts";

/** The bench rig with sensor noise off, its board config, and the profile JSON. */
export function quietBench(mode: StepperMode = "pins"): { spec: RigSpec; cfg: JohnnyFiveConfig } {
  const rig = readJson(BENCH_RIG, "bench rig");
  rig.plant.positionSensor.noiseSigma = 0;
  rig.plant.forceSensor.noiseSigma = 0;
  const profile = readJson(BENCH_PROFILE, "bench profile");
  const spec = rigSpec(rig, profile, readJson(BENCH_PRESCRIPTION, "bench prescription"));
  return { spec, cfg: { ...parseBoardConfig(profile, 1), mode } };
}

function rigTruth(rig: Rig): Truth {
  const tr = rig.truth;
  return { forward: tr.forward, backward: tr.backward, enabled: tr.enabled, gapUm: rig.plant.gapUm, forceN: rig.plant.forceN(), alarmOn: tr.alarmOn };
}

/** Lets time pass on a VirtualClock in 1 ms steps, giving the event loop a turn each step. */
function virtualAdvance(clock: VirtualClock): (ms: number) => Promise<void> {
  return async (ms) => {
    const end = clock.monoMs() + ms;
    while (clock.monoMs() < end) {
      clock.runUntil(Math.min(end, clock.monoMs() + 1));
      await turn();
    }
  };
}

/** Drives time until the promise settles (bounded), then returns its value. */
async function drive<T>(p: Promise<T>, advance: (ms: number) => Promise<void>, limitMs: number): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let spent = 0; !settled && spent < limitMs; spent += 5) await advance(5);
  return p;
}

export async function simHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  const clock = new VirtualClock(spec.scenario.startWallMs);
  const plant = new Plant(spec.scenario.plant, spec.scenario.seed);
  const hal = makeSimHal(plant, clock, { maxStepRateHz: cfg.stepRateHz, maxMoveSteps: cfg.maxMoveSteps }, new PowerCutStore());
  // The plant counts pulses but not their direction: count them on the way in.
  const seen = { forward: 0, backward: 0 };
  const pulse = plant.pulse.bind(plant);
  plant.pulse = (dir: number) => {
    if (dir > 0) seen.forward++;
    else seen.backward++;
    return pulse(dir);
  };
  return {
    hal,
    advance: virtualAdvance(clock),
    truth: () => ({ ...seen, enabled: hal.stepper.isEnabled(), gapUm: plant.gapUm, forceN: plant.forceN() }),
    freshWithinMs: 1,
    resolutionUm: 0,
    resolutionN: 0,
    close: async () => {},
  };
}

function boardHarness(hal: Awaited<ReturnType<typeof openJohnnyFiveHal>>, rig: Rig, cfg: JohnnyFiveConfig, advance: (ms: number) => Promise<void>, freshExtraMs: number, unplug: () => Promise<void>, close: () => Promise<void>): HalHarness {
  return {
    hal,
    advance,
    truth: () => rigTruth(rig),
    freshWithinMs: cfg.samplingIntervalMs + freshExtraMs,
    resolutionUm: unitsPerCount(cfg.position),
    resolutionN: unitsPerCount(cfg.force),
    unplug,
    close: async () => {
      hal.close();
      await close();
    },
  };
}

export async function virtualIoHarness(mode: StepperMode): Promise<HalHarness> {
  const { spec, cfg } = quietBench(mode);
  const clock = new VirtualClock(spec.scenario.startWallMs);
  const rig = buildRig(spec, cfg);
  const io = new VirtualIO(rig, clock);
  const advance = virtualAdvance(clock);
  io.connect();
  const hal = await drive(openJohnnyFiveHal(io, clock, new PowerCutStore(), false, cfg), advance, 10000);
  return boardHarness(hal, rig, cfg, advance, 1, async () => io.unplug(), async () => {});
}

/** johnny-five → firmata-io → in-process byte stream → emulated Uno (genuine StandardFirmata). */
export async function unoHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  const rig = buildRig(spec, cfg);
  const runner = bootUno(rig);
  const duplex = new UnoDuplex(runner);
  const io = firmataOn(duplex);
  duplex.open();
  const advance = (ms: number) => runner.advance(ms);
  const hal = await drive(openJohnnyFiveHal(io, runner.clock, new PowerCutStore(), false, cfg), advance, 10000);
  return boardHarness(hal, rig, cfg, advance, 4, async () => duplex.unplug(), async () => {});
}

/** The same over a socat pty pair: the host opens a real device file with serialport 13. */
export async function unoPtyHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  const rig = buildRig(spec, cfg);
  const ep = await openEmulatedPort(rig);
  const sf = firmataOverSerial(ep.hostPath);
  ep.lockstep(sf.port);
  // The Board listens before the port opens; the board runs from the open on (a real Uno resets then).
  const opening = openJohnnyFiveHal(sf.io, ep.runner.clock, new PowerCutStore(), false, cfg);
  await once(sf.port, "open");
  const advance = (ms: number) => ep.runner.advance(ms);
  const hal = await drive(opening, advance, 10000);
  return boardHarness(hal, rig, cfg, advance, 6, () => ep.unplug(), async () => {
    await sf.close();
    await ep.close();
  });
}
