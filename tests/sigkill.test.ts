// A real process: the Node app runs the simulator with the file journal and a
// persistent simulated world; it is killed with SIGKILL at 20+ random moments and
// restarted each time, and must end with the prescribed length within tolerance
// and an intact journal. Kill moments are seeded; assertions do not depend on timing.

import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../sim/rng.ts";
import { loadScenario } from "../sim/scenario.ts";

const BIN = fileURLToPath(new URL("../firmware/node/bin.mjs", import.meta.url));
const SCENARIO = fileURLToPath(new URL("./fixtures/kill-test.json", import.meta.url));

function run(dir: string, killAfterMs: number | null): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, "device", "--hal", "sim", "--scenario", SCENARIO, "--journal", dir, "--world", join(dir, "world.json"), "--time-scale", "max", "--until-complete", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = killAfterMs === null ? null : setTimeout(() => p.kill("SIGKILL"), killAfterMs);
    p.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

test("killed with SIGKILL at 20+ random moments, the app recovers each time and delivers the prescription", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-kill-"));
  const rng = new Rng(2026);
  let kills = 0;
  let finishedEarly = 0;
  for (let i = 0; i < 24; i++) {
    const r = await run(dir, 600 + Math.floor(rng.next() * 800));
    if (r.signal === "SIGKILL") kills++;
    else {
      finishedEarly++;
      t.is(r.code, 0, r.out);
    }
  }
  t.true(kills >= 20, kills + " kills (" + finishedEarly + " runs finished before their kill)");
  const last = await run(dir, null);
  t.is(last.code, 0, last.out);
  const res = JSON.parse(last.out.trim().split("\n").pop()!);
  const tol = loadScenario(SCENARIO).profile.positionToleranceUm;
  t.is(res.phase, "complete", last.out);
  t.is(res.fault, "");
  t.true(res.recoveredAtBoot);
  t.is(res.journalError, null);
  t.true(Math.abs(res.trueGapUm - 5000) <= tol, "true gap " + res.trueGapUm + " µm, prescribed 5000 µm");
});
