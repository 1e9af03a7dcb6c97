// Harnesses for the HAL contract suite: the simulator driver, johnny-five on the
// in-process virtual Uno, johnny-five → firmata-io → the emulated Uno running the
// genuine StandardFirmata hex (in-process byte stream, or a socat pty pair opened
// with serialport 13). All share the bench rig (sim/uno/bench-*.json) with sensor
// noise off, so the plant's truth is exact; time is virtual or emulated.

import { setImmediate as turn } from "node:timers/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStorage } from "../hal/node/storage.ts";
import { makeSimHal } from "../sim/driver.ts";
import { openJohnnyFiveHal } from "../hal/johnny-five/driver.ts";
import type { JohnnyFiveConfig, StepperMode } from "../hal/johnny-five/config.ts";
import { unitsPerCount } from "../hal/johnny-five/calibration.ts";
import { parseBoardConfig } from "../hal/johnny-five/board-config.ts";
import { Plant } from "../sim/plant.ts";
import { PowerCutStore, memoryStorage } from "../sim/power-cut-store.ts";
import { VirtualClock } from "../sim/virtual-clock.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE, BENCH_RIG, buildRig, rigSpec } from "../sim/uno/bench-rig.ts";
import { readJsonFile } from "../sim/json-file.ts";
import type { RigSpec } from "../sim/uno/bench-rig.ts";
import type { Rig } from "../sim/uno/rig.ts";
import { driveUntilSettled, openEmulatedHal } from "../sim/uno/emulated-hal.ts";
import type { EmulatedHal } from "../sim/uno/emulated-hal.ts";
import { VirtualIO } from "../sim/uno/virtual-io.ts";
import type { HalHarness, Truth } from "./hal-contract.ts";

/** The bench rig with sensor noise off, its board config, and the profile JSON. */
export function quietBench(mode: StepperMode = "pins"): { spec: RigSpec; cfg: JohnnyFiveConfig } {
  const rig = readJsonFile(BENCH_RIG, "bench rig");
  rig.plant.positionSensor.noiseSigma = 0;
  rig.plant.forceSensor.noiseSigma = 0;
  const profile = readJsonFile(BENCH_PROFILE, "bench profile");
  const spec = rigSpec(rig, profile, readJsonFile(BENCH_PRESCRIPTION, "bench prescription"));
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

export async function simHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  const clock = new VirtualClock(spec.scenario.startWallMs);
  const plant = new Plant(spec.scenario.plant, spec.scenario.seed);
  const hal = makeSimHal(plant, clock, { maxStepRateHz: cfg.stepRateHz, maxMoveSteps: cfg.maxMoveSteps }, new PowerCutStore(), new PowerCutStore(), spec.scenario.seed);
  // The plant counts pulses but not their direction: count them on the way in.
  const seen = { forward: 0, backward: 0 };
  const pulseN = plant.pulseN.bind(plant);
  plant.pulseN = (dir: number, n: number) => {
    if (dir > 0) seen.forward += n;
    else seen.backward += n;
    return pulseN(dir, n);
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

function boardHarness(e: Pick<EmulatedHal, "hal" | "rig" | "advance" | "unplug" | "close">, cfg: JohnnyFiveConfig, freshExtraMs: number): HalHarness {
  return {
    hal: e.hal,
    advance: e.advance,
    truth: () => rigTruth(e.rig),
    freshWithinMs: cfg.samplingIntervalMs + freshExtraMs,
    resolutionUm: unitsPerCount(cfg.position),
    resolutionN: unitsPerCount(cfg.force),
    unplug: e.unplug,
    close: e.close,
  };
}

/** johnny-five on the in-process virtual Uno; `files`: the Node app's stores (journal and vault files in a temp directory) instead of RAM. */
export async function virtualIoHarness(mode: StepperMode, files = false): Promise<HalHarness> {
  const { spec, cfg } = quietBench(mode);
  const clock = new VirtualClock(spec.scenario.startWallMs);
  const rig = buildRig(spec, cfg);
  const io = new VirtualIO(rig, clock);
  const advance = virtualAdvance(clock);
  io.connect();
  const dir = files ? mkdtempSync(join(tmpdir(), "osteodrive-hal-")) : "";
  const storage = files ? fileStorage(join(dir, "journal.bin"), join(dir, "vault.bin")) : memoryStorage(spec.scenario.seed);
  const hal = await driveUntilSettled(openJohnnyFiveHal(io, clock, storage, cfg), advance, 10000);
  const close = async () => {
    hal.close();
    if (files) rmSync(dir, { recursive: true, force: true });
  };
  return boardHarness({ hal, rig, advance, unplug: async () => io.unplug(), close }, cfg, 1);
}

/** johnny-five → firmata-io → in-process byte stream → emulated Uno (genuine StandardFirmata). */
export async function unoHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  return boardHarness(await openEmulatedHal("in-process", spec, cfg), cfg, 4);
}

/** The same over a socat pty pair: the host opens a real device file with serialport 13. */
export async function unoPtyHarness(): Promise<HalHarness> {
  const { spec, cfg } = quietBench();
  return boardHarness(await openEmulatedHal("pty", spec, cfg), cfg, 6);
}
