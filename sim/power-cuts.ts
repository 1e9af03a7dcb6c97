// Power cuts at random instants across a whole protocol, in virtual time: some at a
// tick, some in the middle of a journal write (a torn record). At each cut the
// motor stops where it is (pulses already sent reach the plant), the controller
// dies, the device stays off for a while, then a fresh controller boots from the
// journal on the same plant and store. Measures what a patient would feel: lost
// records, overshoot past the prescription, and how soon delivery resumes.

import { makeSimHal } from "./driver.ts";
import { Controller } from "../firmware/core/controller.ts";
import { Journal } from "../firmware/core/journal.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../firmware/core/units.ts";
import { targetUm } from "../firmware/core/schedule.ts";
import { Plant } from "./plant.ts";
import { PowerCutStore } from "./power-cut-store.ts";
import { Recorder } from "./recorder.ts";
import { Rng } from "./rng.ts";
import { JOURNAL_COMPACT_BYTES, defaultDays, summarize } from "./run.ts";
import type { Summary } from "./run.ts";
import type { Scenario } from "./scenario.ts";
import { VirtualClock } from "./virtual-clock.ts";

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
  const clock = new VirtualClock(sc.startWallMs);
  const plant = new Plant(sc.plant, sc.seed);
  const store = new PowerCutStore();
  const hal = makeSimHal(plant, clock, sc.driver, store);
  const rng = new Rng(opts.seed);
  const days = defaultDays(sc);
  const endMs = days * MS_PER_DAY;
  const tick = sc.profile.tickMs;

  let recorder: Recorder | null = null;
  const recoveryMs: number[] = [];
  const boot = (): Controller => {
    const c = new Controller(hal, sc.profile, sc.prescription, 0, null, new Journal(store, JOURNAL_COMPACT_BYTES));
    if (!recorder) recorder = new Recorder(plant, c.schedule, tick, 10 * MS_PER_MINUTE);
    c.observer = recorder;
    const w = performance.now();
    c.boot();
    recoveryMs.push(performance.now() - w);
    return c;
  };

  const report = { cuts: 0, cutsInWrite: 0, lostRecords: 0, recoveryErrors: [] as string[], reconciledMoves: 0, resumeDelaysMs: [] as number[] };
  let ctl = boot();
  // The instant the power fails the controller is gone: nothing it does after that is observed.
  const die = () => {
    ctl.observer = null;
    hal.stepper.powerCut();
  };
  store.onPowerFail = die;
  while (report.cuts < opts.cuts) {
    // the next cut falls uniformly within twice the mean spacing still available
    const now = clock.monoMs();
    const at = now + rng.next() * 2 * ((endMs - now) / (opts.cuts - report.cuts + 1));
    if (at >= endMs) break;
    clock.runUntil(at);
    if (ctl.phase.phase === "distraction" && rng.next() < opts.inWriteFraction) {
      // the power fails part-way through the intent or the done of the next move
      store.cutAtAppend(1 + Math.floor(rng.next() * 2), Math.floor(rng.next() * 40));
      for (let k = 0; k < 20 && store.powered; k++) clock.runUntil(clock.monoMs() + tick);
      if (!store.powered) report.cutsInWrite++;
    }
    report.cuts++;
    const committed = ctl.journal!.nextSeq - 1;
    if (store.powered) store.powerOff();
    ctl.stop();
    clock.runUntil(Math.min(endMs, clock.monoMs() + rng.next() * opts.maxOffMs));
    store.powerOn();
    const moves = recorder!.moveAtMs.length;
    const bootT = clock.monoMs();
    ctl = boot();
    const rec = ctl.lastRecovery!;
    if (rec.error) report.recoveryErrors.push(rec.error.message);
    if (rec.nextSeq - 1 < committed) report.lostRecords += committed - (rec.nextSeq - 1);
    if (rec.openIntent) report.reconciledMoves++;
    const t = bootT - ctl.t0;
    const behind = targetUm(ctl.schedule, t) - plant.gapUm;
    if (ctl.phase.phase === "distraction" && behind > 2 * sc.profile.positionToleranceUm) {
      clock.runUntil(bootT + 2 * tick);
      report.resumeDelaysMs.push(recorder!.moveAtMs.length > moves ? recorder!.moveAtMs[moves] - t : Infinity);
    }
  }
  clock.runUntil(endMs);
  const summary = summarize(sc, sc.seed, days, false, wall0, ctl, recorder!, hal);
  recoveryMs.sort((a, b) => a - b);
  return {
    ...report,
    maxOvershootUm: Math.round(recorder!.errMaxOver * 1000) / 1000,
    recoveryWallMsMedian: Math.round(recoveryMs[Math.floor(recoveryMs.length / 2)] * 1000) / 1000,
    summary,
  };
}
