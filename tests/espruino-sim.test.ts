// The Espruino app bundle running in the vm shim on the simulator plant, against
// the Node app (runScenario) on the same plant and seed: mandible-continuous-1mm with
// its latency shortened to 3 h (same change on both sides), through the end of
// latency and two distraction days. Plus the app's watchdog, its journal across a
// reset, a refused configuration, and the dead-code trim (trim.ts) and method
// renaming (shorten.ts): the app as it ships behaves as the untrimmed one, byte for
// byte in its journal, and Node reads that journal back.

import test from "ava";
import type { EspruinoHalConfig } from "../hal/espruino/config.ts";
import { BOARDS } from "../firmware/espruino/boards.ts";
import type { BundleConfig } from "../firmware/espruino/bundle-config.ts";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { EspruinoShim } from "../sim/espruino-shim.ts";
import type { ShimPlant } from "../sim/espruino-shim.ts";
import { Plant } from "../sim/plant.ts";
import { runScenario } from "../sim/run.ts";
import { loadScenario, parseScenario } from "../sim/scenario.ts";
import type { Scenario } from "../sim/scenario.ts";
import type { SensorParams } from "../sim/sensors.ts";
import { inspectJournal } from "../firmware/core/journal-boot.ts";
import { cmacAes128 } from "../firmware/core/cmac.ts";
import { FlashStore } from "../hal/espruino/store.ts";
import { VAULT_BYTES } from "../hal/espruino/driver.ts";
import { collect } from "./journal-fixtures.ts";

function shortLatency(latencyDays: number): Scenario {
  const json = JSON.parse(JSON.stringify(loadScenario("mandible-continuous-1mm").source));
  json.prescription.latencyDays = latencyDays;
  return parseScenario(json);
}

/** A transducer spanning the plant sensor's range, calibrated exactly. */
function calibration(s: SensorParams) {
  return { raw0: 0, value0: s.min, raw1: 1, value1: s.max, rawMin: 0, rawMax: 1 };
}

function halFor(sc: Scenario): EspruinoHalConfig {
  return Object.assign({}, BOARDS.pico.hal, {
    maxStepRateHz: sc.driver.maxStepRateHz,
    maxMoveSteps: sc.driver.maxMoveSteps,
    position: calibration(sc.plant.positionSensor),
    force: calibration(sc.plant.forceSensor),
  });
}

/** Each bundle built here, by its build's inputs: several tests boot the same app (a build is a pure function of them). */
const built = new Map<string, string>();

/** The app as it ships (trimmed, methods renamed), untrimmed (`trim` false), or trimmed with its own method names (`shorten` false). */
function appBundle(sc: Scenario, journalCompactBytes: number, prescription: unknown = sc.source.prescription, trim = true, shorten = true): string {
  const config: BundleConfig = { board: "pico", hal: halFor(sc), profile: sc.source.profile, prescription, journalCompactBytes };
  const key = JSON.stringify([config, trim, shorten]);
  let code = built.get(key);
  if (code === undefined) {
    code = buildBundle({ define: { OD_CONFIG: config }, trim, shorten }).code;
    built.set(key, code);
  }
  return code;
}

function shimFor(sc: Scenario, plant: ShimPlant, wallStartMs = sc.startWallMs): EspruinoShim {
  return new EspruinoShim({ plant, hal: halFor(sc), wallStartMs });
}

function bootApp(shim: EspruinoShim, code: string): EspruinoShim {
  shim.run(code);
  return shim;
}

function runHours(shim: EspruinoShim, fromMs: number, toMs: number): void {
  for (let t = fromMs + MS_PER_HOUR; t <= toMs; t += MS_PER_HOUR) shim.runUntil(t);
  shim.runUntil(toMs);
}

