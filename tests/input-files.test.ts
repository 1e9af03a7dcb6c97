// Every input file is validated before anything runs or is written: profile,
// prescription, scenario, world and the `bundle --hal` configuration. An unknown
// (misspelt) key, a wrong type, an out-of-range value and `null` each give one
// line naming the field; the parsers list every problem at once; through the CLI
// the exit code is 2 (bad input, firmware/node/exit-codes.ts) and no output file
// or journal is created.

import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROFILE_KEYS, parsePrescriptionFile as parsePrescription, parseProfileFile as parseProfile } from "../firmware/core/input-files.ts";
import { parseProfile as parseProfileFields } from "../firmware/core/profile.ts";
import { parseScenario } from "../sim/scenario.ts";
import { parseHalOverride } from "../firmware/node/espruino/hal-config.ts";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { cli } from "./helpers/cli-in-process.ts";
import { requestFromWords } from "../firmware/node/console/words.ts";
import { BIN } from "./helpers/bundle.ts";

const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
const base = JSON.parse(readFileSync(new URL("../sim/scenarios/mandible-continuous-1mm.json", import.meta.url), "utf8"));
const clone = (o: any) => JSON.parse(JSON.stringify(o));
const profile = parseProfile(base.profile);

function refused(t: any, fn: () => unknown, field: string, message: RegExp): void {
  const err: any = t.throws(fn);
  t.is(err.code, "invalid", err.message);
  t.true(err.fields.includes(field), field + " not named in " + JSON.stringify(err.fields));
  const line = err.message.split("\n").find((l: string) => l.includes(field + ":"));
  t.truthy(line, "no line for " + field + " in " + err.message);
  t.regex(line, message);
}

test("every field the profile parser reads is a known key of a profile file", (t) => {
  const fields = Object.keys(parseProfileFields(base.profile)).filter((k) => k !== "umPerMicrostep");
  for (const f of fields) t.true(PROFILE_KEYS.includes(f), f);
});

