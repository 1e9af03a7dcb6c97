// One real Espruino interpreter process (a Linux build of the public Espruino
// repository: ESPRUINO_BIN / ESPRUINO_PICO_BIN) driven over its console. Each
// process runs in its own directory: the flash file (espruino.flash) lives in the
// working directory, so a reset is a new process in the same directory, as a
// board keeps its flash. Requests are console lines that start with DLE (0x10, no
// echo); the harness answers with lines that start with "@". Everything else the
// interpreter prints (the app's log, "Uncaught …", "New interpreter error: …")
// is kept in `output`. No path leaves one running, and it must be SIGKILL: the
// interpreter ignores SIGTERM and does not end on its stdin's end. It is started
// under `setpriv --pdeathsig KILL` (and on one core: onOneCore), so the kernel kills it when the Node process
// that started it dies however it dies (a test runner's timeout, a signal); the
// Node process's exit hook kills every live one (normal end, uncaught error); a
// request that hears nothing from it for QUIET_MS kills it and fails.

import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where the tests find the interpreters: ESPRUINO_BIN (assertions on) and ESPRUINO_PICO_BIN (a Pico's pool). */
export interface Interpreters {
  linux: string;
  pico: string;
  /** The Pico build with 8,191 variables beside the 5,100 one, when it is there. */
  pico8191: string;
}

/** The interpreters named by the environment, or why there are none. */
export function findInterpreters(env: NodeJS.ProcessEnv = process.env): { found: Interpreters | null; why: string } {
  const linux = env.ESPRUINO_BIN || "";
  const pico = env.ESPRUINO_PICO_BIN || "";
  const missing: string[] = [];
  if (!linux) missing.push("ESPRUINO_BIN is not set");
  else if (!existsSync(linux)) missing.push("ESPRUINO_BIN " + linux + " does not exist");
  if (!pico) missing.push("ESPRUINO_PICO_BIN is not set");
  else if (!existsSync(pico)) missing.push("ESPRUINO_PICO_BIN " + pico + " does not exist");
  if (missing.length > 0) {
    return { found: null, why: "the real Espruino interpreter is not here (" + missing.join("; ") + "): the checks on it are skipped; .ci/run sets both from ../shared/espruino when that directory exists" };
  }
  if (!pdeathsig()) return { found: null, why: "setpriv with --pdeathsig (util-linux) is not here: it ties each interpreter to the test that starts it, so the checks on the real interpreter are skipped" };
  const big = pico.replace(/espruino-pico$/, "espruino-pico-8191");
  return { found: { linux, pico, pico8191: big !== pico && existsSync(big) ? big : "" }, why: "" };
}

/** A request fails, and its interpreter is killed, after this long without a line from it (a hung interpreter; far above any step's time). */
export const QUIET_MS = 5 * 60000;

let hasPdeathsig: boolean | null = null;
/** Whether setpriv can give a child a parent-death signal here. */
function pdeathsig(): boolean {
  if (hasPdeathsig === null) {
    const r = spawnSync("setpriv", ["--pdeathsig", "KILL", "true"], { stdio: "ignore" });
    hasPdeathsig = r.status === 0;
  }
  return hasPdeathsig;
}

/** The cores this process may run on (Linux's Cpus_allowed_list, e.g. "0-3,6"); none where it cannot be read or taskset is not here. */
function allowedCores(): number[] {
  let list = "";
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"));
    list = m ? m[1] : "";
  } catch {
    return [];
  }
  const cores: number[] = [];
  for (const part of list.split(",")) {
    const r = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!r) return [];
    for (let c = +r[1]; c <= +(r[2] ?? r[1]); c++) cores.push(c);
  }
  if (cores.length === 0 || spawnSync("taskset", ["-c", String(cores[0]), "true"], { stdio: "ignore" }).status !== 0) return [];
  return cores;
}

let cores: number[] | null = null;
/** Which of them the next interpreter gets: they are taken in turn from one this process's id picks (two test files do not both start on the first). */
let nextCore = process.pid;

/**
 * The command that runs `bin` on one core (taskset, util-linux, where it is here). The Linux build's input thread
 * appends typed characters to the event queue's last event while the interpreter's thread may be reading it, with
 * no lock (`jshInterruptOff` is a no-op on Linux): two threads on two cores at once can corrupt a line, the likely
 * cause of the crashes seen under load. On one core the two only interleave, as an interrupt and the main loop do
 * on a board.
 */
