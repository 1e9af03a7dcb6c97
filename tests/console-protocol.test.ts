// The console protocol on a simulated device (virtual time, injected console
// clock): framing and JSON errors, flood control, roles, signed requests and
// nonces, every prescription refusal with its own code, a new prescription
// continuing from the length reached (also after a reboot), time setting, bench
// commands behind the bench input, and the audit trail. Every refusal leaves the
// canonical device state byte-identical; every code seen is in docs/protocol.md.

import test from "ava";
import type { ExecutionContext } from "ava";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../sim/scenario.ts";
import type { Scenario } from "../sim/scenario.ts";
import { scenarioWithKeys, simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole, SimConsoleOptions } from "../firmware/node/console/sim-console.ts";
import { newKeyPair } from "../firmware/node/console/ed25519.ts";
import type { KeyFile } from "../firmware/node/console/keyfile.ts";
import { signPrescription, signRequest } from "../firmware/node/console/sign.ts";
import { deviceState, stateChange } from "../firmware/core/console/state.ts";
import { targetUm } from "../firmware/core/schedule.ts";
import { PowerCutStore } from "../sim/power-cut-store.ts";
import { worldImage } from "../sim/world-file.ts";
import { MS_PER_DAY, MS_PER_HOUR } from "../firmware/core/units.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/kill-test.json", import.meta.url));
const DOCS = readFileSync(fileURLToPath(new URL("../docs/protocol.md", import.meta.url)), "utf8");

function key(id: string, role: "clinician" | "bench"): KeyFile {
  return Object.assign({ id, role }, newKeyPair());
}

const DR = key("dr-lee", "clinician");
const RIG = key("rig-1", "bench");
const MALLORY = key("dr-lee", "clinician"); // same id, other key material: not provisioned
const STRANGER = key("dr-who", "clinician");

const SC: Scenario = scenarioWithKeys(loadScenario(FIXTURE), [DR, RIG]);
const SERIAL = SC.profile.serial;

/** Every device the tests made: the codes of all their responses are checked against the docs at the end. */
const devices: SimConsole[] = [];

function device(o: SimConsoleOptions = {}): SimConsole {
  const d = simConsole(SC, o);
  devices.push(d);
  return d;
}

function one(d: SimConsole, req: unknown): any {
  const r = d.line(req);
  if (r.length !== 1) throw new Error("expected one response to " + JSON.stringify(req) + ", got " + JSON.stringify(r));
  return r[0];
}

/** Runs the simulated device (virtual time) to t ms, then on to the end of a move in flight. */
function runTo(d: SimConsole, tMs: number): void {
  d.sim.clock.runUntil(tMs);
  while (d.ctl.isMoving()) d.sim.clock.runUntil(d.sim.clock.monoMs() + 100);
}

function signed(d: SimConsole, req: { [k: string]: unknown }, k: KeyFile): { [k: string]: unknown } {
  const h = one(d, { cmd: "hello" });
  return signRequest(req, k, SERIAL, h.data.nonce);
}

function rxText(over: { [k: string]: unknown }): string {
  return JSON.stringify(Object.assign({
    deviceSerial: SERIAL,
    counter: 2,
    expires: "2026-02-01T00:00:00Z",
    latencyDays: 0,
    rateMmPerDay: 0.5,
    rhythm: 4,
    targetLengthMm: 3,
    consolidationDays: 1,
    softForceN: 100,
    hardForceN: 180,
  }, over));
}

function rxCommand(over: { [k: string]: unknown }, k: KeyFile): any {
  return Object.assign({ cmd: "rx" }, signPrescription(rxText(over), k));
}

/** Asserts the request is refused with `code` and changes nothing in the device. */
function refused(t: ExecutionContext, d: SimConsole, req: unknown, code: string): any {
  const before = deviceState(d.ctl, d.clock, d.device.hal);
  const r = one(d, req);
  t.is(r.code, code, JSON.stringify(r));
  t.false(r.ok);
  t.is(stateChange(before, d.ctl, d.clock, d.device.hal), "", "changed by a refused " + JSON.stringify(req).slice(0, 80));
  return r;
}

