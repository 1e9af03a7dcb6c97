// An Espruino stand-in for running the bundle under Node: a vm context that holds
// only Espruino's globals (Map, Set, Symbol, Number.isFinite, Math.trunc, … are
// removed; see hal/espruino/interpreter.ts) plus the hardware built-ins the
// firmware uses, wired to the simulator plant in deterministic virtual time:
//  - getTime() is virtual; setTimeout/setInterval run on a VirtualClock (ties in
//    scheduling order), so a run repeats exactly;
//  - the pins model a step-dir driver chip: a rising STEP edge while EN is active
//    moves the plant one microstep in the DIR direction; digitalPulse() queues its
//    edges on the utility timer (after a pulse still running on the pin);
//  - analogRead() of the position and force pins returns the plant's sensor
//    reading through the inverse of the configured calibration (a perfectly
//    calibrated transducer; the plant's own sensor model adds noise and resolution);
//  - require("Storage") is a flash model (sim/espruino-shim/storage.ts);
//  - E.enableWatchdog/E.kickWatchdog: a missed kick "resets" the board (recorded in
//    `resetAtMs`, nothing runs after it);
//  - process.memory() estimates the variables the scripts' live data holds
//    (sim/espruino-shim/memory.ts; the code's share is counted from the bundle by
//    firmware/node/espruino/variables.ts).
// Uncaught errors in callbacks are recorded in `errors` (Espruino prints and goes on).

import vm from "node:vm";
import { createCipheriv, createHash } from "node:crypto";
import type { EspruinoHalConfig } from "../hal/espruino/config.ts";
import { ESPRUINO_GLOBALS, MISSING_MEMBERS, STATIC_MEMBERS } from "../hal/espruino/interpreter.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { StorageModel } from "./espruino-shim/storage.ts";
import { heapVars } from "./espruino-shim/memory.ts";

