// `osteodrive device --board` on an emulated Uno that lives in its own process
// (sim/uno/serve.ts: the genuine StandardFirmata hex behind a socat pty, in lockstep
// over a socket, holding still while no host is attached), so killing the host is a
// real crash of the firmware while the rig — gap, tissue, time — goes on. Seeded
// disruptions: SIGKILLs at moments in board time (the host frozen at a break, often
// mid-move) and at moments after its readiness line while it runs (possibly inside a
// journal write), board power cuts (the host sees the board fall silent), and a
// cable pulled and put back. After each the device is restarted as systemd would.
// It must complete the prescription within tolerance, lose no committed record and
// never overshoot the prescription by more than one increment (on the rig's true
// gap). Figures are printed; nothing depends on how fast the machine is.

import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJournalFile } from "./journal-fixtures.ts";
import { parsePrescription } from "../firmware/core/prescription.ts";
import { parseProfile } from "../firmware/core/profile.ts";
import { makeSchedule, targetUm } from "../firmware/core/schedule.ts";
import { Rng } from "../sim/rng.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE } from "../sim/uno/bench-rig.ts";
import { osteodrive, profileWith, serveBoard } from "./board-harness.ts";
import { openPtyPair } from "../sim/uno/pty.ts";
import { EXIT } from "../firmware/node/exit-codes.ts";
import type { DeviceProc } from "./board-harness.ts";
import { recordStream } from "./browser.ts";
import type { DashStatus } from "../firmware/node/dashboard/types.ts";

const K = 4320;

type Disruption = "kill-at-break" | "kill-running" | "power-cut" | "unplug";

