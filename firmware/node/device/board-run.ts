// The Node firmware on a johnny-five board: the one assembly (core/assemble.ts) on
// the board's HAL, with the authenticated file journal in DIR and its vault apart
// (DIR.vault beside the folder unless told; recovery on every start), the device
// console on a second serial line, the advisor and the live dashboard (with the
// board link's health) when asked. It runs
// until stopped (a device), or until complete or faulted, or for a duration (a
// trial). How it ends is one of:
// - complete / fault / duration: the controller is stopped, the motor disabled;
// - interrupted (SIGINT/SIGTERM): the same at once, and a `shutdown` record says so;
// - board-lost: the link to the board went (cable, board power, board process).
//   The journal and the vault are fenced first, so they end as a power cut leaves
//   them, and the next start recovers (a move in flight is reconciled against the
//   sensor).
// The journal folder is bound to its prescription (DIR/prescription.json): a later
// start may omit --prescription, and a different one is refused.

import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JOURNAL_COMPACT_BYTES, assemble } from "../../core/assemble.ts";
import type { Device } from "../../core/assemble.ts";
import type { ControllerObserver } from "../../core/controller.ts";
import type { PhaseState } from "../../core/phases.ts";
import type { Prescription } from "../../core/prescription.ts";
import { parsePrescriptionFile, parseProfileFile } from "../../core/input-files.ts";
import type { DeviceProfile } from "../../core/profile.ts";
import { finishMs, targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { cmacAes128 } from "../../core/cmac.ts";
import { sha256 } from "../../core/sha256.ts";
import { fileStorage, vaultBeside } from "../../../hal/node/storage.ts";
import { isBenchOnly, parseBoardConfig } from "../../../hal/johnny-five/board-config.ts";
import { readJsonFile } from "../../../sim/json-file.ts";
import { EMULATED_UNO } from "../../../sim/uno/emulated-port.ts";
import { nodeConsoleParts } from "../console/attach.ts";
import { closePort, openPort, portWriter, serveConsole } from "../console/serial.ts";
import { EXIT, runOutcome } from "../exit-codes.ts";
import type { ExitCode } from "../exit-codes.ts";
import { openBoard } from "../board/open-board.ts";
import type { OpenedBoard } from "../board/open-board.ts";
import type { DashboardFlags, RunningDashboard } from "../dashboard/attach.ts";
import { Fence, fencedStorage } from "./fenced-store.ts";
import { startHeartbeat, systemdWatchdog } from "./watchdog.ts";

/** Bad input: nothing was run or written (exit 2). */
export class InputError extends Error {
  code = "invalid";
}

export interface BoardRunOptions {
  board: string;
  boardClock: string | null;
  profileFile: string;
  /** null: the prescription the journal folder is bound to. */
  prescriptionFile: string | null;
  journalDir: string;
  /** The vault's file; null: DIR.vault beside the journal folder. */
  vaultFile: string | null;
  consolePath: string | null;
  advisor: boolean;
  /** The live dashboard, titled "KIND: profile name"; null: none. */
  dashboard: { flags: DashboardFlags; kind: string } | null;
  timeScale: number;
  /** Device days to run; null: until stopped (or complete, with untilComplete). */
  durationDays: number | null;
  /** The duration when none is given, from the assembled device (a trial's cap); absent: none. */
  defaultDays?: (run: BoardRun) => number;
  untilComplete: boolean;
  /** Called once the device is assembled, before it boots: observers to add (a trial's recorder). */
  observe?: (run: BoardRun) => ControllerObserver[] | Promise<ControllerObserver[]>;
  /** Called once the device has booted (recovered or fresh), before it runs on. */
  onReady?: (run: BoardRun) => void;
  onProgress?: (fraction: number, dayNow: number) => void;
  /** One line for the operator (stderr in the CLI). */
  say: (line: string) => void;
}

export interface BoardRun {
  device: Device;
  board: OpenedBoard;
  profile: DeviceProfile;
  profileJson: any;
  rx: Prescription;
  benchOnly: boolean;
  /** The length the schedule starts from on a fresh start: the position reading (µm). */
  startUm: number;
}

export interface BoardRunEnd {
  run: BoardRun;
  /** complete | fault: CODE | duration | interrupted | board-lost: REASON */
  stopReason: string;
  /** Device ms since the prescription started, when it stopped. */
  endMs: number;
  /** Whether the device was safe when stopped (no move in flight; motor off after a fault). */
  finalStateSafe: boolean;
  advisor: "not requested" | "on" | "off";
  exitCode: ExitCode;
}

const BINDING = "prescription.json";
/** The longest a port, console or dashboard may take to close when the run ends (ms): past it the run ends without
 * waiting (the CLI exits when main returns), so a close that hangs neither keeps a stopped device alive nor costs its
 * summary, its shutdown record or a trial's files, however loaded the machine (the motor is off before any close). */
const CLOSE_BOUND_MS = 1000;

/** A close, waited for at most CLOSE_BOUND_MS. */
function boundedClose(close: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_BOUND_MS)));
  return Promise.race([close(), bound]).finally(() => clearTimeout(timer));
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
}

function asInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e: any) {
    throw new InputError(e.message);
  }
}

/** The prescription JSON to run: the file given (checked against the folder's binding) or the binding. */
function prescriptionJson(o: BoardRunOptions): { json: any; bind: boolean } {
  const bound = join(o.journalDir, BINDING);
  const have = existsSync(bound) ? asInput(() => readJsonFile(bound, "bound prescription")) : null;
  if (!o.prescriptionFile) {
    if (!have) throw new InputError("--prescription is required: " + o.journalDir + " holds no prescription yet (a fresh device starts from one)");
    return { json: have, bind: false };
  }
  const json = asInput(() => readJsonFile(o.prescriptionFile!, "prescription"));
  if (have && canonical(have) !== canonical(json)) throw new InputError("the journal in " + o.journalDir + " belongs to another prescription (" + bound + "); start a new device in another folder, or omit --prescription to continue this one");
  return { json, bind: !have };
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(file + ".tmp", text);
  renameSync(file + ".tmp", file);
}

/** Reads and checks every input; throws InputError before anything is opened or written. */
function inputs(o: BoardRunOptions) {
  const profileJson = asInput(() => readJsonFile(o.profileFile, "profile"));
  const benchOnly = isBenchOnly(profileJson);
  if (o.timeScale !== 1 && !benchOnly) throw new InputError("--time-scale " + o.timeScale + " needs a bench-only profile (\"benchOnly\": true): time compression is for rigs, never for a device on a patient");
  // strictly: unknown keys, wrong types, out-of-range values and null each named (core/input-files.ts)
  const profile = asInput(() => parseProfileFile(profileJson));
  const cfg = asInput(() => parseBoardConfig(profileJson, o.timeScale));
  const rxJson = prescriptionJson(o);
  const rx = asInput(() => parsePrescriptionFile(rxJson.json, profile, 0));
  return { profileJson, benchOnly, profile, cfg, rxJson, rx };
}

/**
 * Stops the controller (motor off) at the first moment within `graceMs` when no move
 * is in flight, from inside a clock callback so no tick can start another one.
 * Resolves whether the device was in a safe state when stopped.
 */
function stopWhenIdle(device: Device, graceMs: number): Promise<boolean> {
  const clock = device.clock;
  const ctl = device.controller;
  const end = clock.monoMs() + graceMs;
  return new Promise((resolve) => {
    const check = () => {
      if (ctl.isMoving() && clock.monoMs() < end) {
        clock.at(Math.min(end, clock.monoMs() + graceMs / 20), check);
        return;
      }
      const safe = ctl.phaseState().phase === "fault" ? !device.hal.stepper.isEnabled() : !ctl.isMoving();
      device.stop();
      resolve(safe);
    };
    check();
  });
}

/** What a lost board leaves the motor to: the driver's EN pull-up (said in logs and on the dashboard). */
export function lossDetail(board: OpenedBoard, reason: string): string {
  return reason + (board.rig ? "; the USB-powered board lost power and its EN pull-up disables the driver" : "; the disable command could not be sent: the EN pull-up must disable the driver");
}

