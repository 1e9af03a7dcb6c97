// A virtual Espruino board: the hardware built-ins the firmware calls (pins,
// digitalPulse, analogRead, PWM, timers, getTime, the watchdog), wired to a plant
// in deterministic virtual time. One implementation for both stand-ins: the vm
// shim (sim/espruino-shim.ts) hands these functions to a V8 context, and the real
// interpreter's harness (sim/espruino-real/harness.ts) installs them as globals
// of the real Espruino interpreter, so it is written in the Espruino subset.
//  - timers run on a virtual clock (ties in scheduling order);
//  - the pins model a step-dir driver chip: a rising STEP edge while EN is active
//    moves the plant one microstep in the DIR direction; digitalPulse() queues its
//    edges on the utility timer (after a pulse still running on the pin);
//  - analogRead() of the position and force pins returns the plant's sensor
//    reading through the inverse of the configured calibration;
//  - E.enableWatchdog/E.kickWatchdog: a missed kick "resets" the board (recorded
//    in `resetAtMs`; nothing runs after it);
//  - the USB serial port: what the firmware writes is collected (`usbOut`), what
//    a host sends (`usbSend`) reaches its "data" handler as a callback.
// Uncaught errors in callbacks are recorded in `errors` (Espruino prints and goes on).

import type { EspruinoHalConfig } from "../../hal/espruino/config.ts";

/** What the board needs of a plant (sim/plant.ts's Plant has it). */
export interface BoardPlant {
  advanceTo(tMs: number): void;
  pulse(dir: number): unknown;
  sensePosition(): number;
  senseForce(): number;
}

/** The virtual clock the board runs on (sim/virtual-clock.ts). */
export interface BoardClock {
  monoMs(): number;
  wallMs(): number;
  at(atMs: number, fn: () => void): number;
  cancel(id: number): void;
  runUntil(ms: number): void;
}

export class VirtualBoard {
  plant: BoardPlant;
  hal: EspruinoHalConfig;
  clock: BoardClock;
  /** A wall-time stopwatch (ms) of the host, to tell firmware time from plant time. */
  perfMs: () => number;
  /** Output levels by pin name, the frequency of software-PWM pins, and pin modes. */
  pins: { [pin: string]: number };
  pwmHz: { [pin: string]: number };
  pinModes: { [pin: string]: string };
  /** Level the driver's FAULT output shows (tests set it). */
  faultLevel: number;
  /** STEP edges that moved the plant, and all STEP edges. */
  pulses: number;
  edges: number;
  errors: string[];
  watchdogS: number;
  lastKickMs: number;
  resetAtMs: number;
  /** Host time spent in the plant (ms). */
  plantMs: number;
  /** Called with each uncaught callback error (after it is recorded). */
  onError: ((message: string) => void) | null;
  /** Called after each timer callback with its host time (ms), the plant's share left out. */
  onCallback: ((ms: number) => void) | null;
  pulseEnd: { [pin: string]: number };
  /** Pending setTimeout/setInterval timers: id → clock event id. */
  timers: { [id: number]: number };
  timerCount: number;
  timerSeq: number;
  /** The firmware's USB "data" handler, what it wrote to USB, and a hook for each write. */
  usbData: ((data: string) => void) | null;
  usbOut: string[];
  onUsb: ((data: string) => void) | null;
  /** State of the hardware random generator's stand-in (xorshift32: deterministic, so runs repeat). */
  randState: number;

  constructor(plant: BoardPlant, hal: EspruinoHalConfig, clock: BoardClock, perfMs: () => number) {
    this.plant = plant;
    this.hal = hal;
    this.clock = clock;
    this.perfMs = perfMs;
    this.pins = {};
    this.pwmHz = {};
    this.pinModes = {};
    this.faultLevel = 1 - hal.faultActiveLevel;
    this.pulses = 0;
    this.edges = 0;
    this.errors = [];
    this.watchdogS = 0;
    this.lastKickMs = 0;
    this.resetAtMs = -1;
    this.plantMs = 0;
    this.onError = null;
    this.onCallback = null;
    this.pulseEnd = {};
    this.timers = {};
    this.timerCount = 0;
    this.timerSeq = 0;
    this.usbData = null;
    this.usbOut = [];
    this.onUsb = null;
    this.randState = 0x9e3779b9 | 0;
  }

  nowMs(): number {
    return this.clock.monoMs();
  }

  /** Runs every timer and pulse edge due up to `ms` (virtual time since boot). */
  runUntil(ms: number): void {
    this.clock.runUntil(ms);
    this.checkWatchdog();
  }

  private enabled(): boolean {
    return this.pins[this.hal.pins.enable] === (this.hal.enableActiveLow ? 0 : 1);
  }

  setLevel(pin: string, level: number): void {
    const was = this.pins[pin];
    this.pins[pin] = level;
    delete this.pwmHz[pin];
    if (pin !== this.hal.pins.step || level !== 1 || was === 1) return;
    this.edges++;
    if (!this.enabled() || this.resetAtMs >= 0) return;
    this.pulses++;
    const t0 = this.perfMs();
    this.plant.advanceTo(this.nowMs());
    this.plant.pulse(this.pins[this.hal.pins.dir] === this.hal.dirDistractLevel ? 1 : -1);
    this.plantMs += this.perfMs() - t0;
  }

