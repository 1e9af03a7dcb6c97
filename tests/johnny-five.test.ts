// The johnny-five driver's parts on their own: two-point calibration, the board
// wiring validator (named fields), a board that never answers (named failure in
// bounded time, no hang), and `stepper` mode against the Firmata AccelStepper
// protocol (sysex 0x62, firmata/protocol accelStepperFirmata.md) byte for byte
// through firmata-io, with a scripted board replying "move complete" — the only
// way to exercise it here, as StandardFirmata has no stepper support.

import test from "ava";
import { Duplex } from "node:stream";
import { setImmediate as turn } from "node:timers/promises";
import type { MoveResult } from "../hal/types.ts";
import { countsToValue, unitsPerCount } from "../hal/johnny-five/calibration.ts";
import { FirmataStepper } from "../hal/johnny-five/firmata-stepper.ts";
import type { FirmataStepperConfig } from "../hal/johnny-five/firmata-stepper.ts";
import { openJohnnyFiveHal } from "../hal/johnny-five/driver.ts";
import { Link } from "../hal/johnny-five/link.ts";
import { REPORT_VERSION_WAIT_MS, firmataOn } from "../hal/johnny-five/serial.ts";
import { parseBoardConfig } from "../hal/johnny-five/board-config.ts";
import { memoryStorage } from "../sim/power-cut-store.ts";
import { VirtualClock } from "../sim/virtual-clock.ts";
import { BENCH_PROFILE, buildRig } from "../sim/uno/bench-rig.ts";
import { readJsonFile } from "../sim/json-file.ts";
import { calibrationPoints, unitsToVolts, voltsToCounts } from "../sim/uno/front-end.ts";
import { VirtualIO } from "../sim/uno/virtual-io.ts";
import { quietBench } from "./hal-contract-harnesses.ts";

test("two-point calibration maps ADC counts to units; bin-centre points read within half a count", (t) => {
  const cal = { counts: [100, 900] as [number, number], values: [0, 10000] as [number, number] };
  t.is(countsToValue(cal, 100), 0);
  t.is(countsToValue(cal, 500), 5000);
  t.is(unitsPerCount(cal), 12.5);
  const fe = { voltsAtZero: 0.5, voltsPerUnit: 0.0004 };
  const bench = calibrationPoints(fe, 0, 10000);
  for (const um of [0, 1234.5, 5000, 9999]) {
    t.true(Math.abs(countsToValue(bench, voltsToCounts(unitsToVolts(fe, um))) - um) <= unitsPerCount(bench) / 2 + 1e-9);
  }
});

test("the board wiring is checked field by field", (t) => {
  const profile = readJsonFile(BENCH_PROFILE, "bench profile");
  const bad = { ...profile, board: { ...profile.board, stepPin: 1, dirPin: 4, forceChannel: 0, position: { counts: [5, 5], values: [0, 1] }, samplingIntervalMs: 5 } };
  const e = t.throws(() => parseBoardConfig(bad, 1)) as any;
  t.is(e.code, "invalid");
  for (const f of ["profile.board.stepPin", "profile.board.forceChannel", "profile.board.position.counts", "profile.board.samplingIntervalMs"]) t.true(e.fields.includes(f), f);
  t.throws(() => parseBoardConfig({ ...profile, board: undefined }, 1), { message: /profile\.board: missing/ });
});

test("a board that never answers the handshake fails with board-not-responding in bounded time", async (t) => {
  const { spec, cfg } = quietBench();
  const clock = new VirtualClock(0);
  const io = new VirtualIO(buildRig(spec, cfg), clock); // never connect()ed: silent
  const opening = openJohnnyFiveHal(io, clock, memoryStorage(1), cfg);
  let error: Error | null = null;
  opening.catch((e) => (error = e));
  while (!error && clock.monoMs() <= cfg.readyTimeoutMs + 100) {
    clock.runUntil(clock.monoMs() + 50);
    await turn();
  }
  t.regex(String(error), /board-not-responding: no Firmata handshake within 10000 ms/);
});

/** A serial line to a scripted board: records what the host sends, replays replies. */
class ScriptedBoard extends Duplex {
  sent: number[] = [];
  _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.sent.push(...chunk);
    cb();
  }
  _read(): void {}
  drain(): number[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }
  moveComplete(position: number): void {
    const a = Math.abs(position);
    this.push(Buffer.from([0xf0, 0x62, 0x0a, 0x00, a & 0x7f, (a >> 7) & 0x7f, (a >> 14) & 0x7f, (a >> 21) & 0x7f, ((a >> 28) & 0x07) | (position < 0 ? 0x08 : 0), 0xf7]));
  }
}

