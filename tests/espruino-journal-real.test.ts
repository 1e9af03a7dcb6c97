// The authenticated journal on the real Espruino interpreter (its Linux build,
// whose crypto module has the natives a Pico's firmware has: AES and SHA256): the
// app provisions a device key, a vault file and a journal in flash; a reboot on the
// same flash resumes the same journal; a flipped bit in the journal's flash is a
// named fault, and the flash is left exactly as found. Skipped, saying why, where
// ESPRUINO_BIN (the interpreter) is not given.

import test from "ava";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeEspruinoBuild } from "../firmware/node/espruino/make.ts";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { loadScenario } from "../sim/scenario.ts";

const BIN = process.env.ESPRUINO_BIN;
const maybe = BIN && fs.existsSync(BIN) ? test.serial : test.skip;
if (!BIN) console.log("espruino-journal-real: ESPRUINO_BIN is not set: the real-interpreter journal tests are skipped");

// the app boots as run.js is loaded (provisioning, the journal's replay, its checks): its state is read on the
// interpreter's next turn, after the boot and before any tick, without waiting on the wall clock
const PROBE = 'setTimeout(function(){ var c = od.device && od.device.controller; print("OD:" + JSON.stringify({ error: od.error, phase: c ? c.phaseState() : null, journal: c ? c.journalState() : null, files: require("Storage").list() })); quit(); }, 0);';

function boot(dir: string, code: string): any {
  fs.writeFileSync(join(dir, "run.js"), code + "\n" + PROBE + "\n");
  const out = execFileSync(BIN!, ["run.js"], { cwd: dir, timeout: 120000, encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes("OD:"));
  if (!line) throw new Error("no report from the interpreter:\n" + out.slice(-2000));
  return JSON.parse(line.slice(line.indexOf("OD:") + 3));
}

maybe("on the real interpreter: provisions, resumes the same journal after a reset, and names a flipped bit without writing", (t) => {
  const sc = loadScenario("mandible-continuous-1mm");
  const b = BOARDS.linux;
  const build = makeEspruinoBuild({ board: b, hal: b.hal, profile: sc.source.profile, prescription: sc.source.prescription, journal: true });
  const dir = fs.mkdtempSync(join(tmpdir(), "osteodrive-esp-journal-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = boot(dir, build.bundle.code);
  t.is(first.error, "");
  t.is(first.phase.phase, "latency");
  t.is(first.journal.state, "ok");
  t.deepEqual(first.files.sort(), ["odj0", "odjv0"], "the journal's file and the vault's");
  const again = boot(dir, build.bundle.code);
  t.is(again.journal.id, first.journal.id, "the same journal, resumed");
  t.is(again.phase.phase, "latency");
  const flash = join(dir, "espruino.flash");
  const bytes = fs.readFileSync(flash);
  const at = bytes.indexOf(0xfc, bytes.indexOf(Buffer.from("odj0"))) + 100;
  bytes[at] ^= 0x04;
  fs.writeFileSync(flash, bytes);
  const damaged = boot(dir, build.bundle.code);
  t.is(damaged.phase.phase, "fault");
  t.is(damaged.phase.fault, "journal-damaged", damaged.phase.reason);
  t.is(damaged.journal.state, "read-only");
  t.deepEqual(fs.readFileSync(flash), bytes, "the flash is left exactly as found");
  t.log("bundle " + build.bundle.bytes + " bytes; " + damaged.phase.reason);
});
