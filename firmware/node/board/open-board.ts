// Opens the johnny-five board a Node device (or a bench trial) runs on:
// - `PATH`: a real tty (an Uno with StandardFirmata) on the real-time HAL clock;
// - `PATH` with a board clock (`--board-clock SOCKET`): an emulated Uno served by
//   its own process (sim/uno/serve.ts), on a HAL clock in lockstep with the board's
//   emulated time (sim/uno/board-clock.ts); the board outlives this process;
// - `emulated:uno`: an emulated Uno in this process behind a socat pty pair, on a
//   HAL clock driven by its CPU (its rig is the ground truth; it dies with us).
// Time compression K: device ms = K × board ms, on all three. Every failure
// closes what was opened (port, socat, socket) before it is thrown.

import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock, HalStorage } from "../../../hal/types.ts";
import type { JohnnyFiveConfig } from "../../../hal/johnny-five/config.ts";
import { openJohnnyFiveHal } from "../../../hal/johnny-five/driver.ts";
import type { JohnnyFiveHal } from "../../../hal/johnny-five/driver.ts";
import { firmataOverSerial } from "../../../hal/johnny-five/serial.ts";
import type { SerialFirmata } from "../../../hal/johnny-five/serial.ts";
import { RealtimeClock } from "../../../hal/node/realtime-clock.ts";
import { BENCH_RIG, buildRig, rigSpec } from "../../../sim/uno/bench-rig.ts";
import { readJsonFile } from "../../../sim/json-file.ts";
import { BoardClock } from "../../../sim/uno/board-clock.ts";
import { EMULATED_UNO, openEmulatedPort } from "../../../sim/uno/emulated-port.ts";
import type { EmulatedPort } from "../../../sim/uno/emulated-port.ts";
import type { Rig } from "../../../sim/uno/rig.ts";

/** Board ms the board is given, after the last command was drained, to act on it before the port closes. */
const SETTLE_BOARD_MS = 50;
/** Wall ms the board's time may stand still during that wait before it is given up (a hang guard: a board that stopped answering does not hold up the exit; a board that runs slowly on a loaded machine is waited for, so the run ends at the same board time). */
const SETTLE_WALL_CAP_MS = 5000;

export interface OpenedBoard {
  hal: JohnnyFiveHal;
  clock: Clock;
  /** The in-process emulated board and its rig (ground truth); null otherwise. */
  emulated: EmulatedPort | null;
  rig: Rig | null;
  /** The in-process emulated rig's seed (0 elsewhere). */
  seed: number;
  /** Board time (ms since this host attached): emulated CPU time, or real time. */
  boardMs(): number;
  /** Lets the last writes reach the board, then closes everything. Idempotent. */
  close(): Promise<void>;
  /** Whether close() has begun: a link lost from then on is the close's own doing, not the board's. */
  closing(): boolean;
}

type Opening = Omit<OpenedBoard, "closing">;

export interface BoardInputs {
  /** A tty path, or `emulated:uno`. */
  board: string;
  /** The lockstep socket of an emulated board served by its own process; null for a real board. */
  boardClock: string | null;
  cfg: JohnnyFiveConfig;
  /** The journal and the vault the HAL keeps across power cuts. */
  storage: HalStorage;
  /** The profile and prescription JSON (the in-process emulated rig is the device they describe). */
  profileJson: any;
  prescriptionJson: any;
}

function drain(sf: SerialFirmata): Promise<void> {
  return new Promise((resolve) => (sf.port.isOpen ? sf.port.drain(() => resolve()) : resolve()));
}

/**
 * Waits SETTLE_BOARD_MS of the board's time, on its clock (so the wait ends at the same board
 * time however loaded the machine is); gives up when that time stood still for
 * SETTLE_WALL_CAP_MS of wall time.
 */
async function settle(clock: Clock, timeScale: number): Promise<void> {
  let due = false;
  let timer = -1;
  const elapsed = new Promise<void>((resolve) => (timer = clock.at(clock.monoMs() + SETTLE_BOARD_MS * timeScale, resolve)));
  const stalled = (async () => {
    let last = clock.monoMs();
    let still = performance.now();
    while (!due && performance.now() - still < SETTLE_WALL_CAP_MS) {
      await sleep(5);
      if (clock.monoMs() !== last) {
        last = clock.monoMs();
        still = performance.now();
      }
    }
  })();
  await Promise.race([elapsed, stalled]);
  due = true;
  clock.cancel(timer);
}

