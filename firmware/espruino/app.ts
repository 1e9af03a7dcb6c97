// The Espruino app (its entries: main.ts, main-console.ts). Builds the HAL from the embedded board
// configuration, validates the embedded profile and prescription with the core's
// own parsers, and hands them to the same assembly the Node app uses, journaled in
// flash (after a reset it resumes from the journal). The watchdog is
// armed once the loop starts and kicked only after a completed control decision.
// A configuration error raises the fault alarm and leaves the motor off. Built
// with the console (`bundle espruino --console`: the entry main-console.ts), the
// device console serves the USB port (firmware/espruino/usb-console.ts); the
// other entry carries none of its code. The app object is `global.od` for
// inspection from the Espruino console.

import { flashStorage, makeEspruinoHal } from "../../hal/espruino/driver.ts";
import type { EspruinoHal } from "../../hal/espruino/driver.ts";
import { assemble } from "../core/assemble.ts";
import type { Device, JournalParts } from "../core/assemble.ts";
import type { ControllerObserver } from "../core/controller.ts";
import type { Clock } from "../../hal/types.ts";
import { parsePrescription } from "../core/prescription.ts";
import { parseProfile } from "../core/profile.ts";
import { cmacAes128 } from "../core/cmac.ts";
import { sha256 } from "../core/sha256.ts";
import { nativeDigest, nativeMac } from "../../hal/espruino/crypto.ts";
import type { BundleConfig } from "./bundle-config.ts";
import type { UsbConsole } from "./usb-console.ts";

/** Replaced by the bundler with the configuration JSON (esbuild `define`). */
declare const OD_CONFIG: BundleConfig;
/** Whether the board's firmware has native AES and SHA-256 (boards.ts): where not, the core's JS ones are bundled. */
declare const OD_NATIVE_AES: boolean;
declare const OD_NATIVE_SHA256: boolean;
/** Whether the journal's code is in the build (false: `bundle espruino --no-journal`, and none of it is bundled). */
declare const OD_JOURNAL: boolean;

/** The console, for the entry that has one. */
export interface ConsoleMaker {
  parts(profileJson: unknown, clock: Clock): UsbConsole;
  serve(d: Device, c: UsbConsole, clock: Clock): void;
}

interface App {
  hal: EspruinoHal;
  device: Device | null;
  error: string;
}

function observer(hal: EspruinoHal): ControllerObserver {
  return {
    decision() {
      hal.watchdog.kick();
    },
    moved() {},
    phase(tMs, from, to) {
      console.log("osteodrive: " + from.phase + " -> " + to.phase + " at " + Math.round(tMs / 1000) + " s: " + to.reason);
    },
    warning(tMs, code, detail) {
      console.log("osteodrive: warning " + code + " at " + Math.round(tMs / 1000) + " s: " + detail);
    },
  };
}

/** Audit events a snapshot carries on a microcontroller. */
const AUDIT_KEEP = 24;

/** The journal in the board's flash, authenticated with the firmware's native AES and SHA-256 where the board has them, else the core's. */
function journalParts(hal: EspruinoHal): JournalParts {
  const mac = OD_NATIVE_AES ? nativeMac() : cmacAes128;
  const digest = OD_NATIVE_SHA256 ? nativeDigest() : sha256;
  if (!mac || !digest) throw new Error("this firmware's crypto module lacks " + (mac ? "SHA256" : "AES") + ": the journal cannot be authenticated (bundle for a board without it)");
  // a board's flash file and RAM hold a short audit trail; older events are counted, not kept
  return { store: hal.store, compactAtBytes: OD_CONFIG.journalCompactBytes, auditKeep: AUDIT_KEEP, mac, digest };
}

function start(app: App, maker: ConsoleMaker | null): void {
  const profile = parseProfile(OD_CONFIG.profile);
  if (!OD_CONFIG.prescription) {
    console.log("osteodrive: no prescription embedded: holding still");
    return;
  }
  const rx = parsePrescription(OD_CONFIG.prescription, profile, 0);
  const usb = maker ? maker.parts(OD_CONFIG.profile, app.hal.clock) : null;
  const d = assemble({
    hal: app.hal,
    profile,
    prescription: rx,
    startUm: 0,
    journal: OD_JOURNAL && OD_CONFIG.journalCompactBytes > 0 ? journalParts(app.hal) : null,
    console: usb ? usb.parts : null,
    observers: [observer(app.hal)],
  });
  app.device = d;
  if (maker && usb) maker.serve(d, usb, d.clock);
  app.hal.watchdog.arm();
  d.boot();
}

/** Boots the app (with the console `maker` gives, or none). */
export function runApp(maker: ConsoleMaker | null): void {
  const app: App = { hal: makeEspruinoHal(OD_CONFIG.hal, OD_JOURNAL ? flashStorage(OD_CONFIG.hal) : null), device: null, error: "" };
  (global as any).od = app;
  try {
    start(app, maker);
  } catch (e: any) {
    app.error = e.message;
    app.hal.stepper.disable();
    app.hal.alarm.set(3, "config");
    console.log("osteodrive: " + e.message);
  }
}
