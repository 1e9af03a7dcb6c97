// Start-up latency of the Node device, as a user sees it (issue 12): wall time of
// `osteodrive device --help`, and from spawn to the first journal byte on disk, for
// the simulated device and for the device on the in-process emulated Uno (whose
// Firmata handshake takes ~2 s of board time). Median of N runs; prints JSON.
// Run: node --import=tsx bench/startup.ts [N]

import { spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./median.ts";

const BIN = fileURLToPath(new URL("../firmware/node/bin.mjs", import.meta.url));
const UNO = fileURLToPath(new URL("../sim/uno/", import.meta.url));

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Wall ms from spawn to exit, or to the first byte of `journal` (then the child is stopped). */
function timeRun(args: string[], journal: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
    let done = false;
    const finish = (ms: number) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      if (p.exitCode === null) p.kill("SIGINT");
      resolve(ms);
    };
    const poll = setInterval(() => {
      if (journal && size(journal) > 0) finish(performance.now() - t0);
    }, 1);
    p.on("exit", (code) => (journal && !done ? reject(new Error("ended (" + code + ") before writing " + journal)) : finish(performance.now() - t0)));
  });
}

async function series(n: number, make: () => [string[], string | null]): Promise<{ medianMs: number; runsMs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const [args, journal] = make();
    runs.push(Math.round(await timeRun(args, journal)));
  }
  return { medianMs: median(runs), runsMs: runs };
}

const n = Number(process.argv[2] ?? 5);
const fresh = () => mkdtempSync(join(tmpdir(), "osteodrive-startup-"));
const out = {
  runs: n,
  deviceHelp: await series(n, () => [["device", "--help"], null]),
  firstJournalByteSim: await series(n, () => {
    const d = fresh();
    return [["device", "--hal", "sim", "--scenario", "mandible-continuous-1mm", "--journal", d, "--time-scale", "max"], join(d, "journal.bin")];
  }),
  firstJournalByteEmulatedUno: await series(n, () => {
    const d = fresh();
    return [["device", "--board", "emulated:uno", "--profile", join(UNO, "bench-profile.json"), "--prescription", join(UNO, "bench-prescription.json"), "--journal", d, "--time-scale", "4320"], join(d, "journal.bin")];
  }),
};
process.stdout.write(JSON.stringify(out) + "\n");
