// The Espruino app: the bundle entry. Builds the HAL from the embedded board
// configuration, validates the embedded profile and prescription with the core's
// own parsers, and runs the same Controller the Node app runs, journaled in flash
// (after a reset it resumes from the journal). The watchdog is
// armed once the loop starts and kicked only after a completed control decision.
// A configuration error raises the fault alarm and leaves the motor off. The app
// object is `global.od` for inspection from the Espruino console.

import { makeEspruinoHal } from "../../hal/espruino/driver.ts";
import type { EspruinoHal } from "../../hal/espruino/driver.ts";
import { Controller } from "../core/controller.ts";
import type { ControllerObserver } from "../core/controller.ts";
import { Journal } from "../core/journal.ts";
import { parsePrescription } from "../core/prescription.ts";
import { parseProfile } from "../core/profile.ts";
import type { BundleConfig } from "./bundle-config.ts";

/** Replaced by the bundler with the configuration JSON (esbuild `define`). */
declare const OD_CONFIG: BundleConfig;

interface App {
  hal: EspruinoHal;
  controller: Controller | null;
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

function start(app: App): void {
  const profile = parseProfile(OD_CONFIG.profile);
  if (!OD_CONFIG.prescription) {
    console.log("osteodrive: no prescription embedded: holding still");
    return;
  }
  const rx = parsePrescription(OD_CONFIG.prescription, profile, 0);
  const journal = OD_CONFIG.journalCompactBytes > 0 ? new Journal(app.hal.store, OD_CONFIG.journalCompactBytes) : null;
  const c = new Controller(app.hal, profile, rx, 0, observer(app.hal), journal);
  // a board's flash file and RAM hold a short audit trail; older events are counted, not kept
  c.auditKeep = AUDIT_KEEP;
  app.controller = c;
  app.hal.watchdog.arm();
  c.boot();
}

function boot(): void {
  const app: App = { hal: makeEspruinoHal(OD_CONFIG.hal), controller: null, error: "" };
  (global as any).od = app;
  try {
    start(app);
  } catch (e: any) {
    app.error = e.message;
    app.hal.stepper.disable();
    app.hal.alarm.set(3, "config");
    console.log("osteodrive: " + e.message);
  }
}

boot();
