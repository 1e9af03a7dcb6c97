// The simulator as a HAL driver (grblHAL's Simulator): the same interface a real
// board implements, backed by the plant model and the virtual clock. Pulses of a
// move reach the plant at the move's end time, at the driver's step rate.

import type { Annunciator, AlarmLevel, Clock, Hal, HalCaps, MoveRequest, MoveResult, Reading, Sensor, Stepper, Store } from "../types.ts";
import type { Plant } from "../../sim/plant.ts";
import type { VirtualClock } from "../../sim/virtual-clock.ts";

export interface SimDriverOptions {
  maxStepRateHz: number;
  maxMoveSteps: number;
}

class SimStepper implements Stepper {
  private enabled = false;
  private busy = false;
  plant: Plant;
  clock: VirtualClock;
  rateHz: number;
  maxMove: number;

  constructor(plant: Plant, clock: VirtualClock, rateHz: number, maxMove: number) {
    this.plant = plant;
    this.clock = clock;
    this.rateHz = rateHz;
    this.maxMove = maxMove;
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
    return false;
  }

  move(req: MoveRequest, done: (res: MoveResult) => void): void {
    const start = this.clock.monoMs();
    const refuse = (fault: MoveResult["fault"]) => done({ issued: 0, fault, startedAtMs: start, endedAtMs: start });
    if (this.busy) return refuse("busy");
    if (!this.enabled) return refuse("disabled");
    if (!(req.steps >= 0) || req.steps > this.maxMove || Math.floor(req.steps) !== req.steps) return refuse("too-large");
    const fullMs = (req.steps * 1000) / this.rateHz;
    const fits = fullMs <= req.maxDurationMs ? req.steps : Math.floor((req.maxDurationMs * this.rateHz) / 1000);
    const end = start + (fits * 1000) / this.rateHz;
    this.busy = true;
    this.clock.at(end, () => {
      this.busy = false;
      this.plant.advanceTo(end);
      let issued = 0;
      // A disable during the move stops the pulses that were still to come.
      if (this.enabled) {
        for (; issued < fits; issued++) this.plant.pulse(req.dir);
      }
      done({ issued, fault: !this.enabled ? "disabled" : fits < req.steps ? "timeout" : "", startedAtMs: start, endedAtMs: end });
    });
  }
}

class SimSensor implements Sensor {
  private readFn: () => number;
  private clock: VirtualClock;
  private plant: Plant;

  constructor(plant: Plant, clock: VirtualClock, readFn: () => number) {
    this.plant = plant;
    this.clock = clock;
    this.readFn = readFn;
  }

  read(): Reading {
    const t = this.clock.monoMs();
    this.plant.advanceTo(t);
    return { value: this.readFn(), atMs: t, ok: true };
  }
}

class MemoryStore implements Store {
  data: Uint8Array = new Uint8Array(0);

  append(bytes: Uint8Array): boolean {
    const next = new Uint8Array(this.data.length + bytes.length);
    next.set(this.data, 0);
    next.set(bytes, this.data.length);
    this.data = next;
    return true;
  }

  read(): Uint8Array {
    return this.data;
  }

  replace(bytes: Uint8Array): boolean {
    this.data = bytes.slice();
    return true;
  }
}

class RecordingAnnunciator implements Annunciator {
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
  alarm: RecordingAnnunciator;
}

export function makeSimHal(plant: Plant, clock: VirtualClock, opts: SimDriverOptions): SimHal {
  const caps: HalCaps = {
    maxMoveSteps: opts.maxMoveSteps,
    maxStepRateHz: opts.maxStepRateHz,
    driverFaultInput: false,
    persistentStore: true,
    enableLine: true,
  };
  return {
    name: "sim",
    caps,
    plant,
    clock,
    stepper: new SimStepper(plant, clock, opts.maxStepRateHz, opts.maxMoveSteps),
    position: new SimSensor(plant, clock, () => plant.sensePosition()),
    force: new SimSensor(plant, clock, () => plant.senseForce()),
    store: new MemoryStore(),
    alarm: new RecordingAnnunciator(clock),
  };
}