test("device --board on a served emulated Uno: 20+ SIGKILLs, 5 board power cuts and an unplug; completes in tolerance, nothing committed lost, no overshoot", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-board-"));
  const journal = join(dir, "journal");
  const board = await serveBoard(join(dir, "uno"), ["--time-scale", String(K)]);
  const args = (withRx: boolean) => ["device", "--board", board.hostPath, "--board-clock", board.clockPath, "--profile", BENCH_PROFILE, ...(withRx ? ["--prescription", BENCH_PRESCRIPTION] : []), "--journal", journal, "--time-scale", String(K), "--until-complete", "--json"];
  const read = () => readJournalFile(join(journal, "journal.bin"), journal + ".vault");
  const committed = () => {
    const j = read();
    return j ? j.r.nextSeq - 1 : 0;
  };
  // OSTEODRIVE_BOARD_SEED draws another spread of disruptions (the figures are printed for each)
  const rng = new Rng(Number(process.env.OSTEODRIVE_BOARD_SEED) || 2026);
  const plan: Disruption[] = [];
  for (let i = 0; i < 14; i++) plan.push("kill-at-break");
  for (let i = 0; i < 9; i++) plan.push("kill-running");
  for (let i = 0; i < 5; i++) plan.push("power-cut");
  plan.push("unplug");
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  const fig = { kills: 0, killsAtBreak: 0, killsRunning: 0, finishedBeforeKill: 0, powerCuts: 0, unplugs: 0, restarts: 0, lostRecords: 0, reconciledMoves: 0, startsOnDeadBoard: 0 };
  let lastCommitted = 0;
  let first = true;
  const start = async (): Promise<DeviceProc> => {
    const d = osteodrive(args(first));
    first = false;
    fig.restarts++;
    const ready = await d.ready;
    if (ready.recoveredThroughSeq < lastCommitted) fig.lostRecords += lastCommitted - ready.recoveredThroughSeq;
    if (ready.openIntentReconciled) fig.reconciledMoves++;
    return d;
  };
  const atBreak = async () => {
    const p = board.event("break");
    board.send("break +" + Math.round(100 + rng.next() * 500));
    await p;
  };
  const outage = async () => {
    const p = board.event("advanced");
    board.send("advance " + Math.round(rng.next() * 300));
    await p;
  };
  try {
    for (const what of plan) {
      const d = await start();
      if (what === "kill-at-break" || what === "kill-running") {
        if (what === "kill-at-break") await atBreak();
        else await new Promise((r) => setTimeout(r, Math.round(rng.next() * 600)));
        d.child.kill("SIGKILL");
        const e = await d.exit;
        if (e.signal === "SIGKILL") {
          fig.kills++;
          if (what === "kill-at-break") fig.killsAtBreak++;
          else fig.killsRunning++;
        } else {
          fig.finishedBeforeKill++;
          t.is(e.code, 0, e.stderr);
        }
      } else if (what === "power-cut") {
        await atBreak();
        board.send("power off");
        board.send("continue");
        const e = await d.exit;
        t.is(e.code, EXIT.boardLost, "a silent board is a lost board: " + e.stderr);
        t.regex(e.stderr, /board-lost: no report from the board/);
        fig.powerCuts++;
        if (fig.powerCuts === 1) {
          // restarted while the board is still dark: a named error, not a hang
          const dead = osteodrive(args(false));
          const de = await dead.exit;
          t.is(de.code, 1, de.stderr);
          t.regex(de.stderr, /board-not-responding/);
          fig.startsOnDeadBoard++;
        }
        lastCommitted = committed();
        await outage();
        board.send("power on");
        continue;
      } else {
        await atBreak();
        const gone = board.event("plugged");
        board.send("unplug");
        await gone;
        const e = await d.exit;
        t.is(e.code, EXIT.boardLost, e.stderr);
        fig.unplugs++;
        const back = board.event("plugged");
        board.send("replug");
        await back;
      }
      lastCommitted = committed();
      await outage();
    }
    const last = await start();
    const e = await last.exit;
    t.is(e.code, 0, e.stderr);
    const res = JSON.parse(e.stdout.trim().split("\n").pop()!);
    t.is(res.phase, "complete", e.stdout);
    t.is(res.fault, "");
    t.true(res.withinTolerance, JSON.stringify(res));
    t.is(res.journalError, null);
    t.true(res.recoveredAtBoot);

    // the rig's true gap against the prescription's target, from the journal's time base
    const truth = await board.truth();
    const j = read()!;
    const snap = j.recs.filter((r) => r.type === "snapshot").pop()!.data;
    const profile = parseProfile(JSON.parse(readFileSync(BENCH_PROFILE, "utf8")));
    const rx = parsePrescription(JSON.parse(readFileSync(BENCH_PRESCRIPTION, "utf8")), profile, 0);
    const sched = makeSchedule(rx, snap.startUm, snap.wallAtStart);
    let maxOverUm = -Infinity;
    for (const [wall, gap] of truth.samples as Array<[number, number]>) {
      const tMs = wall - snap.wallAtStart;
      if (tMs >= 0) maxOverUm = Math.max(maxOverUm, gap - targetUm(sched, tMs));
    }
    const finalErrUm = truth.gapUm - (snap.startUm + rx.targetLengthMm * 1000);
    const increment = profile.positionToleranceUm; // continuous rhythm: the tolerance is the increment bound (as in power-cut.test.ts)
    const figures = { ...fig, maxOvershootUm: Math.round(maxOverUm * 1000) / 1000, finalTrueErrorUm: Math.round(finalErrUm * 1000) / 1000, boardResets: truth.resets, journalRecords: j.r.records };
    t.log(JSON.stringify(figures));
    console.log("device on a served emulated Uno " + JSON.stringify(figures));
    t.true(fig.kills >= 20, fig.kills + " kills");
    t.true(fig.powerCuts >= 5);
    t.is(fig.unplugs, 1);
    t.is(fig.lostRecords, 0);
    t.true(maxOverUm <= increment, "overshoot " + maxOverUm + " µm > " + increment);
    t.true(Math.abs(finalErrUm) <= profile.positionToleranceUm, "final true error " + finalErrUm);
    // reconciledMoves is a printed figure, not a bound: the journal writes an intent only for a
    // move longer than the position sensor's noise, and this profile's continuous increments are
    // shorter, so a kill inside one leaves no intent; the overshoot bound above is what holds them.
  } finally {
    await board.close();
  }
});

