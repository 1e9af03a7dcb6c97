// The emulated Uno as the CI stand-in for a board: the genuine StandardFirmata
// hex (sha256-checked) on avr8js answers the Firmata handshake; ≥ 200 microsteps
// through johnny-five → firmata-io → the emulated USART → GPIO reach the plant
// exactly, in the commanded direction, and the analog readings follow the plant
// within one report interval — in-process and over a socat pty with serialport
// 13; the firmware's millis() keeps the Firmata sampling interval in emulated time.

import test from "ava";
import { readFileSync } from "node:fs";
import type { MoveResult } from "../hal/types.ts";
import { FIRMWARE_SHA256, firmwarePath, firmwareValid } from "../sim/uno/fetch-firmware.ts";
import { loadHex } from "../sim/uno/intel-hex.ts";
import type { HalHarness } from "./hal-contract.ts";
import { unoHarness, unoPtyHarness } from "./hal-contract-harnesses.ts";

test("the firmware is the genuine StandardFirmata hex from avrgirl-arduino 5.0.1 (sha256 checked)", (t) => {
  t.true(firmwareValid(), "run `node --import=tsx sim/uno/fetch-firmware.ts`");
  t.is(FIRMWARE_SHA256.length, 64);
  const words = loadHex(readFileSync(firmwarePath(), "utf8"));
  t.is(words.length, 16384);
  t.is(words[0] & 0xfe0e, 0x940c, "the reset vector is a JMP");
});

test("the Intel HEX loader names the line of a corrupt record", (t) => {
  t.throws(() => loadHex(":100000000C9474000C949C000C949C000C949C0029\n"), { message: /hex line 1: bad checksum/ });
  t.throws(() => loadHex("garbage\n"), { message: /hex line 1: not an Intel HEX record/ });
});

async function move(h: HalHarness, steps: number, dir: 1 | -1): Promise<MoveResult> {
  let res: MoveResult | null = null;
  h.hal.stepper.move({ steps, dir, maxDurationMs: Math.ceil((steps * 1000) / h.hal.caps.maxStepRateHz) + 100 }, (r) => (res = r));
  while (!res) await h.advance(5);
  await h.advance(20);
  return res;
}

for (const [label, make] of [["in-process", unoHarness], ["over a socat pty with serialport 13", unoPtyHarness]] as const) {
  test.serial("genuine StandardFirmata " + label + ": 300 microsteps out and 200 back reach the plant exactly; readings follow within one report interval", async (t) => {
    const h = await make();
    try {
      const fw = (h.hal as any).io.firmware;
      t.regex(fw.name, /StandardFirmata/);
      t.is(fw.version.major, 2);
      h.hal.stepper.enable();
      t.like(await move(h, 300, 1), { issued: 300, fault: "" });
      t.like(h.truth(), { forward: 300, backward: 0 });
      t.like(await move(h, 200, -1), { issued: 200, fault: "" });
      t.like(h.truth(), { forward: 300, backward: 200 });
      const end = h.hal.clock.monoMs();
      while (h.hal.position.read().atMs <= end || h.hal.force.read().atMs <= end) await h.advance(1);
      t.true(h.hal.clock.monoMs() - end <= h.freshWithinMs, "fresh readings " + (h.hal.clock.monoMs() - end) + " ms after the move");
      t.true(Math.abs(h.hal.position.read().value - h.truth().gapUm) <= h.resolutionUm);
      t.true(Math.abs(h.hal.force.read().value - h.truth().forceN) <= h.resolutionN);
    } finally {
      await h.close();
    }
  });
}

test.serial("the firmware's millis() keeps the Firmata sampling interval in emulated time", async (t) => {
  const h = await unoHarness();
  try {
    const stamps: number[] = [];
    (h.hal as any).io.analogRead(0, () => stamps.push(h.hal.clock.monoMs()));
    await h.advance(1000);
    const gaps = stamps.slice(1).map((s, i) => s - stamps[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    t.true(gaps.length >= 95, gaps.length + " reports in 1 s");
    t.true(Math.abs(mean - 10) < 0.2, "mean report interval " + mean + " ms (configured 10 ms)");
  } finally {
    await h.close();
  }
});