test("the bundle in the shim tracks like the Node app: true gap within 1 µm at the end of latency and each distraction day", (t) => {
  const sc = shortLatency(0.125);
  const latencyMs = sc.prescription.latencyDays * MS_PER_DAY;
  const endMs = latencyMs + 2 * MS_PER_DAY;
  const node = runScenario(sc, { days: endMs / MS_PER_DAY });

  const plant = new Plant(sc.plant, sc.seed);
  const shim = shimFor(sc, plant);
  // Probes at the day boundaries, scheduled first: they see the gap before that tick moves.
  const gaps: number[] = [];
  for (let k = 0; k <= 2; k++) {
    const at = latencyMs + k * MS_PER_DAY;
    shim.clock.at(at, () => {
      plant.advanceTo(at);
      gaps.push(plant.gapUm);
    });
  }
  // the journal in flash is on, as on a patient's board (the Node app journals too)
  bootApp(shim, appBundle(sc, BOARDS.pico.hal.storeBytes / 2));
  runHours(shim, 0, endMs);

  const want = node.recorder.dayStartGapUm.slice(0, 3);
  t.is(gaps.length, 3);
  t.true(want[2] > 1900, "two days of distraction delivered: " + want);
  for (let k = 0; k < 3; k++) t.true(Math.abs(gaps[k] - want[k]) <= 1, "day " + k + ": shim " + gaps[k] + " µm, node " + want[k] + " µm");
  t.log("true gap at latency end, day 1, day 2 (µm): shim " + gaps.map((g) => g.toFixed(4)).join(", ") + "; largest difference " + Math.max(...gaps.map((g, k) => Math.abs(g - want[k]))).toExponential(2) + " µm");
  t.deepEqual(shim.errors, []);
  t.is(shim.resetAtMs, -1, "the watchdog was kicked all along");
  t.deepEqual(shim.log.map((l) => l.replace(/ at .*/, "")), ["osteodrive: idle -> latency", "osteodrive: latency -> distraction"]);
  t.deepEqual(node.summary.faults, []);
});

test("when the control loop stops, the watchdog resets the board one timeout after the last decision", (t) => {
  const sc = shortLatency(0.125);
  const shim = bootApp(shimFor(sc, new Plant(sc.plant, sc.seed)), appBundle(sc, 0));
  runHours(shim, 0, MS_PER_HOUR);
  t.is(shim.resetAtMs, -1);
  (shim.context.od as any).device.controller.stop();
  shim.runUntil(2 * MS_PER_HOUR);
  t.is(shim.resetAtMs, MS_PER_HOUR + BOARDS.pico.hal.watchdogS * 1000);
});

/** Runs the journaled app for `cutMs`, then "resets" the board: same flash and plant, monotonic time from 0 again. */
function resetAfter(cutMs: number, trim = true): { sc: Scenario; plant: Plant; first: EspruinoShim; second: EspruinoShim } {
  const sc = shortLatency(0.01);
  const code = appBundle(sc, BOARDS.pico.hal.storeBytes / 2, sc.source.prescription, trim);
  const plant = new Plant(sc.plant, sc.seed);
  const first = bootApp(shimFor(sc, plant), code);
  runHours(first, 0, cutMs);
  const continued: ShimPlant = {
    advanceTo: (ms) => plant.advanceTo(cutMs + ms),
    pulse: (d) => plant.pulse(d),
    sensePosition: () => plant.sensePosition(),
    senseForce: () => plant.senseForce(),
  };
  const second = shimFor(sc, continued, sc.startWallMs + cutMs);
  second.storage = first.storage;
  bootApp(second, code);
  return { sc, plant, first, second };
}

test("with the journal in flash, a reset restores the phase and the step count", (t) => {
  const { first, second } = resetAfter(MS_PER_HOUR);
  const before = (first.context.od as any).device.controller;
  const after = (second.context.od as any).device.controller;
  t.is(before.phaseState().phase, "distraction");
  const files = first.storage.list();
  t.is(files.length, 2, "the journal's file and the vault's: " + files.join(", "));
  t.true(files.some((f) => f.startsWith("odjv")), "the vault has a file of its own");
  t.is(first.storage.rewrites, 0);
  t.is(second.log[0], "osteodrive: idle -> distraction at 3600 s: latency over: distraction starts");
  t.is(after.inspect().state.stepCount, before.inspect().state.stepCount);
  t.deepEqual(second.errors, []);
});

// After a reset a board's monotonic time starts again from 0: the controller converts
// every reading's HAL time into time since the prescription started (Controller.tick),
// so readings are not mistaken for an hour old (which would latch a dropout).
test("after a reset the journaled app keeps tracking the prescription", (t) => {
  const { sc, plant, second } = resetAfter(MS_PER_HOUR);
  runHours(second, 0, 20 * 60000);
  const target = (sc.prescription.rateMmPerDay * 1000 * (MS_PER_HOUR + 20 * 60000 - sc.prescription.latencyDays * MS_PER_DAY)) / MS_PER_DAY;
  t.is((second.context.od as any).device.controller.phaseState().phase, "distraction");
  t.true(Math.abs(plant.gapUm - target) < 5, "gap " + plant.gapUm + " µm vs target " + target + " µm");
});

// A snapshot must fit the board's flash file and RAM: the budget window is kept as
// ~100 coarse cells (persist.ts) and the audit trail is capped on the board, so a
// day of continuous distraction compacts without a storage fault.
test("the journaled app runs a day of continuous distraction without a storage fault", (t) => {
  const sc = shortLatency(0.01);
  const shim = bootApp(shimFor(sc, new Plant(sc.plant, sc.seed)), appBundle(sc, BOARDS.pico.hal.storeBytes / 2));
  runHours(shim, 0, MS_PER_DAY);
  t.is((shim.context.od as any).device.controller.phaseState().phase, "distraction", shim.log.join("\n"));
});

