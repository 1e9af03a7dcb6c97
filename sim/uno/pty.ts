// A serial line without hardware: a socat pty pair (two linked device files), so
// the host opens a real tty with serialport 13 exactly as it would open a board.
// Killing socat is pulling the cable.
//
// socat never outlives the process that made the pair, however that process ends
// (an error path, process.exit, even SIGKILL): it runs under a small sh guard that
// holds a pipe from this process and kills socat when the pipe closes. close()
// closes the pipe and resolves once socat has exited.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface PtyPair {
  /** The end the host opens (the "board's" port). */
  hostPath: string;
  /** The end the emulated board is attached to. */
  boardPath: string;
  /** Pulls the cable (kills socat); resolves when it has exited. */
  close(): Promise<void>;
  /** The guard's process id (tests check nothing is left running). */
  pid: number;
}

/** sh: start socat, kill it when our stdin (a pipe from the parent) reaches EOF, exit with socat. */
const GUARD = 'command -v socat >/dev/null 2>&1 || exit 127\nexec 3<&0\nsocat "$1" "$2" <&- & s=$!\n{ cat <&3 >/dev/null; kill "$s" 2>/dev/null; } &\nwait "$s"\nc=$?\nkill "$!" 2>/dev/null\nexit "$c"';

const MISSING = "socat-missing: cannot start socat; install it (apt-get install socat)";

/** A pty pair whose two ends are `hostPath` and `boardPath` (default: fresh paths in a new temporary folder). */
export async function openPtyPair(timeoutMs = 5000, at: { hostPath: string; boardPath: string } | null = null): Promise<PtyPair> {
  const dir = at ? "" : mkdtempSync(join(tmpdir(), "osteodrive-pty-"));
  const hostPath = at ? at.hostPath : join(dir, "host");
  const boardPath = at ? at.boardPath : join(dir, "board");
  if (at) for (const p of [hostPath, boardPath]) rmSync(p, { force: true });
  const proc: ChildProcess = spawn("sh", ["-c", GUARD, "sh", "pty,raw,echo=0,link=" + hostPath, "pty,raw,echo=0,link=" + boardPath], { stdio: ["pipe", "ignore", "pipe"] });
  let failure = "";
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  proc.on("error", (e) => (failure = MISSING + " (" + e.message + ")"));
  proc.on("exit", (code) => {
    if (!failure) failure = code === 127 ? MISSING : "socat exited with code " + code + (stderr ? ": " + stderr.trim() : "");
  });
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  const close = async () => {
    if (proc.stdin && !proc.stdin.destroyed) proc.stdin.end();
    await exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const t0 = performance.now();
  while (!(existsSync(hostPath) && existsSync(boardPath))) {
    if (failure || performance.now() - t0 > timeoutMs) {
      const why = failure || "socat created no pty pair within " + timeoutMs + " ms";
      await close();
      throw new Error(why.startsWith("socat-missing") ? why : "pty-pair-failed: " + why);
    }
    await sleep(10);
  }
  return { hostPath, boardPath, close, pid: proc.pid ?? -1 };
}
