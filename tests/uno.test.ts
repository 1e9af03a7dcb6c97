// The emulated Uno as the CI stand-in for a board: the genuine StandardFirmata
// hex (sha256-checked) on avr8js answers the Firmata handshake; ≥ 200 microsteps
// through johnny-five → firmata-io → the emulated USART → GPIO reach the plant
// exactly, in the commanded direction, and the analog readings follow the plant
// within one report interval — in-process and over a socat pty with serialport
// 13; the firmware's millis() keeps the Firmata sampling interval in emulated time.
// The table-decoded CPU loop (sim/uno/avr-run.ts, cpu-loop.ts) is avr8js's own step for step:
// every opcode from seeded states, and seconds of the firmware under seeded traffic;
// so is the loop with the firmware's idle rounds fast-forwarded (sim/uno/cpu-loop.ts).

import test from "ava";
import { readFileSync } from "node:fs";
import { CPU, avrInstruction } from "avr8js";
import type { MoveResult } from "../hal/types.ts";
import { FIRMWARE_SHA256, firmwarePath, firmwareValid } from "../sim/uno/fetch-firmware.ts";
import { loadHex } from "../sim/uno/intel-hex.ts";
import { EmulatedUno, forgetBootMemos } from "../sim/uno/avr.ts";
import type { PinLevel } from "../sim/uno/avr.ts";
import { avrDecoder, branches, buildDecoder, instructionSourcePath } from "../sim/uno/avr-run.ts";
import { cpuLoop } from "../sim/uno/cpu-loop.ts";
import { Rng } from "../sim/rng.ts";
import { connect } from "node:net";
import { SerialPort } from "serialport";
import { serveEmulatedUno } from "../sim/uno/serve.ts";
import { lineReader } from "../sim/uno/lines.ts";
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
  const { table, conditions } = avrDecoder();
  t.true(conditions.length >= 90, conditions.length + " branches");
  t.is(new Set(table).size, conditions.length + 1, "every branch is reachable, and some opcodes decode to none");
  const rng = new Rng(2026);
  const byte = () => Math.floor(rng.next() * 256);
  const prog = new Uint16Array(16384);
  const a = new CPU(prog, 2048);
  const b = new CPU(prog, 2048);
  const run = cpuLoop(b, avrDecoder(), [], [], false).run;
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

/** The chip's state where a test compares two runs: pc, cycles, every byte, the timers' own fields and the clock event queue. */
function chipState(uno: EmulatedUno): string {
  let h = 0;
  for (const v of uno.cpu.data) h = (h * 31 + v) >>> 0;
  const timers = (uno as any).peripherals.slice(0, 3).map((tm: any) => [tm.tcnt, tm.lastCycle, tm.countingUp, tm.divider, tm.ocrA, tm.ocrB, tm.timerMode, tm.compA, tm.compB].join(","));
  const queue: number[] = [];
  for (let e = (uno.cpu as any).nextClockEvent; e; e = e.next) queue.push(e.cycles);
  return uno.cpu.pc + ":" + uno.cpu.cycles + ":" + h + ":" + timers.join("/") + ":" + queue.join(",");
}

/** What the chip shows the outside, in order: every byte sent with its cycle, every pin change with its ms. */
function chipEvents(uno: EmulatedUno): string[] {
  const log: string[] = [];
  uno.onTx = (byte) => log.push("tx " + byte + " @" + uno.cpu.cycles);
  uno.onPin((pin: number, level: PinLevel, atMs: number) => log.push("pin " + pin + " " + level + " " + atMs));
  return log;
}

/** Where two runs first part (states compared in step, then the events): "" when they do not. */
function firstDifference(a: { states: string[]; log: string[] }, b: { states: string[]; log: string[] }): string {
  const at = a.states.findIndex((x, i) => x !== b.states[i]);
  if (at >= 0) return "state " + at + ": " + a.states[at] + " / " + b.states[at];
  const ev = a.log.findIndex((x, i) => x !== b.log[i]);
  return ev >= 0 || a.log.length !== b.log.length ? "event " + (ev >= 0 ? ev : Math.min(a.log.length, b.log.length)) + ": " + a.log[ev] + " / " + b.log[ev] : "";
}

