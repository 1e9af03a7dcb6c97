// A bench rate trial: the Node device (firmware/node/device/board-run.ts, the same
// firmware a device runs) plus the bench recorder and report. It runs until the
// prescription is complete, a fault latches, the duration runs out, the board is
// lost or the user interrupts; it logs every sample and command, and writes the
// summary and the same HTML report as `sim` into the output folder.
//
// The folder is never cleared: a trial refuses a non-empty one unless told. With
// `resume` it continues from the journal there (logs appended); with `force` it
// starts afresh after moving what was there into previous-N/ (nothing is deleted).

import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ControllerObserver } from "../../core/controller.ts";
import { finishMs } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import { Recorder } from "../../../sim/recorder.ts";
import { renderReport } from "../../../sim/report.ts";
import type { OpenedBoard } from "../board/open-board.ts";
import { InputError, lossDetail, runBoardDevice } from "../device/board-run.ts";
import type { BoardRun } from "../device/board-run.ts";
import { EXIT, runOutcome } from "../exit-codes.ts";
import type { ExitCode } from "../exit-codes.ts";
import { TrialLog, logStart } from "./log.ts";
import type { DashboardFlags } from "../dashboard/attach.ts";
import { TrialObserver } from "./observer.ts";
import type { LengthSource } from "./observer.ts";
import { trialSummary } from "./summary.ts";
import type { TrialSummary } from "./summary.ts";

export interface TrialOptions {
  port: string;
  /** The lockstep socket of an emulated board served by its own process (sim/uno/serve.ts). */
  boardClock?: string | null;
  profileFile: string;
  /** Optional with resume (the journal folder is bound to its prescription). */
  prescriptionFile: string | null;
  timeScale: number;
  /** Device days; default: until complete, capped at the schedule + consolidation + 10 %. */
  durationDays?: number;
  outDir: string;
  /** Continue the trial whose journal is in outDir. */
  resume?: boolean;
  /** Start a new trial in a non-empty outDir (its contents move to previous-N/). */
  force?: boolean;
  consolePath?: string | null;
  advisor?: boolean;
  onProgress?: (fraction: number, dayNow: number) => void;
  /** Called once the board is up (tests use it to pull the cable). */
  onBoard?: (board: OpenedBoard) => void;
  /** Serve the live dashboard (--dashboard [HOST:]PORT, --dashboard-sync). */
  dashboard?: DashboardFlags;
  /** Where the app's own lines go (readiness, the dashboard's URL). */
  say?: (line: string) => void;
}

export interface TrialResult {
  summary: TrialSummary;
  files: { ndjson: string; csv: string; report: string; summary: string; journal: string };
  stopReason: string;
  exitCode: ExitCode;
}

