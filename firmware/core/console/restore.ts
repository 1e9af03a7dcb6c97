// What the console changes that must outlive a reboot, and how the app gets it
// back before it builds the controller. The controller's snapshot carries it under
// `console` (ConsoleImage), committed together with the state it goes with, so a
// power cut leaves either the old prescription or the new one, never a mix.
// A prescription loaded over the console continues from the moment it was loaded:
// its latency counts from then (continueFrom), on the controller's time base.
// Restoring it checks its clinician signature again, every boot: the journal is
// authenticated, and a prescription is believed only with its own signature too.

import type { DeviceProfile } from "../profile.ts";
import type { Prescription } from "../prescription.ts";
import { MS_PER_DAY } from "../units.ts";
import { fromHex } from "./bytes.ts";
import { findKey } from "./keys.ts";
import type { KeyRing } from "./keys.ts";
import { rxMessage } from "./signing.ts";
import type { Verifier } from "./signing.ts";
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

/** What a reboot restores of the console's changes: its image, the prescription in force, and what was wrong ("" when nothing). */
export interface RestoredConsole {
  image: ConsoleImage;
  rx: Prescription;
  problem: string;
}

/**
 * The console's changes in the journal's snapshot (`img`, its `console` part), over
 * the target's factory prescription. A journaled prescription is in force only if
 * its clinician signature still verifies with a key this device holds and its text
 * still parses; otherwise `problem` says why and the factory one is returned (the
 * device latches rx-unverified and does not run either).
 */
export function restoreConsole(img: unknown, profile: DeviceProfile, factory: Prescription, ring: KeyRing, verifier: Verifier): RestoredConsole {
  const image = imageFrom(img);
  const rx = image.rx;
  if (!rx) return { image, rx: factory, problem: "" };
  const key = findKey(ring, "clinician", rx.key);
  const sig = fromHex(rx.sig, 64);
  if (!key || !sig || typeof rx.text !== "string" || !verifier.verify(key.publicKey, rxMessage(rx.text), sig)) {
    return { image, rx: factory, problem: "the journaled prescription's signature (key " + JSON.stringify(rx.key) + ") does not verify with a key this device holds" };
  }
  const v = parseRxText(rx.text, profile, rx.startUm);
  if (!v.rx || typeof rx.fromTMs !== "number") return { image, rx: factory, problem: "the journaled prescription no longer parses: " + v.message };
  return { image, rx: continueFrom(v.rx, rx.fromTMs), problem: "" };
}

/** A console image from a snapshot's `console` part (an empty one when there is none). */
function imageFrom(img: any): ConsoleImage {
  if (!img || typeof img !== "object") return emptyImage();
  return { rx: img.rx || null, wallCorrectionMs: typeof img.wallCorrectionMs === "number" ? img.wallCorrectionMs : 0 };
}
