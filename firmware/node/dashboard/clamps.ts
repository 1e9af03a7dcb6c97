// The governor's clamp bits (core/governor.ts C_*) by name, for people: the
// dashboard shows why the last decision moved less than it wanted.

import { C_ADVISORY, C_AHEAD, C_AT_TARGET, C_BAD_TARGET, C_BUDGET, C_FORCE_HARD, C_FORCE_SOFT, C_FORCE_STALE, C_INCREMENT, C_MOVE_CAP, C_PACE, C_PHASE, C_POSITION_STALE, C_STROKE } from "../../core/governor.ts";

const NAMES: Array<[number, string]> = [
  [C_PHASE, "phase forbids motion"],
  [C_AT_TARGET, "at target"],
  [C_AHEAD, "ahead of target"],
  [C_PACE, "catch-up pace"],
  [C_BUDGET, "24 h budget"],
  [C_INCREMENT, "increment cap"],
  [C_MOVE_CAP, "driver move cap"],
  [C_STROKE, "stroke end"],
  [C_FORCE_SOFT, "soft force limit"],
  [C_FORCE_HARD, "hard force limit"],
  [C_POSITION_STALE, "position stale"],
  [C_FORCE_STALE, "force stale"],
  [C_BAD_TARGET, "bad target"],
  [C_ADVISORY, "advisor"],
];

export function clampNames(mask: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of NAMES) if ((mask & bit) !== 0) out.push(name);
  return out;
}
