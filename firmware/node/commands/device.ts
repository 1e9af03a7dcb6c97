// `osteodrive device --hal sim --scenario NAME [--journal DIR] [--world FILE]
// [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH]
// [--bench-input]`: the whole Node app (controller, supervisor, file journal) on
// the simulated device, with the scenario's scripted faults (its events — pauses,
// prescriptions, power cuts — are the campaign's: `sim` and `sweep` play them). With --world the simulated plant and clock outlive the
// process, so the app can be killed and restarted at any moment and recovers from
// its journal like a real device. --until-complete returns once the protocol is
// complete or a fault has latched. --console serves the device console
// (docs/protocol.md) on a serial port, e.g. one end of a socat pty pair; its keys
// come from the profile's consoleKeys. --bench-input sets the simulated bench-mode
// jumper (bench commands need it). What the console changed (a prescription, the
// clock) is restored from the journal at every start, console or not.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { numberFlag, parseArgs, UsageError } from "../args.ts";
import type { Controller } from "../../core/controller.ts";
import { selectBackend } from "../advisor/backend.ts";
import { AdvisoryHook } from "../advisor/hook.ts";
import { MODEL_DIR, loadAdvisor } from "../advisor/load.ts";
import { modelScorer } from "../advisor/predict.ts";
import { recover } from "../../core/journal.ts";
import { targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../../core/units.ts";
import type { Hal } from "../../../hal/types.ts";
import { FileStore } from "../../../hal/node/file-store.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../../../sim/world.ts";
import { scheduleFaults } from "../../../sim/faults.ts";
import { loadWorld, saveWorld } from "../../../sim/world-file.ts";
import { defaultDays } from "../../../sim/run.ts";
import { nodeConsoleParts } from "../console/attach.ts";
import { openPort, portWriter, serveConsole } from "../console/serial.ts";

const USAGE = "usage: osteodrive device --hal sim --scenario NAME|FILE [--journal DIR] [--world FILE] [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH] [--bench-input] [--advisor]";

/**
 * --advisor: the tissue-response advisor runs inside the control loop (every 15 device
 * minutes), advisory only. It stays off where its evaluation fell short or the device
 * is not the one it was trained for; that is logged, and the device runs without it.
 */
async function attachAdvisor(ctl: Controller, hal: Hal, device: string): Promise<boolean> {
  const say = (line: string) => process.stderr.write("advisor: " + line + "\n");
  const backend = await selectBackend();
  say("backend " + backend.name);
  const loaded = await loadAdvisor(MODEL_DIR, device, false, say);
  if (!loaded) return false;
  ctl.addObserver(new AdvisoryHook(ctl, hal.alarm, modelScorer(loaded.model), loaded.meta.modelPolicy, say));
  return true;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["hal", "scenario", "journal", "world", "time-scale", "days", "console"], switches: ["until-complete", "json", "help", "bench-input", "advisor"] });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (args.values.hal !== "sim") throw new UsageError("--hal sim is the only HAL this command drives (real boards: osteodrive trial)\n" + USAGE);
  if (!args.values.scenario) throw new UsageError("--scenario is required with --hal sim\n" + USAGE);
  const maxSpeed = args.values["time-scale"] === "max";
  const scale = maxSpeed ? Infinity : numberFlag(args, "time-scale", 1, 1e7, 1)!;
  const sc = loadScenario(args.values.scenario);
  const days = numberFlag(args, "days", 0.001, 3650, defaultDays(sc))!;

  const { clock, plant, hal: sim } = makeSimWorld(sc, { faults: false });
  const worldFile = args.values.world;
  if (worldFile) {
    loadWorld(worldFile, plant, clock);
    sim.stepper.afterPulses = () => saveWorld(worldFile, plant, clock);
  }
  let store = sim.store as Hal["store"];
  if (args.values.journal) {
    mkdirSync(args.values.journal, { recursive: true });
    store = new FileStore(join(args.values.journal, "journal.bin"));
  }
  if (worldFile) {
    // The world's time kept running while the app was dead: never behind what the app journaled.
    const journaled = recover(store.read(), Infinity, 0).records;
    const lastT = journaled.length ? journaled[journaled.length - 1].tMs : 0;
    if (clock.monoMs() < lastT) clock.runUntil(lastT);
  }
  // the scenario's scripted faults run on the whole app too (from where a restored world had got to)
  scheduleFaults(sim, sc.faults, clock.monoMs());
  const hal: Hal = Object.assign({}, sim, { store }, args.switches["bench-input"] ? { benchInput: { read: () => true } } : {});
  const port = args.values.console ? await openPort(args.values.console) : null;
  const device = assembleScenario(sc, hal, store, nodeConsoleParts(sc.source.profile, port ? { nowMs: () => performance.now(), send: portWriter(port) } : null));
  const ctl = device.controller;
  const stopConsole = port && device.console ? serveConsole(port, device.console) : null;
  const advisor = args.switches.advisor ? await attachAdvisor(ctl, hal, sc.profile.name) : null;
  device.boot();

  let stop = false;
  const onSignal = () => { stop = true; };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const endMs = days * MS_PER_DAY;
  const wall0 = performance.now();
  const mono0 = clock.monoMs();
  const settled = () => ctl.phaseState().phase === "complete" || ctl.phaseState().phase === "fault";
  while (!stop && clock.monoMs() < endMs && !(args.switches["until-complete"] && settled())) {
    const next = maxSpeed ? clock.monoMs() + 10 * MS_PER_MINUTE : mono0 + (performance.now() - wall0) * scale;
    clock.runUntil(Math.min(endMs, next));
    if (worldFile) saveWorld(worldFile, plant, clock);
    if (maxSpeed) await yieldToLoop();
    else await new Promise((r) => setTimeout(r, 20));
  }
  device.stop();
  if (stopConsole) await stopConsole();
  if (worldFile) saveWorld(worldFile, plant, clock);
  const t = ctl.elapsedMs();
  const rec = recover(store.read(), Infinity, 0);
  const ph = ctl.phaseState();
  const out = {
    phase: ph.phase,
    fault: ph.fault,
    day: Math.round((t / MS_PER_DAY) * 1000) / 1000,
    trueGapUm: Math.round(plant.gapUm * 1000) / 1000,
    targetUm: Math.round(targetUm(ctl.currentSchedule(), t) * 1000) / 1000,
    journalRecords: rec.records.length,
    journalBytes: rec.validBytes,
    journalError: rec.error ? rec.error.message : null,
    recoveredAtBoot: ctl.recovery() !== null && ctl.recovery()!.lastSnapshot !== null,
    advisor: advisor === null ? "not requested" : advisor ? "on" : "off",
  };
  process.stdout.write((args.switches.json ? JSON.stringify(out) : Object.entries(out).map(([k, v]) => k.padEnd(18) + v).join("\n")) + "\n");
  return stop ? 130 : 0;
}
