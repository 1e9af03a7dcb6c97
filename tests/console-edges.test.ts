// The console's edges from issue 14, each as someone on the line would try it:
// a `hello` from another party no longer cancels a clinician's nonce; a line
// trickling in a byte at a time cannot swallow the request after it; a repeated
// key is refused in a request and in a signed prescription; absurd clock times are
// refused; a patient's text is quoted as theirs and cannot read as a clinician's
// entry; the journal command; `rx sign` signs the file's exact bytes or refuses.

import test from "ava";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole } from "../firmware/node/console/sim-console.ts";
import { NONCE_SESSIONS } from "../firmware/core/console/auth.ts";
import { signRequest, signPrescription, signableRx, unrepresentableNumber } from "../firmware/node/console/sign.ts";
import { writeKeyFile } from "../firmware/node/console/keyfile.ts";
import { MS_PER_DAY } from "../firmware/core/units.ts";
import { DR, SC, SERIAL, one, rx, runTo, signed } from "./device-fixtures.ts";
import { BIN } from "./helpers/bundle.ts";

const run = promisify(execFile);

function device(): SimConsole {
  const d = simConsole(SC, {});
  runTo(d, 0.02 * MS_PER_DAY);
  return d;
}

test("a hello from another party does not cancel a clinician's nonce; a flood of them pushes out only the oldest", (t) => {
  const d = device();
  one(d, { cmd: "pause" });
  const mine = one(d, { cmd: "hello" }).data.nonce;
  const theirs = one(d, { cmd: "hello" }).data.nonce;
  t.not(mine, theirs);
  t.is(one(d, signRequest({ cmd: "resume" }, DR, SERIAL, mine)).code, "ok", "signed over the first nonce after another hello");
  t.is(one(d, signRequest({ cmd: "pause" }, DR, SERIAL, mine)).code, "auth-stale-nonce", "and spent");
  one(d, { cmd: "pause" });
  const early = one(d, { cmd: "hello" }).data.nonce;
  for (let i = 0; i < NONCE_SESSIONS; i++) one(d, { cmd: "hello" });
  t.is(one(d, signRequest({ cmd: "resume" }, DR, SERIAL, early)).code, "auth-stale-nonce", NONCE_SESSIONS + " later hellos push the oldest out");
});

test("a line trickling in a byte at a time is dropped and the next request is answered", (t) => {
  for (const everyMs of [8000, 1500]) {
    const d = device();
    const drip = "{\"cmd\":\"pau";
    const codes: string[] = [];
    for (let i = 0; i < drip.length; i++) {
      d.now.ms += everyMs;
      codes.push(...d.send(drip.charAt(i)).map((r) => r.code));
    }
    d.now.ms += 2500;
    const r = d.send("{\"id\":7,\"cmd\":\"status\"}\n");
    t.deepEqual(r.map((x) => [x.id ?? null, x.code]).slice(-1), [[7, "ok"]], "one byte every " + everyMs + " ms, then a request");
    t.true(codes.concat(r.map((x) => x.code)).includes("partial-line"));
  }
});

test("a repeated key is refused, in a request line and in a signed prescription", (t) => {
  const d = device();
  const r = one(d, "{\"cmd\":\"status\",\"cmd\":\"pause\"}");
  t.is(r.code, "bad-json");
  t.regex(r.message, /repeats the key "cmd"/);
  t.is(d.ctl.phaseState().phase, "distraction");
  const text = "{\"deviceSerial\":\"" + SERIAL + "\",\"counter\":2,\"expires\":\"2026-03-01T00:00:00Z\",\"latencyDays\":0,\"rateMmPerDay\":0.5,\"rhythm\":\"continuous\",\"targetLengthMm\":3,\"consolidationDays\":1,\"softForceN\":100,\"hardForceN\":180,\"rateMmPerDay\":1.5}";
  const refused = one(d, Object.assign({ cmd: "rx" }, signPrescription(text, DR)));
  t.is(refused.code, "rx-malformed");
  t.regex(refused.message, /repeats the key "rateMmPerDay"/);
});

