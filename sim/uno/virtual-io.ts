// A virtual Uno as an in-process johnny-five IO plugin (no CPU, no firmware, no
// serial): Firmata semantics at the API level — digital writes drive the rig's
// lines at once, analog channels report every sampling interval (counts from the
// rig's front end), and the AccelStepper calls of ConfigurableFirmata are modelled
// (constant speed, move-complete reports). Time is the VirtualClock's (board ms).
// Like StandardFirmata it boots with every digital pin an output driven low.

import { EventEmitter } from "node:events";
import type { VirtualClock } from "../virtual-clock.ts";
import type { PinLevel } from "./avr.ts";
import { UNO_PINS } from "./avr.ts";
import { voltsToCounts } from "./front-end.ts";
import type { Rig } from "./rig.ts";

const ANALOG_FIRST_PIN = 14;
const ANALOG_CHANNELS = 6;

interface AccelState {
  stepPin: number;
  dirPin: number;
  enablePin: number;
  invertEnable: boolean;
  speed: number;
  position: number;
  target: number;
  timer: number;
}

export class VirtualIO extends EventEmitter {
  readonly name = "VirtualUno";
  isReady = false;
  readonly MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4, STEPPER: 8, PULLUP: 11 };
  readonly STEPPER = { TYPE: { DRIVER: 1 } };
  readonly RESOLUTION = { ADC: 1023, PWM: 255, DAC: null };
  readonly pins: Array<{ supportedModes: number[]; analogChannel: number; mode: number; value: number; report: number }> = [];
  readonly analogPins: number[] = [];
  private rig: Rig;
  private clock: VirtualClock;
  private samplingMs = 19;
  private reporting: boolean[] = [];
  private reportTimer = -1;
  private accel: AccelState | null = null;
  powered = true;

  constructor(rig: Rig, clock: VirtualClock) {
    super();
    this.rig = rig;
    this.clock = clock;
    for (let p = 0; p < UNO_PINS; p++) {
      const analog = p >= ANALOG_FIRST_PIN ? p - ANALOG_FIRST_PIN : 127;
      this.pins.push({ supportedModes: analog === 127 ? [0, 1, 8, 11] : [0, 1, 2], analogChannel: analog, mode: 1, value: 0, report: 0 });
      if (analog !== 127) this.analogPins.push(p);
    }
    for (let c = 0; c < ANALOG_CHANNELS; c++) this.reporting.push(false);
  }

  /** Plugs the board in: boots (all digital pins driven low) and completes the handshake. */
  connect(): void {
    for (let p = 0; p < ANALOG_FIRST_PIN; p++) this.line(p, "low");
    setImmediate(() => {
      this.isReady = true;
      this.emit("connect");
      this.emit("ready");
    });
  }

  private line(pin: number, level: PinLevel): void {
    this.rig.line(pin, level, this.clock.monoMs());
  }

  pinMode(pin: number, mode: number): void {
    this.pins[pin].mode = mode;
  }

  digitalWrite(pin: number, value: number): void {
    if (!this.powered) return;
    this.pins[pin].value = value ? 1 : 0;
    this.line(pin, value ? "high" : "low");
  }

  setSamplingInterval(ms: number): void {
    this.samplingMs = Math.max(10, Math.min(65535, ms));
  }

  analogRead(channel: number, cb: (counts: number) => void): void {
    this.on("analog-read-" + channel, cb);
    this.reporting[channel] = true;
    if (this.reportTimer < 0) this.scheduleReport();
  }

  private scheduleReport(): void {
    this.reportTimer = this.clock.at(this.clock.monoMs() + this.samplingMs, () => {
      if (!this.powered) return;
      const t = this.clock.monoMs();
      for (let c = 0; c < ANALOG_CHANNELS; c++) {
        if (this.reporting[c]) this.emit("analog-read-" + c, voltsToCounts(this.rig.volts(c, t)));
      }
      this.scheduleReport();
    });
  }

  accelStepperConfig(opts: { stepPin: number; directionPin: number; enablePin?: number; invertPins?: number[] }): void {
    const en = opts.enablePin ?? -1;
    this.accel = { stepPin: opts.stepPin, dirPin: opts.directionPin, enablePin: en, invertEnable: (opts.invertPins ?? []).includes(en), speed: 1, position: 0, target: 0, timer: -1 };
  }

  private stepperState(): AccelState {
    if (!this.accel) throw new Error("accelStepper used before accelStepperConfig");
    return this.accel;
  }

  accelStepperZero(_dev: number): void {
    this.stepperState().position = 0;
  }

  accelStepperSpeed(_dev: number, stepsPerSecond: number): void {
    this.stepperState().speed = stepsPerSecond;
  }

  /** Acceleration is not modelled: every move runs at constant speed (the driver sets 0). */
  accelStepperAcceleration(_dev: number, _stepsPerSecond2: number): void {}

  accelStepperEnable(_dev: number, enabled: boolean): void {
    const s = this.stepperState();
    if (s.enablePin >= 0 && this.powered) this.line(s.enablePin, enabled !== s.invertEnable ? "high" : "low");
  }

  accelStepperStep(dev: number, steps: number, done?: (position: number) => void): void {
    const s = this.stepperState();
    if (done) this.once("stepper-done-" + dev, done);
    s.target = s.position + steps;
    this.line(s.dirPin, steps > 0 ? "high" : "low");
    const interval = 1000 / s.speed;
    const next = () => {
      s.timer = -1;
      if (!this.powered) return;
      if (s.position === s.target) return this.emit("stepper-done-" + dev, s.position);
      this.line(s.stepPin, "high");
      this.line(s.stepPin, "low");
      s.position += s.target > s.position ? 1 : -1;
      s.timer = this.clock.at(this.clock.monoMs() + interval, next);
    };
    next();
  }

  accelStepperStop(dev: number): void {
    const s = this.stepperState();
    if (s.timer < 0) return;
    this.clock.cancel(s.timer);
    s.timer = -1;
    s.target = s.position;
    this.emit("stepper-done-" + dev, s.position);
  }

  /** Pulls the USB cable: the board loses power (pins float, reports stop) and the port closes. */
  unplug(): void {
    if (!this.powered) return;
    this.powered = false;
    if (this.reportTimer >= 0) this.clock.cancel(this.reportTimer);
    if (this.accel && this.accel.timer >= 0) this.clock.cancel(this.accel.timer);
    for (let p = 0; p < UNO_PINS; p++) this.line(p, "float");
    this.emit("close");
  }
}
