import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { serveBoard } from "../tests/board-harness.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE } from "../sim/uno/bench-rig.ts";
const dir = mkdtempSync(join(tmpdir(), "devprof-"));
const board = await serveBoard(join(dir, "uno"), ["--time-scale", "4320"]);
const BIN = process.env.OSTEODRIVE_TEST_BUNDLE + "/osteodrive.mjs";
for (const prof of [false, true]) {
  const args = [...(prof ? ["--cpu-prof", "--cpu-prof-dir=/tmp/devprof"] : []), BIN, "device", "--board", board.hostPath, "--board-clock", board.clockPath, "--profile", BENCH_PROFILE, "--prescription", BENCH_PRESCRIPTION, "--journal", join(dir, "j" + prof), "--time-scale", "4320", "--json"];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const cpu = () => { const f = require("node:fs").readFileSync("/proc/" + child.pid + "/stat", "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
  let err = "";
  await new Promise<void>((res) => child.stderr!.on("data", (d) => { err += d; if (/ ready \{/.test(err)) res(); }));
  console.log("ready after wall ms", (performance.now() - t0).toFixed(0), "cpu s", cpu());
  await new Promise((r) => setTimeout(r, 3000));
  console.log("3 s later cpu s", cpu());
  child.kill("SIGINT");
  await new Promise((r) => child.on("close", r));

}
await board.close();