function onOneCore(bin: string): string[] {
  if (cores === null) cores = allowedCores();
  return cores.length > 0 ? ["taskset", "-c", String(cores[nextCore++ % cores.length]), bin] : [bin];
}

/** Spawns `bin` on one core so that it gets SIGKILL when this process dies. */
function spawnTied(bin: string, args: string[], dir: string): ChildProcess {
  return spawn("setpriv", ["--pdeathsig", "KILL"].concat(onOneCore(bin), args), { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

/** Interpreters this process started that are still running (tests: none is left). */
export function livePids(): number[] {
  const out: number[] = [];
  for (const p of live) out.push(p.pid!);
  return out;
}

export class Interpreter {
  proc: ChildProcess;
  /** Lines the interpreter printed that are not the harness's ("@…"). */
  output: string[];
  /** The harness's lines since the last request. */
  replies: string[];
  exited: boolean;
  private seq: number;
  private buf: string;
  private waiting: { prefix: string; resolve: (lines: string[]) => void; reject: (e: Error) => void } | null;
  private quiet: NodeJS.Timeout | null;

  private quietMs: number;

  private stderrTail = "";

  private constructor(bin: string, dir: string, quietMs: number) {
    this.quietMs = quietMs;
    this.output = [];
    this.replies = [];
    this.exited = false;
    this.seq = 0;
    this.buf = "";
    this.waiting = null;
    this.quiet = null;
    this.proc = spawnTied(bin, [], dir);
    live.add(this.proc);
    this.proc.stdout!.on("data", (d: Buffer) => this.data(d.toString("latin1")));
    // kept only to say why it ended (the last 2 KB)
    this.proc.stderr!.on("data", (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString("latin1")).slice(-2048)));
    this.proc.stdin!.on("error", () => {});
    this.proc.on("exit", (code, signal) => {
      this.exited = true;
      live.delete(this.proc);
      this.listen(false);
      const w = this.waiting;
      this.waiting = null;
      const how = (signal ? "killed by " + signal : "exit code " + code) + (this.stderrTail ? "; stderr: " + this.stderrTail.trim() : "");
      if (w) w.reject(Object.assign(new Error("the interpreter exited (" + how + ") while waiting for " + w.prefix + "; its last output:\n" + this.output.slice(-20).join("\n")), { signal }));
    });
  }

  /**
   * Starts an interpreter in `dir` (interactive: it runs the boot files in its flash) and waits for its console.
   * `quietMs` guards the requests after that; the wait for the console has the generous default, so a short
   * guard (a test of the guard itself) cannot fire because a loaded machine was slow to start the process.
   */
  static async start(bin: string, dir: string, quietMs: number = QUIET_MS): Promise<Interpreter> {
    const it = new Interpreter(bin, dir, Math.max(quietMs, QUIET_MS));
    await it.request("print('@ready')", "@ready");
    it.quietMs = quietMs;
    it.output = [];
    return it;
  }

  /** Arms (or disarms) the quiet timer of the request being waited for: a hung interpreter is killed and the request fails. */
  private listen(on: boolean): void {
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = null;
    if (!on) return;
    this.quiet = setTimeout(() => {
      const w = this.waiting;
      this.waiting = null;
      this.proc.kill("SIGKILL");
      if (w) w.reject(new Error("the interpreter printed nothing for " + this.quietMs / 1000 + " s while waiting for " + w.prefix + " (killed); its last output:\n" + this.output.slice(-20).join("\n")));
    }, this.quietMs);
  }

  private data(s: string): void {
    this.buf += s;
    if (this.waiting) this.listen(true);
    let i: number;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      // the console's prompt (">"), a carriage return and its line clearing (ESC [ J) may come before a line a timer prints
      const line = this.buf.slice(0, i).replace(/\r$/, "").replace(/^(?:>|\r|\x1b\[J)+/, "");
      this.buf = this.buf.slice(i + 1);
      if (line.startsWith("@")) {
        this.replies.push(line);
        const w = this.waiting;
        if (w && line.startsWith(w.prefix)) {
          this.waiting = null;
          this.listen(false);
          const got = this.replies;
          this.replies = [];
          w.resolve(got);
        }
      } else if (line !== "") this.output.push(line);
    }
  }

  /** Sends a console line (no echo). */
  send(js: string): void {
    this.proc.stdin!.write("\x10" + js + "\n");
  }

  /**
   * Sends a line and resolves with the harness's lines up to the end of the
   * request; rejects when none of them starts with `prefix` (the line was cut
   * short: an uncaught error or the interpreter's own, whose output is in the
   * message). A second line marks the end, so an aborted line is noticed.
   */
  request(js: string, prefix: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error("the interpreter is not running; its last output:\n" + this.output.slice(-20).join("\n")));
      const mark = "@end" + ++this.seq;
      const outputFrom = this.output.length;
      this.waiting = {
        prefix: mark,
        resolve: (lines) => {
          lines.pop();
          if (lines.some((l) => l.startsWith(prefix))) resolve(lines);
          else reject(new Error("no " + prefix + " from `" + js.slice(0, 80) + "`; the interpreter printed:\n" + this.output.slice(outputFrom).slice(-(+(process.env.OD_TAIL || 20))).join("\n")));
        },
        reject,
      };
      this.listen(true);
      this.send(js);
      this.send("print('" + mark + "')");
    });
  }

  /** Resolves with the next harness line that starts with `prefix` (one the interpreter prints on its own, from a timer). */
  waitFor(prefix: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error("the interpreter is not running; its last output:\n" + this.output.slice(-20).join("\n")));
      this.waiting = { prefix, resolve: (lines) => resolve(lines[lines.length - 1]), reject };
      this.listen(true);
    });
  }

  /** The interpreter's process id (setpriv and taskset exec it, so its own). */
  get pid(): number {
    return this.proc.pid!;
  }

  /** A power cut: the process dies at once, its flash file stays. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve();
      this.proc.once("exit", () => resolve());
      this.proc.kill("SIGKILL");
    });
  }
}

/** Signals of an interpreter that crashed on its own (not a kill from the harness). */
const CRASHES = ["SIGSEGV", "SIGBUS", "SIGABRT"];

