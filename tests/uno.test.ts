// The emulated Uno as the CI stand-in for a board: the genuine StandardFirmata
// hex (sha256-checked) on avr8js answers the Firmata handshake; ≥ 200 microsteps
// through johnny-five → firmata-io → the emulated USART → GPIO reach the plant
// exactly, in the commanded direction, and the analog readings follow the plant
// within one report interval — in-process and over a socat pty with serialport
// 13; the firmware's millis() keeps the Firmata sampling interval in emulated time.
// The table-decoded CPU loop (sim/uno/avr-run.ts) is avr8js's own step for step:
// every opcode from seeded states, and seconds of the firmware under seeded traffic.

import test from "ava";
import { readFileSync } from "node:fs";
import { CPU, avrInstruction } from "avr8js";
import type { MoveResult } from "../hal/types.ts";
import { FIRMWARE_SHA256, firmwarePath, firmwareValid } from "../sim/uno/fetch-firmware.ts";
import { loadHex } from "../sim/uno/intel-hex.ts";
import { EmulatedUno, forgetBootMemos } from "../sim/uno/avr.ts";
import type { PinLevel } from "../sim/uno/avr.ts";
import { avrDecoder, branches, buildDecoder, instructionSourcePath } from "../sim/uno/avr-run.ts";
import { Rng } from "../sim/rng.ts";
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

/** avr8js's own loop, the reference the decoded loop must match. */
function avr8jsRun(cpu: CPU, end: number): void {
  while (cpu.cycles < end) {
    avrInstruction(cpu);
    cpu.tick();
  }
}

test("the decoded CPU loop executes every one of the 65,536 opcodes exactly as avr8js does (3 seeded states each)", (t) => {
  const { run, table, conditions } = avrDecoder();
  t.true(conditions.length >= 90, conditions.length + " branches");
  t.is(new Set(table).size, conditions.length + 1, "every branch is reachable, and some opcodes decode to none");
  const rng = new Rng(2026);
  const byte = () => Math.floor(rng.next() * 256);
  const prog = new Uint16Array(16384);
  const a = new CPU(prog, 2048);
  const b = new CPU(prog, 2048);
  for (let i = 0; i < a.data.length; i++) a.data[i] = byte();
  const same = (x: CPU, y: CPU) => x.pc === y.pc && x.cycles === y.cycles && Buffer.from(x.data.buffer).equals(Buffer.from(y.data.buffer));
  let differ = 0;
  let first = "";
  for (let op = 0; op < 65536; op++) {
    for (let k = 0; k < 3; k++) {
      const pc = Math.floor(rng.next() * (prog.length - 1));
      prog[pc] = op;
      prog[pc + 1] = byte() | (byte() << 8);
      // fresh registers, SREG and stack pointer; SRAM carries on from the last step
      for (let i = 0; i < 32; i++) a.data[i] = byte();
      a.data[95] = byte();
      a.data[93] = byte();
      a.data[94] = 0x01 + Math.floor(rng.next() * 8);
      b.data.set(a.data);
      a.pc = b.pc = pc;
      a.cycles = b.cycles = 1000;
      avr8jsRun(a, 1001);
      run(b, 1001);
      if (!same(a, b)) {
        differ++;
        if (!first) first = "opcode 0x" + op.toString(16) + ": pc " + a.pc + "/" + b.pc + ", cycles " + a.cycles + "/" + b.cycles;
      }
    }
  }
  t.is(differ, 0, first);
});

