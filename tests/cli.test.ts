// The osteodrive CLI as a user runs it: `sim --json` prints the summary contract on
// one line; bad flags and unknown scenarios fail with a specific message and exit code.
// The sim cases run the CLI's main in-process (helpers/cli-in-process.ts); the device
// runs are real processes.

import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers/cli-in-process.ts";
import { BIN } from "./helpers/bundle.ts";

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

const CONTRACT = ["scenario", "seed", "simulatedDays", "wallMs", "targetLengthMm", "finalLengthMm", "finalErrorUm", "rmsErrorUm", "maxErrorUm", "dailyRateMmPerDay", "incrementsPerDay", "peakForceN", "missedSteps", "faults", "alarms", "finalPhase", "warnings", "phaseDays", "finalStateSafe"];

test("sim --json prints the summary contract on one line, errors measured on the true gap", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-cli-"));
  const r = await cli("sim", "--scenario", "noisy-rig", "--days", "4", "--json", "--report", join(dir, "r.html"));
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  t.is(lines.length, 1);
  const s = JSON.parse(lines[0]);
  for (const k of CONTRACT) t.true(k in s, "missing " + k);
  t.is(s.scenario, "noisy-rig");
  t.true(Array.isArray(s.dailyRateMmPerDay) && Array.isArray(s.faults));
  t.regex(readFileSync(join(dir, "r.html"), "utf8"), /<svg/);
});

test("bad input fails with a specific message and changes nothing", async (t) => {
  const unknownFlag = await cli("sim", "--scenario", "noisy-rig", "--sed", "3");
  t.is(unknownFlag.status, 2);
  t.regex(unknownFlag.stderr, /unknown flag --sed/);
  const badSeed = await cli("sim", "--scenario", "noisy-rig", "--seed", "-1");
  t.is(badSeed.status, 2);
  t.regex(badSeed.stderr, /--seed must be a number from 0 to 4294967295, got "-1"/);
  const missing = await cli("sim", "--scenario", "no-such-thing");
  t.is(missing.status, 2);
  t.regex(missing.stderr, /^osteodrive sim: no scenario named "no-such-thing"/);
  t.notRegex(missing.stderr, /\n\s+at /, "no stack trace");
  const cmd = await cli("simulate");
  t.is(cmd.status, 2);
  t.regex(cmd.stderr, /unknown command "simulate"/);
});

test("device --advisor runs the tissue-response advisor in the loop where it was trained, and not elsewhere", (t) => {
  const on = run("device", "--hal", "sim", "--scenario", "mandible-continuous-1mm", "--time-scale", "max", "--days", "8", "--advisor", "--json");
  t.is(on.status, 0, on.stderr);
  const a = JSON.parse(on.stdout.trim().split("\n").pop()!);
  t.is(a.advisor, "on");
  t.is(a.phase, "distraction");
  t.regex(on.stderr, /advisor: backend (wasm|cpu|tensorflow)/);
  const off = run("device", "--hal", "sim", "--scenario", "limb-4x-daily", "--time-scale", "max", "--days", "1", "--advisor", "--json");
  t.is(off.status, 0, off.stderr);
  t.is(JSON.parse(off.stdout.trim().split("\n").pop()!).advisor, "off");
});

test("device --hal sim runs the scenario's faults on the whole Node app", (t) => {
  const r = run("device", "--hal", "sim", "--scenario", "runaway", "--time-scale", "max", "--until-complete", "--json");
  t.is(r.status, 3, "a run that ended with a latched fault exits 3 (firmware/node/exit-codes.ts); " + r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  t.is(out.phase, "fault");
  t.is(out.fault, "runaway");
});
