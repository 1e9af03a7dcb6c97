// The harness that runs inside the real Espruino interpreter, next to the app:
// it replaces the hardware built-ins with the virtual board (the same one the vm
// shim uses: sim/espruino-shim/board.ts) on the simulator's own plant (sim/plant.ts,
// bundled in), so the app runs days of virtual time as fast as the interpreter
// goes, on the same plant and seed as the Node app. It lives in flash (the Pico's
// bootloader page, page 0 of the harness's flash file) and is driven over the
// console by sim/espruino-real/interpreter.ts, one command per phase:
//   H.init(cfg)      virtual clock, plant (fresh, or continued after a reset),
//                    board, built-ins, probes
//   H.holdTo(n)      a ballast that leaves n variables free; then the app is loaded
//   H.run(untilMs)   runs the board's events; prints "@p" progress every
//                    simulated hour, "@g" at each probe, "@e"/"@f" for errors
//                    and error flags, then "@idle"
//   H.usb(text)      the host sends text over the virtual USB port (the console line)
//   H.plantState()   prints the plant's state (it survives a board reset)
//   H.stats()        prints the figures: callbacks, their host time, memory
// Everything it prints starts with "@"; the rest of the output is the app's and
// the interpreter's own. Memory: after every 8th callback process.memory(false)
// (no GC) samples the peak, every simulated hour process.memory() (with GC) gives
// the resting figure; the worst point inside a callback is proved by a ballast
// (holdTo). Host time per callback excludes the time spent in the plant, and is
// kept by kind (tick, journal write, Storage compaction, other) with the longest.

import type { EspruinoHalConfig } from "../../hal/espruino/config.ts";
import { Plant } from "../plant.ts";
import type { PlantParams } from "../plant.ts";
import { VirtualClock } from "../virtual-clock.ts";
import { VirtualBoard } from "../espruino-shim/board.ts";
import type { BoardPlant } from "../espruino-shim/board.ts";

export interface HarnessConfig {
  hal: EspruinoHalConfig;
  plant: PlantParams;
  seed: number;
  /** A plant state printed by H.plant() before a reset, to continue from. */
  plantState: any;
  /** Plant time = board time + this (a reset restarts the board's clock at 0). */
  plantOffsetMs: number;
  wallStartMs: number;
  /** Board times at which to print the plant's true gap (before anything else runs then). */
  probes: number[];
}

interface Espruino {
  getErrorFlags(): string[];
  getSizeOf(v: unknown, depth?: number): number;
  enableWatchdog(timeoutS: number, isAuto?: boolean): void;
  kickWatchdog(): void;
  hwRand(): number;
}
declare const E: Espruino;
declare function print(...a: unknown[]): void;
declare function getTime(): number;
declare const require: (name: string) => any;
declare const process: { memory(gc?: boolean): { free: number; usage: number; total: number } };
declare const global: any;

const HOUR_MS = 3600000;
/** Upper bounds (ms) of the callback-duration histograms; the last bucket is everything above. */
const BUCKETS_MS = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 100, 150, 200, 300, 500];
/** Callback kinds: a control tick (it read the sensors), one that wrote the journal, one in which Storage compacted, the rest (move bursts and ends). */
const KINDS = ["tick", "journal", "compaction", "other"];

interface KindStats {
  n: number;
  ms: number;
  maxMs: number;
  maxAtMs: number;
  histogram: number[];
}
/** Callbacks longer than this (host ms) are reported one by one. */
const LONG_MS = 50;
const nativeTime = getTime;

function hostMs(): number {
  return nativeTime() * 1000;
}

function assignDeep(dst: any, src: any): void {
  for (const k in src) {
    if (k === "p") continue;
    const v = src[k];
    if (v !== null && typeof v === "object" && dst[k] !== null && typeof dst[k] === "object") assignDeep(dst[k], v);
    else dst[k] = v;
  }
}

class Harness {
  board: VirtualBoard | null;
  plant: Plant | null;
  plantOffsetMs: number;
  ballast: Uint8Array[];
  ballastVars: number;
  callbacks: number;
  callbackMs: number;
  longestMs: number;
  longestAtMs: number;
  histogram: number[];
  kinds: { [kind: string]: KindStats };
  writesBefore: number;
  compactionsBefore: number;
  sensingCallbacks: number;
  sensingMs: number;
  sensing: boolean;
  peakUsage: number;
  peakAtMs: number;
  restMinFree: number;
  restMaxFree: number;
  flags: string[];
  errors: number;
  /** What the app asked of Storage: write calls and bytes, file erases. */
  storageWrites: number;
  storageBytes: number;
  storageErases: number;
  /** Storage compactions (a file created when there was no room: its trash goes). */
  storageCompactions: number;

