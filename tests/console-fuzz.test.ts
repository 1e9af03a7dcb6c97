// Property-based fuzzing of the console protocol handler (fast-check), more than
// 100,000 generated inputs: binary garbage, arbitrary Unicode text, arbitrary JSON,
// request-shaped objects with wrongly typed fields and random auth, valid requests
// split across chunks, correctly signed requests and prescriptions (some with one
// character changed), and pauses of the console clock (flood control, idle partial
// lines), on devices in latency, distraction, paused and fault, with and without
// the bench input. Properties: no exception escapes; every response is one line of
// ASCII JSON with a boolean `ok` and a string `code` ("ok" exactly when ok); and
// the canonical device state (core/console/state.ts) is unchanged, field for field, after any
// input that is not a valid authorized command: it may change only after a
// correctly signed request, or when the device journaled an accepted state-changing
// command (the patient's pause, or a mutation that left a signed request intact).
// Prints the inputs per second (never asserted).

import test from "ava";
import fc from "fast-check";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../sim/scenario.ts";
import { scenarioWithKeys, simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole } from "../firmware/node/console/sim-console.ts";
import { newKeyPair } from "../firmware/node/console/ed25519.ts";
import type { KeyFile } from "../firmware/node/console/keyfile.ts";
import { signPrescription, signRequest } from "../firmware/node/console/sign.ts";
import { deviceState, stateChange } from "../firmware/core/console/state.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/kill-test.json", import.meta.url));
const DR: KeyFile = Object.assign({ id: "dr-lee", role: "clinician" as const }, newKeyPair());
const RIG: KeyFile = Object.assign({ id: "rig-1", role: "bench" as const }, newKeyPair());
const STRANGER: KeyFile = Object.assign({ id: "dr-lee", role: "clinician" as const }, newKeyPair());
const KEYS = [DR, RIG, STRANGER];
const SC = scenarioWithKeys(loadScenario(FIXTURE), [DR, RIG]);
const SERIAL = SC.profile.serial;
const MUTATING = ["pause", "resume", "ack", "rx", "time", "move", "calibrate"];
const TARGET_INPUTS = 100000;

type Input =
  | { t: "bytes"; b: Uint8Array }
  | { t: "text"; s: string }
  | { t: "json"; v: unknown }
  | { t: "req"; v: { [k: string]: unknown } }
  | { t: "split"; s: string; at: number }
  | { t: "signed"; v: { [k: string]: unknown }; key: number; mutate: number }
  | { t: "rx"; v: { [k: string]: unknown }; key: number; mutate: number }
  | { t: "wait"; ms: number };

const CMDS = ["hello", "status", "log", "time", "pause", "resume", "ack", "rx", "move", "calibrate", "", "STATUS", "reboot", "status "];
const FIELDS = ["id", "since", "limit", "reason", "set", "steps", "dir", "rx", "key", "sig", "auth", "verbose"];
const anyValue = fc.oneof(fc.jsonValue(), fc.integer(), fc.double(), fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom(-1, 0, 1, 50, 51, 1e6, 4294967296, "2026-01-06T00:00:00Z", "00".repeat(64)));
const request = fc.record({ cmd: fc.oneof(fc.constantFrom(...CMDS), anyValue) }).chain((base) =>
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 4 }).map((extra) => Object.assign({}, extra, base)));
const auth = fc.record({ role: fc.constantFrom("clinician", "bench", "patient", 7), key: fc.constantFrom("dr-lee", "rig-1", "x"), nonce: fc.string({ maxLength: 34 }), sig: fc.oneof(fc.constant("ab".repeat(64)), fc.string({ maxLength: 130 })) }, { requiredKeys: [] });
const privileged = fc.oneof(
  fc.record({ cmd: fc.constantFrom("resume", "ack", "pause", "status"), reason: fc.string({ maxLength: 20 }) }, { requiredKeys: ["cmd"] }),
  fc.record({ cmd: fc.constant("time"), set: fc.constantFrom("2026-01-05T09:00:00Z", "2026-01-04T00:00:00Z", "2026-13-01T00:00:00Z") }),
  fc.record({ cmd: fc.constantFrom("move", "calibrate"), steps: fc.integer({ min: -5, max: 6000 }), dir: fc.constantFrom(-1, 0, 1) }),
);
const prescription = fc.record({
  deviceSerial: fc.constantFrom(SERIAL, SERIAL, "OD-M1-0002"),
  counter: fc.integer({ min: 0, max: 6 }),
  expires: fc.constantFrom("2027-01-01T00:00:00Z", "2026-01-05T08:00:00Z", "2026-01-05T08:00:00"),
  latencyDays: fc.double({ min: -1, max: 31, noNaN: true }),
  rateMmPerDay: fc.double({ min: 0, max: 2, noNaN: true }),
  rhythm: fc.oneof(fc.constant("continuous"), fc.integer({ min: 0, max: 1500 })),
  targetLengthMm: fc.double({ min: 0, max: 40, noNaN: true }),
  consolidationDays: fc.integer({ min: 0, max: 400 }),
  softForceN: fc.constantFrom(50, 100, 200),
  hardForceN: fc.constantFrom(90, 180, 300),
}, { requiredKeys: ["counter", "deviceSerial"] });