test("the decoded loop, and a reset replaying a boot already run, run StandardFirmata identically to avr8js: boot and 1.6 s of seeded Firmata traffic, state compared every emulated ms", (t) => {
  const program = loadHex(readFileSync(firmwarePath(), "utf8"));
  const trace = (early: boolean, opts: { run?: (cpu: CPU, end: number) => void; bootMemo?: boolean }) => {
    const uno = new EmulatedUno(program, opts);
    const log: string[] = [];
    uno.onTx = (byte) => log.push("tx " + byte);
    uno.onPin((pin: number, level: PinLevel, atMs: number) => log.push("pin " + pin + " " + level + " " + atMs));
    uno.analogVolts = (ch, atMs) => 2.5 + 2 * Math.sin(atMs / (37 + 11 * ch));
    const rng = new Rng(7);
    const states: string[] = [];
    const frames: number[][] = [
      [0xf9],
      [0xf0, 0x79, 0xf7],
      [0xf0, 0x7a, 10, 0, 0xf7], // sampling interval 10 ms
      [0xf4, 2, 1], [0xf4, 3, 1], [0xf4, 4, 1], [0xf4, 5, 0], [0xd0, 1],
      [0xc0, 1], [0xc1, 1], [0xc0, 0],
    ];
    // the firmware blinks its LED for ~1.9 s before it opens the serial port; what the host sends meanwhile waits
    for (let ms = 1; ms <= 3500; ms++) {
      if (early && ms === 700) uno.receive([0xf9, 0xc0, 1]);
      if (ms > 1900 && rng.next() < 0.02) uno.receive(frames[Math.floor(rng.next() * frames.length)]);
      if (ms > 1900 && rng.next() < 0.05) uno.receive([0x90, Math.floor(rng.next() * 128) & 0x3c, 0]); // STEP/DIR/EN on D2–D5
      uno.runUntilCycles(ms * 16000);
      // while a boot is replayed only the cycle count is the chip's (nothing reads the rest)
      let h = 0;
      for (const v of uno.cpu.data) h = (h * 31 + v) >>> 0;
      states.push(uno.replaying ? "replay:" + uno.cpu.cycles : uno.cpu.pc + ":" + uno.cpu.cycles + ":" + h);
      replayedMs += uno.replaying ? 1 : 0;
    }
    return { log, states, replayed: uno.bootReplayed, replayedMs };
  };
  let replayedMs = 0;
  forgetBootMemos(); // this test is synchronous: no other test records a boot meanwhile
  const same = (name: string, ref: ReturnType<typeof trace>, run: ReturnType<typeof trace>) => {
    const at = ref.states.findIndex((s, i) => s !== run.states[i] && !(run.states[i].startsWith("replay:") && s.split(":")[1] === run.states[i].split(":")[1]));
    t.is(at, -1, name + ": first difference at emulated ms " + (at + 1) + ": " + ref.states[at] + " / " + run.states[at]);
    t.deepEqual(run.log, ref.log, name);
  };
  // reference: avr8js's own loop, no memo; host bytes from 1.9 s on (quiet boot) and also at 0.7 s (mid-boot)
  const quiet = trace(false, { run: avr8jsRun });
  const early = trace(true, { run: avr8jsRun });
  t.true(quiet.log.filter((l) => l.startsWith("tx")).length > 500, "the firmware answered (" + quiet.log.length + " events)");
  t.true(quiet.log.some((l) => l.startsWith("pin 2 high")), "the traffic toggled the STEP pin");
  // the first boot with a memo runs (and records); later ones replay it, to its end or until a byte arrives
  same("decoded, recording its boot", quiet, trace(false, { bootMemo: true }));
  same("decoded, mid-boot bytes", early, trace(true, {}));
  replayedMs = 0;
  const again = trace(false, { bootMemo: true });
  t.true(again.replayed && replayedMs > 1500, "a quiet reset replayed " + replayedMs + " ms of boot");
  same("boot replayed to its end", quiet, again);
  replayedMs = 0;
  const cut = trace(true, { bootMemo: true });
  t.true(cut.replayed && replayedMs === 699, "replayed until the host's first byte: " + replayedMs + " ms");
  same("boot replayed until a byte arrives", early, cut);
});

test("an instruction.js laid out otherwise (another avr8js) is refused by name, never decoded differently", (t) => {
  const src = readFileSync(instructionSourcePath(), "utf8");
  t.is(branches(src).length, avrDecoder().conditions.length);
  const refused = { message: /^avr-decoder-layout: / };
  t.throws(() => buildDecoder(src.replace("function avrInstruction(cpu) {", "function avrStep(cpu) {")), refused);
  t.throws(() => buildDecoder(src.replace("    cpu.cycles++;\n}", "    cpu.cycles += 1;\n}")), refused);
  t.throws(() => buildDecoder(src.replace("        cpu.onWatchdogReset();", "        return cpu.onWatchdogReset();")), refused);
  t.throws(() => buildDecoder(src.replace("    else if (opcode === 0x95a8) {", "    else if (opcode === 0x95a8 &&\nready) {")), refused);
});
