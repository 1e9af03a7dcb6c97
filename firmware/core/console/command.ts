// The shape of a console command: its name, the roles it is open to, its
// arguments, and a handler that answers through `reply` exactly once (at once, or
// when a bench move ends). Handlers see the device through a ConsoleDevice.

import type { Hal } from "../../../hal/types.ts";
import type { Controller } from "../controller.ts";
import type { KeyRing, Role } from "./keys.ts";
import type { Verifier } from "./signing.ts";
import type { ArgSpec } from "./request.ts";
import type { Challenge, Who } from "./auth.ts";
import type { CorrectedClock } from "./wall-clock.ts";
import type { ConsoleImage } from "./restore.ts";

/** Answers a request: code "ok" with data, or a refusal code with a message. */
export type Reply = (code: string, data: any, message: string) => void;

/** What handlers work on (the Console provides it). */
export interface ConsoleDevice {
  ctl: Controller;
  /** The HAL the controller runs on (bench input, alarm, position sensor for calibrate). */
  hal: Hal;
  clock: CorrectedClock;
  image: ConsoleImage;
  ring: KeyRing;
  verifier: Verifier;
  challenge: Challenge;
  nowMs(): number;
  randomBytes(n: number): Uint8Array;
  /** Lines refused before they were a command (framing, JSON, rate limit), since boot. */
  malformedLines: number;
  droppedLines: number;
}

export interface Command {
  name: string;
  roles: Role[];
  args: ArgSpec[];
  run(dev: ConsoleDevice, req: any, who: Who, reply: Reply): void;
}

export const ALL_ROLES: Role[] = ["patient", "clinician", "bench"];
export const STAFF: Role[] = ["clinician", "bench"];

export function intArg(name: string, min: number, max: number, optional: boolean): ArgSpec {
  return { name, type: "int", min, max, optional };
}

export function stringArg(name: string, max: number, optional: boolean): ArgSpec {
  return { name, type: "string", min: 0, max, optional };
}

/** Who did it, for reasons recorded with phase changes: "patient", "clinician dr-lee". */
export function actor(who: Who): string {
  return who.key === "" ? who.role : who.role + " " + who.key;
}
