// Prescription: what the clinician ordered, validated against the device profile.
// rhythm is "continuous" or a whole number of increments per day.

import { checker, isPlainObject, throwIfErrors } from "./validate.ts";
import type { DeviceProfile } from "./profile.ts";

export interface QuietHours {
  /** Local hour of day [0, 24) when quiet starts and ends; may wrap midnight. */
  startHour: number;
  endHour: number;
}

export interface Prescription {
  deviceSerial: string;
  counter: number;
  latencyDays: number;
  rateMmPerDay: number;
  /** 0 = continuous, else increments per day. */
  incrementsPerDay: number;
  targetLengthMm: number;
  consolidationDays: number;
  softForceN: number;
  hardForceN: number;
  quietHours: QuietHours | null;
  /** Offset of the patient's local time from the device wall clock (UTC), minutes. */
  utcOffsetMinutes: number;
}

/** Every key a prescription may hold (`expires` is checked by the console's signed path). */
export const RX_KEYS: string[] = ["deviceSerial", "counter", "expires", "latencyDays", "rateMmPerDay", "rhythm", "targetLengthMm", "consolidationDays",
  "softForceN", "hardForceN", "quietHours", "utcOffsetMinutes"];

/** Parses a prescription and checks it against the device it is for; throws naming every bad field. */
export function parsePrescription(json: any, prof: DeviceProfile, lengthReachedMm: number): Prescription {
  const c = checker();
  const p = "prescription.";
  const rx: Prescription = {
    deviceSerial: c.str(json, "deviceSerial", null, p),
    counter: c.int(json, "counter", 0, 2147483647, p),
    latencyDays: c.num(json, "latencyDays", 0, 30, "days", p),
    rateMmPerDay: c.num(json, "rateMmPerDay", 0.05, prof.hardRateCapMmPerDay, "mm/day (device hard cap)", p),
    incrementsPerDay: 0,
    targetLengthMm: c.num(json, "targetLengthMm", 0.01, prof.strokeMm - lengthReachedMm, "mm (stroke left)", p),
    consolidationDays: c.num(json, "consolidationDays", 0, 365, "days", p),
    softForceN: c.num(json, "softForceN", 1, prof.maxForceN, "N (device rating)", p),
    hardForceN: c.num(json, "hardForceN", 1, prof.maxForceN, "N (device rating)", p),
    quietHours: null,
    utcOffsetMinutes: c.optNum(json, "utcOffsetMinutes", -840, 840, "min", p, 0),
  };
  const rhythm = isPlainObject(json) ? json.rhythm : undefined;
  if (rhythm === "continuous") {
    rx.incrementsPerDay = 0;
  } else if (typeof rhythm === "number" && isFinite(rhythm) && Math.floor(rhythm) === rhythm && rhythm >= 1 && rhythm <= 1440) {
    rx.incrementsPerDay = rhythm;
  } else {
    c.fail(p + "rhythm", "got " + JSON.stringify(rhythm === undefined ? null : rhythm) + "; expected \"continuous\" or a whole number of increments per day from 1 to 1440");
  }
  if (rx.deviceSerial && prof.serial && rx.deviceSerial !== prof.serial) {
    c.fail(p + "deviceSerial", "got " + JSON.stringify(rx.deviceSerial) + "; this device is " + JSON.stringify(prof.serial));
  }
  if (rx.softForceN >= rx.hardForceN) {
    c.fail(p + "softForceN", "got " + rx.softForceN + "; must be below hardForceN (" + rx.hardForceN + ")");
  }
  if (rx.incrementsPerDay > 0 && rx.rateMmPerDay / rx.incrementsPerDay > prof.incrementCapMm) {
    c.fail(p + "rhythm", "gives increments of " + (rx.rateMmPerDay / rx.incrementsPerDay) + " mm; the device caps an increment at " + prof.incrementCapMm + " mm (use at least " + Math.ceil(rx.rateMmPerDay / prof.incrementCapMm) + " increments per day)");
  }
  const q = isPlainObject(json) ? json.quietHours : undefined;
  if (q !== undefined && q !== null) {
    const qs = c.num(q, "startHour", 0, 23.99, "h", p + "quietHours.");
    const qe = c.num(q, "endHour", 0, 24, "h", p + "quietHours.");
    if (!isNaN(qs) && !isNaN(qe)) {
      const len = qe >= qs ? qe - qs : 24 - qs + qe;
      if (len <= 0 || len > 16) c.fail(p + "quietHours", "lasts " + len + " h; expected more than 0 and at most 16 h");
      rx.quietHours = { startHour: qs, endHour: qe };
    }
  }
  throwIfErrors("prescription", c.errors);
  return rx;
}
