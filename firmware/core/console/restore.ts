// What the console changes that must outlive a reboot, and how the app gets it
// back before it builds the controller. The controller's snapshot carries it under
// `console` (ConsoleImage), committed together with the state it goes with, so a
// power cut leaves either the old prescription or the new one, never a mix.
// A prescription loaded over the console continues from the moment it was loaded:
// its latency counts from then (continueFrom), on the controller's time base.

import type { DeviceProfile } from "../profile.ts";
import type { Prescription } from "../prescription.ts";
import type { Recovery } from "../journal.ts";
import { MS_PER_DAY } from "../units.ts";
import { parseRxText } from "./signed-rx.ts";

export interface LoadedRx {
  /** The prescription JSON text exactly as signed, the key id and the signature (kept for audit). */
  text: string;
  key: string;
  sig: string;
  /** When it took over (ms since the controller's start) and the length it continued from (µm). */
  fromTMs: number;
  startUm: number;
}

export interface ConsoleImage {
  rx: LoadedRx | null;
  /** Added to the board's wall clock (ms), set by the `time` command. */
  wallCorrectionMs: number;
}

export function emptyImage(): ConsoleImage {
  return { rx: null, wallCorrectionMs: 0 };
}

/** The prescription shifted so that its latency starts at fromTMs on the controller's time base. */
export function continueFrom(rx: Prescription, fromTMs: number): Prescription {
  return Object.assign({}, rx, { latencyDays: rx.latencyDays + fromTMs / MS_PER_DAY });
}

/** What a reboot restores of the console's changes: its image and the prescription in force. */
export interface RestoredConsole {
  image: ConsoleImage;
  rx: Prescription;
}

/** The console's changes in a recovered journal, over the target's factory prescription (see prescriptionInForce). */
export function restoreConsole(rec: Recovery, profile: DeviceProfile, factory: Prescription): RestoredConsole {
  const image = imageFromJournal(rec);
  return { image, rx: prescriptionInForce(image, profile, factory) };
}

/** The console image in a recovered journal's last snapshot (an empty one when there is none). */
export function imageFromJournal(rec: Recovery): ConsoleImage {
  const snap = rec.lastSnapshot ? rec.lastSnapshot.payload : null;
  const img = snap ? snap.console : undefined;
  if (!img || typeof img !== "object") return emptyImage();
  return { rx: img.rx || null, wallCorrectionMs: typeof img.wallCorrectionMs === "number" ? img.wallCorrectionMs : 0 };
}

/**
 * The prescription in force after a reboot: the one loaded over the console, or
 * `factory` (the one the app was built with) when none was. Throws (code
 * "invalid") when the journaled text no longer parses against this profile.
 */
export function prescriptionInForce(img: ConsoleImage, profile: DeviceProfile, factory: Prescription): Prescription {
  if (!img.rx) return factory;
  const v = parseRxText(img.rx.text, profile, img.rx.startUm);
  if (!v.rx) {
    const e: any = new Error("the journaled console prescription no longer parses: " + v.message);
    e.code = "invalid";
    throw e;
  }
  return continueFrom(v.rx, img.rx.fromTMs);
}
