// Shared by the tests that treat a simulated device as a clinician would: a
// clinician key provisioned on the short kill-test protocol, one-line requests,
// signed requests and prescriptions, running virtual time to the end of a move,
// and a power cycle onto the same journal and vault.

import { fileURLToPath } from "node:url";
import { loadScenario } from "../sim/scenario.ts";
import { scenarioWithKeys, simConsole } from "../firmware/node/console/sim-console.ts";
import type { SimConsole } from "../firmware/node/console/sim-console.ts";
import { newKeyPair } from "../firmware/node/console/ed25519.ts";
import type { KeyFile } from "../firmware/node/console/keyfile.ts";
import { signPrescription, signRequest } from "../firmware/node/console/sign.ts";
import type { PowerCutStore } from "../sim/power-cut-store.ts";
import { worldImage } from "../sim/world-file.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/kill-test.json", import.meta.url));
export const DR: KeyFile = Object.assign({ id: "dr-lee", role: "clinician" as const }, newKeyPair());
export const SC = scenarioWithKeys(loadScenario(FIXTURE), [DR]);
export const SERIAL = SC.profile.serial;

/** Sends one request and returns its one response. */
export function one(d: SimConsole, req: unknown): any {
  const r = d.line(req);
  if (r.length !== 1) throw new Error("expected one response to " + JSON.stringify(req) + ", got " + JSON.stringify(r));
  return r[0];
}

/** The request signed by the clinician over a fresh nonce. */
export function signed(d: SimConsole, req: { [k: string]: unknown }): { [k: string]: unknown } {
  return signRequest(req, DR, SERIAL, one(d, { cmd: "hello" }).data.nonce);
}

/** A signed prescription (continuous unless `rhythm` says how many increments a day) as an rx request. */
export function rx(counter: number, rateMmPerDay: number, rhythm: number | "continuous" = "continuous"): any {
  const text = JSON.stringify({ deviceSerial: SERIAL, counter, expires: "2026-03-01T00:00:00Z", latencyDays: 0, rateMmPerDay, rhythm, targetLengthMm: 3, consolidationDays: 1, softForceN: 100, hardForceN: 180 });
  return Object.assign({ cmd: "rx" }, signPrescription(text, DR));
}

/** Runs virtual time to tMs, then on to the end of a move in flight. */
export function runTo(d: SimConsole, tMs: number): void {
  d.sim.clock.runUntil(tMs);
  while (d.ctl.isMoving()) d.sim.clock.runUntil(d.sim.clock.monoMs() + 100);
}

/**
 * Cuts the power (the motor stops where it is, nothing more is written), lets `damage` act on the stores, boots a
 * new device on them `offMs` later, on the same plant (the gap where the cut left it: a new plant at 0 µm would be
 * a position-mismatch-at-boot).
 */
export function powerCycle(d: SimConsole, offMs: number, damage: (store: PowerCutStore, vault: PowerCutStore) => void, wallOffsetMs = 0): SimConsole {
  d.sim.stepper.powerCut();
  d.ctl.stop();
  damage(d.store, d.vault);
  return simConsole(SC, { store: d.store, vault: d.vault, plantFrom: worldImage(d.world.plant, d.world.clock), startMs: d.sim.clock.monoMs() + offMs, wallOffsetMs });
}
