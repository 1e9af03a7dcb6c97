// The prescribed target as a function of time: latency, continuous ramp,
// n-a-day staircase, quiet hours, and continuing from the length reached.

import test from "ava";
import { readFileSync } from "node:fs";
import { parseProfile } from "../firmware/core/profile.ts";
import { parsePrescription } from "../firmware/core/prescription.ts";
import { finishMs, inQuietHours, makeSchedule, scheduleComplete, targetUm } from "../firmware/core/schedule.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";

const base = JSON.parse(readFileSync(new URL("../sim/scenarios/mandible-continuous-1mm.json", import.meta.url), "utf8"));
const profile = parseProfile(base.profile);
const WALL0 = Date.parse("2026-01-05T08:00:00Z");
const sched = (over: any, startUm = 0) => makeSchedule(parsePrescription({ ...base.prescription, ...over }, profile, startUm / 1000), startUm, WALL0);

test("no target change during latency, then a continuous ramp at the prescribed rate", (t) => {
  const s = sched({});
  t.is(targetUm(s, 0), 0);
  t.is(targetUm(s, 7 * MS_PER_DAY - 1), 0);
  t.is(targetUm(s, 7 * MS_PER_DAY), 0);
  t.true(Math.abs(targetUm(s, 7.5 * MS_PER_DAY) - 500) < 1e-9);
  t.true(Math.abs(targetUm(s, 17 * MS_PER_DAY) - 10000) < 1e-9);
  t.is(targetUm(s, 40 * MS_PER_DAY), 20000);
  t.is(finishMs(s), 27 * MS_PER_DAY);
  t.false(scheduleComplete(s, 27 * MS_PER_DAY - 1));
  t.true(scheduleComplete(s, 27 * MS_PER_DAY));
});

test("staircase: n increments a day, the first at the start of distraction", (t) => {
  const s = sched({ rhythm: 4 });
  const L = 7 * MS_PER_DAY;
  t.is(targetUm(s, L - 1), 0);
  t.is(targetUm(s, L), 250);
  t.is(targetUm(s, L + 6 * MS_PER_HOUR - 1), 250);
  t.is(targetUm(s, L + 6 * MS_PER_HOUR), 500);
  t.is(targetUm(s, L + MS_PER_DAY), 1250);
  // 20 mm = 80 increments: the last at 79 × 6 h
  t.is(finishMs(s), L + 79 * 6 * MS_PER_HOUR);
  t.is(targetUm(s, finishMs(s)), 20000);
});

test("quiet hours: no advance while quiet, the full daily amount still delivered each day", (t) => {
  // local = UTC; start 08:00, latency 7 d → distraction starts 08:00; quiet 22:00–06:00
  const s = sched({ quietHours: { startHour: 22, endHour: 6 } });
  const L = 7 * MS_PER_DAY;
  const at22 = L + 14 * MS_PER_HOUR;
  const at06 = L + 22 * MS_PER_HOUR;
  t.true(inQuietHours(s, at22 + 1));
  t.false(inQuietHours(s, at22 - 1));
  t.is(targetUm(s, at22), targetUm(s, at06));
  t.true(Math.abs(targetUm(s, L + MS_PER_DAY) - 1000) < 1e-9, "1 mm per 24 h");
  t.true(Math.abs(targetUm(s, at22) - (14 / 16) * 1000) < 1e-9, "faster while active");
  t.true(Math.abs(targetUm(s, finishMs(s)) - 20000) < 1e-9);
  t.false(inQuietHours(s, finishMs(s) - 1));
});

test("quiet hours with a UTC offset and a staircase defer increments to active hours", (t) => {
  const s = sched({ rhythm: 4, quietHours: { startHour: 0, endHour: 8 }, utcOffsetMinutes: 120 });
  for (let k = 0; k < 20; k++) {
    const tk = finishMs({ ...s, activeToFinishMs: k * (s.activePerDayMs / 4) });
    t.false(inQuietHours(s, tk), "increment " + k + " in quiet hours");
    t.is(targetUm(s, tk), (k + 1) * 250);
  }
});

test("a new prescription continues from the length reached, never from zero", (t) => {
  const s = sched({ latencyDays: 0, targetLengthMm: 5 }, 12000);
  t.is(targetUm(s, 0), 12000);
  t.true(Math.abs(targetUm(s, MS_PER_DAY) - 13000) < 1e-9);
  t.is(targetUm(s, 10 * MS_PER_DAY), 17000);
});