  constructor() {
    this.board = null;
    this.plant = null;
    this.plantOffsetMs = 0;
    this.ballast = [];
    this.ballastVars = 0;
    this.callbacks = 0;
    this.callbackMs = 0;
    this.longestMs = 0;
    this.longestAtMs = 0;
    this.histogram = [];
    for (let i = 0; i <= BUCKETS_MS.length; i++) this.histogram.push(0);
    this.kinds = {};
    for (let k = 0; k < KINDS.length; k++) {
      const h: number[] = [];
      for (let i = 0; i <= BUCKETS_MS.length; i++) h.push(0);
      this.kinds[KINDS[k]] = { n: 0, ms: 0, maxMs: 0, maxAtMs: 0, histogram: h };
    }
    this.writesBefore = 0;
    this.compactionsBefore = 0;
    this.sensingCallbacks = 0;
    this.sensingMs = 0;
    this.sensing = false;
    this.peakUsage = 0;
    this.peakAtMs = 0;
    this.restMinFree = Infinity;
    this.restMaxFree = 0;
    this.flags = [];
    this.errors = 0;
    this.storageWrites = 0;
    this.storageBytes = 0;
    this.storageErases = 0;
    this.storageCompactions = 0;
  }

  init(cfg: HarnessConfig): void {
    const self = this;
    const clock = new VirtualClock(cfg.wallStartMs);
    const plant = new Plant(cfg.plant, cfg.seed);
    if (cfg.plantState) assignDeep(plant, cfg.plantState);
    this.plant = plant;
    const offset = cfg.plantOffsetMs;
    this.plantOffsetMs = offset;
    const seen: BoardPlant = {
      advanceTo: function (t: number) {
        plant.advanceTo(t + offset);
      },
      pulse: function (dir: number) {
        return plant.pulse(dir);
      },
      sensePosition: function () {
        self.sensing = true;
        return plant.sensePosition();
      },
      senseForce: function () {
        return plant.senseForce();
      },
    };
    const b = new VirtualBoard(seen, cfg.hal, clock, hostMs);
    b.onError = function (m: string) {
      self.errors++;
      print("@e " + JSON.stringify({ t: clock.monoMs(), error: m }));
    };
    b.onCallback = function (ms: number) {
      self.callback(ms);
    };
    this.board = b;
    for (let i = 0; i < cfg.probes.length; i++) this.probe(cfg.probes[i]);
    this.install(b);
  }

  /** require("Storage") counts what the app writes and erases (the rest passes through). */
  private countStorage(): void {
    const self = this;
    const real = require("Storage");
    const counted = {
      write: function (name: string, data: any, offset?: number, size?: number) {
        self.storageWrites++;
        self.storageBytes += data.length;
        if (offset) return real.write(name, data, offset, size);
        // creating a file: Storage compacts when it has no room
        const trash = real.getStats().trashBytes;
        const r = real.write(name, data, offset, size);
        if (real.getStats().trashBytes < trash) self.storageCompactions++;
        return r;
      },
      erase: function (name: string) {
        self.storageErases++;
        return real.erase(name);
      },
      read: function (name: string, offset?: number, length?: number) {
        return real.read(name, offset, length);
      },
      readArrayBuffer: function (name: string) {
        return real.readArrayBuffer(name);
      },
      list: function (m?: any) {
        return real.list(m);
      },
      getFree: function () {
        return real.getFree();
      },
      getStats: function () {
        return real.getStats();
      },
    };
    const nativeRequire = require;
    global.require = function (name: string) {
      return name === "Storage" ? counted : nativeRequire(name);
    };
  }

  private install(b: VirtualBoard): void {
    this.countStorage();
    global.getTime = function () {
      return b.getTime();
    };
    global.setTimeout = function (fn: () => void, ms: number) {
      return b.setTimer(fn, ms, false);
    };
    global.setInterval = function (fn: () => void, ms: number) {
      return b.setTimer(fn, ms, true);
    };
    global.clearTimeout = function (id: number) {
      b.clearTimer(id);
    };
    global.clearInterval = function (id: number) {
      b.clearTimer(id);
    };
    global.digitalWrite = function (p: unknown, v: unknown) {
      b.setLevel(String(p), v ? 1 : 0);
    };
    global.digitalRead = function (p: unknown) {
      return b.digitalRead(String(p));
    };
    global.digitalPulse = function (p: unknown, v: unknown, t: number | ArrayLike<number>) {
      b.digitalPulse(String(p), v ? 1 : 0, t);
    };
    global.analogRead = function (p: unknown) {
      return b.analogRead(String(p));
    };
    global.analogWrite = function (p: unknown, v: number, o: { freq?: number } | undefined) {
      b.analogWrite(String(p), v, o && o.freq ? o.freq : 0);
    };
    global.pinMode = function (p: unknown, mode: string) {
      b.pinModes[String(p)] = mode;
    };
    E.enableWatchdog = function (s: number, auto?: boolean) {
      b.enableWatchdog(s, auto);
    };
    E.kickWatchdog = function () {
      b.kickWatchdog();
    };
    E.hwRand = function () {
      return b.hwRand();
    };
    global.USB = {
      on: function (ev: string, fn: (d: string) => void) {
        b.usbOn(ev, fn);
      },
      write: function (d: unknown) {
        b.usbWrite(d);
      },
    };
    // the REPL stays on the harness's console: the app's console line is the virtual USB port
    global.LoopbackA = { setConsole: function () {} };
    b.onUsb = function (d: string) {
      print("@tx " + JSON.stringify(d));
    };
  }