function consoleEvents(d: SimConsole): string[] {
  return d.ctl.auditLog().events.filter((e) => e.code === "console").map((e) => e.detail);
}

/** How many requests of this kind ("role command result") the audit trail counted. */
function counted(d: SimConsole, kind: string): number {
  return d.ctl.auditLog().counts[kind] || 0;
}

test.serial("hello, status and log answer the patient; responses are one ASCII JSON line each", (t) => {
  const d = device();
  const h = one(d, { id: 1, cmd: "hello" });
  t.deepEqual([h.id, h.ok, h.code, h.data.device, h.data.protocol, h.data.rxCounter, h.data.benchInput], [1, true, "ok", SERIAL, 1, 1, false]);
  t.regex(h.data.nonce, /^[0-9a-f]{32}$/);
  const s = one(d, { id: "s", cmd: "status" });
  t.is(s.id, "s");
  t.is(s.data.phase, "latency");
  t.is(s.data.rx.source, "factory");
  t.is(s.data.time, "2026-01-05T08:00:00Z");
  const l = one(d, { cmd: "log" });
  t.true(l.data.events.some((e: any) => e.code === "phase"));
  for (const line of d.out) t.regex(line, /^[\x20-\x7e]+$/);
});

test.serial("framing: long lines, control bytes, invalid UTF-8, idle partial lines; chunked lines and CRLF work, blank lines are ignored", (t) => {
  const d = device();
  const before = deviceState(d.ctl, d.clock, d.device.hal);
  t.deepEqual(d.send("x".repeat(5000) + "\n").map((r) => r.code), ["line-too-long"]);
  d.now.ms += 1000;
  t.deepEqual(d.send("{\"cmd\":\"sta\x00tus\"}\n").map((r) => r.code), ["bad-bytes"]);
  t.deepEqual(d.send(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d, 0x0a])).map((r) => r.code), ["bad-utf8"]);
  t.deepEqual(d.send(new Uint8Array([0xed, 0xa0, 0x80, 0x0a])).map((r) => r.code), ["bad-utf8"], "an encoded surrogate");
  t.deepEqual(d.send(new Uint8Array([0xc0, 0x80, 0x0a])).map((r) => r.code), ["bad-utf8"], "an overlong NUL");
  t.deepEqual(d.send("\n\r\n\n"), []);
  t.deepEqual(d.send("{\"cmd\":"), []);
  d.now.ms += 11000;
  d.console.poll();
  t.is(JSON.parse(d.out[d.out.length - 1]).code, "partial-line");
  t.deepEqual(d.send("{\"cmd\":").concat(d.send("\"status\"}\r\n")).map((r) => r.code), ["ok"]);
  t.is(one(d, "{\"cmd\":\"pause\",\"reason\":\"Schmerzen \u2014 bitte\"}").code, "ok", "UTF-8 text in a reason");
  t.not(stateChange(before, d.ctl, d.clock, d.device.hal), "");
});

test.serial("requests: wrong JSON, wrong types and unknown commands each get their own code and change nothing", (t) => {
  const d = device();
  refused(t, d, "{cmd:status}", "bad-json");
  for (const v of ["[1,2]", "5", "\"status\"", "null", "true"]) refused(t, d, v, "not-an-object");
  refused(t, d, { id: 1.5, cmd: "status" }, "bad-id");
  refused(t, d, { id: { a: 1 }, cmd: "status" }, "bad-id");
  const r = refused(t, d, { id: 7, cmd: 7 }, "bad-cmd");
  t.is(r.id, 7);
  refused(t, d, { cmd: "reboot" }, "unknown-command");
  refused(t, d, { cmd: "status", verbose: true }, "bad-args");
  refused(t, d, { cmd: "log", since: "0" }, "bad-args");
  refused(t, d, { cmd: "log", limit: 51 }, "bad-args");
  refused(t, d, { cmd: "pause", reason: 42 }, "bad-args");
  refused(t, d, { cmd: "pause", reason: "x".repeat(121) }, "bad-args");
  refused(t, d, { cmd: "rx" }, "bad-args");
});

