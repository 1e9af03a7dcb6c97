// A bench rate trial: the real controller (firmware/core) on a johnny-five board,
// with the journal in a file, every sample and command logged, until the
// prescription is complete, a fault latches, the duration runs out or the user
// interrupts (Ctrl-C: motor off, log flushed). A lost link latches a `link-lost`
// fault at once. Returns the summary; writes the logs, the summary and the same
// HTML report as `sim` into the output directory.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JOURNAL_COMPACT_BYTES, assemble } from "../../core/assemble.ts";
import type { Device } from "../../core/assemble.ts";
import type { PhaseState } from "../../core/phases.ts";
import { parsePrescriptionFile, parseProfileFile } from "../../core/input-files.ts";
import type { DeviceProfile } from "../../core/profile.ts";
import type { Prescription } from "../../core/prescription.ts";
import { finishMs } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { fileStorage } from "../../../hal/node/storage.ts";
import { cmacAes128 } from "../../core/cmac.ts";
import { sha256 } from "../../core/sha256.ts";
import { Recorder } from "../../../sim/recorder.ts";
import { renderReport } from "../../../sim/report.ts";
import { readJson } from "../../../sim/uno/bench-rig.ts";
import { isBenchOnly, parseBoardConfig } from "../../../hal/johnny-five/board-config.ts";
import { TrialLog, logStart } from "./log.ts";
import { TrialObserver } from "./observer.ts";
import type { LengthSource } from "./observer.ts";
import { openBoard } from "./open-board.ts";
import type { TrialBoard } from "./open-board.ts";
import { trialSummary } from "./summary.ts";
import type { Controller } from "../../core/controller.ts";
import { attachDashboard } from "../dashboard/attach.ts";
import type { DashboardFlags, RunningDashboard } from "../dashboard/attach.ts";
import type { JournalHealth } from "../dashboard/live.ts";
import type { TrialSummary } from "./summary.ts";

export interface TrialOptions {
  port: string;
  profileFile: string;
  prescriptionFile: string;
  timeScale: number;
  /** Device days; default: until complete, capped at the schedule + consolidation + 10 %. */
  durationDays?: number;
  outDir: string;
  onProgress?: (fraction: number, dayNow: number) => void;
  /** Called once the board is up (tests use it to pull the cable). */
  onBoard?: (board: TrialBoard) => void;
  /** Serve the live dashboard (--dashboard [HOST:]PORT, --dashboard-sync). */
  dashboard?: DashboardFlags;
  /** Where the app's own lines go (the dashboard's URL). */
  say?: (line: string) => void;
}

export interface TrialResult {
  summary: TrialSummary;
  files: { ndjson: string; csv: string; report: string; summary: string; journal: string };
  /** True when the trial ended by Ctrl-C. */
  interrupted: boolean;
}

export class TrialInputError extends Error {
  code = "invalid";
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const wall0 = performance.now();
  const profileJson = readJson(o.profileFile, "profile");
  const prescriptionJson = readJson(o.prescriptionFile, "prescription");
  const benchOnly = isBenchOnly(profileJson);
  if (o.timeScale !== 1 && !benchOnly) throw new TrialInputError("--time-scale " + o.timeScale + " needs a bench-only profile (\"benchOnly\": true): time compression is for rigs, never for a device on a patient");
  const profile = parseProfileFile(profileJson);
  const rx = parsePrescriptionFile(prescriptionJson, profile, 0);
  const cfg = parseBoardConfig(profileJson, o.timeScale);
  mkdirSync(o.outDir, { recursive: true });
  const files = { ndjson: "", csv: "", report: join(o.outDir, "report.html"), summary: join(o.outDir, "summary.json"), journal: join(o.outDir, "journal.bin") };
  // every trial is a rig provisioned afresh: its journal and its vault start empty
  const vaultFile = join(o.outDir, "vault.bin");
  for (const f of [files.journal, files.journal + ".commit", vaultFile]) rmSync(f, { force: true });
  const board = await openBoard({ port: o.port, cfg, storage: fileStorage(files.journal, vaultFile), profileJson, prescriptionJson });
  const log = new TrialLog(o.outDir, board.rig ? "plant" : "sensor");
  files.ndjson = log.ndjsonPath;
  files.csv = log.csvPath;
  try {
    return await trialOn(board, o, profile, rx, log, files, wall0, benchOnly);
  } finally {
    await board.close();
    // The emulated rig's own word on the motor after the last command reached the board.
    if (board.rig) log.write({ type: "rig", tMs: -1, boardMs: board.boardMs(), motorEnabled: board.rig.truth.enabled, issued: board.rig.netSteps(), detail: "ground truth: driver EN line and microsteps the plant received" });
    log.close();
  }
}

