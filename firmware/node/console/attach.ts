// The Node side of a device console: the controller restored with what the console
// journaled, the key ring from the profile JSON, the node:crypto verifier, random
// nonces from node:crypto, and the core Console answering through `send`. The
// transport (serialport, tests) feeds bytes to `console.receive`.

import { randomBytes } from "node:crypto";
import type { Hal } from "../../../hal/types.ts";
import type { DeviceProfile } from "../../core/profile.ts";
import type { Prescription } from "../../core/prescription.ts";
import type { Journal } from "../../core/journal.ts";
import { Console } from "../../core/console/console.ts";
import { parseKeyRing } from "../../core/console/keys.ts";
import { restoreController } from "../../core/console/boot.ts";
import type { RestoredDevice } from "../../core/console/boot.ts";
import { NodeVerifier } from "./ed25519.ts";

export interface ConsoleIo {
  /** The console's clock (ms): real time on a serial line. */
  nowMs: () => number;
  send: (line: string) => void;
  /** Nonce bytes; node:crypto when absent. */
  randomBytes?: (n: number) => Uint8Array;
}

export interface AttachedConsole extends RestoredDevice {
  console: Console;
}

/** A restored controller (not booted) with a console attached. `profileJson` is the profile as written (it carries consoleKeys). */
export function consoleDevice(hal: Hal, profileJson: unknown, profile: DeviceProfile, factory: Prescription, journal: Journal, io: ConsoleIo): AttachedConsole {
  const ring = parseKeyRing(profileJson);
  const dev = restoreController(hal, profile, factory, journal, null);
  const console = new Console({
    controller: dev.ctl,
    clock: dev.clock,
    image: dev.image,
    ring,
    verifier: new NodeVerifier(),
    nowMs: io.nowMs,
    randomBytes: io.randomBytes || ((n: number) => new Uint8Array(randomBytes(n))),
    send: io.send,
  });
  return { ctl: dev.ctl, clock: dev.clock, image: dev.image, console };
}
