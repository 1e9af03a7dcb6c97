// Malformed prescriptions and device profiles: each is refused with a message
// that names the field and the allowed range or values; valid ones parse.

import test from "ava";
import { readFileSync } from "node:fs";
import { parseProfile } from "../firmware/core/profile.ts";
import { parsePrescription } from "../firmware/core/prescription.ts";
import { parseScenario } from "../sim/scenario.ts";

const base = JSON.parse(readFileSync(new URL("../sim/scenarios/mandible-continuous-1mm.json", import.meta.url), "utf8"));
const profile = parseProfile(base.profile);

function without(o: any, key: string): any {
  const c = { ...o };
  delete c[key];
  return c;
}

interface Case {
  what: string;
  rx?: any;
  profile?: any;
  /** The field the message must name, and a fragment of the allowed range. */
  field: string;
  range: RegExp;
}

const rx = base.prescription;
const CASES: Case[] = [
  { what: "missing rate", rx: without(rx, "rateMmPerDay"), field: "prescription.rateMmPerDay", range: /missing; expected a number from 0\.05 to 1\.5 mm\/day/ },
  { what: "rate as a string", rx: { ...rx, rateMmPerDay: "1.0" }, field: "prescription.rateMmPerDay", range: /got "1\.0"; expected a number from 0\.05 to 1\.5/ },
  { what: "negative rate", rx: { ...rx, rateMmPerDay: -1 }, field: "prescription.rateMmPerDay", range: /out of range; expected a number from 0\.05 to 1\.5/ },
  { what: "rate above the device hard cap", rx: { ...rx, rateMmPerDay: 2 }, field: "prescription.rateMmPerDay", range: /from 0\.05 to 1\.5 mm\/day \(device hard cap\)/ },
  { what: "NaN latency", rx: { ...rx, latencyDays: NaN }, field: "prescription.latencyDays", range: /got NaN; expected a number from 0 to 30 days/ },
  { what: "null latency", rx: { ...rx, latencyDays: null }, field: "prescription.latencyDays", range: /got null; expected a number from 0 to 30/ },
  { what: "unknown rhythm", rx: { ...rx, rhythm: "hourly" }, field: "prescription.rhythm", range: /expected "continuous" or a whole number of increments per day from 1 to 1440/ },
  { what: "fractional rhythm", rx: { ...rx, rhythm: 2.5 }, field: "prescription.rhythm", range: /from 1 to 1440/ },
  { what: "increment above the device cap", rx: { ...rx, rhythm: 2 }, field: "prescription.rhythm", range: /caps an increment at 0\.25 mm \(use at least 4 increments per day\)/ },
  { what: "target beyond the stroke", rx: { ...rx, targetLengthMm: 45 }, field: "prescription.targetLengthMm", range: /from 0\.01 to 30 mm \(stroke left\)/ },
  { what: "hard force limit above the device rating", rx: { ...rx, hardForceN: 500 }, field: "prescription.hardForceN", range: /from 1 to 236 N \(device rating\)/ },
  { what: "soft limit not below hard", rx: { ...rx, softForceN: 180, hardForceN: 150 }, field: "prescription.softForceN", range: /must be below hardForceN \(150\)/ },
  { what: "prescription for another device", rx: { ...rx, deviceSerial: "OD-X-9" }, field: "prescription.deviceSerial", range: /this device is "OD-M1-0001"/ },
  { what: "negative counter", rx: { ...rx, counter: -3 }, field: "prescription.counter", range: /from 0 to 2147483647/ },
  { what: "quiet hours out of range", rx: { ...rx, quietHours: { startHour: 25, endHour: 7 } }, field: "prescription.quietHours.startHour", range: /from 0 to 23\.99 h/ },
  { what: "quiet hours too long", rx: { ...rx, quietHours: { startHour: 1, endHour: 23 } }, field: "prescription.quietHours", range: /lasts 22 h; expected more than 0 and at most 16 h/ },
  { what: "consolidation as an array", rx: { ...rx, consolidationDays: [21] }, field: "prescription.consolidationDays", range: /got an array; expected a number from 0 to 365/ },
  { what: "prescription not an object", rx: "rate=1", field: "prescription.latencyDays", range: /missing/ },
  { what: "profile: unknown drive", profile: { ...base.profile, drive: "belt" }, field: "profile.drive", range: /expected one of rack-pinion, lead-screw, spring/ },
  { what: "profile: zero microsteps", profile: { ...base.profile, microsteps: 0 }, field: "profile.microsteps", range: /from 1 to 256/ },
  { what: "profile: fractional steps per rev", profile: { ...base.profile, stepsPerRev: 200.5 }, field: "profile.stepsPerRev", range: /whole number from 4 to 2000/ },
  { what: "profile: hard rate cap beyond 3 mm/day", profile: { ...base.profile, hardRateCapMmPerDay: 5 }, field: "profile.hardRateCapMmPerDay", range: /from 0\.1 to 3 mm\/day/ },
  { what: "profile: increment cap of 2 mm", profile: { ...base.profile, incrementCapMm: 2 }, field: "profile.incrementCapMm", range: /from 0\.001 to 0\.5 mm/ },
  { what: "profile: too coarse a microstep", profile: { ...base.profile, gearRatio: 1, microsteps: 1 }, field: "profile.gearRatio", range: /at most 5 µm allowed/ },
  { what: "profile: stale limit below the tick", profile: { ...base.profile, sensorStaleMs: 1000 }, field: "profile.sensorStaleMs", range: /must be at least tickMs \(10000\)/ },
  { what: "profile: missing serial", profile: without(base.profile, "serial"), field: "profile.serial", range: /missing; expected a non-empty string/ },
];

for (const c of CASES) {
  test("rejects " + c.what, (t) => {
    const err: any = t.throws(() => {
      if (c.profile) parseProfile(c.profile);
      else parsePrescription(c.rx, profile, 0);
    });
    t.is(err.code, "invalid");
    t.true(err.fields.includes(c.field), "fields " + JSON.stringify(err.fields));
    t.regex(err.message, new RegExp(c.field.replace(/\./g, "\\.") + ": "));
    t.regex(err.message, c.range);
  });
}

test("a valid prescription and profile parse, and every bad field is listed at once", (t) => {
  const ok = parsePrescription(rx, profile, 0);
  t.is(ok.rateMmPerDay, 1);
  t.is(ok.incrementsPerDay, 0);
  t.true(Math.abs(profile.umPerMicrostep - 0.0589) < 0.0001);
  const err: any = t.throws(() => parsePrescription({ ...rx, rateMmPerDay: "x", latencyDays: -1 }, profile, 0));
  t.deepEqual(err.fields.slice().sort(), ["prescription.latencyDays", "prescription.rateMmPerDay"]);
});

test("a new prescription must fit the stroke left after the length already reached", (t) => {
  const err: any = t.throws(() => parsePrescription({ ...rx, targetLengthMm: 15 }, profile, 20));
  t.regex(err.message, /prescription\.targetLengthMm: .*from 0\.01 to 10 mm \(stroke left\)/);
});

test("scenario files name their bad plant fields", (t) => {
  const bad = JSON.parse(JSON.stringify(base));
  bad.plant.tissue.tau1S = 0;
  delete bad.plant.positionSensor.noiseSigma;
  const err: any = t.throws(() => parseScenario(bad));
  t.regex(err.message, /plant\.tissue\.tau1S: got 0, out of range/);
  t.regex(err.message, /plant\.positionSensor\.noiseSigma: missing/);
});
