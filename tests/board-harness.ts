// Test helpers for the Node device on an emulated Uno in its own process: the board
// (sim/uno/serve.ts in lockstep, holding still while no host is attached) driven by
// its stdin commands and read by its JSON events; the device (osteodrive device
// --board …) as a child whose stderr lines (its readiness line among them) are
// awaited as events. Nothing waits on the wall clock as a condition; the only
// timers are generous hang guards that fail a test instead of letting it hang.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lineReader } from "../sim/uno/lines.ts";
import { BIN, script } from "./helpers/bundle.ts";

const SERVE = await script("board-server");
/** A hang guard, never a condition: long enough for a loaded machine. */
export const HANG_GUARD_MS = Number(process.env.OSTEODRIVE_HANG_GUARD_MS) || 240000;

/** Lines from a stream, awaitable one predicate at a time. */
export class Lines {
  all: string[] = [];
  private waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void; from: number }> = [];
  private ended = false;

  feed(line: string): void {
    this.all.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters) w.reject(new Error("stream ended while waiting; lines:\n" + this.all.slice(-20).join("\n")));
    this.waiters = [];
  }

  /** The first line from index `from` on that matches. */
  next(pred: (l: string) => boolean, from = this.all.length): Promise<string> {
    for (let i = from; i < this.all.length; i++) if (pred(this.all[i])) return Promise.resolve(this.all[i]);
    if (this.ended) return Promise.reject(new Error("stream ended; lines:\n" + this.all.slice(-20).join("\n")));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("hang guard: no matching line; last lines:\n" + this.all.slice(-20).join("\n"))), HANG_GUARD_MS);
      this.waiters.push({ pred, from, resolve: (l) => (clearTimeout(timer), resolve(l)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  }
}

export interface ServedBoard {
  proc: ChildProcess;
  events: Lines;
  hostPath: string;
  clockPath: string;
  send(cmd: string): void;
  /** The next event named `name` after this call. */
  event(name: string): Promise<any>;
  truth(): Promise<any>;
  close(): Promise<void>;
}

export async function serveBoard(dir: string, args: string[]): Promise<ServedBoard> {
  const proc = spawn(process.execPath, [SERVE, "--dir", dir, "--away", "hold", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const events = new Lines();
  proc.stdout!.on("data", lineReader((l) => events.feed(l)));
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  proc.on("exit", () => events.end());
  const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
  const ready = JSON.parse(await events.next((l) => l.includes('"ready"')).catch((e) => { throw new Error(e.message + "\n" + err); }));
  const event = (name: string) => events.next((l) => JSON.parse(l).event === name).then((l) => JSON.parse(l));
  return {
    proc,
    events,
    hostPath: ready.hostPath,
    clockPath: ready.clockPath,
    send: (cmd) => proc.stdin!.write(cmd + "\n"),
    event,
    truth() {
      const p = event("truth");
      proc.stdin!.write("truth\n");
      return p;
    },
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) proc.stdin!.end("quit\n");
      await exited;
    },
  };
}

export interface DeviceProc {
  child: ChildProcess;
  stderr: Lines;
  stdout: Lines;
  /** Resolves with the readiness line's JSON. */
  ready: Promise<any>;
  exit: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

/** `osteodrive ARGS…` as a child process; a hang guard kills it (and fails the test) if it never ends. */
export function osteodrive(args: string[], env: NodeJS.ProcessEnv = process.env): DeviceProc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  const stderr = new Lines();
  const stdout = new Lines();
  child.stderr!.on("data", lineReader((l) => stderr.feed(l)));
  child.stdout!.on("data", lineReader((l) => stdout.feed(l)));
  const guard = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
  const exit = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      stderr.end();
      stdout.end();
      resolve({ code, signal, stdout: stdout.all.join("\n"), stderr: stderr.all.join("\n") });
    }),
  );
  const ready = stderr.next((l) => / ready \{/.test(l)).then((l) => JSON.parse(l.slice(l.indexOf("{"))));
  ready.catch(() => {});
  return { child, stderr, stdout, ready, exit };
}

/** The profile of the bench rig with the given changes, written into dir. */
export function profileWith(dir: string, base: string, change: (p: any) => void): string {
  const p = JSON.parse(readFileSync(base, "utf8"));
  change(p);
  const file = join(dir, "profile-" + Math.random().toString(36).slice(2) + ".json");
  writeFileSync(file, JSON.stringify(p));
  return file;
}