/**
 * Runs a step in which no app code runs (a fresh interpreter's pool, the writing of
 * a flash image, a measurement of the interpreter's own constructs), or a synchronous
 * computation on fixed inputs (whose own fault would repeat on every try), again when
 * its interpreter crashed, at most `tries` times in all, each new try said through `say`
 * (stderr by default). The Linux builds have been seen to crash now and then under
 * heavy load (while Storage writes, and while a line is typed: their input thread
 * fills the event queue beside the interpreter's own thread), and run cleanly when
 * repeated. A crash while the app runs is never retried: it fails its test.
 */
export async function retryCrashed<T>(what: string, step: () => Promise<T>, tries = 3, say: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await step();
    } catch (e: any) {
      if (n >= tries || !e || CRASHES.indexOf(e.signal) < 0) throw e;
      say("osteodrive harness: the interpreter crashed (" + e.signal + ") while " + what + "; again (" + (n + 1) + " of " + tries + ")");
    }
  }
}

/** Lines of the form "@tag {json}" with this tag, parsed. */
export function replies(lines: string[], tag: string): any[] {
  const out: any[] = [];
  for (const l of lines) if (l.startsWith(tag + " ")) out.push(JSON.parse(l.slice(tag.length + 1)));
  return out;
}

/** Runs a script file on an interpreter in a fresh directory; the output with the banner cut off, and the exit status. */
export function runScript(bin: string, dir: string, code: string): { output: string; status: number | null } {
  const file = join(dir, "case.js");
  writeFileSync(file, code);
  // stdin is closed: the interpreter ends when the script has run (quit() or no timers left)
  // SIGKILL on the timeout: the interpreter ignores SIGTERM
  const r = spawnSync("setpriv", ["--pdeathsig", "KILL", bin, file], { cwd: dir, input: "", encoding: "latin1", timeout: 60000, killSignal: "SIGKILL" });
  const out = (r.stdout || "") + (r.stderr || "");
  const cut = out.indexOf("espruino.com/Donate");
  return { output: (cut >= 0 ? out.slice(cut + "espruino.com/Donate".length) : out).replace(/\r/g, ""), status: r.status };
}
