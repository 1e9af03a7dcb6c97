// What `osteodrive device --board` prints when it ends: how it stopped, the phase,
// the length reached against the prescribed target (the sensor-fused estimate: a
// device has no other truth), and the journal as it lies on disk.

import { journalFigures } from "./journal-figures.ts";
import { targetUm } from "../../core/schedule.ts";
import { MS_PER_DAY } from "../../core/units.ts";
import type { BoardRunEnd } from "./board-run.ts";
import { withinTolerance } from "./board-run.ts";

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function deviceReport(end: BoardRunEnd) {
  const ctl = end.run.device.controller;
  const ph = ctl.phaseState();
  return {
    stopReason: end.stopReason,
    phase: ph.phase,
    fault: ph.fault,
    day: r3(end.endMs / MS_PER_DAY),
    lengthUm: r3(ctl.lengthReachedUm()),
    targetUm: r3(targetUm(ctl.currentSchedule(), end.endMs)),
    withinTolerance: ph.phase === "complete" ? withinTolerance(end.run) : null,
    finalStateSafe: end.finalStateSafe,
    ...journalFigures(end.run.device.hal, ctl.recovery()),
    advisor: end.advisor,
    exitCode: end.exitCode,
  };
}
