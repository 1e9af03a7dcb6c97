// Units and time constants shared by the core. Lengths in µm, forces in N, time in ms.

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60000;
export const MS_PER_HOUR = 3600000;
export const MS_PER_DAY = 86400000;
export const UM_PER_MM = 1000;

/** mm/day → µm/ms */
export function mmPerDayToUmPerMs(mmPerDay: number): number {
  return (mmPerDay * UM_PER_MM) / MS_PER_DAY;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Espruino lacks Math.trunc and Number.isFinite. */
export function isFiniteNumber(x: unknown): x is number {
  return typeof x === "number" && isFinite(x);
}
