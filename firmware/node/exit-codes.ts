// The osteodrive CLI's exit codes: one table, used by every command and printed in
// `osteodrive --help` and README.md, so CI and scripts can gate on a run's outcome.
// A run that finished with a latched fault, or outside the profile's position
// tolerance, is not a success even though the command itself worked.

export const EXIT = {
  /** The command did what was asked; a run completed (or stopped where asked) without a fault, within tolerance. */
  ok: 0,
  /** The command could not do its work: a board or port failed, a file could not be written, a console request was refused. */
  failed: 1,
  /** Bad flags or bad input (a scenario, profile, prescription or journal that does not check): nothing was run or changed. */
  usage: 2,
  /** The run ended with a latched fault (the device stopped itself). */
  fault: 3,
  /** The run ended outside the profile's position tolerance (no fault latched). */
  outOfTolerance: 4,
  /** The journal or log read is damaged (journal dump and report show where and why). */
  damaged: 5,
  /** Interrupted by Ctrl-C or SIGTERM: the motor was disabled and the logs flushed. */
  interrupted: 130,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** The table as documentation rows: code, name, meaning (README.md has the same rows). */
export const EXIT_TABLE: Array<{ code: ExitCode; name: ExitName; meaning: string }> = [
  { code: EXIT.ok, name: "ok", meaning: "completed: the command did what was asked; a run ended without a fault and within tolerance" },
  { code: EXIT.failed, name: "failed", meaning: "the command could not do its work (board or port failure, unwritable file, console request refused)" },
  { code: EXIT.usage, name: "usage", meaning: "bad flags or bad input (scenario, profile, prescription, journal): nothing was run or changed" },
  { code: EXIT.fault, name: "fault", meaning: "the run ended with a latched fault" },
  { code: EXIT.outOfTolerance, name: "outOfTolerance", meaning: "the run ended outside the profile's position tolerance" },
  { code: EXIT.damaged, name: "damaged", meaning: "the journal or log read is damaged (the dump or report shows where and why)" },
  { code: EXIT.interrupted, name: "interrupted", meaning: "interrupted (Ctrl-C, SIGTERM): motor disabled, logs flushed" },
];

/** How a finished run exits: a latched fault first, then the tolerance. */
export function runExit(finalPhase: string, withinTolerance: boolean): ExitCode {
  if (finalPhase === "fault") return EXIT.fault;
  return withinTolerance ? EXIT.ok : EXIT.outOfTolerance;
}
