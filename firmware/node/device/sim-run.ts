// `osteodrive device --hal sim`: the whole Node app (controller, supervisor,
// authenticated file journal and its vault) on the simulated device, the scenario's scripted faults included. With a
// world file the simulated plant and clock outlive the process, so the app can be
// killed and restarted at any moment and recovers from its journal like a real
// device. untilComplete returns once the protocol is complete or a fault has
// latched. A console path serves the device console (docs/protocol.md) on a serial
// port, e.g. one end of a socat pty pair; its keys come from the profile's
// consoleKeys. benchInput sets the simulated bench-mode jumper (bench commands need
// it). What the console changed (a prescription, the clock) is restored from the
// journal at every start. serialport, the advisor (TensorFlow.js) and the dashboard
// load only when asked for.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { inspectJournal } from "../../core/journal-boot.ts";
import { cmacAes128 } from "../../core/cmac.ts";
import { journalFigures } from "./journal-figures.ts";
import { targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../../core/units.ts";
import type { Hal } from "../../../hal/types.ts";
import { FileStore } from "../../../hal/node/file-store.ts";
import { vaultBeside, vaultStore } from "../../../hal/node/storage.ts";
import { loadScenario } from "../../../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../../../sim/world.ts";
import { loadWorld, saveWorld } from "../../../sim/world-file.ts";
import { scheduleFaults } from "../../../sim/faults.ts";
import { defaultDays } from "../../../sim/run.ts";
import { nodeConsoleParts } from "../console/attach.ts";
import type { DashboardFlags } from "../dashboard/attach.ts";
import { EXIT, runOutcome } from "../exit-codes.ts";
import { progressBar } from "../progress.ts";

export interface SimRunOptions {
  scenario: string;
  journalDir: string | null;
  /** The vault's file (with journalDir); null: DIR.vault beside the journal folder. */
  vaultFile: string | null;
  worldFile: string | null;
  /** Device ms per wall ms; Infinity: as fast as possible. */
  timeScale: number;
  days: number | null;
  untilComplete: boolean;
  json: boolean;
  consolePath: string | null;
  benchInput: boolean;
  advisor: boolean;
  dashboard: DashboardFlags | null;
  say: (line: string) => void;
}

export async function runSimDevice(o: SimRunOptions): Promise<number> {
  const maxSpeed = o.timeScale === Infinity;
  const scale = o.timeScale;
  const sc = loadScenario(o.scenario);
  const days = o.days ?? defaultDays(sc);

  // the scenario's scripted faults run on the device too (a dashboard or a script can watch one latch): scheduled
  // below, once a restored world has said how far its time had got
  const { clock, plant, hal: sim } = makeSimWorld(sc, { faults: false });
  const worldFile = o.worldFile;
  if (worldFile) {
    loadWorld(worldFile, plant, clock);
    sim.stepper.afterPulses = () => saveWorld(worldFile, plant, clock);
  }
  let store = sim.store as Hal["store"];
  let vault = sim.vault as Hal["vault"];
  if (o.journalDir) {
    mkdirSync(o.journalDir, { recursive: true });
    store = new FileStore(join(o.journalDir, "journal.bin"));
    // the vault lives beside the journal's directory, not in it: losing the directory must not lose the vault
    vault = vaultStore(o.vaultFile ?? vaultBeside(o.journalDir));
  }
  if (worldFile) {
    // The world's time kept running while the app was dead: never behind what the app journaled.
    const journaled = inspectJournal(store, vault, cmacAes128);
    const lastT = journaled && journaled.lastTMs > 0 ? journaled.lastTMs : 0;
    if (clock.monoMs() < lastT) clock.runUntil(lastT);
  }
  // the scenario's scripted faults from where a restored world had got to (one already over is not played again)
  scheduleFaults(sim, sc.faults, clock.monoMs());
  const hal: Hal = Object.assign({}, sim, { store, vault }, o.benchInput ? { benchInput: { read: () => true } } : {});
  // serialport is loaded only for a console (it is a good part of the start-up time)
  const serial = o.consolePath ? await import("../console/serial.ts") : null;
  const port = serial ? await serial.openPort(o.consolePath!) : null;
  const device = assembleScenario(sc, hal, store, nodeConsoleParts(sc.source.profile, port ? { nowMs: () => performance.now(), send: serial!.portWriter(port) } : null));
  const ctl = device.controller;
  const stopConsole = port && device.console ? serial!.serveConsole(port, device.console) : null;
  let advisor: boolean | null = null;
  if (o.advisor) {
    const { attachAdvisor } = await import("../advisor/attach.ts");
    advisor = await attachAdvisor(ctl, hal.alarm, sc.profile.name);
  }
  const dash = o.dashboard ? await (await import("../dashboard/attach.ts")).attachDashboard(ctl, { title: "device: " + sc.name, truth: "plant", trueGapUm: () => plant.gapUm, alarm: hal.alarm, journal: device.journal, link: null }, o.dashboard, (line) => process.stderr.write(line + "\n")) : null;
  if (dash && dash.server.sync) await dash.server.firstPage();
  const bar = progressBar(!o.json);
  device.boot();
  const rec0 = ctl.recovery();
  o.say("ready " + JSON.stringify({ phase: ctl.phaseState().phase, recoveredThroughSeq: rec0 ? rec0.nextSeq - 1 : 0, journalSeq: device.journal ? device.journal.nextSeq - 1 : 0 }));

  let stop = false;
  const onSignal = () => { stop = true; };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const endMs = days * MS_PER_DAY;
  const wall0 = performance.now();
  const mono0 = clock.monoMs();
  const settled = () => ctl.phaseState().phase === "complete" || ctl.phaseState().phase === "fault";
  while (!stop && clock.monoMs() < endMs && !(o.untilComplete && settled())) {
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
  const ph = ctl.phaseState();
  const out = {
    phase: ph.phase,
    fault: ph.fault,
    day: Math.round((t / MS_PER_DAY) * 1000) / 1000,
    trueGapUm: Math.round(plant.gapUm * 1000) / 1000,
    targetUm: Math.round(targetUm(ctl.currentSchedule(), t) * 1000) / 1000,
    ...journalFigures({ store, vault }, ctl.recovery()),
    advisor: advisor === null ? "not requested" : advisor ? "on" : "off",
  };
  process.stdout.write((o.json ? JSON.stringify(out) : Object.entries(out).map(([k, v]) => k.padEnd(18) + v).join("\n")) + "\n");
  if (stop) return EXIT.interrupted;
  if (ph.phase === "fault") return EXIT.fault;
  return ph.phase === "complete" ? runOutcome(ph.phase, Math.abs(plant.gapUm - targetUm(ctl.currentSchedule(), t)) <= sc.profile.positionToleranceUm) : EXIT.ok;
}
