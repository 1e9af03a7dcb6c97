// Figures for the emulated Uno (genuine StandardFirmata on avr8js) as the CI
// stand-in for a board, printed as JSON (never asserted in tests):
//  - emulator speed: emulated board seconds per wall second, idle (analog reports
//    on) and while stepping;
//  - command latency through Firmata: a digital write to the pin changing on the
//    board, and a pin-state query's round trip, in board ms and wall ms,
//    in-process and across a socat pty;
//  - the step rate `pins` mode sustains: the fastest rate at which every STEP
//    pulse of a 2-second move reaches the plant without the serial line falling
//    behind (57,600 baud nominal; the Uno's UBRR gives 58,824).
// Run: node --import=tsx bench/uno.ts

import { fileURLToPath } from "node:url";
import { parseBoardConfig } from "../hal/johnny-five/board-config.ts";
import type { JohnnyFiveConfig } from "../hal/johnny-five/config.ts";
import type { MoveResult } from "../hal/types.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE, BENCH_RIG, rigSpec } from "../sim/uno/bench-rig.ts";
import { readJsonFile } from "../sim/json-file.ts";
import type { RigSpec } from "../sim/uno/bench-rig.ts";
import { openEmulatedHal } from "../sim/uno/emulated-hal.ts";
import type { EmulatedHal, Transport } from "../sim/uno/emulated-hal.ts";
import { median } from "./median.ts";

function setup(stepRateHz?: number): { spec: RigSpec; cfg: JohnnyFiveConfig } {
  const profile = readJsonFile(BENCH_PROFILE, "bench profile");
  const spec = rigSpec(readJsonFile(BENCH_RIG, "bench rig"), profile, readJsonFile(BENCH_PRESCRIPTION, "bench prescription"));
  const cfg = parseBoardConfig(profile, 1);
  return { spec, cfg: stepRateHz ? { ...cfg, stepRateHz, maxMoveSteps: 100000 } : cfg };
}

function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function move(e: EmulatedHal, steps: number, rateHz: number): Promise<MoveResult> {
  let res: MoveResult | null = null;
  e.hal.stepper.move({ steps, dir: 1, maxDurationMs: Math.ceil((steps * 1000) / rateHz) + 100 }, (r) => (res = r));
  while (!res) await e.advance(5);
  return res;
}

/** Board seconds per wall second over `boardMs`, optionally stepping continuously. */
async function speed(boardMs: number, stepping: boolean): Promise<number> {
  const { spec, cfg } = setup();
  const e = await openEmulatedHal("in-process", spec, cfg);
  try {
    e.hal.stepper.enable();
    const w0 = performance.now();
    const b0 = e.runner.boardMs();
    if (stepping) while (e.runner.boardMs() - b0 < boardMs) await move(e, 500, cfg.stepRateHz);
    else await e.advance(boardMs);
    return r3((e.runner.boardMs() - b0) / (performance.now() - w0));
  } finally {
    await e.close();
  }
}

/** Write → pin change on the board, and pin-state query round trip (board ms and wall ms). */
async function latency(transport: Transport, samples: number): Promise<object> {
  const { spec, cfg } = setup();
  const e = await openEmulatedHal(transport, spec, cfg);
  const io: any = e.hal.io;
  const pin = cfg.alarmPin;
  let changedAt = -1;
  e.runner.uno.onPin((p, _lv, atMs) => {
    if (p === pin) changedAt = atMs;
  });
  const oneWay: number[] = [];
  const rtBoard: number[] = [];
  const rtWall: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      changedAt = -1;
      const b0 = e.runner.boardMs();
      io.digitalWrite(pin, i % 2 === 0 ? 1 : 0);
      while (changedAt < 0) await e.advance(0.25);
      oneWay.push(changedAt - b0);
      let answered = false;
      const w0 = performance.now();
      const q0 = e.runner.boardMs();
      io.queryPinState(pin, () => (answered = true));
      while (!answered) await e.advance(0.25);
      rtBoard.push(e.runner.boardMs() - q0);
      rtWall.push(performance.now() - w0);
      await e.advance(3);
    }
  } finally {
    await e.close();
  }
  return { writeToPinBoardMs: r3(median(oneWay)), queryRoundTripBoardMs: r3(median(rtBoard)), queryRoundTripWallMs: r3(median(rtWall)), samples };
}

/** One 2-second move at `rateHz` in pins mode: did every pulse arrive, and how late? */
async function pinsAt(rateHz: number): Promise<{ rateHz: number; commanded: number; delivered: number; lagMs: number; maxBacklogBytes: number }> {
  const { spec, cfg } = setup(rateHz);
  const e = await openEmulatedHal("in-process", spec, cfg);
  let lastEdge = 0;
  let backlog = 0;
  e.runner.uno.onPin((p, lv, atMs) => {
    if (p === cfg.stepPin && lv === "high") lastEdge = atMs;
  });
  e.runner.onSlice(() => (backlog = Math.max(backlog, (e.runner.uno as any).rxQueue.length)));
  try {
    e.hal.stepper.enable();
    const n = rateHz * 2;
    const res = await move(e, n, rateHz);
    const endBoard = e.runner.boardMs();
    await e.advance(2000);
    return { rateHz, commanded: res.issued, delivered: e.rig.truth.forward, lagMs: r3(Math.max(0, lastEdge - endBoard)), maxBacklogBytes: backlog };
  } finally {
    await e.close();
  }
}

export async function benchUno(): Promise<object> {
  const idle = await speed(5000, false);
  const stepping = await speed(5000, true);
  const inProcess = await latency("in-process", 40);
  const pty = await latency("pty", 40);
  const rates = [250, 500, 750, 900, 950, 1000, 1100, 1250];
  const tried = [];
  for (const r of rates) tried.push(await pinsAt(r));
  const ok = tried.filter((x) => x.delivered === x.commanded && x.lagMs <= 10);
  return {
    node: process.version,
    emulatorSpeedX: { idle, stepping },
    firmataLatency: { inProcess, pty },
    pinsMode: { sustainedStepsPerSecond: ok.length ? ok[ok.length - 1].rateHz : 0, bytesPerStep: 6, tried },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(JSON.stringify(await benchUno(), null, 2) + "\n");
  process.exit(0);
}