function once_<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | null = null;
  return () => (p ??= fn());
}

/** Opens the HAL; whatever fails, `cleanup` runs before the error is thrown. */
async function halOr(opening: Promise<JohnnyFiveHal>, cleanup: () => Promise<void>): Promise<JohnnyFiveHal> {
  try {
    return await opening;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

async function openReal(inp: BoardInputs): Promise<Opening> {
  const k = inp.cfg.timeScale;
  const clock = new RealtimeClock(k);
  const sf = firmataOverSerial(inp.board);
  const hal = await halOr(openJohnnyFiveHal(sf.io, clock, inp.storage, inp.cfg), async () => {
    clock.cancelAll();
    await sf.close();
  });
  return {
    hal,
    clock,
    emulated: null,
    rig: null,
    seed: 0,
    boardMs: () => clock.monoMs() / k,
    close: once_(async () => {
      hal.close();
      await drain(sf);
      clock.cancelAll();
      await sf.close();
    }),
  };
}

async function openServed(inp: BoardInputs, socket: string): Promise<Opening> {
  const k = inp.cfg.timeScale;
  const bc = await BoardClock.connect(socket, k);
  const sf = firmataOverSerial(inp.board, { clock: bc.clock, timeScale: k });
  bc.meterPort(sf.port);
  let lost: (e: Error) => void = () => {};
  const gone = new Promise<never>((_, reject) => (lost = reject));
  gone.catch(() => {});
  let boardGone = false;
  bc.once("close", (why: string) => {
    boardGone = true;
    lost(new Error("board-lost: " + why));
  });
  const cleanup = async () => {
    await sf.close();
    await bc.close();
  };
  const opening = openJohnnyFiveHal(sf.io, bc.clock, inp.storage, inp.cfg);
  opening.catch(() => {});
  const opened = await halOr(
    Promise.race([
      (async () => {
        await Promise.race([once(sf.port, "open"), gone]);
        // what a previous host left unread on the line is not this board's answer
        await new Promise<void>((resolve) => sf.port.flush(() => resolve()));
        bc.go();
        return Promise.race([opening, gone]);
      })(),
      gone,
    ]),
    cleanup,
  );
  // the board's process dying is the cable being pulled
  opened.link.watch(bc);
  return {
    hal: opened,
    clock: bc.clock,
    emulated: null,
    rig: null,
    seed: 0,
    boardMs: () => bc.clock.monoMs() / k,
    close: once_(async () => {
      opened.close();
      await drain(sf);
      // a board whose process is gone has no time left to give
      if (!boardGone) await settle(bc.clock, k);
      // the board's clock goes first: the board holds at the settle's end, however long the port takes to close
      await bc.close();
      await sf.close();
    }),
  };
}

async function openEmulated(inp: BoardInputs): Promise<Opening> {
  const spec = rigSpec(readJsonFile(BENCH_RIG, "bench rig"), inp.profileJson, inp.prescriptionJson);
  const rig = buildRig(spec, inp.cfg);
  const ep = await openEmulatedPort(rig, { timeScale: inp.cfg.timeScale, startWallMs: Date.now() });
  const sf = firmataOverSerial(ep.hostPath, { clock: ep.runner.clock, timeScale: inp.cfg.timeScale });
  ep.lockstep(sf.port);
  // Like a real Uno, the board (re)starts when the host opens the port.
  sf.port.once("open", () => ep.runner.start());
  const hal = await halOr(openJohnnyFiveHal(sf.io, ep.runner.clock, inp.storage, inp.cfg), async () => {
    await sf.close();
    await ep.close();
  });
  return {
    hal,
    clock: ep.runner.clock,
    emulated: ep,
    rig,
    seed: spec.scenario.seed,
    boardMs: () => ep.runner.boardMs(),
    close: once_(async () => {
      hal.close();
      await drain(sf);
      await settle(ep.runner.clock, inp.cfg.timeScale);
      // the board's time stops before the port closes: how long a close takes on the wall clock does not move the run's end
      await ep.runner.stop();
      await sf.close();
      await ep.close();
    }),
  };
}

export async function openBoard(inp: BoardInputs): Promise<OpenedBoard> {
  const b = await (inp.board === EMULATED_UNO ? openEmulated(inp) : inp.boardClock ? openServed(inp, inp.boardClock) : openReal(inp));
  let closing = false;
  const close = b.close;
  return Object.assign(b, {
    closing: () => closing,
    close: () => {
      closing = true;
      return close();
    },
  });
}
