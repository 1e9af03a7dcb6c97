// The osteodrive CLI's exit codes: one table, so scripts and CI can gate on a run's
// outcome. Every command ends with one of these; `osteodrive --help` prints the
// table and README.md lists the same rows (tests/cli-conventions.test.ts holds them
// equal). A run that ended with a latched fault, or outside the profile's position
// tolerance, is not a success even though the command itself worked.

export const EXIT = {
  /** The command did what was asked (a run completed within tolerance). */
  ok: 0,
  /** A runtime failure with a named reason (a port that cannot be opened, a board that does not answer, an I/O error, a refused console request). */
  error: 1,
  /** Bad flags or a bad input file (profile, prescription, scenario, world, config, journal path): nothing was run or written. */
  usage: 2,
  /** The run ended with a latched fault (the device stopped itself). */
  fault: 3,
  /** The run ended without a fault but outside the profile's position tolerance. */
  outOfTolerance: 4,
  /** The journal or log read is damaged (journal dump and report show where and why). */
  damaged: 5,
  /** The link to the board was lost (cable, board power): the device stopped as at a power cut; the next start recovers from its journal. */
  boardLost: 6,
  /** Interrupted by the user (Ctrl-C / SIGINT or SIGTERM); the motor was disabled first. */
  interrupted: 130,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** The table as documentation rows: code, name, meaning (README.md has the same rows). */
export const EXIT_TABLE: Array<{ code: ExitCode; name: ExitName; meaning: string }> = [
  { code: EXIT.ok, name: "ok", meaning: "completed: the command did what was asked; a run ended without a fault and within tolerance" },
  { code: EXIT.error, name: "error", meaning: "a runtime failure with a named reason (port or board failure, I/O error, console request refused)" },
  { code: EXIT.usage, name: "usage", meaning: "bad flags or bad input (scenario, profile, prescription, world, journal path): nothing was run or written" },
  { code: EXIT.fault, name: "fault", meaning: "the run ended with a latched fault" },
  { code: EXIT.outOfTolerance, name: "outOfTolerance", meaning: "the run ended without a fault but outside the profile's position tolerance" },
  { code: EXIT.damaged, name: "damaged", meaning: "the journal or log read is damaged (the dump or report shows where and why)" },
  { code: EXIT.boardLost, name: "boardLost", meaning: "the board was lost (cable, board power): the device stopped as at a power cut; the next start recovers from its journal" },
  { code: EXIT.interrupted, name: "interrupted", meaning: "interrupted (Ctrl-C, SIGTERM): motor disabled first, logs flushed" },
];

/** The exit code of a run that ended: a latched fault wins over a tolerance miss. */
export function runOutcome(finalPhase: string, withinTolerance: boolean): ExitCode {
  if (finalPhase === "fault") return EXIT.fault;
  return withinTolerance ? EXIT.ok : EXIT.outOfTolerance;
}
