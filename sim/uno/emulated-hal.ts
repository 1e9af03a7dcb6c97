// johnny-five on the emulated Uno, ready to use: the genuine StandardFirmata hex
// behind an in-process byte stream or a socat pty pair (opened with serialport
// 13, in lockstep), a bench rig as the plant, and the johnny-five HAL on a clock
// driven by the emulated CPU. Tests and benchmarks share it.

import { once } from "node:events";
import { openJohnnyFiveHal } from "../../hal/johnny-five/driver.ts";
import type { JohnnyFiveHal } from "../../hal/johnny-five/driver.ts";
import type { JohnnyFiveConfig } from "../../hal/johnny-five/config.ts";
import { firmataOn, firmataOverSerial } from "../../hal/johnny-five/serial.ts";
import { memoryStorage } from "../power-cut-store.ts";
import { bootUno } from "./board.ts";
import type { RigSpec } from "./bench-rig.ts";
import { buildRig } from "./bench-rig.ts";
import { UnoDuplex } from "./duplex.ts";
import { openEmulatedPort } from "./emulated-port.ts";
import type { Rig } from "./rig.ts";
import type { UnoRunner } from "./runner.ts";

export type Transport = "in-process" | "pty";

export interface EmulatedHal {
  hal: JohnnyFiveHal;
  rig: Rig;
  runner: UnoRunner;
  /** Lets board ms pass (emulated as fast as the host can). */
  advance(ms: number): Promise<void>;
  /** Pulls the cable (the USB-powered board loses power). */
  unplug(): Promise<void>;
  /** Disables the motor and closes the link. */
  close(): Promise<void>;
}

/** Lets time pass (`advance`, 5 ms at a time) until the promise settles or `limitMs` is spent; returns it. */
export async function driveUntilSettled<T>(p: Promise<T>, advance: (ms: number) => Promise<void>, limitMs: number): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let spent = 0; !settled && spent < limitMs; spent += 5) await advance(5);
  return p;
}

export async function openEmulatedHal(transport: Transport, spec: RigSpec, cfg: JohnnyFiveConfig): Promise<EmulatedHal> {
  const rig = buildRig(spec, cfg);
  if (transport === "in-process") {
    const runner = bootUno(rig, { timeScale: cfg.timeScale });
    const duplex = new UnoDuplex(runner);
    const opening = openJohnnyFiveHal(firmataOn(duplex, { clock: runner.clock, timeScale: cfg.timeScale }), runner.clock, memoryStorage(spec.scenario.seed), cfg);
    duplex.open();
    const advance = (ms: number) => runner.advance(ms);
    const hal = await driveUntilSettled(opening, advance, cfg.readyTimeoutMs + 1000);
    return { hal, rig, runner, advance, unplug: async () => duplex.unplug(), close: async () => hal.close() };
  }
  const ep = await openEmulatedPort(rig, { timeScale: cfg.timeScale });
  const sf = firmataOverSerial(ep.hostPath, { clock: ep.runner.clock, timeScale: cfg.timeScale });
  ep.lockstep(sf.port);
  // The Board listens before the port opens; the board runs from the open on (a real Uno resets then).
  const opening = openJohnnyFiveHal(sf.io, ep.runner.clock, memoryStorage(spec.scenario.seed), cfg);
  await once(sf.port, "open");
  const advance = (ms: number) => ep.runner.advance(ms);
  const hal = await driveUntilSettled(opening, advance, cfg.readyTimeoutMs + 1000);
  return {
    hal,
    rig,
    runner: ep.runner,
    advance,
    unplug: () => ep.unplug(),
    async close() {
      hal.close();
      await sf.close();
      await ep.close();
    },
  };
}
