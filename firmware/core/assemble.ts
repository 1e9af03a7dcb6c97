// The one place a device is assembled (Klipper's Printer, grblHAL's grbl_enter):
// every target — the simulator run, power cuts, the Node app on a simulated or a
// johnny-five board, the bench trial, the advisor's simulations, the Espruino app
// and the tests — hands its HAL, profile, factory prescription, store and console
// transport to assemble() and gets back a device ready to boot. Targets differ
// only in what they hand in.
//
// What it wires: the journal on the given store, opened and authenticated once
// (journal-boot.ts: the vault, then every record into the state to resume from);
// what the console changed before a reboot (a signed prescription, its signature
// checked again, and a wall-clock correction), from the journal's snapshot; the HAL
// clock with that correction under it (the controller's boot reads the wall clock);
// the controller; and, given a transport, the console on the same controller.
// Platform-free and Espruino-safe.

import type { Clock, Hal, Store } from "../../hal/types.ts";
import type { DeviceProfile } from "./profile.ts";
import type { Prescription } from "./prescription.ts";
import type { JournalWriter } from "./journal.ts";
import type { MacFactory } from "./cmac.ts";
import { openJournal } from "./journal-boot.ts";
import type { JournalBoot, JournalConfig } from "./journal-boot.ts";
import { Controller } from "./controller.ts";
import type { ControllerObserver } from "./controller.ts";
import { CorrectedClock } from "./console/wall-clock.ts";
import type { RestoredConsole } from "./console/restore.ts";
import type { Console, ConsoleOptions } from "./console/console.ts";
import type { KeyRing } from "./console/keys.ts";
import type { Verifier } from "./console/signing.ts";

/** Compact the journal when this much was appended since the last snapshot (bytes): the default for file and RAM stores; a board's flash sets its own. */
export const JOURNAL_COMPACT_BYTES = 65536;

/** Audit events a snapshot keeps once a console is attached (the console can add them at line rate; a journal record holds ≤ 64 KiB). */
export const CONSOLE_AUDIT_KEEP = 128;

export interface JournalParts {
  store: Store;
  compactAtBytes: number;
  /** Most audit events a snapshot carries (Infinity on Node; a microcontroller caps it). */
  auditKeep: number;
  /** AES-128-CMAC (core/cmac.ts, or a board's native AES) and SHA-256 (core/sha256.ts, or native). */
  mac: MacFactory;
  digest: (bytes: Uint8Array) => Uint8Array;
  /** How the journal is opened: journal-boot.ts openJournal unless given (the bench plugs its format-2 baseline in here). */
  open?: (c: JournalConfig, umPerStep: number) => JournalBoot;
}

/** The console's serial line: its own clock, its nonce source and the line out. */
export interface ConsoleLine {
  /** The console's clock (ms): flood control, nonce expiry, idle partial lines. */
  nowMs: () => number;
  randomBytes: (n: number) => Uint8Array;
  /** Writes one response line (without its LF). Bytes in go to `device.console.receive`. */
  send: (line: string) => void;
}

/**
 * Everything console-side, handed in by the target, so a target without a console
 * carries none of its code: the constructor and the reboot restore as functions
 * (core/console/console.ts openConsole, core/console/restore.ts restoreConsole), the
 * keys and verifier, and the line.
 */
export interface ConsoleParts {
  open: (o: ConsoleOptions) => Console;
  restore: (img: unknown, profile: DeviceProfile, factory: Prescription, ring: KeyRing, verifier: Verifier) => RestoredConsole;
  ring: KeyRing;
  verifier: Verifier;
  /** null: restore what a console changed before, but serve no line (a Node device started without one). */
  line: ConsoleLine | null;
}

export interface AssemblyOptions {
  hal: Hal;
  profile: DeviceProfile;
  /** The prescription the target was built or started with; one loaded over the console and journaled takes precedence. */
  prescription: Prescription;
  /** The length a fresh start begins from (µm): 0 on a device, the sensor's reading on a bench rig. */
  startUm: number;
  /** null: no journal (nothing survives a reset). */
  journal: JournalParts | null;
  /** null: no console (and nothing a console did is looked for). */
  console: ConsoleParts | null;
  observers: ControllerObserver[];
}

export interface Device {
  controller: Controller;
  /** The console serving the line, when the target gave one. */
  console: Console | null;
  journal: JournalWriter | null;
  /** The clock the device runs on: the HAL's, plus the console's wall-clock correction where there is a console. */
  clock: Clock;
  /** The HAL as the controller sees it (on `clock`). */
  hal: Hal;
  /** Recovers from the journal (or starts fresh) and starts ticking. */
  boot(): void;
  /** Stops ticking and de-energises the motor. */
  stop(): void;
}

export function assemble(o: AssemblyOptions): Device {
  const jp = o.journal;
  const cp = o.console;
  const keep = jp ? jp.auditKeep : 0;
  const jb = jp
    ? (jp.open || openJournal)({
      store: jp.store,
      vault: o.hal.vault,
      vaultApart: o.hal.caps.vault,
      mac: jp.mac,
      digest: jp.digest,
      random: (n) => o.hal.random(n),
      compactAtBytes: jp.compactAtBytes,
      // the console can add audit events at line rate, and a journal record holds ≤ 64 KiB
      auditKeep: cp && keep > CONSOLE_AUDIT_KEEP ? CONSOLE_AUDIT_KEEP : keep,
    }, o.profile.umPerMicrostep)
    : null;
  const snap = jb && jb.restore.snap ? jb.restore.snap : null;
  // what the console changed before a reboot: its clock correction goes under the HAL clock first
  const restored = cp ? cp.restore(snap ? snap.console : null, o.profile, o.prescription, cp.ring, cp.verifier) : null;
  const image = restored ? restored.image : null;
  const corrected = image ? new CorrectedClock(o.hal.clock, image.wallCorrectionMs) : null;
  const hal: Hal = corrected ? Object.assign({}, o.hal, { clock: corrected }) : o.hal;
  // a snapshot carrying a console's prescription on a target with no console to verify it is believed no more than a forged one
  const unverifiable = !cp && snap && snap.console ? "the journal holds a prescription loaded over a console, and this target has no console to verify its signature" : "";
  const problem = restored ? restored.problem : unverifiable;
  const controller = new Controller({
    hal,
    profile: o.profile,
    rx: restored ? restored.rx : o.prescription,
    startUm: o.startUm,
    journal: jb,
    consoleImage: image && (image.rx || image.wallCorrectionMs !== 0) ? image : null,
    bootFault: problem !== "" ? { code: "rx-unverified", reason: problem } : null,
    observers: o.observers,
  });
  const journal: JournalWriter | null = jb ? jb.journal : null;
  const line = cp ? cp.line : null;
  const console = cp && line && corrected && image
    ? cp.open({ controller, hal, clock: corrected, image, ring: cp.ring, verifier: cp.verifier, nowMs: line.nowMs, randomBytes: line.randomBytes, send: line.send })
    : null;
  return {
    controller,
    console,
    journal,
    clock: hal.clock,
    hal,
    boot() {
      controller.boot();
    },
    stop() {
      controller.stop();
    },
  };
}