test("the decoded loop, its idle fast-forward, and a reset replaying a boot already run, run StandardFirmata identically to avr8js: boot and 1.6 s of seeded Firmata traffic (PWM on and off among it), the whole chip compared every emulated ms, bytes and pins at their cycle", (t) => {
  const program = loadHex(readFileSync(firmwarePath(), "utf8"));
  const trace = (early: boolean, opts: { run?: (cpu: CPU, end: number) => void; bootMemo?: boolean; fastForward?: boolean }) => {
    const uno = new EmulatedUno(program, opts);
    const log = chipEvents(uno);
    uno.analogVolts = (ch, atMs) => 2.5 + 2 * Math.sin(atMs / (37 + 11 * ch));
    const rng = new Rng(7);
    const states: string[] = [];
    const frames: number[][] = [
      [0xf9],
      [0xf0, 0x79, 0xf7],
      [0xf0, 0x7a, 10, 0, 0xf7], // sampling interval 10 ms
      [0xf4, 2, 1], [0xf4, 3, 1], [0xf4, 4, 1], [0xf4, 5, 0], [0xd0, 1],
      [0xc0, 1], [0xc1, 1], [0xc0, 0],
      [0xf4, 6, 3], [0xe6, 64, 0], [0xf4, 6, 1], // D6 (timer 0's OC0A) to PWM, a duty, back to output
    ];
    // the firmware blinks its LED for ~1.9 s before it opens the serial port; what the host sends meanwhile waits
    for (let ms = 1; ms <= 3500; ms++) {
      if (early && ms === 700) uno.receive([0xf9, 0xc0, 1]);
      if (ms > 1900 && rng.next() < 0.02) uno.receive(frames[Math.floor(rng.next() * frames.length)]);
      if (ms > 1900 && rng.next() < 0.05) uno.receive([0x90, Math.floor(rng.next() * 128) & 0x3c, 0]); // STEP/DIR/EN on D2–D5
      uno.runUntilCycles(ms * 16000);
      // while a boot is replayed only the cycle count is the chip's (nothing reads the rest)
      states.push(uno.replaying ? "replay:" + uno.cpu.cycles : chipState(uno));
      replayedMs += uno.replaying ? 1 : 0;
    }
    return { log, states, replayed: uno.bootReplayed, replayedMs, idle: uno.idle };
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
  t.true(quiet.log.some((l) => l.startsWith("pin 6 high")) && quiet.log.some((l) => l.startsWith("pin 6 low")), "the PWM frames drove D6");
  same("decoded, no fast-forward", quiet, trace(false, { fastForward: false }));
  // the first boot with a memo runs (and records); later ones replay it, to its end or until a byte arrives
  const recorded = trace(false, { bootMemo: true });
  same("fast-forwarded, recording its boot", quiet, recorded);
  // it did fast-forward (the boot blinks the LED with delay(), which reads the timer: no idle rounds there), and
  // took every path: rounds skipped, a round that raised a flag undone
  const ff = recorded.idle!;
  t.true(ff.skippedCycles > 0.5 * (3500 - 1900) * 16000 && ff.undone > 100, "half the emulated time after the boot skipped: " + JSON.stringify(ff));
  same("fast-forwarded, mid-boot bytes", early, trace(true, {}));
  replayedMs = 0;
  const again = trace(false, { bootMemo: true });
  t.true(again.replayed && replayedMs > 1500, "a quiet reset replayed " + replayedMs + " ms of boot");
  same("boot replayed to its end", quiet, again);
  replayedMs = 0;
  const cut = trace(true, { bootMemo: true });
  t.true(cut.replayed && replayedMs === 699, "replayed until the host's first byte: " + replayedMs + " ms");
  same("boot replayed until a byte arrives", early, cut);
});

test("the idle fast-forward matches the plain loop on StandardFirmata from 10 seeded starts: every phase of the rounds against the timers, host bytes at random cycles, the whole chip compared every emulated ms", (t) => {
  const program = loadHex(readFileSync(firmwarePath(), "utf8"));
  const frames: number[][] = [[0xf0, 0x7a, 19, 0, 0xf7], [0xc0, 1], [0xc1, 1], [0xd0, 1], [0xf4, 6, 3], [0xe6, 21, 1], [0xf4, 6, 1], [0xf9]];
  let skipped = 0;
  let undone = 0;
  for (let trial = 0; trial < 10; trial++) {
    const run = (plain: boolean) => {
      // the boot replayed (bootMemo): each start costs only its own 120 ms
      const uno = new EmulatedUno(program, { fastForward: !plain, bootMemo: true });
      const log = chipEvents(uno);
      uno.analogVolts = (ch, atMs) => 2.5 + 2 * Math.sin(atMs / (23 + 7 * ch + trial));
      const rng = new Rng(1000 + trial);
      const states: string[] = [];
      const first = 1900 + Math.floor(rng.next() * 40);
      for (let ms = 1; ms <= first + 120; ms++) {
        if (ms >= first && rng.next() < 0.08) uno.receive(frames[Math.floor(rng.next() * frames.length)]);
        if (ms >= first && rng.next() < 0.05) uno.receive([0x90, Math.floor(rng.next() * 128) & 0x3c, 0]);
        // slices of whole ms and, now and then, a cut at a random cycle (a lockstep slice ends anywhere)
        if (ms >= first && rng.next() < 0.3) uno.runUntilCycles((ms - 1) * 16000 + 1 + Math.floor(rng.next() * 15999));
        uno.runUntilCycles(ms * 16000);
        if (ms >= first) states.push(chipState(uno));
      }
      return { log, states, idle: uno.idle };
    };
    const a = run(true);
    const b = run(false);
    const differ = firstDifference(a, b);
    if (differ) return t.fail("start " + trial + ": first difference at " + differ);
    skipped += b.idle!.skippedCycles;
    undone += b.idle!.undone;
  }
  t.true(skipped > 0 && undone > 0, "skipped " + skipped + " cycles, undone " + undone + " rounds");
  t.log("skipped " + skipped + " cycles, " + undone + " rounds undone");
});

/** A tiny firmware, assembled here: timers set up as `cfg` says, interrupts on, a main loop of `loop` NOPs and 2-cycle jumps; every vector runs an ISR that counts in SRAM. */
function timerFirmware(rng: Rng): { program: Uint16Array; what: string } {
  const words: number[] = [];
  const ldi = (d: number, k: number) => words.push(0xe000 | ((k & 0xf0) << 4) | ((d - 16) << 4) | (k & 0x0f));
  const sts = (addr: number, r: number) => words.push(0x9200 | (r << 4), addr);
  const set = (addr: number, v: number) => (ldi(16, v), sts(addr, 16));
  const jmp = (to: number) => words.push(0x940c, to);
  const ISR = 0x34;
  jmp(0); // patched below: reset to main
  for (let v = 1; v < 26; v++) jmp(ISR);
  // the ISR: lds r20, 0x100; inc r20; sts 0x100, r20; reti
  words.push(0x9140, 0x0100, 0x9543, 0x9340, 0x0100, 0x9518);
  const main = words.length;
  words[1] = main;
  const what: string[] = [];
  set(0x2a, 0x40); // OC0A (D6) an output
  set(0x24, 0x0a); // OC1A (D9), OC2A (D11) outputs
  // timer n: [TCCRnA, TCCRnB, OCRnA, OCRnB, TIMSKn]; prescaler CS values and modes (WGM bits of TCCRnA)
  const regs = [[0x44, 0x45, 0x47, 0x48, 0x6e], [0x80, 0x81, 0x88, 0x8a, 0x6f], [0xb0, 0xb1, 0xb3, 0xb4, 0x70]];
  const prescalers = [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7]];
  const same = rng.next() < 0.6 ? 3 : 0;
  for (let n = 0; n < 3; n++) {
    if (rng.next() < 0.2) continue;
    const [A, B, OA, OB, MSK] = regs[n];
    // mostly one prescaler for all (64: the Arduino core's), else any; CS 1 (every cycle) seldom
    const cs = same && n !== 2 ? same : same ? 4 : prescalers[n][Math.floor(rng.next() * prescalers[n].length)];
    const wgm = [0, 1, 2, 3][Math.floor(rng.next() * 4)];
    const com = rng.next() < 0.15 ? 0x80 : 0; // OCnA drives its pin (PWM): no fast-forward
    set(OA, 1 + Math.floor(rng.next() * 254));
    set(OB, Math.floor(rng.next() * 256));
    set(MSK, [0, 1, 2, 3, 7][Math.floor(rng.next() * 5)]);
    set(A, wgm | com);
    // a phase between the timers' starts: often within one instruction of the last one's
    for (let k = Math.floor(rng.next() * (rng.next() < 0.4 ? 3 : 40)); k > 0; k--) words.push(0);
    set(B, cs);
    what.push("t" + n + " cs" + cs + " wgm" + wgm + (com ? " pwm" : ""));
  }
  words.push(0x9478); // sei
  const top = words.length;
  for (let k = Math.floor(rng.next() * 30); k > 0; k--) words.push(rng.next() < 0.2 ? 0xc000 : 0); // nop, or rjmp .+0 (2 cycles)
  words.push(0xc000 | ((top - (words.length + 1)) & 0x0fff)); // rjmp top
  const program = new Uint16Array(16384);
  program.set(words);
  return { program, what: what.join(", ") + "; loop " + (words.length - top) + " words" };
}

