// An Espruino stand-in for running the bundle under Node: a vm context that holds
// only Espruino's globals (Map, Set, Symbol, Number.isFinite, Math.trunc, … are
// removed; see hal/espruino/interpreter.ts) plus the hardware built-ins of a
// virtual board (sim/espruino-shim/board.ts: pins, pulses, analog inputs, timers,
// watchdog on the simulator plant, in deterministic virtual time; the same board
// the real interpreter's harness runs), and:
//  - require("Storage") is a flash model (sim/espruino-shim/storage.ts);
//  - process.memory() estimates the variables the scripts' live data holds
//    (sim/espruino-shim/memory.ts; the code's share is counted from the bundle by
//    firmware/node/espruino/variables.ts).
// Uncaught errors in callbacks are recorded in `errors` (Espruino prints and goes on).

import vm from "node:vm";
import { createCipheriv, createHash } from "node:crypto";
import type { EspruinoHalConfig } from "../hal/espruino/config.ts";
import { ESPRUINO_GLOBALS, MISSING_MEMBERS, STATIC_MEMBERS } from "../hal/espruino/interpreter.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { VirtualBoard } from "./espruino-shim/board.ts";
import type { BoardPlant } from "./espruino-shim/board.ts";
import { StorageModel } from "./espruino-shim/storage.ts";
import { heapVars } from "./espruino-shim/memory.ts";

/** What the shim needs of a plant (sim/plant.ts's Plant has it). */
export type ShimPlant = BoardPlant;

export interface ShimOptions {
  plant: ShimPlant;
  /** The board's wiring and calibration (the same configuration the bundle embeds). */
  hal: EspruinoHalConfig;
  /** Wall time at boot (ms since 1970); 0 = the board's clock was never set. */
  wallStartMs?: number;
  /** Variables of the board and bytes per variable (for process.memory()). */
  variables?: number;
  varBytes?: number;
  storageBytes?: number;
}

class ShimPin {
  name: string;
  constructor(name: unknown) {
    this.name = String(name);
  }
  toString(): string {
    return this.name;
  }
}

