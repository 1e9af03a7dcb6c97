// The trial log: every sample (each control tick's readings and decision) and
// every command (moves, phase changes, warnings, faults, link events) as one NDJSON
// record per line and one CSV row, written synchronously (nothing to lose on
// Ctrl-C; close() fsyncs). Times: tMs = device ms since the prescription started,
// boardMs = the board's own clock. `trueUm` (the emulated rig's true gap) is there
// only when the trial has a ground truth: on a real rig the length is the position
// sensor's, already in `positionUm`, and nothing is called "true".

import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface LogRecord {
  type: "sample" | "move" | "phase" | "warning" | "link" | "stop" | "rig";
  tMs: number;
  boardMs: number;
  [field: string]: string | number | boolean | null;
}

/** Every column a log can have; a sensor-truth log leaves out trueUm. */
export const CSV_COLUMNS = ["type", "tMs", "boardMs", "phase", "targetUm", "trueUm", "positionUm", "positionOk", "positionAtMs", "forceN", "forceOk", "estimateUm", "steps", "requested", "issued", "fault", "motorEnabled", "code", "detail"];

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export class TrialLog {
  readonly ndjsonPath: string;
  readonly csvPath: string;
  readonly truth: "plant" | "sensor";
  readonly columns: string[];
  private nd: number;
  private csv: number;
  records = 0;

  constructor(dir: string, truth: "plant" | "sensor") {
    this.truth = truth;
    this.columns = truth === "plant" ? CSV_COLUMNS : CSV_COLUMNS.filter((c) => c !== "trueUm");
    this.ndjsonPath = join(dir, "trial.ndjson");
    this.csvPath = join(dir, "trial.csv");
    this.nd = openSync(this.ndjsonPath, "w");
    this.csv = openSync(this.csvPath, "w");
    writeSync(this.csv, this.columns.join(",") + "\n");
  }

  write(rec: LogRecord): void {
    writeSync(this.nd, JSON.stringify(rec) + "\n");
    writeSync(this.csv, this.columns.map((c) => csvCell(rec[c])).join(",") + "\n");
    this.records++;
  }

  close(): void {
    for (const fd of [this.nd, this.csv]) {
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}
