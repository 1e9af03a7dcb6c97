// A patient's status requests for a simulated week — one a second (sent ten at a
// time), and a burst at the flood limit every hour — around a clinician's prescriptions, clock
// corrections, pauses, resumes and acknowledgments and the treatment's own phase
// changes: every clinical event is still in the audit trail at the end, in order,
// after a reboot too, and the reads are all counted, none journaled one by one.

import test from "ava";
import { simConsole } from "../firmware/node/console/sim-console.ts";
import { formatUtc } from "../firmware/core/console/calendar.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { worldImage } from "../sim/world-file.ts";
import { SC, one, rx, runTo, signed } from "./device-fixtures.ts";

test("a week of patient status requests leaves every clinical event in the audit trail", (t) => {
  const d = simConsole(SC, {});
  // ten seconds' worth of requests at a time (one a second), and the hourly burst at the flood limit
  const status = new TextEncoder().encode("{\"cmd\":\"status\"}\n".repeat(10));
  const burst = new TextEncoder().encode("{\"cmd\":\"status\"}\n".repeat(20));
  const clinical: string[] = [];
  let sent = 0;
  // what the clinician does, and when (hours into the week)
  const plan: Array<[number, () => void]> = [
    [2, () => clinical.push(one(d, rx(2, 1.0)).code === "ok" ? "clinician:dr-lee rx ok" : "refused")],
    [30, () => clinical.push(one(d, signed(d, { cmd: "time", set: formatUtc(d.clock.wallMs() + 20000) })).code === "ok" ? "clinician:dr-lee time ok" : "refused")],
    [50, () => clinical.push(one(d, { cmd: "pause", reason: "itching" }).code === "ok" ? "patient pause ok" : "refused")],
    [51, () => clinical.push(one(d, signed(d, { cmd: "resume", reason: "seen" })).code === "ok" ? "clinician:dr-lee resume ok" : "refused")],
    [80, () => {
      d.ctl.fault("stall", "a test fault");
      clinical.push(one(d, signed(d, { cmd: "ack", reason: "rack checked" })).code === "ok" ? "clinician:dr-lee ack ok" : "refused");
    }],
    [81, () => clinical.push(one(d, signed(d, { cmd: "resume" })).code === "ok" ? "clinician:dr-lee resume ok" : "refused")],
    [120, () => clinical.push(one(d, rx(3, 0.8)).code === "ok" ? "clinician:dr-lee rx ok" : "refused")],
  ];
  let next = 0;
  for (let s = 0; s < 7 * 24 * 3600; s += 10) {
    d.now.ms += 10000;
    runTo(d, s * 1000);
    d.console.receive(status);
    sent += 10;
    if (s % 3600 === 1800) {
      d.console.receive(burst);
      sent += 20;
    }
    if (d.out.length > 100) d.out.length = 0;
    while (next < plan.length && plan[next][0] * 3600 === s) plan[next++][1]();
  }
  t.deepEqual(clinical.filter((c) => c === "refused"), []);
  const log = d.ctl.auditLog();
  const consoleEvents = log.events.filter((e) => e.code === "console").map((e) => e.detail);
  t.deepEqual(consoleEvents, clinical, "every clinician action and the patient's pause, in order");
  const phases = log.events.filter((e) => e.code === "phase").map((e) => JSON.parse(e.detail).phase);
  for (const p of ["latency", "distraction", "paused", "fault"]) t.true(phases.includes(p), p + " in " + phases.join(","));
  t.is(log.dropped, 0, "nothing pushed out");
  const counted = Object.keys(log.counts).reduce((n, k) => n + (k.startsWith("patient status") ? log.counts[k] : 0), 0);
  const dropped = log.counts["lines dropped by flood control"] || 0;
  t.is(counted + dropped, sent, "every status request counted (answered, or dropped by flood control)");
  t.true(counted > 600000);
  // and the journal holds them: a reboot restores the same trail
  const again = simConsole(SC, { store: new PowerCutStore(d.store.read()), vault: new PowerCutStore(d.vault.read()), plantFrom: worldImage(d.world.plant, d.world.clock), startMs: d.sim.clock.monoMs() + 1000 });
  const restored = again.ctl.auditLog();
  t.deepEqual(restored.events.filter((e) => e.code === "console").map((e) => e.detail), clinical);
  t.true(restored.counts["patient status ok"] >= counted - 100, "counts survive too (up to one batch not yet journaled)");
  t.log("status requests: " + sent + " (" + counted + " answered, " + dropped + " dropped by flood control); audit events kept: " + log.events.length + "; journal " + d.store.length + " bytes; days " + (d.sim.clock.monoMs() / MS_PER_DAY).toFixed(1) + " at " + (d.ctl.status().tMs / MS_PER_HOUR).toFixed(0) + " h");
});