/**
 * Stops the controller (motor off) at the first moment within `graceMs` when no move
 * is in flight, from inside a clock callback so no tick can start another one.
 * Returns whether the device was in a safe state when stopped.
 */
function stopController(device: Device, graceMs: number): Promise<boolean> {
  const clock = device.clock;
  const ctl = device.controller;
  const end = clock.monoMs() + graceMs;
  return new Promise((resolve) => {
    const check = () => {
      if (ctl.isMoving() && clock.monoMs() < end) {
        clock.at(clock.monoMs() + graceMs / 20, check);
        return;
      }
      const safe = ctl.phaseState().phase === "fault" ? !device.hal.stepper.isEnabled() : !ctl.isMoving();
      device.stop();
      resolve(safe);
    };
    check();
  });
}

/** --dashboard on a trial; in sync the emulated board's clock waits for the pages (a real board cannot wait). */
async function trialDashboard(board: TrialBoard, controller: Controller, journal: JournalHealth, flags: DashboardFlags, say: (line: string) => void): Promise<RunningDashboard> {
  const rig = board.rig;
  if (flags.sync && !board.emulated) throw new TrialInputError("--dashboard-sync needs --port emulated:uno: a real board's clock cannot wait for a page");
  const dash = await attachDashboard(controller, { title: "trial: " + controller.deviceProfile().name, truth: rig ? "plant" : "sensor", trueGapUm: rig ? () => rig.plant.gapUm : null, alarm: board.hal.alarm, journal, link: board.hal.link }, flags, say);
  if (flags.sync && board.emulated) {
    const runner = board.emulated.runner;
    const wire = runner.gate;
    runner.gate = () => (wire ? wire() : null) ?? dash.server.pending();
    await dash.server.firstPage();
  }
  return dash;
}