/** What the shim needs of a plant (sim/plant.ts's Plant has it). */
export interface ShimPlant {
  advanceTo(tMs: number): void;
  pulse(dir: number): unknown;
  sensePosition(): number;
  senseForce(): number;
}

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
  context: vm.Context;
  storage: StorageModel;
  /** Output levels by pin name, and the flashing frequency of software-PWM pins. */
  pins: { [pin: string]: number } = {};
  pwmHz: { [pin: string]: number } = {};
  pinModes: { [pin: string]: string } = {};
  /** Level the driver's FAULT output shows (tests set it). */
  faultLevel: number;
  /** STEP edges that moved the plant, and all STEP edges. */
  pulses = 0;
  edges = 0;
  log: string[] = [];
  errors: string[] = [];
  watchdogS = 0;
  lastKickMs = 0;
  resetAtMs = -1;
  /** Wall time spent in the plant (ms), to tell firmware time from simulator time. */
  plantMs = 0;
  private pulseEnd: { [pin: string]: number } = {};
  private timers = new Map<number, number>();
  private timerSeq = 0;
  private randState = 20260101;
  private builtins: Set<string>;

  constructor(opts: ShimOptions) {
    this.opts = opts;
    this.plant = opts.plant;
    this.clock = new VirtualClock(opts.wallStartMs || 0);
    this.storage = new StorageModel(opts.storageBytes || 65536);
    this.faultLevel = 1 - opts.hal.faultActiveLevel;
    const globals = this.globals();
    this.context = vm.createContext(globals);
    this.prune(Object.keys(globals));
    this.builtins = new Set(Object.getOwnPropertyNames(this.context));
  }

  /** Runs a script (the bundle) in the context. */
  run(code: string, filename = "bundle.js"): void {
    vm.runInContext(code, this.context, { filename });
  }

  /** Runs every timer and pulse edge due up to `ms` (virtual time since boot). */
  runUntil(ms: number): void {
    this.clock.runUntil(ms);
    this.checkWatchdog();
  }

  nowMs(): number {
    return this.clock.monoMs();
  }

  /** Variables held by what the scripts put in the global scope (plus pending timers), by the memory model. */
  heapVars(): number {
    const roots: unknown[] = [];
    for (const k of Object.getOwnPropertyNames(this.context)) if (!this.builtins.has(k)) roots.push(this.context[k]);
    return heapVars(roots, this.opts.varBytes || 16) + 5 * this.timers.size;
  }

  private enabled(): boolean {
    return this.pins[this.opts.hal.pins.enable] === (this.opts.hal.enableActiveLow ? 0 : 1);
  }

  private setLevel(pin: string, level: number): void {
    const was = this.pins[pin];
    this.pins[pin] = level;
    delete this.pwmHz[pin];
    if (pin !== this.opts.hal.pins.step || level !== 1 || was === 1) return;
    this.edges++;
    if (!this.enabled() || this.resetAtMs >= 0) return;
    this.pulses++;
    this.timePlant(() => {
      this.plant.advanceTo(this.nowMs());
      this.plant.pulse(this.pins[this.opts.hal.pins.dir] === this.opts.hal.dirDistractLevel ? 1 : -1);
    });
  }

  private timePlant<T>(fn: () => T): T {
    const t0 = performance.now();
    const r = fn();
    this.plantMs += performance.now() - t0;
    return r;
  }

  private analogRead(pin: string): number {
    const h = this.opts.hal;
    const cal = pin === h.pins.position ? h.position : pin === h.pins.force ? h.force : null;
    if (!cal) return 0;
    const v = this.timePlant(() => {
      this.plant.advanceTo(this.nowMs());
      return pin === h.pins.position ? this.plant.sensePosition() : this.plant.senseForce();
    });
    const raw = cal.raw0 + ((v - cal.value0) * (cal.raw1 - cal.raw0)) / (cal.value1 - cal.value0);
    return raw < 0 ? 0 : raw > 1 ? 1 : raw;
  }

  private digitalPulse(pin: string, value: unknown, times: number | ArrayLike<number>): void {
    const widths = typeof times === "number" ? [times] : Array.from(times);
    let t = Math.max(this.nowMs(), this.pulseEnd[pin] || 0);
    let level = value ? 1 : 0;
    const edge = (at: number, l: number) => {
      if (at <= this.nowMs()) this.setLevel(pin, l);
      else this.clock.at(at, () => this.setLevel(pin, l));
    };
    edge(t, level);
    for (const w of widths) {
      t += w;
      level = 1 - level;
      edge(t, level);
    }
    this.pulseEnd[pin] = t;
  }

  /** A callback as the interpreter runs it: not after a reset, errors caught and recorded. */
  private guarded(fn: () => void): () => void {
    return () => {
      this.checkWatchdog();
      if (this.resetAtMs >= 0) return;
      try {
        fn();
      } catch (e: any) {
        this.errors.push((e && e.stack) || String(e));
      }
    };
  }

  private checkWatchdog(): void {
    if (this.watchdogS > 0 && this.resetAtMs < 0 && this.nowMs() - this.lastKickMs > this.watchdogS * 1000) {
      this.resetAtMs = this.lastKickMs + this.watchdogS * 1000;
    }
  }

  private schedule(fn: () => void, ms: number, repeat: boolean): number {
    const id = ++this.timerSeq;
    const period = typeof ms === "number" && ms > 0 ? ms : 0;
    const arm = (due: number) => {
      this.timers.set(id, this.clock.at(due, this.guarded(() => {
        if (repeat) arm(due + period);
        else this.timers.delete(id);
        fn();
      })));
    };
    arm(this.nowMs() + period);
    return id;
  }

  private clear(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.clock.cancel(t);
    this.timers.delete(id);
  }

  private globals(): { [name: string]: unknown } {
    const pin = (p: unknown) => String(p);
    const say = (...a: unknown[]) => {
      this.log.push(a.map(String).join(" "));
    };
    const E = {
      enableWatchdog: (timeoutS: number, isAuto?: boolean) => {
        if (isAuto === false) {
          this.watchdogS = timeoutS;
          this.lastKickMs = this.nowMs();
        }
      },
      kickWatchdog: () => {
        this.lastKickMs = this.nowMs();
      },
      // deterministic, like the rest of the simulator
      hwRand: () => (this.randState = (Math.imul(this.randState, 1103515245) + 12345) | 0),
    };
    return {
      Pin: ShimPin,
      E,
      console: { log: say },
      print: say,
      process: { memory: () => this.memory(), env: { VERSION: "2v29-shim" } },
      require: (name: string) => {
        if (name === "Storage") return this.storage;
        if (name === "crypto") return SHIM_CRYPTO;
        throw new Error("Module " + name + " not found");
      },
      getTime: () => this.clock.wallMs() / 1000,
      setTimeout: (fn: () => void, ms: number) => this.schedule(fn, ms, false),
      setInterval: (fn: () => void, ms: number) => this.schedule(fn, ms, true),
      clearTimeout: (id: number) => this.clear(id),
      clearInterval: (id: number) => this.clear(id),
      digitalWrite: (p: unknown, v: unknown) => this.setLevel(pin(p), v ? 1 : 0),
      pinMode: (p: unknown, mode: string) => {
        this.pinModes[pin(p)] = mode;
      },
      digitalRead: (p: unknown) => (pin(p) === this.opts.hal.pins.fault ? this.faultLevel : this.pins[pin(p)] || 0),
      digitalPulse: (p: unknown, v: unknown, t: number | ArrayLike<number>) => this.digitalPulse(pin(p), v, t),
      analogRead: (p: unknown) => this.analogRead(pin(p)),
      analogWrite: (p: unknown, v: number, o?: { freq?: number }) => {
        this.setLevel(pin(p), v >= 0.5 ? 1 : 0);
        if (o && o.freq) this.pwmHz[pin(p)] = o.freq;
      },
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