const input: fc.Arbitrary<Input> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ t: "bytes" as const, b })) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 120 }).map((s) => ({ t: "text" as const, s })) },
  { weight: 2, arbitrary: fc.anything().map((v) => ({ t: "json" as const, v })) },
  { weight: 5, arbitrary: fc.tuple(request, fc.option(auth, { freq: 3 })).map(([r, a]) => ({ t: "req" as const, v: a === null ? r : Object.assign({}, r, { auth: a }) })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("{\"cmd\":\"status\"}", "{\"cmd\":\"log\",\"since\":3}", "{\"cmd\":\"pause\"}"), fc.nat(20)).map(([s, at]) => ({ t: "split" as const, s, at })) },
  { weight: 2, arbitrary: fc.tuple(privileged, fc.nat(2), fc.oneof(fc.constant(-1), fc.nat(400))).map(([v, key, mutate]) => ({ t: "signed" as const, v, key, mutate })) },
  { weight: 2, arbitrary: fc.tuple(prescription, fc.constantFrom(0, 0, 0, 2), fc.oneof(fc.constant(-1), fc.nat(400))).map(([v, key, mutate]) => ({ t: "rx" as const, v, key, mutate })) },
  { weight: 1, arbitrary: fc.constantFrom(0, 50, 1000, 11000, 61000).map((ms) => ({ t: "wait" as const, ms })) },
);

type Start = "latency" | "distraction" | "paused" | "fault";
const start = fc.record({ phase: fc.constantFrom<Start>("latency", "distraction", "paused", "fault"), bench: fc.constantFrom<boolean | null>(true, false, null), seed: fc.nat() });

function boot(s: { phase: Start; bench: boolean | null; seed: number }): SimConsole {
  const bench = s.bench;
  const d = simConsole(SC, { benchInput: bench === null ? undefined : { read: () => bench }, seed: s.seed });
  if (s.phase !== "latency") {
    d.sim.clock.runUntil(0.02 * MS_PER_DAY);
    while (d.ctl.isMoving()) d.sim.clock.runUntil(d.sim.clock.monoMs() + 100);
  }
  if (s.phase === "paused") d.ctl.pause("fuzz");
  if (s.phase === "fault") d.ctl.fault("stall", "fuzz");
  return d;
}

/** Changes the character at position `at` (modulo the length) of a line. */
function mutate(line: string, at: number): string {
  const i = at % line.length;
  const c = line.charCodeAt(i);
  return line.slice(0, i) + String.fromCharCode(c === 0x7a ? 0x41 : c + 1) + line.slice(i + 1);
}

function toLine(v: unknown, at: number): string {
  const s = JSON.stringify(v);
  return (at < 0 ? s : mutate(s, at)) + "\n";
}