/** --dashboard on a board device; in sync the in-process emulated board's clock waits for the pages (a real board cannot wait). */
async function boardDashboard(run: BoardRun, d: NonNullable<BoardRunOptions["dashboard"]>, say: (line: string) => void): Promise<RunningDashboard> {
  const { board, device } = run;
  const rig = board.rig;
  const { attachDashboard } = await import("../dashboard/attach.ts");
  const dash = await attachDashboard(device.controller, { title: d.kind + ": " + run.profile.name, truth: rig ? "plant" : "sensor", trueGapUm: rig ? () => rig.plant.gapUm : null, alarm: board.hal.alarm, journal: device.journal, link: board.hal.link }, d.flags, say);
  if (d.flags.sync && board.emulated) {
    const runner = board.emulated.runner;
    const wire = runner.gate;
    runner.gate = () => (wire ? wire() : null) ?? dash.server.pending();
    await dash.server.firstPage();
  }
  return dash;
}

/** The dashboard's flags, checked before anything is opened. */
async function checkDashboard(d: NonNullable<BoardRunOptions["dashboard"]>, board: string): Promise<void> {
  if (d.flags.sync && board !== EMULATED_UNO) throw new InputError("--dashboard-sync needs the in-process emulated board (" + EMULATED_UNO + "): a real board's clock cannot wait for a page");
  const { parseAddress } = await import("../dashboard/server.ts");
  asInput(() => parseAddress(d.flags.address));
}

export async function runBoardDevice(o: BoardRunOptions): Promise<BoardRunEnd> {
  const inp = inputs(o);
  if (o.dashboard) await checkDashboard(o.dashboard, o.board);
  const fence = new Fence();
  const storage = fencedStorage(fileStorage(join(o.journalDir, "journal.bin"), o.vaultFile ?? vaultBeside(o.journalDir)), fence);
  const consolePort = o.consolePath ? await openPort(o.consolePath) : null;
  let board: OpenedBoard;
  try {
    board = await openBoard({ board: o.board, boardClock: o.boardClock, cfg: inp.cfg, storage, profileJson: inp.profileJson, prescriptionJson: inp.rxJson.json });
  } catch (e) {
    if (consolePort) await closePort(consolePort);
    throw e;
  }
  // nothing is written before the board answered
  mkdirSync(o.journalDir, { recursive: true });
  if (inp.rxJson.bind) writeAtomically(join(o.journalDir, BINDING), JSON.stringify(inp.rxJson.json, null, 2) + "\n");
  const hal = board.hal;
  const startUm = hal.position.read().value;
  const device = assemble({
    hal,
    profile: inp.profile,
    prescription: inp.rx,
    startUm,
    journal: { store: hal.store, compactAtBytes: JOURNAL_COMPACT_BYTES, auditKeep: Infinity, mac: cmacAes128, digest: sha256 },
    console: nodeConsoleParts(inp.profileJson, consolePort ? { nowMs: () => performance.now(), send: portWriter(consolePort) } : null),
    observers: [],
  });
  const run: BoardRun = { device, board, profile: inp.profile, profileJson: inp.profileJson, rx: inp.rx, benchOnly: inp.benchOnly, startUm };
  const ctl = device.controller;
  const stopConsole = consolePort && device.console ? serveConsole(consolePort, device.console) : null;
  let dash: RunningDashboard | null = null;
  try {
    for (const ob of o.observe ? await o.observe(run) : []) ctl.addObserver(ob);
    let advisor: BoardRunEnd["advisor"] = "not requested";
    if (o.advisor) {
      const { attachAdvisor } = await import("../advisor/attach.ts");
      advisor = (await attachAdvisor(ctl, hal.alarm, inp.profile.name)) ? "on" : "off";
    }
    if (o.dashboard) dash = await boardDashboard(run, o.dashboard, o.say);
    return await runUntilEnd(o, run, fence, dash, advisor);
  } finally {
    if (dash) await boundedClose(() => dash!.close());
    if (stopConsole) await boundedClose(stopConsole);
    else if (consolePort) await boundedClose(() => closePort(consolePort));
    await boundedClose(() => board.close());
  }
}