/** Checks the output folder and, with force, moves its contents aside; throws InputError before anything is written. */
function prepareOut(o: TrialOptions): void {
  if (o.resume && o.force) throw new InputError("--resume and --force exclude each other");
  const entries = existsSync(o.outDir) ? readdirSync(o.outDir) : [];
  if (o.resume) {
    if (!entries.includes("journal.bin")) throw new InputError("--resume: " + o.outDir + " holds no journal.bin to resume from");
    return;
  }
  if (entries.length === 0) return;
  if (!o.force) throw new InputError(o.outDir + " is not empty (" + entries.slice(0, 4).join(", ") + (entries.length > 4 ? ", …" : "") + "): --resume continues the trial from its journal, --force starts a new one (what is there moves to previous-N/)");
  let n = 1;
  while (existsSync(join(o.outDir, "previous-" + n))) n++;
  const aside = join(o.outDir, "previous-" + n);
  mkdirSync(aside);
  for (const e of entries) if (!/^previous-\d+$/.test(e)) renameSync(join(o.outDir, e), join(aside, e));
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const wall0 = performance.now();
  prepareOut(o);
  const files = { ndjson: join(o.outDir, "trial.ndjson"), csv: join(o.outDir, "trial.csv"), report: join(o.outDir, "report.html"), summary: join(o.outDir, "summary.json"), journal: join(o.outDir, "journal.bin") };
  let obs: TrialObserver | null = null;
  let recorder: Recorder | null = null;
  let log: TrialLog | null = null;
  let endMs = Infinity;
  const observe = (run: BoardRun) => {
    const rig = run.board.rig;
    const length: LengthSource = rig ? { kind: "plant", get gapUm() { return rig.plant.gapUm; } } : { kind: "sensor", gapUm: run.startUm };
    const ctl = run.device.controller;
    log = new TrialLog(o.outDir, length.kind, o.resume === true);
    // The Recorder reads only `gapUm`; on a real rig that is the position reading.
    recorder = new Recorder(rig ? rig.plant : length, ctl.currentSchedule(), run.profile.tickMs, run.profile.tickMs * 10);
    obs = new TrialObserver(recorder, log, length, () => run.board.boardMs());
    const seen = obs;
    run.board.hal.link.onLost((reason) => seen.record({ type: "link", tMs: ctl.elapsedMs(), code: "link-lost", detail: lossDetail(run.board, reason) }));
    if (o.onBoard) o.onBoard(run.board);
    // recovery at boot and a prescription loaded over the console replace the schedule: the recorder follows
    const rec = recorder;
    const follow: ControllerObserver = { decision() {}, moved() {}, warning() {}, phase() { rec.schedule = ctl.currentSchedule(); } };
    return [follow, seen];
  };
  let board: OpenedBoard | null = null;
  try {
    const end = await runBoardDevice({
      board: o.port,
      boardClock: o.boardClock ?? null,
      profileFile: o.profileFile,
      prescriptionFile: o.prescriptionFile,
      journalDir: o.outDir,
      // a trial's vault sits in its folder beside the journal (where journal dump and report look first)
      vaultFile: join(o.outDir, "vault.bin"),
      consolePath: o.consolePath ?? null,
      advisor: o.advisor === true,
      dashboard: o.dashboard ? { flags: o.dashboard, kind: "trial" } : null,
      timeScale: o.timeScale,
      durationDays: o.durationDays ?? null,
      defaultDays: (run) => {
        const s = run.device.controller.currentSchedule();
        return ((finishMs(s) + s.consolidationMs) * 1.1 + 10 * run.profile.tickMs) / MS_PER_DAY;
      },
      untilComplete: true,
      observe,
      // after boot: the schedule in force (fresh, or recovered from the journal) heads the log
      onReady: (run) => {
        const ctl = run.device.controller;
        obs!.record({ type: "start", tMs: ctl.elapsedMs(), code: run.profile.name, detail: JSON.stringify(logStart(run.profile, ctl.prescription(), ctl.currentSchedule(), ctl.status().wallAtStart, obs!.length.kind, o.port, o.timeScale)) });
      },
      onProgress: o.onProgress,
      say: o.say ?? (() => {}),
    });
    board = end.run.board;
    endMs = end.endMs;
    const run = end.run;
    const ctl = run.device.controller;
    const rig = run.board.rig;
    const summary = trialSummary({ name: run.profile.name, port: o.port, timeScale: o.timeScale, benchOnly: run.benchOnly, seed: run.board.seed, wall0, endMs, boardSeconds: run.board.boardMs() / 1000, stopReason: end.stopReason, finalStateSafe: end.finalStateSafe }, ctl, obs!, run.board.hal, rig);
    obs!.record({ type: "stop", tMs: endMs, code: end.stopReason, motorEnabled: run.board.hal.stepper.isEnabled(), issued: obs!.issued, detail: "controller stopped, motor disable sent" });
    writeFileSync(files.summary, JSON.stringify(summary, null, 2) + "\n");
    writeFileSync(files.report, renderReport({
      title: "Bench trial: " + run.profile.name,
      description: "Port " + o.port + (o.timeScale !== 1 ? ", BENCH ONLY time compression ×" + o.timeScale : "") + "; lengths measured on the " + (rig ? "emulated rig's true gap" : "position sensor") + "." + (o.resume ? " Resumed from its journal: the plots cover this run only." : ""),
      summary,
      series: recorder!.series,
      phases: recorder!.phases,
      softForceN: run.rx.softForceN,
      hardForceN: run.rx.hardForceN,
      truth: summary.truth,
      notes: [
        "accuracy " + summary.accuracyPct + " %, precision " + summary.precisionPct + " % (" + summary.segmentAccuracyPct.length + " segments)",
        "final error " + summary.finalErrorUm + " µm, tolerance " + summary.toleranceUm + " µm: " + (summary.withinTolerance ? "within" : "OUTSIDE"),
        "stopped: " + end.stopReason + " after " + summary.boardSeconds + " s of board time",
      ],
    }));
    const exitCode = end.exitCode === EXIT.interrupted || end.exitCode === EXIT.boardLost ? end.exitCode : runOutcome(summary.finalPhase, summary.withinTolerance);
    return { summary, files, stopReason: end.stopReason, exitCode };
  } finally {
    const l = log as TrialLog | null;
    if (l) {
      // The emulated rig's own word on the motor after the last command reached the board (the board is closed by now).
      const b = board as OpenedBoard | null;
      if (b && b.rig) l.write({ type: "rig", tMs: -1, boardMs: b.boardMs(), motorEnabled: b.rig.truth.enabled, issued: b.rig.netSteps(), detail: "ground truth: driver EN line and microsteps the plant received" });
      l.close();
    }
  }
}