  /** Holds variables in flat strings until `free` are left (a Pico's pool on a larger build, less a margin to prove). */
  holdTo(free: number): void {
    const before = process.memory().usage;
    for (;;) {
      const left = process.memory().free - free;
      if (left < 8) break;
      // chunks of at most 1,000 variables (one much larger makes the interpreter exit)
      this.ballast.push(new Uint8Array(13 * ((left > 1000 ? 1000 : left) - 4)));
    }
    this.ballastVars = process.memory().usage - before;
  }

  private probe(at: number): void {
    const self = this;
    this.board!.clock.at(at, function () {
      self.plant!.advanceTo(at + self.plantOffsetMs);
      print("@g " + JSON.stringify({ t: at, gapUm: self.plant!.gapUm }));
    });
  }

  private callback(ms: number): void {
    const t = this.board!.nowMs();
    this.callbacks++;
    this.callbackMs += ms;
    if (ms > this.longestMs) {
      this.longestMs = ms;
      this.longestAtMs = t;
    }
    let k = 0;
    while (k < BUCKETS_MS.length && ms > BUCKETS_MS[k]) k++;
    this.histogram[k]++;
    let kind = "other";
    if (this.storageCompactions !== this.compactionsBefore) kind = "compaction";
    else if (this.storageWrites !== this.writesBefore) kind = "journal";
    else if (this.sensing) kind = "tick";
    this.compactionsBefore = this.storageCompactions;
    this.writesBefore = this.storageWrites;
    const ks = this.kinds[kind];
    ks.n++;
    ks.ms += ms;
    ks.histogram[k]++;
    if (ms > ks.maxMs) {
      ks.maxMs = ms;
      ks.maxAtMs = t;
    }
    if (ms > LONG_MS) print("@long " + JSON.stringify({ t, ms, kind }));
    if (this.sensing) {
      this.sensingCallbacks++;
      this.sensingMs += ms;
      this.sensing = false;
    }
    // the peak after a callback (no GC), sampled every 8th callback: process.memory() costs time
    if ((this.callbacks & 7) === 0) {
      const u = process.memory(false).usage;
      if (u > this.peakUsage) {
        this.peakUsage = u;
        this.peakAtMs = t;
      }
    }
    const f = E.getErrorFlags();
    for (let i = 0; i < f.length; i++) {
      if (this.flags.indexOf(f[i]) < 0) this.flags.push(f[i]);
      print("@f " + JSON.stringify({ t, flag: f[i] }));
    }
  }

  run(untilMs: number): void {
    const b = this.board!;
    for (;;) {
      const next = Math.min(untilMs, (Math.floor(b.nowMs() / HOUR_MS) + 1) * HOUR_MS);
      b.runUntil(next);
      const m = process.memory();
      if (m.free < this.restMinFree) this.restMinFree = m.free;
      if (m.free > this.restMaxFree) this.restMaxFree = m.free;
      print("@p " + JSON.stringify({ t: b.nowMs(), free: m.free, usage: m.usage, callbacks: this.callbacks }));
      if (b.resetAtMs >= 0) {
        print("@reset " + JSON.stringify({ t: b.resetAtMs }));
        break;
      }
      if (next >= untilMs) break;
    }
    print("@idle " + b.nowMs());
  }

  /** A host sends `text` over the virtual USB port now (board time); the app's answers print as "@tx". */
  usb(text: string): void {
    this.board!.usbSend(text);
  }

  plantState(): void {
    print("@plant " + JSON.stringify(this.plant));
  }

  stats(): void {
    const b = this.board!;
    const m = process.memory();
    print("@stats " + JSON.stringify({
      t: b.nowMs(),
      callbacks: this.callbacks,
      callbackMs: this.callbackMs,
      longestMs: this.longestMs,
      longestAtMs: this.longestAtMs,
      histogramMs: BUCKETS_MS,
      histogram: this.histogram,
      kinds: this.kinds,
      sensingCallbacks: this.sensingCallbacks,
      sensingMs: this.sensingMs,
      plantMs: b.plantMs,
      pulses: b.pulses,
      peakUsage: this.peakUsage,
      peakAtMs: this.peakAtMs,
      restMinFree: this.restMinFree,
      restMaxFree: this.restMaxFree,
      free: m.free,
      usage: m.usage,
      total: m.total,
      ballastVars: this.ballastVars,
      flags: this.flags,
      errors: this.errors,
      storageWrites: this.storageWrites,
      storageBytes: this.storageBytes,
      storageErases: this.storageErases,
      storageCompactions: this.storageCompactions,
      storage: require("Storage").getStats(),
      pins: b.pins,
      pwmHz: b.pwmHz,
      resetAtMs: b.resetAtMs,
    }));
  }
}

global.H = new Harness();
