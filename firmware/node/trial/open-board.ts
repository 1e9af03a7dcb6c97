// Opens the board a trial runs on: `--port PATH` is a real tty (an Uno with
// StandardFirmata) on the real-time HAL clock; `--port emulated:uno` is the
// emulated Uno behind a socat pty pair, opened the same way with serialport 13,
// on a HAL clock driven by the emulated CPU (its bench rig is the ground truth).
// Time compression K: device ms = K × board ms, on either.

import { setTimeout as sleep } from "node:timers/promises";
import type { Clock, HalStorage } from "../../../hal/types.ts";
import type { JohnnyFiveConfig } from "../../../hal/johnny-five/config.ts";
import { openJohnnyFiveHal } from "../../../hal/johnny-five/driver.ts";
import type { JohnnyFiveHal } from "../../../hal/johnny-five/driver.ts";
import { firmataOverSerial } from "../../../hal/johnny-five/serial.ts";
import type { SerialFirmata } from "../../../hal/johnny-five/serial.ts";
import { RealtimeClock } from "../../../hal/node/realtime-clock.ts";
import { BENCH_RIG, buildRig, readJson, rigSpec } from "../../../sim/uno/bench-rig.ts";
import { EMULATED_UNO, openEmulatedPort } from "../../../sim/uno/emulated-port.ts";
import type { EmulatedPort } from "../../../sim/uno/emulated-port.ts";
import type { Rig } from "../../../sim/uno/rig.ts";

export interface TrialBoard {
  hal: JohnnyFiveHal;
  clock: Clock;
  /** The emulated board and its rig (ground truth); null on a real board. */
  emulated: EmulatedPort | null;
  rig: Rig | null;
  /** The emulated rig's seed (0 on a real board). */
  seed: number;
  /** Board time (ms since the board started): emulated CPU time, or real time. */
  boardMs(): number;
  /** Lets the last writes reach the board, then closes everything. */
  close(): Promise<void>;
}

export interface BoardInputs {
  port: string;
  cfg: JohnnyFiveConfig;
  storage: HalStorage;
  /** The profile and prescription JSON (the emulated rig is the device they describe). */
  profileJson: any;
  prescriptionJson: any;
}

function drain(sf: SerialFirmata): Promise<void> {
  return new Promise((resolve) => (sf.port.isOpen ? sf.port.drain(() => resolve()) : resolve()));
}

async function openReal(inp: BoardInputs): Promise<TrialBoard> {
  const k = inp.cfg.timeScale;
  const clock = new RealtimeClock(k);
  const sf = firmataOverSerial(inp.port);
  let hal: JohnnyFiveHal;
  try {
    hal = await openJohnnyFiveHal(sf.io, clock, inp.storage, inp.cfg);
  } catch (e) {
    clock.cancelAll();
    await sf.close();
    throw e;
  }
  return {
    hal,
    clock,
    emulated: null,
    rig: null,
    seed: 0,
    boardMs: () => clock.monoMs() / k,
    async close() {
      hal.close();
      await drain(sf);
      clock.cancelAll();
      await sf.close();
    },
  };
}

async function openEmulated(inp: BoardInputs): Promise<TrialBoard> {
  const spec = rigSpec(readJson(BENCH_RIG, "bench rig"), inp.profileJson, inp.prescriptionJson);
  const rig = buildRig(spec, inp.cfg);
  const ep = await openEmulatedPort(rig, { timeScale: inp.cfg.timeScale, startWallMs: Date.now() });
  const sf = firmataOverSerial(ep.hostPath);
  ep.lockstep(sf.port);
  // Like a real Uno, the board (re)starts when the host opens the port.
  sf.port.once("open", () => ep.runner.start());
  let hal: JohnnyFiveHal;
  try {
    hal = await openJohnnyFiveHal(sf.io, ep.runner.clock, inp.storage, inp.cfg);
  } catch (e) {
    await sf.close();
    await ep.close();
    throw e;
  }
  return {
    hal,
    clock: ep.runner.clock,
    emulated: ep,
    rig,
    seed: spec.scenario.seed,
    boardMs: () => ep.runner.boardMs(),
    async close() {
      hal.close();
      await drain(sf);
      const t = ep.runner.boardMs();
      while (ep.runner.boardMs() < t + 50) await sleep(5);
      await sf.close();
      await ep.close();
    },
  };
}

export function openBoard(inp: BoardInputs): Promise<TrialBoard> {
  return inp.port === EMULATED_UNO ? openEmulated(inp) : openReal(inp);
}