test("profile: misspelt key, wrong type, out of range, null field and null document", (t) => {
  refused(t, () => parseProfile({ ...base.profile, positionNoiseUM: 1 }), "profile.positionNoiseUM", /unknown field; did you mean "positionNoiseUm"\?/);
  refused(t, () => parseProfile({ ...base.profile, frobnicate: true }), "profile.frobnicate", /unknown field \(known: name, serial/);
  refused(t, () => parseProfile({ ...base.profile, tickMs: "10000" }), "profile.tickMs", /got "10000"; expected a number/);
  refused(t, () => parseProfile({ ...base.profile, strokeMm: 1e6 }), "profile.strokeMm", /out of range/);
  refused(t, () => parseProfile({ ...base.profile, backlashUm: null }), "profile.backlashUm", /got null/);
  refused(t, () => parseProfile({ ...base.profile, benchOnly: "yes" }), "profile.benchOnly", /expected true or false/);
  refused(t, () => parseProfile(null), "profile", /got null; expected a JSON object/);
  refused(t, () => parseProfile([base.profile]), "profile", /got an array/);
  refused(t, () => parseProfile({ ...base.profile, consoleKeys: { clinicians: [] } }), "profile.consoleKeys.clinicians", /did you mean "clinician"/);
});

test("prescription: misspelt key, quiet-hours key, null and every problem at once", (t) => {
  refused(t, () => parsePrescription({ ...base.prescription, ratemmPerDay: 1 }, profile, 0), "prescription.ratemmPerDay", /did you mean "rateMmPerDay"/);
  refused(t, () => parsePrescription({ ...base.prescription, quietHours: { startHour: 22, endHour: 6, tz: 1 } }, profile, 0), "prescription.quietHours.tz", /unknown field/);
  refused(t, () => parsePrescription(null, profile, 0), "prescription", /got null/);
  const err: any = t.throws(() => parsePrescription({ ...base.prescription, latencyDays: null, rhythm: null, colour: 1 }, profile, 0));
  t.deepEqual(err.fields.slice().sort(), ["prescription.colour", "prescription.latencyDays", "prescription.rhythm"]);
  t.is(err.message.split("\n").length, 4, "a header line and one line per problem");
});

test("scenario: unknown keys at every level, fault and event fields, null document", (t) => {
  const at = (path: string[], value: unknown) => {
    const s = clone(base);
    let o = s;
    for (const k of path.slice(0, -1)) o = o[k];
    o[path[path.length - 1]] = value;
    return s;
  };
  refused(t, () => parseScenario(at(["sed"], 3)), "sed", /did you mean "seed"/);
  refused(t, () => parseScenario(at(["plant", "tissue", "tau1"], 60)), "plant.tissue.tau1", /did you mean "tau1S"/);
  refused(t, () => parseScenario(at(["plant", "drive", "springPreloadN"], 100)), "plant.drive.springPreloadN", /unknown field/);
  refused(t, () => parseScenario(at(["profile", "tickMS"], 1000)), "profile.tickMS", /did you mean "tickMs"/);
  refused(t, () => parseScenario(at(["faults"], [{ atDay: 1, kind: "creep", value: 5, unitlDay: 2 }])), "faults[0].unitlDay", /did you mean "untilDay"/);
  refused(t, () => parseScenario(at(["faults"], [{ atDay: 1, kind: "jam", value: 5 }])), "faults[0].value", /takes no value/);
  refused(t, () => parseScenario(at(["faults"], [{ atDay: 2, kind: "jam", untilDay: 1 }])), "faults[0].untilDay", /must be after atDay/);
  refused(t, () => parseScenario(at(["faults"], [{ atDay: 2, kind: "slip", value: 30, untilDay: 3 }])), "faults[0].untilDay", /cannot clear/);
  refused(t, () => parseScenario(at(["events"], [{ atDay: 2, kind: "power-cut" }])), "events[0].offHours", /missing/);
  refused(t, () => parseScenario(at(["events"], [{ atDay: 2, kind: "pause", offHours: 1 }])), "events[0].offHours", /unknown field/);
  refused(t, () => parseScenario(at(["startWall"], null)), "startWall", /got null; expected an ISO 8601/);
  refused(t, () => parseScenario(at(["plant"], null)), "plant", /got null; expected an object/);
  refused(t, () => parseScenario(null), "scenario", /got null/);
});

test("bundle --hal: the hostile values are refused by name", (t) => {
  const board = BOARDS.pico.hal;
  refused(t, () => parseHalOverride({ maxStepRateHz: -5 }, board), "hal.maxStepRateHz", /out of range/);
  refused(t, () => parseHalOverride({ maxMoveSteps: 1e9 }, board), "hal.maxMoveSteps", /out of range/);
  refused(t, () => parseHalOverride({ watchdogS: "off" }, board), "hal.watchdogS", /got "off"/);
  refused(t, () => parseHalOverride({ position: { raw1: 0.1 } }, board), "hal.position.raw1", /zero-span/);
  refused(t, () => parseHalOverride({ pins: { stpe: "B3" } }, board), "hal.pins.stpe", /did you mean "step"/);
  refused(t, () => parseHalOverride({ maxStepRate: 100 }, board), "hal.maxStepRate", /did you mean "maxStepRateHz"/);
  refused(t, () => parseHalOverride({ pins: { step: "B4" } }, board), "hal.pins", /share a pin/);
  refused(t, () => parseHalOverride({ enableActiveLow: null }, board), "hal.enableActiveLow", /got null; expected true or false/);
  refused(t, () => parseHalOverride(null, board), "hal", /got null/);
  const ok = parseHalOverride({ maxStepRateHz: 800, position: { value1: 20000 } }, board);
  t.is(ok.maxStepRateHz, 800);
  t.is(ok.position.value1, 20000);
  t.is(ok.position.raw0, board.position.raw0);
});

test("through the CLI: one line per problem, non-zero exit, nothing written", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-input-"));
  const file = (name: string, json: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(json));
    return f;
  };
  const sc = await cli("sim", "--scenario", file("sc.json", { ...clone(base), profile: { ...base.profile, tickMs: null }, sed: 1 }), "--report", join(dir, "r.html"));
  t.is(sc.status, 2, sc.stderr);
  t.regex(sc.stderr, /^osteodrive sim: invalid scenario:\n  sed: unknown field; did you mean "seed"\?\n  profile\.tickMs: got null/);
  t.false(existsSync(join(dir, "r.html")));
  const out = join(dir, "app.js");
  const hal = await cli("bundle", "espruino", "--hal", file("hal.json", { watchdogS: "off", maxMoveSteps: 1e9 }), "-o", out);
  t.is(hal.status, 2, hal.stderr);
  t.regex(hal.stderr, /hal\.watchdogS: got "off"/);
  t.regex(hal.stderr, /hal\.maxMoveSteps: got 1000000000, out of range/);
  const prof = await cli("bundle", "espruino", "--profile", file("null.json", null), "-o", out);
  t.is(prof.status, 2);
  t.regex(prof.stderr, /profile: got null; expected a JSON object/);
  t.false(existsSync(out), "no bundle written");
  const journal = join(dir, "journal");
  const world = run("device", "--hal", "sim", "--scenario", "mandible-continuous-1mm", "--world", file("world.json", { monoMs: 5, wallOffsetMs: 0, plant: null }), "--journal", journal, "--days", "0.01");
  t.is(world.status, 2, world.stderr);
  t.regex(world.stderr, /plant: got null; expected an object/);
  t.false(existsSync(journal), "no journal created");
});

