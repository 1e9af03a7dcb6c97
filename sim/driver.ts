// The simulator as a HAL driver (grblHAL's Simulator): the same interface a real
// board implements, backed by the plant model and the virtual clock. Pulses of a
// move reach the plant at the move's end time, at the driver's step rate.

import type { Annunciator, AlarmLevel, Clock, Hal, HalCaps, MoveRequest, MoveResult, Reading, Sensor, Stepper } from "../hal/types.ts";
import type { Plant } from "./plant.ts";
import type { VirtualClock } from "./virtual-clock.ts";
import { Rng } from "./rng.ts";
import type { PowerCutStore } from "./power-cut-store.ts";

export interface SimDriverOptions {
  maxStepRateHz: number;
  maxMoveSteps: number;
}

export class SimStepper implements Stepper {
  private enabled = false;
  private busy = false;
  /** The motor driver's FAULT output (scripted by sim/faults.ts). */
  faultInput = false;
  /** Called after a move's pulses reached the plant, before its callback (world persistence). */
  afterPulses: (() => void) | null = null;
  /** The move in flight: its completion event, start, end, pulse count, what was asked and who to tell. */
  private pending = { id: -1, start: 0, end: 0, fits: 0, dir: 1, steps: 0, done: null as ((res: MoveResult) => void) | null };
  /** The completion event's callback, made once (no closure per move). */
  private finishFn: () => void;
  plant: Plant;
  clock: VirtualClock;
  rateHz: number;
  maxMove: number;

  constructor(plant: Plant, clock: VirtualClock, rateHz: number, maxMove: number) {
    this.plant = plant;
    this.clock = clock;
    this.rateHz = rateHz;
    this.maxMove = maxMove;
    const self = this;
    this.finishFn = function () {
      self.finish();
    };
  }

  enable(): void {
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  driverFault(): boolean {
    return this.faultInput;
  }

  /** Power fails: the pulses sent before now reach the plant, the rest never do, no callback runs. */
  powerCut(): void {
    if (this.busy) {
      this.clock.cancel(this.pending.id);
      const now = this.clock.monoMs();
      this.plant.advanceTo(now);
      const sent = Math.min(this.pending.fits, Math.floor(((now - this.pending.start) * this.rateHz) / 1000));
      this.plant.pulseN(this.pending.dir, sent);
    }
    this.busy = false;
    this.pending.done = null;
    this.enabled = false;
  }

  move(req: MoveRequest, done: (res: MoveResult) => void): void {
    const start = this.clock.monoMs();
    if (this.busy) return refuse(done, "busy", start);
    if (!this.enabled) return refuse(done, "disabled", start);
    if (!(req.steps >= 0) || req.steps > this.maxMove || Math.floor(req.steps) !== req.steps) return refuse(done, "too-large", start);
    const fullMs = (req.steps * 1000) / this.rateHz;
    const fits = fullMs <= req.maxDurationMs ? req.steps : Math.floor((req.maxDurationMs * this.rateHz) / 1000);
    const p = this.pending;
    this.busy = true;
    p.start = start;
    p.end = start + (fits * 1000) / this.rateHz;
    p.fits = fits;
    p.dir = req.dir;
    p.steps = req.steps;
    p.done = done;
    p.id = this.clock.at(p.end, this.finishFn);
  }

  /** The move's end: its pulses reach the plant (unless a disable stopped them) and its callback runs. */
  private finish(): void {
    const p = this.pending;
    const done = p.done!;
    p.done = null;
    this.busy = false;
    this.plant.advanceTo(p.end);
    let issued = 0;
    // A disable during the move stops the pulses that were still to come.
    if (this.enabled) {
      this.plant.pulseN(p.dir, p.fits);
      issued = p.fits;
    }
    if (this.afterPulses) this.afterPulses();
    done({ issued, fault: !this.enabled ? "disabled" : p.fits < p.steps ? "timeout" : "", startedAtMs: p.start, endedAtMs: p.end });
  }
}

function refuse(done: (res: MoveResult) => void, fault: MoveResult["fault"], atMs: number): void {
  done({ issued: 0, fault, startedAtMs: atMs, endedAtMs: atMs });
}

export type SensorFault = "" | "stuck" | "dropout";

export class SimSensor implements Sensor {
  /** The load cell (true) or the position sensor (false) of the plant. */
  private isForce: boolean;
  private clock: VirtualClock;
  private plant: Plant;
  /** Scripted fault (sim/faults.ts): frozen value or no reading (offsets and drifts are the plant's: Plant.positionError). */
  fault: SensorFault = "";
  private last: Reading = { value: 0, atMs: 0, ok: false };

  constructor(plant: Plant, clock: VirtualClock, isForce: boolean) {
    this.plant = plant;
    this.clock = clock;
    this.isForce = isForce;
  }

  read(): Reading {
    const t = this.clock.monoMs();
    this.plant.advanceTo(t);
    if (this.fault === "dropout") return { value: this.last.value, atMs: this.last.atMs, ok: false };
    if (this.fault === "stuck") return { value: this.last.value, atMs: t, ok: true };
    this.last = { value: this.isForce ? this.plant.senseForce() : this.plant.sensePosition(), atMs: t, ok: true };
    return this.last;
  }
}

export class RecordingAnnunciator implements Annunciator {
  private lvl: AlarmLevel = 0;
  history: Array<{ atMs: number; level: AlarmLevel; code: string }> = [];
  private clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  set(level: AlarmLevel, code: string): void {
    this.lvl = level;
    this.history.push({ atMs: this.clock.monoMs(), level, code });
  }

  level(): AlarmLevel {
    return this.lvl;
  }
}

export interface SimHal extends Hal {
  plant: Plant;
  clock: VirtualClock;
  stepper: SimStepper;
  position: SimSensor;
  force: SimSensor;
  store: PowerCutStore;
  vault: PowerCutStore;
  alarm: RecordingAnnunciator;
}

/**
 * The simulator's random source: seeded (a run repeats), and mixed with the
 * virtual time of each call, so a device rebooted on the same world draws new
 * bytes (a new journal id) rather than the ones its first boot drew.
 */
function simRandom(seed: number, clock: VirtualClock): (n: number) => Uint8Array {
  let calls = 0;
  return (n) => {
    calls++;
    const rng = new Rng((seed * 2654435761 + calls * 40503 + clock.monoMs()) >>> 0);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rng.next() * 256);
    return b;
  };
}

/** The simulator driver; `store` (the journal) and `vault` are the non-volatile stores that outlive a power cut. */
export function makeSimHal(plant: Plant, clock: VirtualClock, opts: SimDriverOptions, store: PowerCutStore, vault: PowerCutStore, seed: number): SimHal {
  const caps: HalCaps = {
    maxMoveSteps: opts.maxMoveSteps,
    maxStepRateHz: opts.maxStepRateHz,
    driverFaultInput: false,
    persistentStore: true,
    enableLine: true,
    vault: true,
  };
  return {
    name: "sim",
    caps,
    plant,
    clock,
    stepper: new SimStepper(plant, clock, opts.maxStepRateHz, opts.maxMoveSteps),
    position: new SimSensor(plant, clock, false),
    force: new SimSensor(plant, clock, true),
    store,
    vault,
    random: simRandom(seed, clock),
    alarm: new RecordingAnnunciator(clock),
  };
}
