// What the console does to the controller, as functions over its public state (so
// an app without a console does not carry them in its bundle): journal an audit
// event, commit a snapshot, load a new prescription that continues from the length
// reached, move the time base with a wall-clock correction, and run a bench move.
// Each commits what it changes with a snapshot (the console image included), so a
// power cut leaves the old state or the new one.

import type { Direction, MoveResult } from "../../../hal/types.ts";
import type { Controller } from "../controller.ts";
import type { Prescription } from "../prescription.ts";
import type { ConsoleImage } from "./restore.ts";
import { estimateUm, makeGovernorConfig } from "../governor.ts";
import { makeSupervisorConfig, supervisorEstimate } from "../supervisor.ts";
import { makeSchedule } from "../schedule.ts";
import { advancePhase, initialPhase, pause } from "../phases.ts";
import { windowAdd } from "../travel-window.ts";

/** The fused gap estimate now (µm): the length reached. */
export function lengthReachedUm(ctl: Controller): number {
  return estimateUm(ctl.gov, ctl.state);
}

/** Writes a snapshot of the state now; a refusal latches storage-failure. */
export function commit(ctl: Controller): boolean {
  const j = ctl.journal;
  if (!j) return true;
  if (j.compact(ctl.snapshot(), Math.round(ctl.elapsedMs())) >= 0) return true;
  ctl.fault("storage-failure", "journal compaction refused: " + j.lastError);
  return false;
}

/** Journals an audit event and compacts when due; false when the journal refused (storage-failure latched). */
export function record(ctl: Controller, code: string, detail: string): boolean {
  if (!ctl.log("event", { code, detail }, ctl.elapsedMs())) return false;
  return !ctl.journal || !ctl.journal.shouldCompact() || commit(ctl);
}

/**
 * A new prescription takes over now from `startUm` (the length reached); `rx` is
 * already continued so its latency counts from now (restore.ts). The time base,
 * step count, fusion and 24 h travel budget carry on; a pause stays a pause.
 * `image` (what a reboot needs to rebuild `rx`) is committed with the snapshot.
 */
export function loadPrescription(ctl: Controller, rx: Prescription, startUm: number, image: ConsoleImage): boolean {
  const t = ctl.elapsedMs();
  ctl.rx = rx;
  ctl.startUm = startUm;
  ctl.schedule = makeSchedule(rx, startUm, ctl.wallAtStart);
  ctl.gov = makeGovernorConfig(ctl.profile, rx, ctl.schedule, ctl.hal.caps.maxMoveSteps, ctl.hal.caps.maxStepRateHz);
  ctl.sup = makeSupervisorConfig(ctl.profile, rx, ctl.schedule);
  const fresh = initialPhase();
  fresh.sinceMs = t;
  let next = advancePhase(fresh, ctl.schedule, t, startUm, ctl.profile.positionToleranceUm);
  if (ctl.phase.phase === "paused") next = pause(next, t, ctl.phase.reason);
  ctl.setPhase(next);
  ctl.consoleImage = image;
  return commit(ctl);
}

/**
 * The wall clock was corrected by deltaMs: the time base moves with it, so the
 * time since the start stays continuous across reboots, quiet hours follow the
 * corrected local time, and the supervisor does not see a clock jump.
 */
export function shiftWallClock(ctl: Controller, deltaMs: number, image: ConsoleImage): boolean {
  ctl.wallAtStart += deltaMs;
  if (isFinite(ctl.supState.wallOffset)) ctl.supState.wallOffset += deltaMs;
  ctl.schedule = makeSchedule(ctl.rx, ctl.startUm, ctl.wallAtStart);
  ctl.consoleImage = image;
  return commit(ctl);
}

/**
 * Bench: one raw move while paused, bounded like any move (increment cap, driver
 * cap, 24 h budget, stroke), journaled as intent/done and booked in the
 * governor's and supervisor's counts. Returns "" when issued (`done` runs once
 * when it ends) or the refusal code; a refusal changes nothing.
 */
export function benchMove(ctl: Controller, steps: number, dir: Direction, done: (res: MoveResult) => void): string {
  if (ctl.phase.phase !== "paused") return "wrong-phase";
  if (ctl.moving) return "busy";
  const t = ctl.elapsedMs();
  if (!(steps >= 1 && steps <= ctl.gov.incrementCapSteps && steps <= ctl.gov.moveCapSteps && Math.floor(steps) === steps)) return "out-of-range";
  // the governor's window is advanced every tick: read its sum without moving it
  if (ctl.state.window.sum + steps > ctl.sup.budgetSteps) return "over-budget";
  const after = lengthReachedUm(ctl) + dir * steps * ctl.gov.umPerStep;
  if (after < 0 || after > ctl.gov.strokeUm) return "over-stroke";
  if (!ctl.log("intent", { steps, dir, target: supervisorEstimate(ctl.sup, ctl.supState) }, t)) return "storage-failure";
  const st = ctl.hal.stepper;
  st.enable();
  ctl.moving = true;
  st.move({ steps, dir, maxDurationMs: Math.ceil((steps * 1000) / ctl.gov.maxStepRateHz) + 100 }, (res) => {
    ctl.moving = false;
    st.disable();
    const tEnd = res.endedAtMs - ctl.t0;
    ctl.state.stepCount += dir * res.issued;
    ctl.supState.stepCount += dir * res.issued;
    windowAdd(ctl.state.window, tEnd, res.issued);
    windowAdd(ctl.supState.window, tEnd, res.issued);
    if (ctl.log("done", { issued: res.issued, fault: res.fault }, tEnd)) {
      if (res.issued > steps) ctl.fault("runaway", "bench move: driver issued " + res.issued + " steps for " + steps + " commanded");
      else if (res.fault !== "") ctl.fault("driver-fault", "bench move: stepper reported " + res.fault + " after " + res.issued + " of " + steps + " steps");
    }
    done(res);
  });
  return "";
}