test("a key repeated in one object is refused in every input file, naming the file and the key", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-repeat-"));
  const text = JSON.stringify(base);
  // the second rate is the one JSON.parse would keep
  const twice = text.replace('"rateMmPerDay":', '"rateMmPerDay":0.5,"rateMmPerDay":');
  t.not(twice, text);
  const f = join(dir, "twice.json");
  writeFileSync(f, twice);
  const sc = await cli("sim", "--scenario", f, "--report", join(dir, "r.html"));
  t.is(sc.status, 2, sc.stderr);
  t.is(sc.stderr, "osteodrive sim: cannot read scenario " + f + ": the key \"rateMmPerDay\" appears twice in one object (each field once: JSON keeps only the last)\n");
  t.false(existsSync(join(dir, "r.html")));
  const out = join(dir, "app.js");
  const rx = await cli("bundle", "espruino", "--prescription", f, "-o", out);
  t.is(rx.status, 2, rx.stderr);
  t.regex(rx.stderr, /cannot read prescription file .*twice\.json: the key "rateMmPerDay" appears twice/);
  t.false(existsSync(out), "no bundle written");
  // the same key in two different objects is not a repeat
  const nested = join(dir, "nested.json");
  writeFileSync(nested, JSON.stringify({ ...clone(base), plant: { ...base.plant, name: "x" }, name: "y" }));
  t.is((await cli("bundle", "espruino", "--profile", nested, "-o", out)).status === 2, false);
  const world = join(dir, "world.json");
  writeFileSync(world, '{"monoMs":5,"monoMs":6}');
  const journal = join(dir, "journal");
  const w = run("device", "--hal", "sim", "--scenario", "mandible-continuous-1mm", "--world", world, "--journal", journal, "--days", "0.01");
  t.is(w.status, 2, w.stderr);
  t.regex(w.stderr, /cannot read world file .*world\.json: the key "monoMs" appears twice/);
  t.false(existsSync(journal), "no journal created");
});

test("the console client's typed requests: a signed prescription file is exactly {rx, key, sig}, and no key twice", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-words-"));
  const file = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const good = file("good.json", JSON.stringify({ rx: "{}", key: "ab", sig: "cd" }));
  t.deepEqual(requestFromWords(["rx", good]), { cmd: "rx", rx: "{}", key: "ab", sig: "cd" });
  const says = (words: string[], message: RegExp) => t.regex(t.throws(() => requestFromWords(words))!.message, message);
  says(["rx", file("twice.json", '{"rx":"{}","key":"ab","sig":"00","sig":"cd"}')], /cannot read signed prescription .*twice\.json: the key "sig" appears twice/);
  says(["rx", file("nosig.json", '{"rx":"{}","key":"ab"}')], /nosig\.json: "sig" is missing/);
  says(["rx", file("extra.json", '{"rx":"{}","key":"ab","sig":"cd","note":"x"}')], /extra\.json: unknown key "note"/);
  says(["rx", file("num.json", '{"rx":"{}","key":"ab","sig":5}')], /num\.json: "sig" is not a string/);
  says(["rx", file("list.json", "[]")], /list\.json: it is not a JSON object/);
  says(["rx", join(dir, "absent.json")], /absent\.json: no such file or directory/);
  says(['{"cmd":"log","limit":1,"limit":500}'], /the key "limit" appears twice in the request/);
  t.deepEqual(requestFromWords(['{"cmd":"log","limit":1}']), { cmd: "log", limit: 1 });
});
