// The trial log: every sample (each control tick's readings and decision) and
// every command (moves, phase changes, warnings, faults, link events) as one NDJSON
// record per line and one CSV row, written synchronously (nothing to lose on
// Ctrl-C; close() fsyncs). Times: tMs = device ms since the prescription started,
// boardMs = the board's own clock.

import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface LogRecord {
  type: "sample" | "move" | "phase" | "warning" | "link" | "stop" | "rig";
  tMs: number;
  boardMs: number;
  [field: string]: string | number | boolean | null;
}

export const CSV_COLUMNS = ["type", "tMs", "boardMs", "phase", "targetUm", "trueUm", "positionUm", "positionOk", "positionAtMs", "forceN", "forceOk", "estimateUm", "steps", "requested", "issued", "fault", "motorEnabled", "code", "detail"];

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export class TrialLog {
  readonly ndjsonPath: string;
  readonly csvPath: string;
  private nd: number;
  private csv: number;
  records = 0;

  /** `append`: a resumed trial adds to the logs already there (the CSV header is written once). */
  constructor(dir: string, append: boolean) {
    this.ndjsonPath = join(dir, "trial.ndjson");
    this.csvPath = join(dir, "trial.csv");
    const header = !(append && existsSync(this.csvPath));
    this.nd = openSync(this.ndjsonPath, append ? "a" : "w");
    this.csv = openSync(this.csvPath, append ? "a" : "w");
    if (header) writeSync(this.csv, CSV_COLUMNS.join(",") + "\n");
  }

  write(rec: LogRecord): void {
    writeSync(this.nd, JSON.stringify(rec) + "\n");
    writeSync(this.csv, CSV_COLUMNS.map((c) => csvCell(rec[c])).join(",") + "\n");
    this.records++;
  }

  close(): void {
    for (const fd of [this.nd, this.csv]) {
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}