async function trialOn(board: TrialBoard, o: TrialOptions, profile: DeviceProfile, rx: Prescription, log: TrialLog, files: TrialResult["files"], wall0: number, benchOnly: boolean): Promise<TrialResult> {
  const hal = board.hal;
  const start = hal.position.read();
  const startUm = start.value;
  const rig = board.rig;
  const length: LengthSource = rig ? { kind: "plant", get gapUm() { return rig.plant.gapUm; } } : { kind: "sensor", gapUm: startUm };
  const device = assemble({
    hal,
    profile,
    prescription: rx,
    startUm,
    journal: { store: hal.store, compactAtBytes: JOURNAL_COMPACT_BYTES, auditKeep: Infinity, mac: cmacAes128, digest: sha256 },
    console: null,
    observers: [],
  });
  const controller = device.controller;
  // The Recorder reads only `gapUm`; on a real rig that is the position reading.
  const recorder = new Recorder(rig ? rig.plant : length, controller.currentSchedule(), profile.tickMs, profile.tickMs * 10);
  const obs = new TrialObserver(recorder, log, length, () => board.boardMs());
  controller.addObserver(obs);
  log.write({ type: "start", tMs: 0, boardMs: board.boardMs(), code: profile.name, detail: JSON.stringify(logStart(profile, controller.prescription(), controller.currentSchedule(), controller.status().wallAtStart, length.kind, o.port, o.timeScale)) });
  const dash = o.dashboard ? await trialDashboard(board, controller, device.journal!, o.dashboard, o.say ?? (() => {})) : null;
  if (o.onBoard) o.onBoard(board);
  const sched = controller.currentSchedule();
  const days = o.durationDays ?? ((finishMs(sched) + sched.consolidationMs) * 1.1 + 10 * profile.tickMs) / MS_PER_DAY;
  const endMs = days * MS_PER_DAY;
  let onSigint = () => {};
  let ended = false;
  const stopReason = await new Promise<string>((resolve) => {
    obs.onPhase = (to: PhaseState) => {
      if (to.phase === "complete") resolve("complete");
      if (to.phase === "fault") resolve("fault: " + to.fault);
    };
    hal.link.onLost((reason) => {
      if (ended) return;
      const detail = reason + (rig ? "; the USB-powered board lost power and its EN pull-up disables the driver" : "; the disable command could not be sent: the EN pull-up must disable the driver");
      obs.record({ type: "link", tMs: controller.elapsedMs(), code: "link-lost", detail });
      if (dash) dash.source.linkEvent(controller.elapsedMs(), "link-lost", detail);
      // A move in flight has already ended with `link-lost` (the core latches that as driver-fault).
      controller.fault("link-lost", "serial link to the board lost: " + reason);
    });
    onSigint = () => resolve("interrupted");
    process.once("SIGINT", onSigint);
    const progress = () => {
      const t = controller.elapsedMs();
      if (o.onProgress) o.onProgress(Math.min(1, t / endMs), t / MS_PER_DAY);
      if (t >= endMs) return resolve("duration");
      hal.clock.at(hal.clock.monoMs() + Math.min(profile.tickMs * 10, endMs - t), progress);
    };
    device.boot();
    progress();
  }).finally(() => {
    ended = true;
    process.removeListener("SIGINT", onSigint);
  });
  // Out of time: let a move in flight finish (cutting it would read as a driver fault); otherwise stop now.
  const finalStateSafe = await stopController(device, stopReason === "duration" ? profile.tickMs : 0);
  if (dash) await dash.close();
  const endT = Math.min(controller.elapsedMs(), endMs);
  const summary = trialSummary({ name: profile.name, port: o.port, timeScale: o.timeScale, benchOnly, seed: board.seed, wall0, endMs: endT, boardSeconds: board.boardMs() / 1000, stopReason, finalStateSafe }, controller, obs, hal, rig);
  obs.record({ type: "stop", tMs: endT, code: stopReason, motorEnabled: hal.stepper.isEnabled(), issued: obs.issued, detail: "controller stopped, motor disable sent" });
  writeFileSync(files.summary, JSON.stringify(summary, null, 2) + "\n");
  writeFileSync(files.report, renderReport({
    title: "Bench trial: " + profile.name,
    description: "Port " + o.port + (o.timeScale !== 1 ? ", BENCH ONLY time compression ×" + o.timeScale : "") + "; lengths measured on the " + (rig ? "emulated rig's true gap" : "position sensor") + ".",
    summary,
    series: recorder.series,
    phases: recorder.phases,
    softForceN: rx.softForceN,
    hardForceN: rx.hardForceN,
    truth: summary.truth,
    notes: [
      "accuracy " + summary.accuracyPct + " %, precision " + summary.precisionPct + " % (" + summary.segmentAccuracyPct.length + " segments)",
      "final error " + summary.finalErrorUm + " µm, tolerance " + summary.toleranceUm + " µm: " + (summary.withinTolerance ? "within" : "OUTSIDE"),
      "stopped: " + stopReason + " after " + summary.boardSeconds + " s of board time",
    ],
  }));
  return { summary, files, interrupted: stopReason === "interrupted" };
}