/** Espruino's `crypto` natives as a Pico's firmware has them (AES in ECB and CBC, SHA256), on node:crypto. */
const SHIM_CRYPTO = {
  SHA256: (data: Uint8Array) => toArrayBuffer(createHash("sha256").update(data).digest()),
  AES: {
    encrypt: (data: Uint8Array, key: Uint8Array, o?: { iv?: Uint8Array; mode?: string }) => {
      const mode = o && o.mode ? o.mode : "CBC";
      const c = createCipheriv(mode === "ECB" ? "aes-128-ecb" : "aes-128-cbc", key, mode === "ECB" ? null : o && o.iv ? o.iv : new Uint8Array(16));
      c.setAutoPadding(false);
      return toArrayBuffer(Buffer.concat([c.update(data), c.final()]));
    },
  },
};

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export class EspruinoShim {
  opts: ShimOptions;
  plant: ShimPlant;
  clock: VirtualClock;
  board: VirtualBoard;
  context: vm.Context;
  storage: StorageModel;
  log: string[] = [];
  private builtins: Set<string>;

  constructor(opts: ShimOptions) {
    this.opts = opts;
    this.plant = opts.plant;
    this.clock = new VirtualClock(opts.wallStartMs || 0);
    this.board = new VirtualBoard(opts.plant, opts.hal, this.clock, () => performance.now());
    this.storage = new StorageModel(opts.storageBytes || 65536);
    const globals = this.globals();
    this.context = vm.createContext(globals);
    this.prune(Object.keys(globals));
    this.builtins = new Set(Object.getOwnPropertyNames(this.context));
  }

  /** Output levels by pin name, the flashing frequency of software-PWM pins, pin modes. */
  get pins(): { [pin: string]: number } {
    return this.board.pins;
  }
  get pwmHz(): { [pin: string]: number } {
    return this.board.pwmHz;
  }
  get pinModes(): { [pin: string]: string } {
    return this.board.pinModes;
  }
  /** Level the driver's FAULT output shows (tests set it). */
  get faultLevel(): number {
    return this.board.faultLevel;
  }
  set faultLevel(v: number) {
    this.board.faultLevel = v;
  }
  /** STEP edges that moved the plant, and all STEP edges. */
  get pulses(): number {
    return this.board.pulses;
  }
  get edges(): number {
    return this.board.edges;
  }
  get errors(): string[] {
    return this.board.errors;
  }
  get resetAtMs(): number {
    return this.board.resetAtMs;
  }
  /** Wall time spent in the plant (ms), to tell firmware time from simulator time. */
  get plantMs(): number {
    return this.board.plantMs;
  }
  set plantMs(v: number) {
    this.board.plantMs = v;
  }

  /** Runs a script (the bundle) in the context. */
  run(code: string, filename = "bundle.js"): void {
    vm.runInContext(code, this.context, { filename });
  }

  /** Runs every timer and pulse edge due up to `ms` (virtual time since boot). */
  runUntil(ms: number): void {
    this.board.runUntil(ms);
  }

  nowMs(): number {
    return this.clock.monoMs();
  }

  /** Variables held by what the scripts put in the global scope (plus pending timers), by the memory model. */
  heapVars(): number {
    const roots: unknown[] = [];
    for (const k of Object.getOwnPropertyNames(this.context)) if (!this.builtins.has(k)) roots.push(this.context[k]);
    return heapVars(roots, this.opts.varBytes || 16) + 5 * this.board.timerCount;
  }

  private globals(): { [name: string]: unknown } {
    const b = this.board;
    const pin = (p: unknown) => String(p);
    const say = (...a: unknown[]) => {
      this.log.push(a.map(String).join(" "));
    };
    const E = {
      enableWatchdog: (timeoutS: number, isAuto?: boolean) => b.enableWatchdog(timeoutS, isAuto),
      kickWatchdog: () => b.kickWatchdog(),
      hwRand: () => b.hwRand(),
      convolve: (a: ArrayLike<number>, r: ArrayLike<number>, offset: number) => {
        let v = 0;
        for (let i = 0; i < a.length; i++) v += a[i] * r[(i + offset) % r.length];
        return v;
      },
    };
    return {
      Pin: ShimPin,
      E,
      USB: { on: (ev: string, fn: (d: string) => void) => b.usbOn(ev, fn), write: (d: unknown) => b.usbWrite(d) },
      LoopbackA: { setConsole: () => {} },
      console: { log: say },
      print: say,
      process: { memory: () => this.memory(), env: { VERSION: "2v29-shim" } },
      require: (name: string) => {
        if (name === "Storage") return this.storage;
        if (name === "crypto") return SHIM_CRYPTO;
        throw new Error("Module " + name + " not found");
      },
      getTime: () => b.getTime(),
      setTimeout: (fn: () => void, ms: number) => b.setTimer(fn, ms, false),
      setInterval: (fn: () => void, ms: number) => b.setTimer(fn, ms, true),
      clearTimeout: (id: number) => b.clearTimer(id),
      clearInterval: (id: number) => b.clearTimer(id),
      digitalWrite: (p: unknown, v: unknown) => b.setLevel(pin(p), v ? 1 : 0),
      pinMode: (p: unknown, mode: string) => {
        b.pinModes[pin(p)] = mode;
      },
      digitalRead: (p: unknown) => b.digitalRead(pin(p)),
      digitalPulse: (p: unknown, v: unknown, t: number | ArrayLike<number>) => b.digitalPulse(pin(p), v ? 1 : 0, t),
      analogRead: (p: unknown) => b.analogRead(pin(p)),
      analogWrite: (p: unknown, v: number, o?: { freq?: number }) => b.analogWrite(pin(p), v, o && o.freq ? o.freq : 0),
    };
  }

  private memory(): { free: number; usage: number; total: number; blocksize: number } {
    const total = this.opts.variables || 5100;
    const usage = this.heapVars();
    return { free: total - usage, usage, total, blocksize: this.opts.varBytes || 16 };
  }

  /** Removes what Espruino lacks, and adds `global`. Math and Number become copies with only Espruino's static members (some of V8's cannot be deleted). */
  private prune(provided: string[]): void {
    const g = vm.runInContext("this", this.context);
    for (const k of Object.getOwnPropertyNames(g)) {
      if (!ESPRUINO_GLOBALS.has(k) && provided.indexOf(k) < 0) delete g[k];
    }
    vm.runInContext(
      "(function (keepMath, keepNumber) {" +
        " var M = {}; keepMath.forEach(function (k) { M[k] = Math[k]; });" +
        " var N0 = Number; var N = function Number(v) { return arguments.length ? N0(v) : 0; };" +
        " N.prototype = N0.prototype; keepNumber.forEach(function (k) { N[k] = N0[k]; });" +
        " Math = M; Number = N; })",
      this.context,
    )(STATIC_MEMBERS.Math, STATIC_MEMBERS.Number);
    for (const obj of Object.keys(MISSING_MEMBERS)) for (const k of MISSING_MEMBERS[obj]) delete g[obj][k];
    g.global = g;
  }
}