test("on an emulated board's clock a silent board is asked for its version after 5 s of board time (firmata-io asks after 5 s of wall time), and one that answered is not asked", async (t) => {
  const k = 4;
  const silent = new ScriptedBoard();
  const clock = new VirtualClock(0);
  firmataOn(silent, { clock, timeScale: k });
  clock.runUntil(REPORT_VERSION_WAIT_MS * k - 1);
  await turn();
  t.deepEqual(silent.drain(), []);
  clock.runUntil(REPORT_VERSION_WAIT_MS * k);
  await turn();
  t.deepEqual(silent.drain(), [0xf9, 0xf0, 0x79, 0xf7], "REPORT_VERSION and QUERY_FIRMWARE");
  const answering = new ScriptedBoard();
  const clock2 = new VirtualClock(0);
  firmataOn(answering, { clock: clock2, timeScale: k });
  answering.push(Buffer.from([0xf9, 0x02, 0x05]));
  await turn();
  answering.drain();
  clock2.runUntil(2 * REPORT_VERSION_WAIT_MS * k);
  await turn();
  t.false(answering.drain().includes(0xf9), "no version ask after the board reported");
});

const STEP = [0xf0, 0x62, 0x02, 0x00];
const steps = (n: number) => [...STEP, n & 0x7f, (n >> 7) & 0x7f, 0, 0, 0, 0xf7];

async function accelRig() {
  const wire = new ScriptedBoard();
  const io = firmataOn(wire);
  wire.push(Buffer.from([0xf9, 0x02, 0x05])); // REPORT_VERSION: firmata-io now accepts sysex replies
  await turn();
  const clock = new VirtualClock(0);
  const link = new Link(clock, 1000);
  const cfg: FirmataStepperConfig = { stepPin: 2, dirPin: 3, enablePin: 4, enableActiveLow: true, dirForwardHigh: true, stepRateHz: 500, intervalMs: 2, jitterMs: 20, replyMs: 250, maxMoveSteps: 4000 };
  const stepper = new FirmataStepper(io, clock, link, cfg);
  const results: MoveResult[] = [];
  const run = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.runUntil(clock.monoMs() + 1);
      await turn();
    }
  };
  return { wire, clock, stepper, results, run, done: (r: MoveResult) => results.push(r) };
}

test("stepper mode speaks the AccelStepper protocol: config, enable, step, move complete", async (t) => {
  const r = await accelRig();
  t.deepEqual(r.wire.drain(), [
    0xf0, 0x62, 0x00, 0x00, 0x11, 2, 3, 4, 0x10, 0xf7, // config: driver, whole steps, has enable; STEP 2, DIR 3, EN 4 inverted (active low)
    0xf0, 0x62, 0x04, 0x00, 0x00, 0xf7, // enable: off
    0xf0, 0x62, 0x01, 0x00, 0xf7, // zero
    0xf0, 0x62, 0x08, 0x00, 0, 0, 0, 0, 0xf7, // acceleration 0: constant speed
    0xf0, 0x62, 0x09, 0x00, 5, 0, 0, 13 << 2, 0xf7, // speed 5 × 10^(13−11) = 500 steps/s (custom float)
  ]);
  r.stepper.enable();
  t.deepEqual(r.wire.drain(), [0xf0, 0x62, 0x04, 0x00, 0x01, 0xf7]);
  r.stepper.move({ steps: 200, dir: 1, maxDurationMs: 500 }, r.done);
  t.deepEqual(r.wire.drain(), steps(200));
  await r.run(400);
  r.wire.moveComplete(200);
  await r.run(1);
  t.like(r.results[0], { issued: 200, fault: "" });
});

test("stepper mode: only what fits the duration is sent (timeout), disable stops the board, a silent board still ends the move", async (t) => {
  const r = await accelRig();
  r.wire.drain();
  r.stepper.enable();
  r.wire.drain();
  r.stepper.move({ steps: 100, dir: 1, maxDurationMs: 80 }, r.done);
  t.deepEqual(r.wire.drain(), steps(40));
  await r.run(80);
  r.wire.moveComplete(40);
  await r.run(1);
  t.like(r.results[0], { issued: 40, fault: "timeout" });

  r.stepper.move({ steps: 100, dir: 1, maxDurationMs: 300 }, r.done);
  r.wire.drain();
  await r.run(50);
  r.stepper.disable();
  t.deepEqual(r.wire.drain(), [0xf0, 0x62, 0x05, 0x00, 0xf7, 0xf0, 0x62, 0x04, 0x00, 0x00, 0xf7], "STOP, then ENABLE 0");
  r.wire.moveComplete(65);
  await r.run(1);
  t.like(r.results[1], { issued: 25, fault: "disabled" });

  r.stepper.enable();
  r.stepper.move({ steps: 10, dir: 1, maxDurationMs: 120 }, r.done);
  await r.run(120 + 20 + 250 + 5);
  t.is(r.results.length, 3);
  t.like(r.results[2], { issued: 10, fault: "timeout" }, "no reply: counted as fully issued, never under-counted");
});
