// End to end over a real serial line: a socat pty pair, `osteodrive device --hal
// sim --console` on one end (its own process, serialport 13), the `osteodrive`
// client tools on the other: keys new, rx sign, then console one-shots that load
// the signed prescription, read status, pause, resume (signed) and read the audit
// log, then an interactive session on piped input. Prints the command latency over
// the pty (never asserted).

import test from "ava";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPtyPair } from "../sim/uno/pty.ts";
import { ConsoleClient } from "../firmware/node/console/client.ts";
import { BIN } from "./helpers/bundle.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/kill-test.json", import.meta.url));

function osteodrive(args: string[], stdin = ""): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN].concat(args), { stdio: ["pipe", "pipe", "pipe"] });
    p.stdin.end(stdin);
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => resolve({ code, out, err }));
  });
}

async function consoleCmd(port: string, words: string[]): Promise<any> {
  // the timeout is a hang guard, not a condition
  const r = await osteodrive(["console", "--port", port, "--timeout", "120000"].concat(words));
  if (r.err) throw new Error("console " + words.join(" ") + ": " + r.err);
  return JSON.parse(r.out.trim());
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

test("device --hal sim --console over a socat pty: load a signed prescription, status, pause, resume, audit log", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-console-"));
  const keyFile = join(dir, "dr-lee.json");
  const made = await osteodrive(["keys", "new", "--id", "dr-lee", "--role", "clinician", "--out", keyFile]);
  t.is(made.code, 0, made.err);
  const entry = JSON.parse(made.out);
  const scenario = join(dir, "scenario.json");
  writeFileSync(scenario, JSON.stringify({ base: FIXTURE, name: "console-e2e", profile: { consoleKeys: { clinician: [entry] } } }));
  const rxFile = join(dir, "rx.json");
  writeFileSync(rxFile, JSON.stringify({ deviceSerial: "OD-M1-0001", counter: 2, expires: "2030-01-01T00:00:00Z", latencyDays: 0, rateMmPerDay: 0.8, rhythm: "continuous", targetLengthMm: 4, consolidationDays: 1, softForceN: 100, hardForceN: 180 }));
  const signedFile = join(dir, "rx.signed.json");
  const sg = await osteodrive(["rx", "sign", "--key", keyFile, "--out", signedFile, rxFile]);
  t.is(sg.code, 0, sg.err);

  const pty = await openPtyPair();
  let device: ChildProcess | null = null;
  try {
    device = spawn(process.execPath, [BIN, "device", "--hal", "sim", "--scenario", scenario, "--journal", join(dir, "journal"), "--console", pty.boardPath, "--time-scale", "100", "--days", "30", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let devOut = "";
    // the device serves its console from its readiness line on (an event, not a wait on the clock)
    const ready = new Promise<void>((resolve, reject) => {
      device!.stderr!.on("data", (d) => {
        devOut += d;
        if (/ ready \{/.test(devOut)) resolve();
      });
      device!.on("exit", () => reject(new Error("the device ended before it was ready: " + devOut)));
    });
    device.stdout!.on("data", (d) => (devOut += d));
    const exited = new Promise<number | null>((resolve) => device!.on("exit", (code) => resolve(code)));
    await ready;

    const loaded = await consoleCmd(pty.hostPath, ["rx", signedFile]);
    t.is(loaded.code, "ok", JSON.stringify(loaded));
    t.is(loaded.data.counter, 2);
    const st = await consoleCmd(pty.hostPath, ["status"]);
    t.is(st.data.rx.counter, 2);
    t.is(st.data.rx.source, "console");
    t.is(st.data.rx.key, "dr-lee");
    t.true(["latency", "distraction"].includes(st.data.phase), st.data.phase);
    const paused = await consoleCmd(pty.hostPath, ["pause", "reason=e2e"]);
    t.is(paused.data.phase, "paused");
    const refused = await consoleCmd(pty.hostPath, ["resume"]);
    t.is(refused.code, "role-forbidden");
    const resumed = await consoleCmd(pty.hostPath, ["--key", keyFile, "resume", "reason=checked"]);
    t.is(resumed.code, "ok", JSON.stringify(resumed));
    t.not(resumed.data.phase, "paused");
    const log = await consoleCmd(pty.hostPath, ["log", "since=0", "limit=50"]);
    const details = log.data.events.filter((e: any) => e.code === "console").map((e: any) => e.detail);
    for (const d of ["clinician:dr-lee rx ok", "patient pause ok", "clinician:dr-lee resume ok"]) t.true(details.includes(d), d + " in " + details.join(" | "));
    for (const k of ["patient status ok", "patient resume role-forbidden"]) t.true(log.data.counts[k] >= 1, k + " counted: " + JSON.stringify(log.data.counts));

    const session = await osteodrive(["console", "--port", pty.hostPath], "status\nlog limit=1\nnonsense=1\nquit\n");
    t.is(session.code, 0, session.err);
    const answers = session.out.split("\n").filter((l) => l.includes("{")).map((l) => JSON.parse(l.slice(l.indexOf("{"))));
    t.deepEqual(answers.map((a) => a.code), ["ok", "ok", "unknown-command"], session.out);

    // command latency over the pty: status round trips from one client, one after the other;
    // 8 of them and the 13 lines sent above stay inside the flood limit (a burst of 20 lines,
    // 5 a second back) however fast the commands above ran: each was a process of its own
    const c = await ConsoleClient.open(pty.hostPath);
    const ms: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const r = await c.request({ cmd: "status" }, 120000);
      ms.push(performance.now() - t0);
      t.true(r.ok, JSON.stringify(r));
    }
    await c.close();
    ms.sort((a, b) => a - b);
    const fig = { n: ms.length, medianMs: +percentile(ms, 0.5).toFixed(2), p95Ms: +percentile(ms, 0.95).toFixed(2), maxMs: +ms[ms.length - 1].toFixed(2) };
    t.log("status latency over the pty:", JSON.stringify(fig));
    console.log("console latency over the pty " + JSON.stringify(fig));

    device.kill("SIGTERM");
    t.is(await exited, 130, devOut);
    const summary = JSON.parse(devOut.trim().split("\n").pop()!);
    t.is(summary.journalError, null);
    device = null;
  } finally {
    if (device) device.kill("SIGKILL");
    await pty.close();
  }
});