test("a prescription for another device is refused on the board: fault alarm, motor off, nothing moves", (t) => {
  const sc = shortLatency(0);
  const rx = Object.assign({}, sc.source.prescription, { deviceSerial: "OTHER-0001" });
  const plant = new Plant(sc.plant, sc.seed);
  const shim = bootApp(shimFor(sc, plant), appBundle(sc, 0, rx));
  runHours(shim, 0, MS_PER_HOUR);
  t.regex((shim.context.od as any).error, /deviceSerial/);
  t.is(shim.pwmHz[BOARDS.pico.hal.pins.alarm], 2);
  t.is(shim.pins[BOARDS.pico.hal.pins.enable], 1);
  t.is(plant.pulses, 0);
});

/** What a run leaves that the trim must not change: the plant's motion, the journal's and vault's bytes, the console log, faults. */
function outcome(shim: EspruinoShim, plant: Plant) {
  const files: { [name: string]: string } = {};
  for (const f of shim.storage.list()) files[f] = Buffer.from(shim.storage.files.get(f)!).toString("hex");
  const c = (shim.context.od as any).device.controller;
  return { gapUm: plant.gapUm, pulses: shim.pulses, files, log: shim.log, errors: shim.errors, resetAtMs: shim.resetAtMs, phase: c.phaseState(), journal: c.journalState() };
}

/** The journaled app for `ms` on a fresh plant, with the driver's FAULT output going active at `faultAtMs` (-1: never). */
function runApp(trim: boolean, ms: number, faultAtMs: number, shorten = true) {
  const sc = shortLatency(0.01);
  const plant = new Plant(sc.plant, sc.seed);
  const shim = shimFor(sc, plant);
  if (faultAtMs >= 0) shim.clock.at(faultAtMs, () => (shim.faultLevel = BOARDS.pico.hal.faultActiveLevel));
  bootApp(shim, appBundle(sc, BOARDS.pico.hal.storeBytes / 2, sc.source.prescription, trim, shorten));
  runHours(shim, 0, ms);
  return Object.assign(outcome(shim, plant), { storage: shim.storage });
}

test("the trimmed app runs as the untrimmed one: same motion, journal bytes, log and faults over 8 h of distraction", (t) => {
  const a = runApp(false, 8 * MS_PER_HOUR, -1);
  const b = runApp(true, 8 * MS_PER_HOUR, -1);
  t.true(a.gapUm > 300 && a.phase.phase === "distraction", "it distracted: " + a.gapUm + " µm, " + a.phase.phase);
  t.deepEqual(b, a);
});

test("the app with its methods renamed writes the journal byte for byte as with their own names, and Node reads it back", (t) => {
  const a = runApp(true, 8 * MS_PER_HOUR, 2 * MS_PER_HOUR, false);
  const b = runApp(true, 8 * MS_PER_HOUR, 2 * MS_PER_HOUR, true);
  t.true(Object.keys(a.files).length >= 2, "journal and vault files: " + Object.keys(a.files).join(", "));
  t.deepEqual(b, a);
  const hal = BOARDS.pico.hal;
  const sink = collect();
  const r = inspectJournal(new FlashStore(b.storage, hal.storeName, hal.storeBytes, hal.storeBytes), new FlashStore(b.storage, hal.storeName + "v", VAULT_BYTES, VAULT_BYTES), cmacAes128, sink);
  t.truthy(r, "the vault's key read");
  t.is(r!.error, null);
  t.is(r!.nextSeq, b.journal.nextSeq, "every record the board wrote read back");
  t.true(sink.recs.some((x) => x.type === "snapshot") && sink.recs.some((x) => x.type === "move"), sink.recs.length + " records");
  t.true(sink.recs.some((x) => x.type === "event" && /fault/.test(x.data.code + x.data.detail)), "the driver fault is in the journal");
});

test("the trimmed app runs as the untrimmed one through a driver fault: same fault, journal bytes and stop", (t) => {
  const a = runApp(false, 4 * MS_PER_HOUR, 2 * MS_PER_HOUR);
  const b = runApp(true, 4 * MS_PER_HOUR, 2 * MS_PER_HOUR);
  t.is(a.phase.phase, "fault", JSON.stringify(a.phase));
  t.deepEqual(b, a);
});

test("the trimmed app runs as the untrimmed one across a reset: the same journal recovered and continued", (t) => {
  const run = (trim: boolean) => {
    const r = resetAfter(MS_PER_HOUR, trim);
    runHours(r.second, 0, 2 * MS_PER_HOUR);
    return { first: outcome(r.first, r.plant), second: outcome(r.second, r.plant) };
  };
  const a = run(false);
  const b = run(true);
  t.is(a.second.log[0], "osteodrive: idle -> distraction at 3600 s: latency over: distraction starts");
  t.deepEqual(b, a);
});

