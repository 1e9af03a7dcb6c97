// Profile and prescription FILES, read strictly: the document must be a JSON
// object and every key must be one the device knows (a misspelt key is refused
// with the key it most likely meant, never ignored), then the field checks of
// profile.ts / prescription.ts run, and every problem is reported at once, one
// line each. Apps that read files use these; the Espruino app runs the plain
// parsers on a configuration these already checked when its bundle was built.

import type { DeviceProfile } from "./profile.ts";
import { parseProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import { RX_KEYS, parsePrescription } from "./prescription.ts";
import { bool, checker, invalid, isPlainObject, known, nested, requireObject } from "./validate.ts";

/** Every key a profile file may hold: what parseProfile reads, plus what apps read beside it (bench-only flag, board wiring, console keys). */
export const PROFILE_KEYS: string[] = ["name", "serial", "drive", "pinionPitchDiameterMm", "leadMm", "stepsPerRev", "microsteps", "gearRatio", "strokeMm",
  "hardRateCapMmPerDay", "incrementCapMm", "catchUpFactor", "maxForceN", "tickMs", "maxStepRateHz", "fusionTauMs", "sensorStaleMs",
  "positionToleranceUm", "positionNoiseUm", "forceNoiseN", "backlashUm", "positionQuantumUm", "frameStiffnessNPerUm", "driveSlipFraction", "backDrivable", "tissueStiffnessNPerMm",
  "forceMinN", "forceMaxN", "benchOnly", "board", "consoleKeys"];

export function parseProfileFile(json: any): DeviceProfile {
  requireObject(json, "profile", "device profile");
  const c = checker();
  known(c, json, PROFILE_KEYS, "profile.");
  bool(c, json, "benchOnly", "profile.", false);
  const keys = json.consoleKeys;
  known(c, keys, ["clinician", "bench"], "profile.consoleKeys.");
  for (const role of ["clinician", "bench"]) {
    const list = isPlainObject(keys) && Array.isArray(keys[role]) ? keys[role] : [];
    for (let i = 0; i < list.length; i++) known(c, list[i], ["id", "publicKey"], "profile.consoleKeys." + role + "[" + i + "].");
  }
  const prof = nested(c, () => parseProfile(json));
  if (!prof || c.errors.length > 0) return invalid("device profile", c.errors);
  return prof;
}

export function parsePrescriptionFile(json: any, prof: DeviceProfile, lengthReachedMm: number): Prescription {
  requireObject(json, "prescription", "prescription");
  const c = checker();
  known(c, json, RX_KEYS, "prescription.");
  const q = json.quietHours;
  if (q !== undefined && q !== null && !isPlainObject(q)) c.fail("prescription.quietHours", "got " + JSON.stringify(q) + "; expected {startHour, endHour} or null");
  known(c, q, ["startHour", "endHour"], "prescription.quietHours.");
  const rx = nested(c, () => parsePrescription(json, prof, lengthReachedMm));
  if (!rx || c.errors.length > 0) return invalid("prescription", c.errors);
  return rx;
}
