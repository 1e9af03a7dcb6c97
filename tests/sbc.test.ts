// Running on a single-board computer: the systemd unit (checked by
// systemd-analyze verify where it exists, and always by a parser: restart policy,
// journald logging, watchdog, and an ExecStart the device command accepts), the
// udev rules for stable port names, and the watchdog heartbeat that is sent only
// while the control loop ticks.

import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHeartbeat, systemdWatchdog } from "../firmware/node/device/watchdog.ts";
import { VirtualClock } from "../sim/virtual-clock.ts";
import { BIN } from "./helpers/bundle.ts";
import { vaultBeside } from "../hal/node/storage.ts";

const UNIT = fileURLToPath(new URL("../firmware/node/systemd/osteodrive.service", import.meta.url));
const RULES = fileURLToPath(new URL("../firmware/node/systemd/99-osteodrive.rules", import.meta.url));

/** A systemd unit file as { section: { key: [values] } } (comments and blank lines dropped; no continuation lines allowed). */
function parseUnit(text: string): { [section: string]: { [key: string]: string[] } } {
  const out: { [section: string]: { [key: string]: string[] } } = {};
  let section = "";
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    if (line.endsWith("\\")) throw new Error("line " + (i + 1) + ": continuation lines are not used here");
    const sec = /^\[([A-Za-z]+)\]$/.exec(line);
    if (sec) {
      section = sec[1];
      out[section] = out[section] || {};
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error("line " + (i + 1) + " is neither a [Section] nor Key=value: " + JSON.stringify(raw));
    (out[section][kv[1]] = out[section][kv[1]] || []).push(kv[2]);
  });
  return out;
}

test("the systemd unit: restart always, journald, a watchdog, an ExecStart the device accepts", (t) => {
  const u = parseUnit(readFileSync(UNIT, "utf8"));
  t.deepEqual(Object.keys(u), ["Unit", "Service", "Install"]);
  const s = u.Service;
  t.deepEqual(s.Restart, ["always"]);
  t.true(Number(s.RestartSec[0]) > 0);
  t.deepEqual(s.StandardOutput, ["journal"]);
  t.deepEqual(s.StandardError, ["journal"]);
  t.true(Number(s.WatchdogSec[0]) > 0, "a watchdog");
  t.deepEqual(s.NotifyAccess, ["all"], "the heartbeat comes from systemd-notify, a child");
  t.deepEqual(u.Unit.StartLimitIntervalSec, ["0"], "restarts are never rate-limited into giving up");
  t.deepEqual(u.Install.WantedBy, ["multi-user.target"]);
  const exec = s.ExecStart[0].split(/\s+/);
  const at = exec.indexOf("device");
  t.true(at > 0 && exec.includes("--board") && exec.includes("--journal") && exec.includes("--console"));
  t.false(exec.includes("--until-complete"), "a device keeps running (and serving its console) after completion");
  // ProtectSystem=strict leaves only the StateDirectory writable: the journal and its vault (apart from the journal's folder) must both be in it
  t.deepEqual(s.ProtectSystem, ["strict"]);
  const state = "/var/lib/" + s.StateDirectory[0] + "/";
  const journal = exec[exec.indexOf("--journal") + 1];
  const vault = exec.includes("--vault") ? exec[exec.indexOf("--vault") + 1] : vaultBeside(journal);
  t.true(journal.startsWith(state), "journal " + journal + " in " + state);
  t.true(vault.startsWith(state) && !vault.startsWith(journal.replace(/\/+$/, "") + "/"), "vault " + vault + " in " + state + ", apart from the journal's folder");
  // the flags parse: with the unit's own arguments the device fails on the missing profile, not on a flag
  const r = spawnSync(process.execPath, [BIN, ...exec.slice(at)], { encoding: "utf8" });
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /cannot read profile \/etc\/osteodrive\/profile\.json/);
  t.notRegex(r.stderr, /unknown flag/);
});

test("systemd-analyze verify finds nothing to say about the unit (where systemd-analyze exists)", (t) => {
  const probe = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    t.log("systemd-analyze not installed here: the parser check above stands in");
    t.pass();
    return;
  }
  const r = spawnSync("systemd-analyze", ["verify", UNIT], { encoding: "utf8" });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr.split("\n").filter((l) => l.includes("osteodrive.service")).join("\n"), "", "no warning about the unit");
  // and it does speak up about a broken copy (the check can fail)
  const dir = mkdtempSync(join(tmpdir(), "unit-"));
  const broken = join(dir, "osteodrive.service");
  writeFileSync(broken, readFileSync(UNIT, "utf8").replace("Restart=always", "Restart=alwayz"));
  t.regex(spawnSync("systemd-analyze", ["verify", broken], { encoding: "utf8" }).stderr, /restart specifier/);
});

test("the udev rules give both ports a stable name", (t) => {
  const rules = readFileSync(RULES, "utf8").split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  const links = rules.map((l) => /SYMLINK\+="([^"]+)"/.exec(l)?.[1]);
  t.deepEqual(links, ["osteodrive-uno", "osteodrive-console"]);
  for (const l of rules) {
    t.regex(l, /SUBSYSTEM=="tty"/);
    t.regex(l, /ATTRS\{idVendor\}=="[0-9a-f]{4}", ATTRS\{idProduct\}=="[0-9a-f]{4}"/);
  }
  const exec = parseUnit(readFileSync(UNIT, "utf8")).Service.ExecStart[0];
  for (const l of links) t.true(exec.includes("/dev/" + l), "the unit uses /dev/" + l);
});

test("the watchdog heartbeat beats while the control loop ticks and stops when it stops", (t) => {
  const clock = new VirtualClock(0);
  let ticks = 0;
  const tickMs = 1000;
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    ticks++;
    clock.at(clock.monoMs() + tickMs, tick);
  };
  tick();
  const beats: number[] = [];
  const stop = startHeartbeat({ clock, ticks: () => ticks, tickMs, periodMs: 500, notify: (m) => m === "WATCHDOG=1" && beats.push(clock.monoMs()) });
  clock.runUntil(10000);
  t.true(beats.length >= 19, beats.length + " beats in 10 s at 0.5 s");
  ticking = false;
  const before = beats.length;
  clock.runUntil(20000);
  t.true(beats.length - before <= 5, "no heartbeat more than two ticks after the loop stopped");
  t.true(beats[beats.length - 1] <= 10000 + 2 * tickMs);
  stop();
  t.is(systemdWatchdog({}, 1), null, "no watchdog outside systemd");
  t.is(systemdWatchdog({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 8), null, "a watchdog meant for another process");
  t.is(systemdWatchdog({ NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "30000000" }, 8)!.periodMs, 10000);
});