test("the idle fast-forward matches the plain loop on 80 assembled firmwares: timers in every mode and prescaler at seeded phases, their interrupts on, main loops of every length; the whole chip compared every emulated ms and at random cycles", (t) => {
  const rng = new Rng(20261202);
  let skipped = 0;
  let undone = 0;
  let forwarded = 0;
  for (let v = 0; v < 80; v++) {
    const fw = timerFirmware(rng);
    const cuts: number[] = [];
    for (let ms = 0; ms < 40; ms++) cuts.push(ms * 16000 + 1 + Math.floor(rng.next() * 15999), (ms + 1) * 16000);
    const run = (plain: boolean) => {
      const uno = new EmulatedUno(fw.program, { fastForward: !plain });
      const log = chipEvents(uno);
      const states: string[] = [];
      for (const c of cuts) {
        uno.runUntilCycles(c);
        states.push(chipState(uno));
      }
      return { log, states, idle: uno.idle };
    };
    const a = run(true);
    const b = run(false);
    const differ = firstDifference(a, b);
    if (differ) return t.fail("firmware " + v + " (" + fw.what + "): first difference at " + differ);
    skipped += b.idle!.skippedCycles;
    undone += b.idle!.undone;
    forwarded += b.idle!.skippedCycles > 0 ? 1 : 0;
  }
  t.true(forwarded >= 40 && undone > 0, forwarded + " of 80 fast-forwarded, " + undone + " rounds undone");
  t.log(forwarded + " of 80 firmwares fast-forwarded, " + skipped + " cycles skipped, " + undone + " rounds undone");
});

