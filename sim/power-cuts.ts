// Power cuts at random instants across a whole protocol, in virtual time: some at a
// tick, some in the middle of a journal write (a torn record). At each cut the
// motor stops where it is (pulses already sent reach the plant), the controller
// dies, the device stays off for a while, then a fresh controller boots from the
// journal on the same plant and store. Measures what a patient would feel: lost
// records, overshoot past the prescription, and how soon delivery resumes.

import type { Device } from "../firmware/core/assemble.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import { targetUm } from "../firmware/core/schedule.ts";
import { Rng } from "./rng.ts";
import { defaultDays, summarize } from "./run.ts";
import type { Summary } from "./run.ts";
import type { Scenario } from "./scenario.ts";
import { makeSimWorld } from "./world.ts";
import { Session } from "./session.ts";

export interface PowerCutOptions {
  cuts: number;
  seed: number;
  /** Longest time the device stays off after a cut (ms); each outage is uniform in [0, this]. */
  maxOffMs: number;
  /** Fraction of cuts that land inside a journal write. */
  inWriteFraction: number;
}

export interface PowerCutReport {
  cuts: number;
  cutsInWrite: number;
  /** Committed records not found after the reboot that followed (must be 0). */
  lostRecords: number;
  recoveryErrors: string[];
  /** Reboots that found a move cut short and reconciled it against the sensor. */
  reconciledMoves: number;
  /** Largest excess of the true gap over the prescribed target, over the whole run (µm). */
  maxOvershootUm: number;
  /** For reboots in distraction with a shortfall: ms from boot to the first move. */
  resumeDelaysMs: number[];
  recoveryWallMsMedian: number;
  summary: Summary;
}

export function runWithPowerCuts(sc: Scenario, opts: PowerCutOptions): PowerCutReport {
  const wall0 = performance.now();
  const world = makeSimWorld(sc, { faults: false });
  const { clock, plant, store, hal } = world;
  const rng = new Rng(opts.seed);
  const days = defaultDays(sc);
  const endMs = days * MS_PER_DAY;
  const tick = sc.profile.tickMs;

  const session = new Session(sc, world, hal);
  const recoveryMs: number[] = [];
  const boot = (): Device => {
    const w = performance.now();
    const d = session.boot();
    recoveryMs.push(performance.now() - w);
    return d;
  };

  const report = { cuts: 0, cutsInWrite: 0, lostRecords: 0, recoveryErrors: [] as string[], reconciledMoves: 0, resumeDelaysMs: [] as number[] };
  let dev = boot();
  // The instant the power fails the controller is gone: nothing it does after that is observed.
  const die = () => {
    session.gate!.on = false;
    hal.stepper.powerCut();
  };
  store.onPowerFail = die;
  while (report.cuts < opts.cuts) {
    // the next cut falls uniformly within twice the mean spacing still available
    const now = clock.monoMs();
    const at = now + rng.next() * 2 * ((endMs - now) / (opts.cuts - report.cuts + 1));
    if (at >= endMs) break;
    clock.runUntil(at);
    if (dev.controller.phaseState().phase === "distraction" && rng.next() < opts.inWriteFraction) {
      // the power fails part-way through one of the next two journal writes (a move's
      // record, or its intent where it has one), whenever they come within a day
      store.cutAtAppend(1 + Math.floor(rng.next() * 2), Math.floor(rng.next() * 30));
      for (let k = 0; k < MS_PER_DAY / tick && store.powered && clock.monoMs() < endMs; k++) clock.runUntil(clock.monoMs() + tick);
      if (!store.powered) report.cutsInWrite++;
    }
    report.cuts++;
    const committed = dev.journal!.nextSeq - 1;
    if (store.powered) store.powerOff();
    dev.stop();
    clock.runUntil(Math.min(endMs, clock.monoMs() + rng.next() * opts.maxOffMs));
    store.powerOn();
    const moves = session.recorder!.moveAtMs.length;
    const bootT = clock.monoMs();
    dev = boot();
    const ctl = dev.controller;
    const rec = ctl.recovery()!;
    if (rec.error) report.recoveryErrors.push(rec.error.message);
    if (rec.nextSeq - 1 < committed) report.lostRecords += committed - (rec.nextSeq - 1);
    if (rec.openIntent) report.reconciledMoves++;
    const t = ctl.elapsedMs();
    const behind = targetUm(ctl.currentSchedule(), t) - plant.gapUm;
    if (ctl.phaseState().phase === "distraction" && behind > 2 * sc.profile.positionToleranceUm) {
      clock.runUntil(bootT + 2 * tick);
      report.resumeDelaysMs.push(session.recorder!.moveAtMs.length > moves ? session.recorder!.moveAtMs[moves] - t : Infinity);
    }
  }
  clock.runUntil(endMs);
  const summary = summarize(sc, sc.seed, days, false, wall0, dev.controller, session.recorder!, hal);
  recoveryMs.sort((a, b) => a - b);
  return {
    ...report,
    maxOvershootUm: Math.round(session.recorder!.errMaxOver * 1000) / 1000,
    recoveryWallMsMedian: Math.round(recoveryMs[Math.floor(recoveryMs.length / 2)] * 1000) / 1000,
    summary,
  };
}