test("device --board --console: over a pty the console answers status, pause and a signed prescription while the device runs; a restart restores it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-board-console-"));
  const keyFile = join(dir, "dr-lee.json");
  const made = await osteodrive(["keys", "new", "--id", "dr-lee", "--role", "clinician", "--out", keyFile]).exit;
  t.is(made.code, 0, made.stderr);
  const profile = profileWith(dir, BENCH_PROFILE, (p) => (p.consoleKeys = { clinician: [JSON.parse(made.stdout)] }));
  const rxFile = join(dir, "rx.json");
  writeFileSync(rxFile, JSON.stringify({ deviceSerial: "OD-B1-0001", counter: 2, expires: "2030-01-01T00:00:00Z", latencyDays: 0, rateMmPerDay: 1.2, rhythm: "continuous", targetLengthMm: 3, consolidationDays: 0.05, softForceN: 100, hardForceN: 180 }));
  const signedFile = join(dir, "rx.signed.json");
  const sg = await osteodrive(["rx", "sign", "--key", keyFile, "--out", signedFile, rxFile]).exit;
  t.is(sg.code, 0, sg.stderr);
  const board = await serveBoard(join(dir, "uno"), ["--time-scale", String(K), "--profile", profile]);
  const line = await openPtyPair();
  const journal = join(dir, "journal");
  const deviceArgs = (withRx: boolean) => ["device", "--board", board.hostPath, "--board-clock", board.clockPath, "--profile", profile, ...(withRx ? ["--prescription", BENCH_PRESCRIPTION] : []), "--journal", journal, "--time-scale", String(K), "--console", line.boardPath, "--json"];
  const cmd = async (words: string[], exitCode = 0) => {
    const r = await osteodrive(["console", "--port", line.hostPath, "--timeout", "20000", ...words]).exit;
    t.is(r.code, exitCode, words.join(" ") + ": " + r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
  };
  try {
    const d = osteodrive(deviceArgs(true));
    await d.ready;
    const paused = await cmd(["pause", "reason=bench-check"]);
    t.is(paused.code, "ok", JSON.stringify(paused));
    t.is(paused.data.phase, "paused");
    const st = await cmd(["status"]);
    t.is(st.code, "ok");
    t.is(st.data.phase, "paused");
    t.is(st.data.rx.counter, 1);
    const loaded = await cmd(["rx", signedFile]);
    t.is(loaded.code, "ok", JSON.stringify(loaded));
    t.is(loaded.data.counter, 2);
    const refused = await cmd(["resume"], 1);
    t.is(refused.code, "role-forbidden");
    const resumed = await cmd(["--key", keyFile, "resume", "reason=checked"]);
    t.is(resumed.code, "ok", JSON.stringify(resumed));
    t.not(resumed.data.phase, "paused");
    d.child.kill("SIGTERM");
    const e = await d.exit;
    t.is(e.code, 130, e.stderr);
    // a restart without --prescription: the journal folder's binding and the console's prescription come back
    const again = osteodrive(deviceArgs(false));
    await again.ready;
    const st2 = await cmd(["status"]);
    t.is(st2.data.rx.counter, 2);
    t.is(st2.data.rx.source, "console");
    t.is(st2.data.rx.key, "dr-lee");
    again.child.kill("SIGINT");
    t.is((await again.exit).code, 130);
  } finally {
    await line.close();
    await board.close();
  }
});