test.serial("flood control: a burst of 20 lines passes, the first dropped line is answered rate-limited, the rest are dropped silently; tokens come back at 5 lines/s", (t) => {
  const d = device();
  const before = deviceState(d.ctl, d.clock, d.device.hal);
  d.now.ms += 10000;
  const codes = d.send("{\"cmd\":\"status\"}\n".repeat(30)).map((r) => r.code);
  t.is(codes.length, 21);
  t.deepEqual(codes.slice(0, 20), new Array(20).fill("ok"));
  t.is(codes[20], "rate-limited");
  d.now.ms += 1000;
  t.deepEqual(d.send("x\n".repeat(8)).map((r) => r.code), ["bad-json", "bad-json", "bad-json", "bad-json", "bad-json", "rate-limited"]);
  t.is(stateChange(before, d.ctl, d.clock, d.device.hal), "");
  const s = one(d, { cmd: "status" });
  t.deepEqual(s.data.console, { malformedLines: 5, droppedLines: 13 });
  t.is(counted(d, "lines malformed"), 5);
  t.is(counted(d, "lines dropped by flood control"), 13);
  t.is(counted(d, "patient status ok"), 21, "routine reads are counted, not journaled one by one");
  t.deepEqual(consoleEvents(d), []);
});

test.serial("the patient may status, log and pause; every privileged command is refused (role-forbidden, or rx-unsigned for an unsigned prescription)", (t) => {
  const d = device({ benchInput: { read: () => true } });
  runTo(d, 0.02 * MS_PER_DAY);
  t.is(d.ctl.phaseState().phase, "distraction");
  refused(t, d, { cmd: "resume" }, "role-forbidden");
  refused(t, d, { cmd: "ack" }, "role-forbidden");
  refused(t, d, { cmd: "time", set: "2026-01-06T00:00:00Z" }, "role-forbidden");
  refused(t, d, { cmd: "move", steps: 10, dir: 1 }, "role-forbidden");
  refused(t, d, { cmd: "calibrate", steps: 10 }, "role-forbidden");
  refused(t, d, { cmd: "rx", rx: rxText({}) }, "rx-unsigned");
  t.is(one(d, { cmd: "status" }).code, "ok");
  t.is(one(d, { cmd: "log", since: 0, limit: 5 }).code, "ok");
  t.is(one(d, { cmd: "pause", reason: "pain" }).code, "ok");
  t.is(d.ctl.phaseState().phase, "paused");
  t.is(d.ctl.phaseState().reason, "console pause by patient, saying \"pain\"", "what the patient typed is quoted as theirs");
  refused(t, d, { cmd: "resume" }, "role-forbidden");
  refused(t, d, { cmd: "pause" }, "wrong-phase");
});