async function runUntilEnd(o: BoardRunOptions, run: BoardRun, fence: Fence, dash: RunningDashboard | null, advisor: BoardRunEnd["advisor"]): Promise<BoardRunEnd> {
  const { device, board, profile } = run;
  const ctl = device.controller;
  const clock = device.clock;
  let settle: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (settle = resolve));
  let ended = false;
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    settle(why);
  };
  // Fenced before the stepper reports the move the loss cut: the journal and the vault end as a power cut leaves them.
  const lost = (reason: string) => {
    if (ended) return;
    ctl.record("board-lost", reason);
    fence.close();
    if (dash) {
      // the page shows the link down (and why) in the update that goes out before it closes
      dash.source.linkEvent(ctl.elapsedMs(), "link-lost", lossDetail(board, reason));
      dash.source.publishLast();
    }
    end("board-lost: " + reason);
  };
  board.hal.link.onLost(lost, true);
  const watch: ControllerObserver = {
    decision() {},
    moved() {},
    warning() {},
    phase(_t: number, _from: PhaseState, to: PhaseState) {
      if (!o.untilComplete) return;
      if (to.phase === "complete") end("complete");
      if (to.phase === "fault") end("fault: " + to.fault);
    },
  };
  ctl.addObserver(watch);
  // Ctrl-C: the motor is disabled at once (below); the ports then close, each waited for a bounded time (boundedClose)
  const onSignal = () => end("interrupted");
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // lost while the advisor loaded: never boot on a dead link
    if (board.hal.link.lost) lost(board.hal.link.reason);
    if (!ended) {
      device.boot();
      const rec = ctl.recovery();
      if (o.onReady) o.onReady(run);
      o.say("ready " + JSON.stringify({ phase: ctl.phaseState().phase, recoveredThroughSeq: rec ? rec.nextSeq - 1 : 0, journalSeq: device.journal ? device.journal.nextSeq - 1 : 0, openIntentReconciled: rec !== null && rec.openIntent !== null }));
    }
    const ph = ctl.phaseState().phase;
    if (o.untilComplete && (ph === "complete" || ph === "fault")) end(ph === "complete" ? "complete" : "fault: " + ctl.phaseState().fault);
    // the deadline is absolute on the HAL clock: a timer at it always finds it reached
    const runMs = o.durationDays !== null ? o.durationDays * MS_PER_DAY : o.defaultDays ? o.defaultDays(run) * MS_PER_DAY : Infinity;
    const deadline = clock.monoMs() - ctl.elapsedMs() + runMs;
    const step = profile.tickMs * 10;
    const progress = () => {
      if (ended) return;
      const t = ctl.elapsedMs();
      if (o.onProgress && isFinite(runMs)) o.onProgress(Math.min(1, t / runMs), t / MS_PER_DAY);
      if (clock.monoMs() >= deadline) return end("duration");
      clock.at(Math.min(deadline, clock.monoMs() + step), progress);
    };
    progress();
    const wd = systemdWatchdog(process.env, process.pid);
    const stopBeat = wd ? startHeartbeat({ clock, ticks: () => ctl.inspect().tickCount, tickMs: profile.tickMs, periodMs: wd.periodMs * o.timeScale, notify: wd.notify }) : null;
    const why = await stopped;
    if (stopBeat) stopBeat();
    const finalStateSafe = await stopWhenIdle(device, why === "duration" ? profile.tickMs : 0);
    if (!fence.closed) ctl.record("shutdown", why + ": controller stopped, motor disabled");
    const endMs = Math.min(ctl.elapsedMs(), runMs);
    return { run, stopReason: why, endMs, finalStateSafe, advisor, exitCode: exitFor(why, run) };
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** Whether the length reached is the prescribed one within the profile's tolerance. */
export function withinTolerance(run: BoardRun): boolean {
  const ctl = run.device.controller;
  const s = ctl.currentSchedule();
  const target = targetUm(s, Math.max(ctl.elapsedMs(), finishMs(s)));
  return Math.abs(ctl.lengthReachedUm() - target) <= run.profile.positionToleranceUm;
}

function exitFor(why: string, run: BoardRun): ExitCode {
  if (why === "interrupted") return EXIT.interrupted;
  if (why.startsWith("board-lost")) return EXIT.boardLost;
  const ph = run.device.controller.phaseState().phase;
  if (ph === "complete") return runOutcome(ph, withinTolerance(run));
  return ph === "fault" ? EXIT.fault : EXIT.ok;
}
