// A simulated device with its console, in virtual time, for tests and benchmarks:
// the scenario's world (plant, virtual clock, simulator HAL, an in-memory power-cut
// store), the device assembled and booted, and a console whose clock, nonces and
// output are the caller's (deterministic). `line()` sends one request 250 ms of console time
// after the previous (inside the flood limit) and returns what the device answered
// synchronously; `send()` sends raw bytes at the current console time.

import type { Hal, Input } from "../../../hal/types.ts";
import type { SimHal } from "../../../sim/driver.ts";
import type { Device } from "../../core/assemble.ts";
import type { Console } from "../../core/console/console.ts";
import type { Controller } from "../../core/controller.ts";
import type { CorrectedClock } from "../../core/console/wall-clock.ts";
import { asciiJson } from "../../core/console/json-text.ts";
import type { PowerCutStore } from "../../../sim/power-cut-store.ts";
import { Rng } from "../../../sim/rng.ts";
import { mergeScenario, parseScenario } from "../../../sim/scenario.ts";
import type { Scenario } from "../../../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../../../sim/world.ts";
import type { SimWorld } from "../../../sim/world.ts";
import { applyWorld } from "../../../sim/world-file.ts";
import type { WorldImage } from "../../../sim/world-file.ts";
import { nodeConsoleParts } from "./attach.ts";
import type { KeyFile } from "./keyfile.ts";
import { profileEntry } from "./keyfile.ts";

export interface SimConsole {
  device: Device;
  /** Shorthands for device.controller and the console's corrected clock. */
  ctl: Controller;
  clock: CorrectedClock;
  console: Console;
  sim: SimHal;
  store: PowerCutStore;
  world: SimWorld;
  vault: PowerCutStore;
  /** The console's clock (ms); tests move it. */
  now: { ms: number };
  /** Every response line so far. */
  out: string[];
  /** Sends bytes (a string is sent as UTF-8); returns the responses they produced. */
  send(bytes: Uint8Array | string): any[];
  /** Advances the console clock by 250 ms, sends one request (an object is written as JSON) plus LF; returns its responses. */
  line(req: unknown): any[];
}

export interface SimConsoleOptions {
  /** The bench-mode input (absent = a patient device). */
  benchInput?: Input;
  /** Stores to boot from (a reboot: the journal and the vault of an earlier device). */
  store?: PowerCutStore;
  vault?: PowerCutStore;
  /** Virtual time to start at (a reboot later in the protocol). */
  startMs?: number;
  /** The world to boot in (a reboot of an earlier device on the same plant, clock and store); default a new one. */
  world?: SimWorld;
  /** A new world's plant and clock start where an earlier device left them (a reboot on other stores: a damaged copy). */
  plantFrom?: WorldImage;
  /** The board's wall clock this far off (a real-time clock that lost its battery, say). */
  wallOffsetMs?: number;
  seed?: number;
}

/** The scenario with these keys provisioned in its profile's consoleKeys (by their role). */
export function scenarioWithKeys(sc: Scenario, keys: KeyFile[]): Scenario {
  const ring = { clinician: keys.filter((k) => k.role === "clinician").map(profileEntry), bench: keys.filter((k) => k.role === "bench").map(profileEntry) };
  return parseScenario(mergeScenario(sc.source, { profile: { consoleKeys: ring } }));
}

export function simConsole(sc: Scenario, o: SimConsoleOptions): SimConsole {
  const world = o.world ?? makeSimWorld(sc, { store: o.store, vault: o.vault, faults: false });
  const sim = world.hal;
  if (o.plantFrom) applyWorld(o.plantFrom, world.plant, world.clock);
  if (o.wallOffsetMs) world.clock.wallOffsetMs = o.wallOffsetMs;
  if (o.startMs) world.clock.runUntil(o.startMs);
  const hal: Hal = o.benchInput ? Object.assign({}, sim, { benchInput: o.benchInput }) : sim;
  const rng = new Rng(o.seed === undefined ? 1 : o.seed);
  const now = { ms: 0 };
  const out: string[] = [];
  const randomBytes = (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rng.next() * 256);
    return b;
  };
  const device = assembleScenario(sc, hal, world.store, nodeConsoleParts(sc.source.profile, { nowMs: () => now.ms, send: (l) => out.push(l), randomBytes }));
  device.boot();
  const console = device.console!;
  const send = (bytes: Uint8Array | string): any[] => {
    const from = out.length;
    console.receive(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
    return out.slice(from).map((l) => JSON.parse(l));
  };
  return {
    device,
    ctl: device.controller,
    clock: console.clock,
    console,
    sim,
    store: world.store,
    world,
    vault: world.vault,
    now,
    out,
    send,
    line: (req: unknown) => {
      now.ms += 250;
      return send((typeof req === "string" ? req : asciiJson(req)) + "\n");
    },
  };
}