  analogRead(pin: string): number {
    const h = this.hal;
    const cal = pin === h.pins.position ? h.position : pin === h.pins.force ? h.force : null;
    if (!cal) return 0;
    const t0 = this.perfMs();
    this.plant.advanceTo(this.nowMs());
    const v = pin === h.pins.position ? this.plant.sensePosition() : this.plant.senseForce();
    this.plantMs += this.perfMs() - t0;
    const raw = cal.raw0 + ((v - cal.value0) * (cal.raw1 - cal.raw0)) / (cal.value1 - cal.value0);
    return raw < 0 ? 0 : raw > 1 ? 1 : raw;
  }

  digitalRead(pin: string): number {
    return pin === this.hal.pins.fault ? this.faultLevel : this.pins[pin] || 0;
  }

  analogWrite(pin: string, value: number, freq: number): void {
    this.setLevel(pin, value >= 0.5 ? 1 : 0);
    if (freq) this.pwmHz[pin] = freq;
  }

  /** A pulse (one width) or a square wave (an array of widths) on the utility timer, after any still running on the pin. */
  digitalPulse(pin: string, value: number, times: number | ArrayLike<number>): void {
    let t = this.pulseEnd[pin] || 0;
    if (t < this.nowMs()) t = this.nowMs();
    let level = value ? 1 : 0;
    this.edge(pin, t, level);
    const n = typeof times === "number" ? 1 : times.length;
    for (let i = 0; i < n; i++) {
      t += typeof times === "number" ? times : times[i];
      level = 1 - level;
      this.edge(pin, t, level);
    }
    this.pulseEnd[pin] = t;
  }

  private edge(pin: string, at: number, level: number): void {
    if (at <= this.nowMs()) {
      this.setLevel(pin, level);
      return;
    }
    const self = this;
    this.clock.at(at, function () {
      self.setLevel(pin, level);
    });
  }

  /** A callback as the interpreter runs it: not after a reset, errors caught and recorded. */
  private guarded(fn: () => void): void {
    this.checkWatchdog();
    if (this.resetAtMs >= 0) return;
    const t0 = this.perfMs();
    const p0 = this.plantMs;
    try {
      fn();
    } catch (e: any) {
      const message = (e && e.stack) || String(e);
      this.errors.push(message);
      if (this.onError) this.onError(message);
    }
    if (this.onCallback) this.onCallback(this.perfMs() - t0 - (this.plantMs - p0));
  }

  checkWatchdog(): void {
    if (this.watchdogS > 0 && this.resetAtMs < 0 && this.nowMs() - this.lastKickMs > this.watchdogS * 1000) {
      this.resetAtMs = this.lastKickMs + this.watchdogS * 1000;
    }
  }

  setTimer(fn: () => void, ms: number, repeat: boolean): number {
    const id = ++this.timerSeq;
    this.timerCount++;
    this.arm(id, fn, this.nowMs() + (typeof ms === "number" && ms > 0 ? ms : 0), typeof ms === "number" && ms > 0 ? ms : 0, repeat);
    return id;
  }

  private arm(id: number, fn: () => void, due: number, period: number, repeat: boolean): void {
    const self = this;
    this.timers[id] = this.clock.at(due, function () {
      self.guarded(function () {
        if (repeat) self.arm(id, fn, due + period, period, repeat);
        else self.forget(id);
        fn();
      });
    });
  }

  private forget(id: number): void {
    if (this.timers[id] === undefined) return;
    delete this.timers[id];
    this.timerCount--;
  }

  clearTimer(id: number): void {
    const t = this.timers[id];
    if (t === undefined) return;
    this.clock.cancel(t);
    this.forget(id);
  }

  enableWatchdog(timeoutS: number, isAuto: boolean | undefined): void {
    if (isAuto === false) {
      this.watchdogS = timeoutS;
      this.lastKickMs = this.nowMs();
    }
  }

  kickWatchdog(): void {
    this.lastKickMs = this.nowMs();
  }

  getTime(): number {
    return this.clock.wallMs() / 1000;
  }

  /** E.hwRand(): 32 pseudo-random bits. */
  hwRand(): number {
    let x = this.randState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.randState = x | 0;
    return this.randState;
  }

  usbOn(event: string, fn: (data: string) => void): void {
    if (event === "data") this.usbData = fn;
  }

  usbWrite(data: unknown): void {
    const s = String(data);
    this.usbOut.push(s);
    if (this.onUsb) this.onUsb(s);
  }

  /** A host sends bytes (one character each) over USB: they reach the handler now, as a callback. */
  usbSend(data: string): void {
    const self = this;
    this.clock.at(this.nowMs(), function () {
      self.guarded(function () {
        if (self.usbData) self.usbData(data);
      });
    });
  }
}