test("the clock cannot be set before 2025 or after 2099; a correction inside them works", (t) => {
  const d = device();
  for (const when of ["9999-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z", "2024-12-31T23:59:59Z"]) {
    const r = one(d, signed(d, { cmd: "time", set: when }));
    t.is(r.code, "bad-args", when);
    t.regex(r.message, /from 2025-01-01T00:00:00Z to 2099-12-31T23:59:59Z/);
  }
  t.is(one(d, signed(d, { cmd: "time", set: "2026-01-05T09:00:00Z" })).code, "ok");
});

test("a patient's text is quoted as theirs: it can never read as a clinician's entry", (t) => {
  const d = device();
  const evil = "x\"\nconsole resume by clinician dr-lee: all fine";
  t.is(one(d, { cmd: "pause", reason: evil }).code, "ok");
  const reason = d.ctl.phaseState().reason;
  t.is(reason, "console pause by patient, saying " + JSON.stringify(evil));
  t.false(reason.includes("\n"), "no line break reaches the trail");
  t.true(reason.startsWith("console pause by patient, saying \""));
  const events = d.ctl.auditLog().events.filter((e) => e.code === "console").map((e) => e.detail);
  t.deepEqual(events, ["patient pause ok"], "the console's own entry carries role, command and result, never the text");
});

test("journal: every role reads its state; only a clinician renews, and only after a journal fault", (t) => {
  const d = device();
  const s = one(d, { cmd: "journal" });
  t.is(s.code, "ok");
  t.is(s.data.state, "ok");
  t.regex(s.data.id, /^[0-9a-f]{16}$/);
  t.is(one(d, { cmd: "journal", renew: 0 }).code, "role-forbidden");
  t.is(one(d, signed(d, { cmd: "journal", renew: 0 })).code, "journal-ok");
  t.is(d.ctl.journalState().state, "ok");
  t.is(one(d, rx(2, 0.5)).code, "ok", "nothing changed");
});

test("rx sign signs the file's exact bytes, and refuses what it cannot sign as it is", async (t) => {
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-rxsign-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, "dr.key.json");
  writeKeyFile(keyFile, DR);
  const pretty = "{\n  \"deviceSerial\": \"" + SERIAL + "\",\n  \"counter\": 2,\n  \"expires\": \"2026-03-01T00:00:00Z\",\n  \"latencyDays\": 0,\n  \"rateMmPerDay\": 0.5,\n  \"rhythm\": \"continuous\",\n  \"targetLengthMm\": 3,\n  \"consolidationDays\": 1,\n  \"softForceN\": 100,\n  \"hardForceN\": 180\n}\n";
  fs.writeFileSync(join(dir, "rx.json"), pretty);
  const out = JSON.parse((await run(process.execPath, [BIN, "rx", "sign", "--key", keyFile, join(dir, "rx.json")])).stdout);
  t.is(out.rx, pretty, "the signed text is the file, whitespace and all");
  const d = device();
  t.is(one(d, Object.assign({ cmd: "rx" }, out)).code, "ok", "and the device verifies it");
  for (const [name, body, why] of [
    ["overflow.json", pretty.replace("\"counter\": 2", "\"counter\": 1e309"), /1e309 cannot be held/],
    ["digits.json", pretty.replace("0.5", "0.50000000000000000001"), /cannot be held/],
    ["repeat.json", pretty.replace("\"counter\": 2,", "\"counter\": 2, \"counter\": 3,"), /repeats the key "counter"/],
  ] as const) {
    fs.writeFileSync(join(dir, name), body);
    const err = await run(process.execPath, [BIN, "rx", "sign", "--key", keyFile, join(dir, name)]).then(() => null, (e) => e);
    t.truthy(err, name + " was signed");
    t.regex(err.stderr, why);
  }
  fs.writeFileSync(join(dir, "latin1.json"), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
  t.is(signableRx(new Uint8Array(fs.readFileSync(join(dir, "latin1.json")))).problem, "it is not valid UTF-8");
  t.is(unrepresentableNumber("{\"a\":\"1e999\",\"b\":1.25,\"c\":-0.001e-3}"), "", "numbers inside strings, and ordinary ones, pass");
});
