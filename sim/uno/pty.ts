// A serial line without hardware: a socat pty pair (two linked device files), so
// the host opens a real tty with serialport 13 exactly as it would open a board.
// Killing socat is pulling the cable.

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
}

export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "osteodrive-pty-"));
  const hostPath = join(dir, "host");
  const boardPath = join(dir, "board");
  let proc: ChildProcess;
  try {
    proc = spawn("socat", ["pty,raw,echo=0,link=" + hostPath, "pty,raw,echo=0,link=" + boardPath], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e: any) {
    throw new Error("socat-missing: cannot start socat (" + e.message + "); install it (apt-get install socat)");
  }
  let failure = "";
  proc.on("error", (e) => (failure = "socat-missing: cannot start socat (" + e.message + "); install it (apt-get install socat)"));
  proc.on("exit", (code) => {
    if (!failure) failure = "socat exited with code " + code;
  });
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  const t0 = Date.now();
  while (!(existsSync(hostPath) && existsSync(boardPath))) {
    if (failure) throw new Error("pty-pair-failed: " + failure);
    if (Date.now() - t0 > timeoutMs) {
      proc.kill();
      throw new Error("pty-pair-failed: socat created no pty pair within " + timeoutMs + " ms");
    }
    await sleep(10);
  }
  return {
    hostPath,
    boardPath,
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
