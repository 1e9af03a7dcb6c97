// Watches the controller during a trial: feeds the simulator's Recorder (tracking
// error, daily rates, series for the report), writes every sample and command to
// the trial log, and keeps (time, length) pairs for accuracy and precision. The
// length is the emulated rig's TRUE gap, or on a real rig the position reading
// (the only truth a bench has).

import type { MoveResult, Reading } from "../../../hal/types.ts";
import type { ControllerObserver } from "../../core/controller.ts";
import type { Decision } from "../../core/governor.ts";
import type { PhaseState } from "../../core/phases.ts";
import type { Recorder } from "../../../sim/recorder.ts";
import type { LogRecord, TrialLog } from "./log.ts";

/** Where the trial's "true" length comes from. */
export interface LengthSource {
  kind: "plant" | "sensor";
  /** The length now (µm); a sensor source follows the last good position reading. */
  gapUm: number;
}

export class TrialObserver implements ControllerObserver {
  recorder: Recorder;
  log: TrialLog;
  length: LengthSource;
  boardMs: () => number;
  /** One (time, length) pair per control tick. */
  lengthAt: Array<{ tMs: number; gapUm: number }> = [];
  peakForceN = -Infinity;
  /** Microsteps the driver reported issued, over all moves. */
  issued = 0;
  onPhase: (to: PhaseState) => void = () => {};

  constructor(recorder: Recorder, log: TrialLog, length: LengthSource, boardMs: () => number) {
    this.recorder = recorder;
    this.log = log;
    this.length = length;
    this.boardMs = boardMs;
  }

  /** The true gap as a log field, only where there is a ground truth (a real rig's length is its sensor: positionUm); undefined is left out of the record. */
  private truth(): number | undefined {
    return this.length.kind === "plant" ? this.length.gapUm : undefined;
  }

  /** Stamps the record with the board's clock (its last field) and writes it. */
  record(rec: Omit<LogRecord, "boardMs">): void {
    const r = rec as LogRecord;
    r.boardMs = Math.round(this.boardMs() * 1000) / 1000;
    this.log.write(r);
  }

  decision(tMs: number, d: Decision, pos: Reading, force: Reading): void {
    if (this.length.kind === "sensor" && pos.ok) this.length.gapUm = pos.value;
    if (force.ok && force.value > this.peakForceN) this.peakForceN = force.value;
    this.recorder.decision(tMs, d, pos, force);
    this.lengthAt.push({ tMs, gapUm: this.length.gapUm });
    this.record({
      type: "sample",
      tMs,
      phase: this.recorder.currentPhase,
      targetUm: d.targetUm,
      trueUm: this.truth(),
      positionUm: pos.value,
      positionOk: pos.ok,
      positionAtMs: pos.atMs,
      forceN: force.value,
      forceOk: force.ok,
      estimateUm: d.estimateUm,
      steps: d.steps,
    });
  }

  moved(tMs: number, requested: number, res: MoveResult): void {
    this.recorder.moved(tMs, requested, res);
    this.issued += res.issued;
    this.record({ type: "move", tMs, requested, issued: res.issued, fault: res.fault, trueUm: this.truth() });
  }

  phase(tMs: number, from: PhaseState, to: PhaseState): void {
    this.recorder.phase(tMs, from, to);
    this.record({ type: "phase", tMs, phase: to.phase, code: to.phase === "fault" ? to.fault : from.phase + "→" + to.phase, detail: to.reason });
    this.onPhase(to);
  }

  warning(tMs: number, code: string, detail: string): void {
    this.recorder.warning(tMs, code, detail);
    this.record({ type: "warning", tMs, code, detail });
  }
}
