// No real interpreter outlives what started it. espruino-linux ignores SIGTERM and
// does not end on its stdin's end, so the harness (sim/espruino-real/interpreter.ts)
// must SIGKILL it on every path: a parent that exits, one that throws, one
// killed by SIGTERM or SIGKILL (a test runner's timeout), and a request that hears
// nothing (a hung interpreter). Each case starts a parent process, waits for it
// to end, and then reads the interpreter's /proc entry: gone, a zombie, or with
// SIGKILL pending all mean it is dead. Skipped with the reason when the
// interpreter is not here.

import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { caseDir } from "../sim/espruino-real/flash.ts";
import { Interpreter, findInterpreters, livePids, retryCrashed } from "../sim/espruino-real/interpreter.ts";
import { script } from "./helpers/bundle.ts";

const found = findInterpreters();
const real = found.found ? test : test.skip;
const skipped = found.found ? "" : " (skipped: " + found.why + ")";
const PARENT = await script("interpreter-parent");

/** Whether `pid` is dead or dying: no process, a zombie, or SIGKILL (signal 9) pending. */
function deadOrDying(pid: number): boolean {
  const f = "/proc/" + pid + "/status";
  if (!existsSync(f)) return true;
  let status: string;
  try {
    status = readFileSync(f, "utf8");
  } catch {
    return true;
  }
  if (/^State:\s+[ZX]/m.test(status)) return true;
  const kill = BigInt(1) << BigInt(8);
  for (const key of ["SigPnd", "ShdPnd"]) {
    const m = new RegExp("^" + key + ":\\s+([0-9a-f]+)", "m").exec(status);
    if (m && (BigInt("0x" + m[1]) & kill) !== BigInt(0)) return true;
  }
  return false;
}

/** Runs the parent fixture; `signal` is sent once it has printed the interpreter's pid. Resolves with that pid once the parent has ended. */
function parent(how: string, signal: NodeJS.Signals | null): Promise<{ pid: number; code: number | null; sig: string | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [PARENT, how], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let pid = 0;
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /pid (\d+)\n/.exec(out);
      if (m && !pid) {
        pid = +m[1];
        if (signal) p.kill(signal);
      }
    });
    p.on("exit", (code, sig) => {
      if (!pid) return reject(new Error("the parent ended before its interpreter started: " + err));
      resolve({ pid, code, sig });
    });
  });
}

for (const c of [
  { how: "exit", signal: null, title: "a parent that exits with it running" },
  { how: "throw", signal: null, title: "a parent that throws" },
  { how: "hang", signal: "SIGTERM" as NodeJS.Signals, title: "a parent killed by SIGTERM" },
  { how: "hang", signal: "SIGKILL" as NodeJS.Signals, title: "a parent killed by SIGKILL (a test runner's timeout)" },
]) {
  real("no interpreter is left by " + c.title + skipped, async (t) => {
    const r = await parent(c.how, c.signal);
    t.true(r.pid > 0);
    if (c.signal) t.is(r.sig, c.signal);
    else if (c.how === "throw") t.not(r.code, 0);
    t.true(deadOrDying(r.pid), "interpreter " + r.pid + " is still running after its parent ended (" + JSON.stringify(r) + ")");
  });
}

real("a request the interpreter never answers kills it and fails with the reason" + skipped, async (t) => {
  const it = await Interpreter.start(found.found!.linux, caseDir("quiet"), 500);
  const e = await t.throwsAsync(it.waitFor("@never"));
  t.regex(e!.message, /printed nothing for 0\.5 s while waiting for @never \(killed\)/);
  await it.kill();
  t.true(it.exited);
  t.deepEqual(livePids(), []);
});

real("an interpreter that crashes mid-request fails the request naming the signal" + skipped, async (t) => {
  const it = await Interpreter.start(found.found!.pico, caseDir("crash"));
  const pending = it.request("while(true){}", "@never");
  process.kill(it.pid, "SIGSEGV");
  const e: any = await t.throwsAsync(pending);
  t.regex(e.message, /the interpreter exited \(killed by SIGSEGV/);
  t.is(e.signal, "SIGSEGV");
  t.true(it.exited);
});

test("a preparation step is run again only when its interpreter crashed, and at most three times", async (t) => {
  const crash = () => Object.assign(new Error("the interpreter exited (killed by SIGSEGV)"), { signal: "SIGSEGV" });
  let said: string[] = [];
  const say = (l: string) => said.push(l);
  let n = 0;
  t.is(await retryCrashed("a step", async () => (++n < 3 ? Promise.reject(crash()) : "done"), 3, say), "done");
  t.is(n, 3);
  t.deepEqual(said, ["osteodrive harness: the interpreter crashed (SIGSEGV) while a step; again (2 of 3)", "osteodrive harness: the interpreter crashed (SIGSEGV) while a step; again (3 of 3)"]);
  n = 0;
  said = [];
  await t.throwsAsync(retryCrashed("a step", async () => { n++; throw crash(); }, 3, say), { message: /SIGSEGV/ });
  t.is(n, 3, "three tries, then the crash is the failure");
  n = 0;
  await t.throwsAsync(retryCrashed("a step", async () => { n++; throw new Error("no @w from the write"); }, 3, say), { message: /no @w/ });
  t.is(n, 1, "any other failure is not retried");
  n = 0;
  await t.throwsAsync(retryCrashed("a step", async () => { n++; throw Object.assign(new Error("killed"), { signal: "SIGKILL" }); }, 3, say));
  t.is(n, 1, "a kill (the harness's own, a power cut) is not a crash");
});
