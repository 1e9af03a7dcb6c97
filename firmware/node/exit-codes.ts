// The osteodrive CLI's exit codes: one table, so scripts and CI can gate on a run's
// outcome. Every command ends with one of these (README.md lists them).

export const EXIT = {
  /** The command did what was asked (a run completed within tolerance). */
  ok: 0,
  /** A runtime failure with a named reason (a port that cannot be opened, a board that does not answer, an I/O error). */
  error: 1,
  /** Bad flags or a bad input file (profile, prescription, scenario, world, config): nothing was run or written. */
  usage: 2,
  /** The run ended with a latched fault (the device stopped itself). */
  fault: 3,
  /** The run ended without a fault but outside the profile's position tolerance. */
  outOfTolerance: 4,
  /** Interrupted by the user (Ctrl-C / SIGINT or SIGTERM); the motor was disabled first. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a run that ended: a latched fault wins over a tolerance miss. */
export function runOutcome(finalPhase: string, withinTolerance: boolean): ExitCode {
  if (finalPhase === "fault") return EXIT.fault;
  return withinTolerance ? EXIT.ok : EXIT.outOfTolerance;
}