test.serial("signed requests: the clinician resumes and acknowledges; stale, reused or expired nonces, tampering, unknown keys and wrong roles are refused", (t) => {
  const d = device();
  runTo(d, 0.02 * MS_PER_DAY);
  one(d, { cmd: "pause" });
  refused(t, d, signRequest({ cmd: "resume" }, DR, SERIAL, "00".repeat(16)), "auth-stale-nonce");
  const ok = signed(d, { cmd: "resume", reason: "checked" }, DR);
  const tampered = Object.assign({}, ok, { reason: "checked!" });
  refused(t, d, tampered, "auth-bad-signature");
  refused(t, d, signed(d, { cmd: "resume" }, MALLORY), "auth-bad-signature");
  refused(t, d, signed(d, { cmd: "resume" }, STRANGER), "auth-unknown-key");
  refused(t, d, signed(d, { cmd: "move", steps: 5, dir: 1 }, DR), "role-forbidden");
  refused(t, d, Object.assign({}, ok, { auth: "dr-lee" }), "auth-malformed");
  refused(t, d, Object.assign({}, ok, { auth: Object.assign({}, (ok as any).auth, { sig: "zz" }) }), "auth-malformed");
  refused(t, d, Object.assign({}, ok, { auth: Object.assign({}, (ok as any).auth, { role: "admin" }) }), "auth-malformed");
  const late = signed(d, { cmd: "resume" }, DR);
  d.now.ms += 61000;
  refused(t, d, late, "auth-stale-nonce");
  const good = signed(d, { id: 9, cmd: "resume", reason: "checked" }, DR);
  const r = one(d, good);
  t.is(r.code, "ok");
  t.is(d.ctl.phaseState().phase, "distraction");
  t.is(d.ctl.phaseState().reason, "console resume by clinician dr-lee, saying \"checked\"");
  one(d, { cmd: "pause" });
  refused(t, d, good, "auth-stale-nonce");
  refused(t, d, signed(d, { cmd: "ack" }, DR), "wrong-phase");
  d.ctl.fault("stall", "test fault");
  t.is(d.device.hal.alarm.level(), 3);
  t.is(one(d, signed(d, { cmd: "ack", reason: "rack checked" }, DR)).code, "ok");
  t.is(d.ctl.phaseState().phase, "paused");
  t.is(d.device.hal.alarm.level(), 0);
});

test.serial("prescriptions: unsigned, unknown key, wrongly signed, other device, replayed, expired, malformed and out of range are each refused with their own code", (t) => {
  const d = device();
  runTo(d, 0.02 * MS_PER_DAY);
  refused(t, d, { cmd: "rx", rx: rxText({}) }, "rx-unsigned");
  refused(t, d, rxCommand({}, STRANGER), "rx-unknown-key");
  refused(t, d, rxCommand({}, MALLORY), "rx-bad-signature");
  const good = rxCommand({}, DR);
  refused(t, d, Object.assign({}, good, { rx: good.rx.replace("\"rateMmPerDay\":0.5", "\"rateMmPerDay\":1.5") }), "rx-bad-signature");
  refused(t, d, Object.assign({}, good, { sig: good.sig.slice(0, 100) }), "rx-bad-signature");
  refused(t, d, rxCommand({ deviceSerial: "OD-M1-0002" }, DR), "rx-wrong-device");
  refused(t, d, rxCommand({ counter: 1 }, DR), "rx-replayed");
  refused(t, d, rxCommand({ expires: "2026-01-05T08:00:00Z" }, DR), "rx-expired");
  refused(t, d, rxCommand({ expires: "2026-02-30T00:00:00Z" }, DR), "rx-malformed");
  refused(t, d, rxCommand({ quietHour: { startHour: 22, endHour: 6 } }, DR), "rx-malformed");
  const range = refused(t, d, rxCommand({ rateMmPerDay: 2 }, DR), "rx-out-of-range");
  t.regex(range.message, /rateMmPerDay/);
  refused(t, d, rxCommand({ targetLengthMm: 40 }, DR), "rx-out-of-range");
  refused(t, d, rxCommand({ rhythm: 1 }, DR), "rx-out-of-range");
  t.is(one(d, good).code, "ok");
  refused(t, d, good, "rx-replayed");
  const events = consoleEvents(d);
  t.true(events.includes("clinician:dr-lee rx ok"));
  t.is(counted(d, "patient rx rx-expired"), 1, "refusals are counted");
});