test("the trim drops the console's methods from the app without one and keeps them in the app with it", (t) => {
  const sc = shortLatency(0.01);
  const config: BundleConfig = { board: "pico", hal: halFor(sc), profile: sc.source.profile, prescription: sc.source.prescription, journalCompactBytes: 2048 };
  // method names as they are (shorten false), to find them in the code
  const plain = buildBundle({ define: { OD_CONFIG: config }, shorten: false });
  const withConsole = buildBundle({ define: { OD_CONFIG: config }, console: true, shorten: false });
  const dropped = plain.removed!.map((r) => r.name);
  for (const m of ["renewJournal", "loadPrescription", "benchMove", "explant"]) {
    t.true(dropped.indexOf(m) >= 0, m + " dropped without the console");
    t.true(plain.full!.code.indexOf(m + "(") >= 0 && plain.code.indexOf(m + "(") < 0, m + " was in the untrimmed bundle and is not in the trimmed one");
    t.true(withConsole.code.indexOf(m + "(") >= 0, m + " kept with the console");
  }
  for (const m of ["phaseState", "journalState", "inspect"]) t.true(plain.code.indexOf(m + "(") >= 0, m + " (an inspection name) kept");
  t.true(plain.bytes < plain.full!.code.length - 5000, "trimmed " + plain.bytes + " of " + plain.full!.code.length + " bytes");
  t.log("trimmed " + (plain.full!.code.length - plain.bytes) + " bytes of text without the console (" + plain.removed!.length + " methods and declarations), " + (withConsole.full!.code.length - withConsole.bytes) + " with it");
});

test("the app built without the journal carries none of its code, keeps nothing in Storage and moves as the app with its journal turned off", (t) => {
  const sc = shortLatency(0.01);
  const config: BundleConfig = { board: "pico", hal: halFor(sc), profile: sc.source.profile, prescription: sc.source.prescription, journalCompactBytes: 0 };
  const without = buildBundle({ define: { OD_CONFIG: config }, journal: false, shorten: false });
  const withJournal = buildBundle({ define: { OD_CONFIG: config }, shorten: false });
  const dropped = without.removed!.map((r) => r.name);
  const declares = (code: string, name: string) => new RegExp("(class|function) " + name + "\\b|\\b" + name + "=class\\b").test(code);
  for (const name of ["openJournal", "Journal", "recover", "Vault", "FlashStore", "nativeMac"]) {
    t.true(declares(withJournal.full!.code, name), name + " is in the journaled build");
    t.true(dropped.indexOf(name) >= 0 || !declares(without.full!.code, name), name + " left out (by the trim, or esbuild never took it in)");
  }
  t.true(without.bytes < withJournal.bytes - 15000, "about 20 KB less: " + without.bytes + " of " + withJournal.bytes);
  const run = (code: string, faultAtMs = -1) => {
    const plant = new Plant(sc.plant, sc.seed);
    const shim = shimFor(sc, plant);
    if (faultAtMs >= 0) shim.clock.at(faultAtMs, () => (shim.faultLevel = BOARDS.pico.hal.faultActiveLevel));
    bootApp(shim, code);
    runHours(shim, 0, 4 * MS_PER_HOUR);
    const c = (shim.context.od as any).device.controller;
    return { motion: { gapUm: plant.gapUm, pulses: shim.pulses, log: shim.log, errors: shim.errors, resetAtMs: shim.resetAtMs, phase: c.phaseState() }, written: shim.storage.bytesWritten, files: shim.storage.list() };
  };
  // the journal's code with the journal turned off (journalCompactBytes 0) still opens its stores, and they format their files
  const a = run(appBundle(sc, 0, sc.source.prescription, false));
  const b = run(without.code);
  t.true(a.motion.gapUm > 100 && a.motion.phase.phase === "distraction", a.motion.gapUm + " µm, " + a.motion.phase.phase);
  t.deepEqual(b.files, [], "no journal file, no vault");
  t.is(b.written, 0, "nothing written to flash (with the journal's code: " + a.written + " bytes)");
  t.deepEqual(b.motion, a.motion);
  // and through a driver fault (the fault path writes to the journal where there is one)
  const fa = run(appBundle(sc, 0, sc.source.prescription, false), 3 * MS_PER_HOUR);
  const fb = run(without.code, 3 * MS_PER_HOUR);
  t.is(fa.motion.phase.phase, "fault", JSON.stringify(fa.motion.phase));
  t.deepEqual(fb.motion, fa.motion);
});