test("trial on a served emulated Uno, killed mid-run: a plain rerun is refused (the folder is not empty), --resume completes from the journal", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-trial-resume-"));
  const out = join(dir, "trial");
  const board = await serveBoard(join(dir, "uno"), ["--time-scale", String(K)]);
  const trialArgs = (extra: string[]) => ["trial", "--port", board.hostPath, "--board-clock", board.clockPath, "--profile", BENCH_PROFILE, "--time-scale", String(K), "--out", out, "--json", ...extra];
  try {
    const first = osteodrive(trialArgs(["--prescription", BENCH_PRESCRIPTION]));
    await first.ready;
    const stop = board.event("break");
    board.send("break +4000");
    await stop;
    first.child.kill("SIGKILL");
    t.is((await first.exit).signal, "SIGKILL");
    const ndjsonBefore = readFileSync(join(out, "trial.ndjson"), "utf8").trim().split("\n").length;
    const refused = await osteodrive(trialArgs(["--prescription", BENCH_PRESCRIPTION])).exit;
    t.is(refused.code, 2, refused.stderr);
    t.regex(refused.stderr, /not empty/);
    const resumed = await osteodrive(trialArgs(["--resume"])).exit;
    t.is(resumed.code, 0, resumed.stderr + resumed.stdout);
    const s = JSON.parse(resumed.stdout.trim().split("\n").pop()!);
    t.is(s.finalPhase, "complete");
    t.true(s.withinTolerance, JSON.stringify(s));
    t.deepEqual(s.faults, []);
    const lines = readFileSync(join(out, "trial.ndjson"), "utf8").trim().split("\n");
    t.true(lines.length > ndjsonBefore, "the resumed run appended to the log");
    const csv = readFileSync(join(out, "trial.csv"), "utf8").trim().split("\n");
    t.is(csv.filter((l) => l.startsWith("type,")).length, 1, "one CSV header");
    const j = readJournalFile(join(out, "journal.bin"), join(out, "vault.bin"));
    t.truthy(j, "the trial's vault beside its journal");
    t.is(j!.r.error, null);
  } finally {
    await board.close();
  }
});

test("device --board --advisor loads the advisor only when asked, and keeps it off on a device it was not trained for", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-board-advisor-"));
  const r = await osteodrive(["device", "--board", "emulated:uno", "--profile", BENCH_PROFILE, "--prescription", BENCH_PRESCRIPTION, "--journal", join(dir, "j"), "--time-scale", String(K), "--duration", "0.01", "--advisor", "--json"]).exit;
  t.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split("\n").pop()!);
  t.is(s.advisor, "off");
  t.is(s.stopReason, "duration");
  t.regex(r.stderr, /advisor: backend (wasm|cpu|tensorflow)/);
  const plain = await osteodrive(["device", "--board", "emulated:uno", "--profile", BENCH_PROFILE, "--prescription", BENCH_PRESCRIPTION, "--journal", join(dir, "k"), "--time-scale", String(K), "--duration", "0.01", "--json"]).exit;
  t.is(JSON.parse(plain.stdout.trim().split("\n").pop()!).advisor, "not requested");
  t.notRegex(plain.stderr, /advisor/);
});

test("device --board --dashboard: the live stream follows the board device, and its last update shows the link lost (and why) before the device exits 6", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-board-dash-"));
  const board = await serveBoard(join(dir, "uno"), ["--time-scale", String(K)]);
  try {
    const d = osteodrive(["device", "--board", board.hostPath, "--board-clock", board.clockPath, "--profile", BENCH_PROFILE, "--prescription", BENCH_PRESCRIPTION, "--journal", join(dir, "journal"), "--time-scale", String(K), "--dashboard", "127.0.0.1:0", "--json"]);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(await d.stderr.next((l) => /dashboard: http/.test(l)))![1];
    await d.ready;
    const seen: DashStatus[] = [];
    let moving: () => void = () => {};
    const moved = new Promise<void>((resolve) => (moving = resolve));
    const rec = await recordStream(url, async (s) => {
      seen.push(s);
      if (s.moves.count >= 3) moving();
    });
    await moved;
    const gone = board.event("plugged");
    board.send("unplug");
    await gone;
    const e = await d.exit;
    t.is(e.code, EXIT.boardLost, e.stderr);
    await rec.closed;
    t.deepEqual(rec.errors, []);
    const last = seen[seen.length - 1];
    t.true(seen.length >= 3, seen.length + " updates");
    t.true(seen.slice(0, -1).every((s) => s.link !== null && s.link.ok), "the link was up while the board answered");
    t.is(last.link!.ok, false, JSON.stringify(last.link));
    t.regex(last.link!.reason, /\S/);
    t.is(last.journal!.ok, true, "the journal was fenced, not failed: " + JSON.stringify(last.journal));
    t.true(last.moves.count >= 3 && last.trueUm === null, "moves on the board; no ground truth claimed for a served board");
    t.log(JSON.stringify({ updates: seen.length, moves: last.moves.count, link: last.link }));
  } finally {
    await board.close();
  }
});
