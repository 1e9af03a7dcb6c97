// The Espruino HAL driver, bundled and run in the vm shim against a scripted plant:
// the HAL rules (R1 nothing moves unless enabled, disable stops at once; R2 bounded
// moves, one callback; R3 busy refused; R4 failed readings keep the old value and
// time; R5 timers never early, in order, monotonic time), plus the FAULT input,
// the alarm patterns and the watchdog.

import test from "ava";
import type { MoveResult } from "../hal/types.ts";
import type { EspruinoHalConfig } from "../hal/espruino/config.ts";
import type { EspruinoHal } from "../hal/espruino/driver.ts";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { checkBundle } from "../firmware/node/espruino/check.ts";
import type { EspruinoShim } from "../sim/espruino-shim.ts";
import { bootEspruinoHal, driverBundle } from "./espruino-hal-harness.ts";

class ScriptedPlant {
  tMs = 0;
  steps = 0;
  pulseTimes: number[] = [];
  position = 5000;
  force = 10;
  advanceTo(t: number): void {
    if (t > this.tMs) this.tMs = t;
  }
  pulse(dir: number): void {
    this.steps += dir;
    this.pulseTimes.push(this.tMs);
  }
  sensePosition(): number {
    return this.position;
  }
  senseForce(): number {
    return this.force;
  }
}

const HAL: EspruinoHalConfig = Object.assign({}, BOARDS.pico.hal, {
  maxStepRateHz: 1000,
  maxMoveSteps: 100,
  position: { raw0: 0, value0: 0, raw1: 1, value1: 10000, rawMin: 0.01, rawMax: 0.99 },
  force: { raw0: 0.5, value0: 0, raw1: 1, value1: 200, rawMin: 0.01, rawMax: 0.99 },
});

function boot(): { shim: EspruinoShim; plant: ScriptedPlant; hal: EspruinoHal } {
  const plant = new ScriptedPlant();
  return Object.assign({ plant }, bootEspruinoHal({ plant, hal: HAL }));
}

function recorder(): { results: MoveResult[]; done: (r: MoveResult) => void } {
  const results: MoveResult[] = [];
  return { results, done: (r) => results.push(Object.assign({}, r)) };
}

test("the driver bundle passes the Espruino checks", (t) => {
  const b = driverBundle({ plant: new ScriptedPlant(), hal: HAL });
  t.deepEqual(checkBundle(b.code, b.map), []);
});

test("a move issues its pulses at the step rate in bursts and ends at start + n × period", (t) => {
  const { shim, plant, hal } = boot();
  const r = recorder();
  hal.stepper.enable();
  hal.stepper.move({ steps: 20, dir: 1, maxDurationMs: 1000 }, r.done);
  shim.runUntil(100);
  t.deepEqual(r.results, [{ issued: 20, fault: "", startedAtMs: 0, endedAtMs: 20 }]);
  t.deepEqual(plant.pulseTimes, Array.from({ length: 20 }, (_, i) => i));
  t.is(plant.steps, 20);
  hal.stepper.move({ steps: 3, dir: -1, maxDurationMs: 1000 }, r.done);
  shim.runUntil(200);
  t.is(plant.steps, 17);
  t.is(shim.pins[HAL.pins.dir], 1 - HAL.dirDistractLevel);
});

test("R1/R3: nothing moves unless enabled; busy, disabled, too-large and an asserted FAULT are refused at once", (t) => {
  const { shim, plant, hal } = boot();
  const r = recorder();
  hal.stepper.move({ steps: 5, dir: 1, maxDurationMs: 100 }, r.done);
  t.is(r.results[0].fault, "disabled");
  hal.stepper.enable();
  t.is(shim.pins[HAL.pins.enable], HAL.enableActiveLow ? 0 : 1);
  hal.stepper.move({ steps: 101, dir: 1, maxDurationMs: 1000 }, r.done);
  hal.stepper.move({ steps: 1.5, dir: 1, maxDurationMs: 1000 }, r.done);
  hal.stepper.move({ steps: 10, dir: 1, maxDurationMs: 1000 }, r.done);
  hal.stepper.move({ steps: 10, dir: 1, maxDurationMs: 1000 }, r.done);
  t.deepEqual(r.results.map((x) => x.fault), ["disabled", "too-large", "too-large", "busy"]);
  shim.runUntil(50);
  t.deepEqual(r.results.map((x) => [x.fault, x.issued]), [["disabled", 0], ["too-large", 0], ["too-large", 0], ["busy", 0], ["", 10]]);
  t.is(shim.pinModes[HAL.pins.fault], "input_pullup");
  shim.faultLevel = HAL.faultActiveLevel;
  t.true(hal.stepper.driverFault());
  hal.stepper.move({ steps: 10, dir: 1, maxDurationMs: 1000 }, r.done);
  t.is(r.results[5].fault, "driver-fault");
  shim.runUntil(100);
  t.is(plant.steps, 10);
});