test.serial("a served board owes its host no byte once the cable is out: what was on the wire is lost with it, so the lockstep's count goes to 0 with the line", async (t) => {
  const u = await serveEmulatedUno({ away: "hold" });
  const sock = connect(u.clockPath);
  // a host that attaches, steps every board ms and never reads the port: the board's bytes stay on the wire
  const owed: number[] = [];
  let unplugged = -1;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  sock.on("data", lineReader((line) => {
    const [w, ms, sent] = line.split(" ");
    if (w === "w") sock.write("go\n");
    if (w !== "t") return;
    owed.push(Number(sent));
    if (unplugged < 0 && Number(sent) > 0) {
      unplugged = owed.length;
      // the next steps wait until the cable is out
      void u.server.unplug().then(() => sock.write("a 0 " + (Number(ms) + 1) + "\n"));
      return;
    }
    if (unplugged > 0 && owed.length > unplugged + 20) return done();
    sock.write("a 0 " + (Number(ms) + 1) + "\n");
  }));
  try {
    const port = new SerialPort({ path: u.hostPath, baudRate: 57600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    sock.write("hello\n");
    await finished;
    t.true(owed[unplugged - 1] > 0, "the board had sent " + owed[unplugged - 1] + " bytes (its version) before the cable was pulled");
    t.deepEqual(owed.slice(unplugged + 1), new Array(owed.length - unplugged - 1).fill(0), "owed after the unplug");
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  } finally {
    sock.destroy();
    await u.close();
  }
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
