// The canonical device state: everything that decides what the device does next,
// serialized deterministically, so "a refused console line changes nothing" can
// be checked byte for byte. It covers the prescription in force, schedule,
// governor and supervisor configuration and state (travel windows included),
// phase, time base, the console image and clock correction, the alarm and the
// motor enable. It leaves out the journal (every command is journaled, accepted
// or not) and the console's own session (flood counters, the pending nonce).

import type { Controller } from "../controller.ts";
import type { CorrectedClock } from "./wall-clock.ts";

function plain(_key: string, v: any): any {
  if (typeof v === "number" && !isFinite(v)) return String(v);
  if (v instanceof Int32Array) return Array.prototype.slice.call(v);
  return v;
}

export function deviceState(ctl: Controller, clock: CorrectedClock): string {
  return JSON.stringify({
    rx: ctl.rx,
    schedule: ctl.schedule,
    gov: ctl.gov,
    state: ctl.state,
    sup: ctl.sup,
    supState: ctl.supState,
    phase: ctl.phase,
    t0: ctl.t0,
    wallAtStart: ctl.wallAtStart,
    startUm: ctl.startUm,
    tickCount: ctl.tickCount,
    moving: ctl.moving,
    running: ctl.running,
    auditKeep: ctl.auditKeep,
    consoleImage: ctl.consoleImage,
    correctionMs: clock.correctionMs,
    alarm: ctl.hal.alarm.level(),
    motorEnabled: ctl.hal.stepper.isEnabled(),
  }, plain);
}