test.serial("a new prescription continues from the length reached, keeps the time base and survives a reboot", (t) => {
  const d = device();
  runTo(d, 1.5 * MS_PER_DAY);
  const reached = d.ctl.lengthReachedUm();
  t.true(reached > 1000, "distracted " + reached + " µm");
  const t0 = d.ctl.inspect().t0;
  const r = one(d, rxCommand({ counter: 5, rateMmPerDay: 0.5, rhythm: "continuous", targetLengthMm: 2, latencyDays: 0.5 }, DR));
  t.is(r.code, "ok", JSON.stringify(r));
  const tLoad = r.data.fromTMs;
  t.is(d.ctl.inspect().t0, t0);
  t.is(d.ctl.prescription().counter, 5);
  t.is(d.ctl.phaseState().phase, "latency");
  t.true(Math.abs(d.ctl.inspect().startUm - reached) < 1e-6);
  t.true(Math.abs(targetUm(d.ctl.currentSchedule(), tLoad + 0.4 * MS_PER_DAY) - reached) < 1e-6, "latency: no motion for half a day");
  t.true(Math.abs(targetUm(d.ctl.currentSchedule(), tLoad + 1.5 * MS_PER_DAY) - (reached + 500)) < 1e-3, "then 0.5 mm/day from the length reached");
  runTo(d, 1.5 * MS_PER_DAY + tLoad + 1.5 * MS_PER_DAY - d.ctl.elapsedMs());
  const s = one(d, { cmd: "status" });
  t.is(s.data.phase, "distraction");
  t.is(s.data.rx.source, "console");
  t.true(Math.abs(s.data.lengthUm - (reached + 500)) < 30, "delivered " + (s.data.lengthUm - reached) + " µm of 500");

  // a reboot of the same device: the plant, the clock and the stores are where they were (a new plant at 0 µm
  // would be a position-mismatch-at-boot)
  d.device.stop();
  const again = device({ world: d.world });
  t.is(again.ctl.prescription().counter, 5);
  t.is(again.ctl.inspect().startUm, d.ctl.inspect().startUm);
  t.deepEqual(again.ctl.currentSchedule(), d.ctl.currentSchedule());
  t.is(again.ctl.phaseState().phase, "distraction");
  refused(t, again, rxCommand({ counter: 5 }, DR), "rx-replayed");
});

test.serial("time: everyone reads it; a clinician sets it (journaled, no clock-jump fault, kept across a reboot); the patient cannot", (t) => {
  const d = device();
  runTo(d, 0.02 * MS_PER_DAY);
  const r = one(d, { cmd: "time" });
  t.is(r.data.correctionMs, 0);
  refused(t, d, { cmd: "time", set: "2026-01-05T20:00:00Z" }, "role-forbidden");
  refused(t, d, signed(d, { cmd: "time", set: "2026-01-05 20:00" }, DR), "bad-args");
  const wall = d.clock.wallMs();
  const s = one(d, signed(d, { cmd: "time", set: "2026-01-05T20:00:00Z" }, DR));
  t.is(s.code, "ok");
  t.is(s.data.time, "2026-01-05T20:00:00Z");
  t.true(Math.abs(s.data.correctionMs - (Date.parse("2026-01-05T20:00:00Z") - wall)) < 1);
  runTo(d, 0.02 * MS_PER_DAY + MS_PER_HOUR);
  t.is(d.ctl.phaseState().phase, "distraction", d.ctl.phaseState().reason);
  // a reboot on copies of the stores, on the same plant (the gap where it was)
  const again = device({ store: new PowerCutStore(d.store.read()), vault: new PowerCutStore(d.vault.read()), plantFrom: worldImage(d.world.plant, d.world.clock), startMs: d.sim.clock.monoMs() });
  t.is(again.ctl.phaseState().phase, "distraction", again.ctl.phaseState().reason);
  t.is(again.clock.correctionMs, d.clock.correctionMs);
  t.is(again.ctl.inspect().wallAtStart, d.ctl.inspect().wallAtStart);
  t.true(Math.abs(again.ctl.elapsedMs() - d.ctl.elapsedMs()) < 1);
  t.true(consoleEvents(d).includes("clinician:dr-lee time ok"));
});

