// The trial log: every sample (each control tick's readings and decision) and
// every command (moves, phase changes, warnings, faults, link events) as one NDJSON
// record per line and one CSV row. A trial's is written synchronously, record by
// record (nothing to lose on Ctrl-C or a crash); a simulated run's (`sim --log`,
// which can be run again) in blocks of BLOCK_BYTES; close() writes what is left
// and fsyncs. Times: tMs = device ms since the prescription started,
// boardMs = the board's own clock. `trueUm` (the emulated rig's true gap) is there
// only when the trial has a ground truth: on a real rig the length is the position
// sensor's, already in `positionUm`, and nothing is called "true". The first record
// ("start") carries what a report needs to read the rest: the prescription, the
// tick, the tolerance and the truth (as JSON in `detail`).

import { closeSync, existsSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { DeviceProfile } from "../../core/profile.ts";
import type { Prescription } from "../../core/prescription.ts";
import type { Schedule } from "../../core/schedule.ts";

export interface LogRecord {
  type: "start" | "sample" | "move" | "phase" | "warning" | "link" | "stop" | "rig";
  tMs: number;
  boardMs: number;
  /** undefined: the field is left out (an empty CSV cell, no NDJSON key). */
  [field: string]: string | number | boolean | null | undefined;
}

/** Every column a log can have; a sensor-truth log leaves out trueUm. */
export const CSV_COLUMNS = ["type", "tMs", "boardMs", "phase", "targetUm", "trueUm", "positionUm", "positionOk", "positionAtMs", "forceN", "forceOk", "estimateUm", "steps", "requested", "issued", "fault", "motorEnabled", "code", "detail"];

/** What the "start" record says about the run (read back by dashboard/log-source.ts). */
export interface LogStart {
  device: string;
  port: string;
  timeScale: number;
  truth: "plant" | "sensor";
  tickMs: number;
  toleranceUm: number;
  /** The prescription as parsed, and where its schedule starts (length µm, wall ms): the report rebuilds the schedule from them. */
  prescription: Prescription;
  startUm: number;
  wallAtStartMs: number;
}

export function logStart(profile: DeviceProfile, rx: Prescription, schedule: Schedule, wallAtStartMs: number, truth: "plant" | "sensor", port: string, timeScale: number): LogStart {
  return { device: profile.name, port, timeScale, truth, tickMs: profile.tickMs, toleranceUm: profile.positionToleranceUm, prescription: rx, startUm: schedule.startUm, wallAtStartMs };
}

/** How much of a simulated run's log is held before it is written, per file. */
const BLOCK_BYTES = 1 << 20;

function csvCell(v: unknown): string {
  if (typeof v === "number") return String(v);
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
  /** A simulated run's lines not yet written, one block per file; null: each record is written as it comes. */
  private ndHeld: Block | null;
  private csvHeld: Block | null;
  records = 0;

  /**
   * `append`: a resumed trial adds to the logs already there (the CSV header is written once).
   * `blocks`: written in blocks, for a simulated run (see the header); else each record as it comes.
   */
  constructor(dir: string, truth: "plant" | "sensor", append = false, blocks = false) {
    this.truth = truth;
    this.columns = truth === "plant" ? CSV_COLUMNS : CSV_COLUMNS.filter((c) => c !== "trueUm");
    this.ndjsonPath = join(dir, "trial.ndjson");
    this.csvPath = join(dir, "trial.csv");
    const header = !(append && existsSync(this.csvPath));
    this.nd = openSync(this.ndjsonPath, append ? "a" : "w");
    this.csv = openSync(this.csvPath, append ? "a" : "w");
    if (header) writeSync(this.csv, this.columns.join(",") + "\n");
    this.ndHeld = blocks ? new Block(this.nd) : null;
    this.csvHeld = blocks ? new Block(this.csv) : null;
  }

  write(rec: LogRecord): void {
    const nd = JSON.stringify(rec) + "\n";
    const cols = this.columns;
    let csv = csvCell(rec[cols[0]]);
    for (let i = 1; i < cols.length; i++) csv += "," + csvCell(rec[cols[i]]);
    csv += "\n";
    this.records++;
    if (this.ndHeld && this.csvHeld) {
      this.ndHeld.add(nd);
      this.csvHeld.add(csv);
      return;
    }
    writeSync(this.nd, nd);
    writeSync(this.csv, csv);
  }

  close(): void {
    this.ndHeld?.flush();
    this.csvHeld?.flush();
    for (const fd of [this.nd, this.csv]) {
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}

/** A file's lines held as UTF-8 in one buffer of BLOCK_BYTES, written when the next line might not fit. */
class Block {
  private readonly buf = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private readonly fd: number;

  constructor(fd: number) {
    this.fd = fd;
  }

  add(line: string): void {
    // 3 bytes per UTF-16 unit bounds its UTF-8 length
    if (this.used + 3 * line.length > BLOCK_BYTES) this.flush();
    if (3 * line.length > BLOCK_BYTES) writeSync(this.fd, line);
    else this.used += this.buf.write(line, this.used);
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }
}
