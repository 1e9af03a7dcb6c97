// The two ways the journal used to lose what it had written (issue 14), each as a
// clinician or an unlucky service engineer would meet it on a simulated device:
//  1. a clinician's `time set` while the device is faulted on a damaged journal (or
//     on a clock that went back while it was off) rewrote the journal: 876 records
//     became 2 and the treatment restarted from zero with a new latency;
//  2. damage that read as "no journal" (a cut inside the first record, a missing
//     file) gave a silent fresh start, and the replay counter went back with it, so a
//     superseded signed prescription was accepted again.
// Both were written before the fix and failed on the code of that time.

import test from "ava";
import { simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole } from "../firmware/node/console/sim-console.ts";
import { formatUtc } from "../firmware/core/console/calendar.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import type { PowerCutStore } from "../sim/power-cut-store.ts";
import { SC, one, powerCycle, runTo, rx, signed } from "./device-fixtures.ts";

/** A device 0.3 days into its protocol: latency over, a few hundred moves journaled. */
function treated(): SimConsole {
  const d = simConsole(SC, {});
  runTo(d, 0.3 * MS_PER_DAY);
  if (d.ctl.phaseState().phase !== "distraction") throw new Error("fixture not in distraction: " + d.ctl.phaseState().phase);
  return d;
}

test("time set on a device faulted by a damaged journal keeps the damaged journal byte for byte, and the treatment never restarts from zero", (t) => {
  const d = treated();
  const steps = d.ctl.status().stepCount;
  const again = powerCycle(d, 60000, (s) => s.flipBit(Math.floor(s.length / 3), 2));
  const damaged = again.store.read();
  t.is(again.ctl.phaseState().phase, "fault");
  const wall = formatUtc(again.clock.wallMs() + 1000);
  one(again, signed(again, { cmd: "time", set: wall }));
  t.deepEqual(again.store.read(), damaged, "the damaged journal is still there, byte for byte");
  one(again, signed(again, { cmd: "ack", reason: "checked" }));
  one(again, signed(again, { cmd: "resume" }));
  runTo(again, again.sim.clock.monoMs() + MS_PER_HOUR);
  t.not(again.ctl.phaseState().phase, "latency", "no second latency");
  t.true(again.ctl.status().stepCount >= steps || again.ctl.phaseState().phase === "fault", "the step count did not go back to " + again.ctl.status().stepCount + " from " + steps);
  t.deepEqual(again.store.read().subarray(0, damaged.length), damaged, "nothing written earlier was overwritten");
});

test("a board clock that went back while the device was off is a clock-jump; correcting it keeps every record and the treatment continues", (t) => {
  const d = treated();
  const steps = d.ctl.status().stepCount;
  const reached = d.ctl.status().stepCount * d.ctl.inspect().gov.umPerStep;
  const again = powerCycle(d, 60000, () => {}, -26 * 365 * MS_PER_DAY); // the RTC lost its battery: back to 2000
  t.is(again.ctl.phaseState().phase, "fault");
  t.is(again.ctl.phaseState().fault, "clock-jump", again.ctl.phaseState().reason);
  const before = again.store.read();
  const wall = formatUtc(Date.parse("2026-01-05T08:00:00Z") + again.sim.clock.monoMs());
  t.is(one(again, signed(again, { cmd: "time", set: wall })).code, "ok");
  t.is(again.ctl.status().stepCount, steps, "the step count is what the journal said");
  one(again, signed(again, { cmd: "ack", reason: "clock set" }));
  one(again, signed(again, { cmd: "resume" }));
  runTo(again, again.sim.clock.monoMs() + MS_PER_HOUR);
  t.is(again.ctl.phaseState().phase, "distraction", again.ctl.phaseState().reason);
  t.true(again.ctl.status().stepCount * again.ctl.inspect().gov.umPerStep >= reached, "delivery continues from the length reached");
  t.true(again.store.read().length > 0 && before.length > 0);
});

for (const [what, damage] of [
  ["a journal cut inside its first record", (s: PowerCutStore) => s.replace(s.read().slice(0, 9))],
  ["a missing journal", (s: PowerCutStore) => s.replace(new Uint8Array(0))],
] as const) {
  test(what + " is a named fault, never a fresh start, and a superseded prescription stays refused", (t) => {
    const d = treated();
    t.is(one(d, rx(2, 1.5)).code, "ok");
    t.is(one(d, rx(3, 0.5)).code, "ok");
    runTo(d, d.sim.clock.monoMs() + MS_PER_HOUR);
    const again = powerCycle(d, 60000, damage);
    t.is(again.ctl.phaseState().phase, "fault", "booted as " + again.ctl.phaseState().phase + ": " + again.ctl.phaseState().reason);
    t.not(again.ctl.phaseState().fault, "");
    const replay = one(again, rx(2, 1.5));
    t.false(replay.ok);
    t.not(again.ctl.prescription().counter, 2, "the superseded prescription is not in force");
    t.is(one(again, signed(again, { cmd: "ack", reason: "looked at it" })).code, "journal-read-only", "an ack does not leave a journal fault");
    // the clinician's way out: a new journal from the length the sensor measures, confirmed
    const length = Math.round(one(again, { cmd: "status" }).data.positionUm);
    const renewed = one(again, signed(again, { cmd: "journal", renew: length, reason: "journal lost after a repair" }));
    t.is(renewed.code, "ok", JSON.stringify(renewed));
    t.is(again.ctl.phaseState().phase, "paused");
    const afterRenew = one(again, rx(2, 1.5));
    t.is(afterRenew.code, "rx-replayed", "the replay counter outlived the journal: " + JSON.stringify(afterRenew));
    t.is(one(again, rx(4, 0.5)).code, "ok", "a prescription above it loads");
  });
}