/** Sends one input; returns the responses and whether it was a valid authorized command (correctly signed, unmodified). */
function apply(d: SimConsole, x: Input): { out: any[]; authorized: boolean } {
  switch (x.t) {
    case "bytes":
      return { out: d.send(x.b), authorized: false };
    case "text":
      return { out: d.line(x.s), authorized: false };
    case "json":
      return { out: d.line(String(JSON.stringify(x.v))), authorized: false };
    case "req":
      return { out: d.line(String(JSON.stringify(x.v))), authorized: false };
    case "split": {
      const at = x.at % x.s.length;
      return { out: d.send(x.s.slice(0, at)).concat(d.line(x.s.slice(at))), authorized: false };
    }
    case "signed": {
      const h = d.line({ cmd: "hello" });
      const nonce = h.length === 1 && h[0].ok ? h[0].data.nonce : "";
      const req = signRequest(x.v, KEYS[x.key], SERIAL, nonce);
      return { out: h.concat(d.send(toLine(req, x.mutate))), authorized: nonce !== "" && x.mutate < 0 && x.key !== 2 };
    }
    case "rx":
      return { out: d.send(toLine(Object.assign({ cmd: "rx" }, signPrescription(JSON.stringify(x.v), KEYS[x.key])), x.mutate)), authorized: x.mutate < 0 && x.key === 0 };
    case "wait":
      d.now.ms += x.ms;
      d.console.poll();
      return { out: [], authorized: false };
  }
}

/** True when the device journaled an accepted state-changing command at or after seq. */
function journaledChange(d: SimConsole, fromSeq: number): boolean {
  return d.ctl.auditLog().events.some((e) => {
    if (e.seq < fromSeq || e.code !== "console") return false;
    const w = e.detail.split(" ");
    return w[w.length - 1] === "ok" && MUTATING.includes(w[1]);
  });
}

test("100,000+ generated inputs: no exception escapes, every response is ASCII JSON with a code, and nothing but a valid authorized command changes the device state", (t) => {
  let inputs = 0;
  let changes = 0;
  const codes = new Set<string>();
  const wall0 = performance.now();
  fc.assert(
    fc.property(start, fc.array(input, { minLength: 40, maxLength: 60 }), (s, xs) => {
      const d = boot(s);
      let before = deviceState(d.ctl, d.clock, d.device.hal);
      for (const x of xs) {
        const seq = d.device.journal!.nextSeq;
        const lines = d.out.length;
        const r = apply(d, x);
        inputs++;
        for (const l of d.out.slice(lines)) {
          if (!/^[\x20-\x7e]*$/.test(l)) throw new Error("non-ASCII response " + l);
          const o = JSON.parse(l);
          if (typeof o.code !== "string" || typeof o.ok !== "boolean" || o.ok !== (o.code === "ok")) throw new Error("malformed response " + l);
          codes.add(o.code);
        }
        const change = stateChange(before, d.ctl, d.clock, d.device.hal);
        if (change !== "") {
          changes++;
          if (!r.authorized && !journaledChange(d, seq)) throw new Error(change + ", changed by " + JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)).slice(0, 300) + " → " + JSON.stringify(r.out).slice(0, 300));
          before = deviceState(d.ctl, d.clock, d.device.hal);
        }
      }
    }),
    { numRuns: Math.ceil(TARGET_INPUTS / 50) + 50, seed: 20261121 },
  );
  const seconds = (performance.now() - wall0) / 1000;
  const fig = { inputs, seconds: +seconds.toFixed(1), inputsPerSecond: Math.round(inputs / seconds), stateChanges: changes, distinctCodes: codes.size };
  t.log(JSON.stringify(fig));
  console.log("console fuzz " + JSON.stringify(fig));
  t.true(inputs >= TARGET_INPUTS, inputs + " inputs");
  t.true(changes > 0, "some valid commands were accepted");
  t.true(codes.size >= 25, [...codes].join(" "));
});