test.serial("bench commands need a bench key AND the bench input; they move only while paused, bounded, and answer when the move ends", (t) => {
  const off = device();
  refused(t, off, signed(off, { cmd: "move", steps: 100, dir: 1 }, RIG), "bench-input-off");
  let input = false;
  const d = device({ benchInput: { read: () => input } });
  refused(t, d, signed(d, { cmd: "calibrate", steps: 100 }, RIG), "bench-input-off");
  input = true;
  t.true(one(d, { cmd: "hello" }).data.benchInput);
  refused(t, d, signed(d, { cmd: "move", steps: 100, dir: 1 }, RIG), "wrong-phase");
  refused(t, d, signed(d, { cmd: "move", steps: 100, dir: 1 }, DR), "role-forbidden");
  one(d, { cmd: "pause" });
  refused(t, d, signed(d, { cmd: "move", steps: 10, dir: 0 }, RIG), "bad-args");
  refused(t, d, signed(d, { cmd: "move", steps: 999999, dir: 1 }, RIG), "out-of-range");
  refused(t, d, signed(d, { cmd: "move", steps: 10, dir: -1 }, RIG), "over-stroke");
  const steps0 = d.ctl.inspect().state.stepCount;
  t.deepEqual(d.line(signed(d, { id: 3, cmd: "move", steps: 1000, dir: 1 }, RIG)), [], "the answer waits for the move");
  t.true(d.ctl.isMoving());
  refused(t, d, signed(d, { cmd: "move", steps: 10, dir: 1 }, RIG), "busy");
  runTo(d, d.sim.clock.monoMs() + 2000);
  const done = JSON.parse(d.out[d.out.length - 1]);
  t.deepEqual([done.id, done.code, done.data.issued], [3, "ok", 1000]);
  t.is(d.ctl.inspect().state.stepCount, steps0 + 1000);
  t.false(d.sim.stepper.isEnabled());
  d.line(signed(d, { id: 4, cmd: "calibrate", steps: 2000 }, RIG));
  runTo(d, d.sim.clock.monoMs() + 3000);
  const cal = JSON.parse(d.out[d.out.length - 1]);
  t.is(cal.code, "ok");
  t.true(Math.abs(cal.data.measuredUmPerStep / cal.data.profileUmPerStep - 1) < 0.05, JSON.stringify(cal.data));
  const events = consoleEvents(d);
  t.true(events.includes("bench:rig-1 move ok"));
  t.true(events.includes("bench:rig-1 calibrate ok"));
  t.is(counted(d, "bench?rig-1 calibrate bench-input-off"), 1);
});

test.serial("every command is journaled with its role and result: changes as events, everything else counted; log pages through the audit trail", (t) => {
  const d = device();
  one(d, { cmd: "status" });
  one(d, { cmd: "resume" });
  one(d, { cmd: "pause" });
  one(d, signed(d, { cmd: "resume" }, STRANGER));
  t.deepEqual(consoleEvents(d), ["patient pause ok"]);
  t.deepEqual([counted(d, "patient status ok"), counted(d, "patient resume role-forbidden"), counted(d, "patient hello ok"), counted(d, "clinician?dr-who resume auth-unknown-key")], [1, 1, 1, 1]);
  const first = one(d, { cmd: "log", since: 0, limit: 2 });
  t.is(first.data.events.length, 2);
  t.true(first.data.more);
  const rest = one(d, { cmd: "log", since: first.data.next, limit: 50 });
  const seqs = first.data.events.concat(rest.data.events).map((e: any) => e.seq);
  t.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  t.true(rest.data.events.some((e: any) => e.detail === "patient pause ok"));
  t.is(rest.data.counts["patient log ok"], 1, "log reports the counts too");
});

test.serial("every response code the tests saw is documented in docs/protocol.md", (t) => {
  const seen = new Set<string>();
  for (const d of devices) for (const l of d.out) seen.add(JSON.parse(l).code);
  t.true(seen.size >= 30, [...seen].join(" "));
  for (const code of seen) t.true(DOCS.includes("`" + code + "`"), code + " is not documented");
});
