// The Node side of a device console: the key ring from the profile JSON, the
// node:crypto verifier and nonces, and the caller's clock and line out, as the
// ConsoleParts the one assembly (firmware/core/assemble.ts) wires onto the device.
// The transport (serialport, tests) feeds bytes to `device.console.receive`.

import { randomBytes } from "node:crypto";
import type { ConsoleLine, ConsoleParts } from "../../core/assemble.ts";
import { parseKeyRing } from "../../core/console/keys.ts";
import { openConsole } from "../../core/console/console.ts";
import { restoreConsole } from "../../core/console/restore.ts";
import { NodeVerifier } from "./ed25519.ts";

export interface ConsoleIo {
  /** The console's clock (ms): real time on a serial line. */
  nowMs: () => number;
  send: (line: string) => void;
  /** Nonce bytes; node:crypto when absent. */
  randomBytes?: (n: number) => Uint8Array;
}

/**
 * Console parts for a Node target. `profileJson` is the profile as written (it carries
 * consoleKeys); `io` null: what a console changed is restored, but no line is served.
 */
export function nodeConsoleParts(profileJson: unknown, io: ConsoleIo | null): ConsoleParts {
  const line: ConsoleLine | null = io ? { nowMs: io.nowMs, randomBytes: io.randomBytes || ((n: number) => new Uint8Array(randomBytes(n))), send: io.send } : null;
  return { open: openConsole, restore: restoreConsole, ring: parseKeyRing(profileJson), verifier: new NodeVerifier(), line };
}