test("R1: disable() stops a move at once; later edges move nothing; one callback, after disable() returns", (t) => {
  const { shim, plant, hal } = boot();
  const r = recorder();
  hal.stepper.enable();
  hal.stepper.move({ steps: 20, dir: 1, maxDurationMs: 1000 }, r.done);
  shim.runUntil(7.5);
  hal.stepper.disable();
  t.is(r.results.length, 0);
  t.false(hal.stepper.isEnabled());
  shim.runUntil(100);
  t.deepEqual(r.results, [{ issued: 8, fault: "disabled", startedAtMs: 0, endedAtMs: 7.5 }]);
  t.is(plant.steps, 8);
  t.true(shim.edges > 8, "queued edges still toggled STEP");
});

test("R2: a move that cannot finish within maxDurationMs issues what fits and reports timeout", (t) => {
  const { shim, plant, hal } = boot();
  const r = recorder();
  hal.stepper.enable();
  hal.stepper.move({ steps: 50, dir: 1, maxDurationMs: 12.5 }, r.done);
  hal.stepper.move({ steps: 5, dir: 1, maxDurationMs: 0.5 }, r.done);
  shim.runUntil(100);
  t.deepEqual(r.results.map((x) => [x.fault, x.issued]), [["busy", 0], ["timeout", 12]]);
  t.is(r.results[1].endedAtMs, 12);
  t.is(plant.steps, 12);
  hal.stepper.move({ steps: 5, dir: 1, maxDurationMs: 0.5 }, r.done);
  shim.runUntil(200);
  t.deepEqual([r.results[2].fault, r.results[2].issued], ["timeout", 0]);
});

test("a FAULT asserted during a move ends it with driver-fault after the burst in flight", (t) => {
  const { shim, plant, hal } = boot();
  const r = recorder();
  hal.stepper.enable();
  hal.stepper.move({ steps: 30, dir: 1, maxDurationMs: 1000 }, r.done);
  shim.runUntil(3);
  shim.faultLevel = HAL.faultActiveLevel;
  shim.runUntil(100);
  t.deepEqual(r.results.map((x) => [x.fault, x.issued]), [["driver-fault", HAL.pulsesPerBurst]]);
  t.is(plant.steps, HAL.pulsesPerBurst);
});

test("R4: sensors apply the calibration; a reading at a rail fails and keeps the last value and its time", (t) => {
  const { shim, plant, hal } = boot();
  shim.runUntil(10);
  plant.position = 2500;
  plant.force = 50;
  t.deepEqual(hal.position.read(), { value: 2500, atMs: 10, ok: true });
  const f = hal.force.read();
  t.true(Math.abs(f.value - 50) < 1e-9 && f.ok);
  shim.runUntil(20);
  plant.position = 10000;
  t.deepEqual(hal.position.read(), { value: 2500, atMs: 10, ok: false });
  plant.position = 3000;
  t.deepEqual(hal.position.read(), { value: 3000, atMs: 20, ok: true });
});

test("R5: timers fire at their deadline, never before, in deadline order; cancel works; time never goes back", (t) => {
  const { shim, hal } = boot();
  const fired: Array<[string, number]> = [];
  const c = hal.clock;
  for (const [name, at] of [["b", 30], ["a", 10.25], ["c", 30], ["x", 20]] as Array<[string, number]>) {
    const id = c.at(at, () => fired.push([name, c.monoMs()]));
    if (name === "x") c.cancel(id);
  }
  shim.runUntil(100);
  t.deepEqual(fired, [["a", 10.25], ["b", 30], ["c", 30]]);
  const before = c.monoMs();
  shim.clock.wallOffsetMs = -5000; // someone calls setTime() with an earlier time
  t.is(c.monoMs(), before);
  t.is(c.wallMs(), shim.clock.wallMs());
  shim.runUntil(150);
  t.is(c.monoMs(), before + 50);
});

test("the alarm pin shows the IEC 60601-1-8 patterns: advisory steady, warning 0.6 Hz, fault 2 Hz", (t) => {
  const { shim, hal } = boot();
  const pin = HAL.pins.alarm;
  t.is(shim.pins[pin], 0);
  hal.alarm.set(1, "advice");
  t.deepEqual([shim.pins[pin], shim.pwmHz[pin]], [1, undefined]);
  hal.alarm.set(2, "force-soft-limit");
  t.is(shim.pwmHz[pin], 0.6);
  hal.alarm.set(3, "fault");
  t.is(shim.pwmHz[pin], 2);
  t.is(hal.alarm.level(), 3);
  hal.alarm.set(0, "");
  t.deepEqual([shim.pins[pin], shim.pwmHz[pin]], [0, undefined]);
});

test("the watchdog resets the board when not kicked within its timeout, and not while kicked", (t) => {
  const { shim, hal } = boot();
  hal.watchdog.arm();
  for (let s = 1; s <= 100; s++) {
    shim.runUntil(s * 1000);
    if (s <= 50 && s % 20 === 0) hal.watchdog.kick();
  }
  t.is(shim.resetAtMs, 40000 + HAL.watchdogS * 1000);
});
