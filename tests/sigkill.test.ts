// A real process: the Node app runs the simulator with the file journal and a
// persistent simulated world; it is killed with SIGKILL at 20+ seeded moments and
// restarted each time, and must end with the prescribed length within tolerance,
// an intact journal and every committed record recovered. Each kill is timed from
// the app's readiness line (printed once it has booted from its journal), never
// from spawn, so every kill lands on a running device however loaded the machine
// is; the kill delay only decides where in the protocol it lands.

import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readJournalFile } from "./journal-fixtures.ts";
import { Rng } from "../sim/rng.ts";
import { loadScenario } from "../sim/scenario.ts";
import { osteodrive } from "./board-harness.ts";

const SCENARIO = fileURLToPath(new URL("./fixtures/sigkill-short.json", import.meta.url));
/** Device ms per wall ms while alive: the protocol (~1.03 days) needs ~6 s of life. */
const SCALE = "15000";

test("killed with SIGKILL at 20+ seeded moments after readiness, the app recovers each time and delivers the prescription", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-kill-"));
  const args = (scale: string) => ["device", "--hal", "sim", "--scenario", SCENARIO, "--journal", dir, "--world", join(dir, "world.json"), "--time-scale", scale, "--until-complete", "--json"];
  const rng = new Rng(2026);
  let kills = 0;
  let finishedEarly = 0;
  let lost = 0;
  let committed = 0;
  for (let i = 0; i < 24; i++) {
    const d = osteodrive(args(SCALE));
    const ready = await d.ready;
    if (ready.recoveredThroughSeq < committed) lost += committed - ready.recoveredThroughSeq;
    await new Promise((r) => setTimeout(r, Math.round(rng.next() * 250)));
    d.child.kill("SIGKILL");
    const r = await d.exit;
    if (r.signal === "SIGKILL") kills++;
    else {
      finishedEarly++;
      t.is(r.code, 0, r.stderr + r.stdout);
    }
    const j = readJournalFile(join(dir, "journal.bin"), dir + ".vault");
    committed = j ? j.r.nextSeq - 1 : 0;
  }
  t.true(kills >= 20, kills + " kills (" + finishedEarly + " runs finished before their kill)");
  t.is(lost, 0, "committed records not recovered");
  const last = await osteodrive(args("max")).exit;
  t.is(last.code, 0, last.stderr);
  const res = JSON.parse(last.stdout.trim().split("\n").pop()!);
  const tol = loadScenario(SCENARIO).profile.positionToleranceUm;
  t.is(res.phase, "complete", last.stdout);
  t.is(res.fault, "");
  t.true(res.recoveredAtBoot);
  t.is(res.journalError, null);
  t.true(Math.abs(res.trueGapUm - 1000) <= tol, "true gap " + res.trueGapUm + " µm, prescribed 1000 µm");
  t.log(JSON.stringify({ kills, finishedEarly, lost, trueGapUm: res.trueGapUm, journalRecords: res.journalRecords }));
});
