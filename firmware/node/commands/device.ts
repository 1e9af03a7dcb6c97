// `osteodrive device --hal sim --scenario NAME [--journal DIR [--vault FILE]] [--world FILE]
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
import { numberFlag, parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { SCENARIO_FLAG } from "./sim.ts";
import { EXIT } from "../exit-codes.ts";
import { progressBar } from "../progress.ts";
import { attachDashboard } from "../dashboard/attach.ts";
import { DASHBOARD_FLAG, DASHBOARD_SYNC_FLAG } from "../dashboard/flags.ts";
import type { Controller } from "../../core/controller.ts";
import { selectBackend } from "../advisor/backend.ts";
import { AdvisoryHook } from "../advisor/hook.ts";
import { MODEL_DIR, loadAdvisor } from "../advisor/load.ts";
import { modelScorer } from "../advisor/predict.ts";
import { inspectJournal } from "../../core/journal-boot.ts";
import { cmacAes128 } from "../../core/cmac.ts";
import { targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../../core/units.ts";
import type { Hal } from "../../../hal/types.ts";
import { FileStore } from "../../../hal/node/file-store.ts";
import { vaultStore } from "../../../hal/node/storage.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../../../sim/world.ts";
import { scheduleFaults } from "../../../sim/faults.ts";
import { loadWorld, saveWorld } from "../../../sim/world-file.ts";
import { defaultDays } from "../../../sim/run.ts";
import { nodeConsoleParts } from "../console/attach.ts";
import { openPort, portWriter, serveConsole } from "../console/serial.ts";

export const spec: CommandSpec = {
  name: "device",
  summary: "the whole Node device app (controller, supervisor, file journal, recovery, console) on the simulated device",
  synopsis: "--hal sim --scenario NAME|FILE [--journal DIR [--vault FILE]] [--world FILE] [--time-scale K|max] [--days N] [--until-complete] [--json] [--console PATH] [--bench-input] [--advisor]",
  flags: [
    { name: "hal", value: "sim", help: "the HAL to drive (real boards: osteodrive trial)", default: "required" },
    SCENARIO_FLAG,
    { name: "journal", value: "DIR", help: "keep the journal in DIR/journal.bin (survives restarts; recovered at boot)", default: "in memory" },
    { name: "vault", value: "FILE", help: "keep the vault (device key, provisioning marker, replay counter) in FILE, apart from the journal's directory", default: "DIR.vault beside --journal DIR" },
    { name: "world", value: "FILE", help: "keep the simulated plant and clock in FILE so they outlive the process (kill and restart at any moment)", default: "none" },
    { name: "time-scale", value: "K|max", help: "device time runs K× faster than the wall clock (1 to 1e7), or as fast as it can", default: "1 (real time)" },
    { name: "days", value: "N", help: "device days to run, 0.001 to 3650", default: "latency + distraction + consolidation + 1 day" },
    { name: "until-complete", help: "return once the protocol is complete or a fault has latched" },
    { name: "json", help: "print the end state as one JSON line" },
    { name: "console", value: "PATH", help: "serve the device console (docs/protocol.md) on this serial port; keys come from the profile's consoleKeys", default: "no console" },
    { name: "bench-input", help: "set the simulated bench-mode jumper (bench console commands need it)" },
    { name: "advisor", help: "run the tissue-response advisor in the control loop (advisory only; off where it was not trained)" },
    DASHBOARD_FLAG,
    DASHBOARD_SYNC_FLAG,
  ],
  notes: ["exit code: 0 ran to the end without a fault, 3 a fault latched, 130 Ctrl-C or SIGTERM, 2 bad flags or scenario"],
};

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
  const args = parseArgs(argv, spec);
  if (args.values.hal !== "sim") throw new UsageError("--hal sim is the only HAL this command drives (real boards: osteodrive trial)\n" + usageLine(spec));
  requireFlags(args, spec);
  const maxSpeed = args.values["time-scale"] === "max";
  const scale = maxSpeed ? Infinity : numberFlag(args, "time-scale", 1, 1e7, 1)!;
  const sc = loadScenario(args.values.scenario);
  const days = numberFlag(args, "days", 0.001, 3650, defaultDays(sc))!;

  // the scenario's scripted faults run on the device too (a dashboard or a script can watch one latch): scheduled
  // below, once a restored world has said how far its time had got
  const { clock, plant, hal: sim } = makeSimWorld(sc, { faults: false });
  const worldFile = args.values.world;
  if (worldFile) {
    loadWorld(worldFile, plant, clock);
    sim.stepper.afterPulses = () => saveWorld(worldFile, plant, clock);
  }
  let store = sim.store as Hal["store"];
  let vault = sim.vault as Hal["vault"];
  if (args.values.journal) {
    mkdirSync(args.values.journal, { recursive: true });
    store = new FileStore(join(args.values.journal, "journal.bin"));
    // the vault lives beside the journal's directory, not in it: losing the directory must not lose the vault
    vault = vaultStore(args.values.vault || args.values.journal.replace(/[\\/]+$/, "") + ".vault");
  }
  if (worldFile) {
    // The world's time kept running while the app was dead: never behind what the app journaled.
    const journaled = inspectJournal(store, vault, cmacAes128);
    const lastT = journaled && journaled.lastTMs > 0 ? journaled.lastTMs : 0;
    if (clock.monoMs() < lastT) clock.runUntil(lastT);
  }
  // the scenario's scripted faults run on the whole app too (from where a restored world had got to)
  scheduleFaults(sim, sc.faults, clock.monoMs());
  const hal: Hal = Object.assign({}, sim, { store, vault }, args.switches["bench-input"] ? { benchInput: { read: () => true } } : {});
  const port = args.values.console ? await openPort(args.values.console) : null;
  const device = assembleScenario(sc, hal, store, nodeConsoleParts(sc.source.profile, port ? { nowMs: () => performance.now(), send: portWriter(port) } : null));
  const ctl = device.controller;
  const stopConsole = port && device.console ? serveConsole(port, device.console) : null;
  const advisor = args.switches.advisor ? await attachAdvisor(ctl, hal, sc.profile.name) : null;
  const say = (line: string) => process.stderr.write(line + "\n");
  const dash = args.values.dashboard ? await attachDashboard(ctl, { title: "device: " + sc.name, truth: "plant", trueGapUm: () => plant.gapUm, alarm: hal.alarm, journal: device.journal, link: null }, { address: args.values.dashboard, sync: args.switches["dashboard-sync"] === true }, say) : null;
  if (dash && dash.server.sync) await dash.server.firstPage();
  const bar = progressBar(!args.switches.json);
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
    // in sync, one control tick at a time, each drawn by the dashboard page before the next
    clock.runUntil(Math.min(endMs, next, dash && dash.server.sync ? clock.monoMs() + sc.profile.tickMs : Infinity));
    if (worldFile) saveWorld(worldFile, plant, clock);
    bar.update(clock.monoMs() / endMs, "device day " + (ctl.elapsedMs() / MS_PER_DAY).toFixed(3) + " " + ctl.phaseState().phase);
    if (dash) await dash.server.settled();
    if (maxSpeed) await yieldToLoop();
    else await new Promise((r) => setTimeout(r, 20));
  }
  bar.done();
  device.stop();
  if (dash) await dash.close();
  if (stopConsole) await stopConsole();
  if (worldFile) saveWorld(worldFile, plant, clock);
  const t = ctl.elapsedMs();
  const rec = inspectJournal(store, vault, cmacAes128);
  const boot = ctl.recovery();
  const ph = ctl.phaseState();
  const out = {
    phase: ph.phase,
    fault: ph.fault,
    day: Math.round((t / MS_PER_DAY) * 1000) / 1000,
    trueGapUm: Math.round(plant.gapUm * 1000) / 1000,
    targetUm: Math.round(targetUm(ctl.currentSchedule(), t) * 1000) / 1000,
    journalRecords: rec ? rec.records : 0,
    journalBytes: rec ? rec.validBytes : 0,
    journalError: !rec ? "no vault key to read the journal with" : rec.error ? rec.error.message : null,
    recoveredAtBoot: boot !== null && boot.error === null && boot.format === "v3",
    advisor: advisor === null ? "not requested" : advisor ? "on" : "off",
  };
  process.stdout.write((args.switches.json ? JSON.stringify(out) : Object.entries(out).map(([k, v]) => k.padEnd(18) + v).join("\n")) + "\n");
  return stop ? EXIT.interrupted : ph.phase === "fault" ? EXIT.fault : EXIT.ok;
}
