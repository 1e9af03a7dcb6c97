// An Arduino Uno on avr8js: an ATmega328P at 16 MHz running a firmware image
// unchanged, with timers 0–2 (millis(), the Firmata sampling interval), USART0
// bridged to a byte stream, GPIO ports B/C/D observed pin by pin, and the ADC read
// from a caller-supplied voltage source at the instant of each conversion.
// Emulated time is the CPU cycle count (16,000 cycles = 1 ms): deterministic.
// The CPU runs in avr-run.ts's loop (avr8js's instructions, decoded by table).
// Cutting power (unplugging a USB-powered board) stops the CPU and floats every pin.

import { AVRADC, AVRIOPort, AVRTimer, AVRUSART, CPU, PinState, adcConfig, portBConfig, portCConfig, portDConfig, timer0Config, timer1Config, timer2Config, usart0Config } from "avr8js";
import { avrDecoder } from "./avr-run.ts";

export const CPU_HZ = 16000000;
export const CYCLES_PER_MS = CPU_HZ / 1000;
/** Arduino digital pins D0–D19 (A0–A5 are D14–D19). */
export const UNO_PINS = 20;
/** SRAM of the ATmega328P. */
const SRAM_BYTES = 2048;

export type PinLevel = "low" | "high" | "float" | "pullup";

export type PinListener = (pin: number, level: PinLevel, atMs: number) => void;

/** Arduino pin → [port index (0 = B, 1 = C, 2 = D), bit]. */
function pinPort(pin: number): [number, number] {
  if (pin < 8) return [2, pin];
  if (pin < 14) return [0, pin - 8];
  return [1, pin - 14];
}

function level(state: PinState): PinLevel {
  return state === PinState.High ? "high" : state === PinState.Low ? "low" : state === PinState.InputPullUp ? "pullup" : "float";
}

/**
 * Works around avr8js 0.21.1, where writing UCSR0A or UCSR0B (HardwareSerial
 * does both for every byte it sends) clears a pending RX-complete flag, so a
 * byte arriving while the firmware transmits is silently lost. On the ATmega328P
 * only reading UDR0 clears RXC0: after such a write, re-raise it while a received
 * byte is still unread. Returns the hook to call when a byte has been received.
 */
function keepUnreadByte(cpu: CPU): () => void {
  const { UCSRA, UCSRB, UDR } = usart0Config;
  const RXEN = 0x10;
  const rxComplete = { address: usart0Config.rxCompleteInterrupt, flagRegister: UCSRA, flagMask: 0x80, enableRegister: UCSRB, enableMask: 0x80, constant: true };
  let unread = false;
  const read = cpu.readHooks[UDR];
  cpu.readHooks[UDR] = (addr) => {
    unread = false;
    return read(addr);
  };
  for (const reg of [UCSRA, UCSRB]) {
    const write = cpu.writeHooks[reg];
    cpu.writeHooks[reg] = (value, oldValue, addr, mask) => {
      const handled = write(value, oldValue, addr, mask);
      if (unread && (cpu.data[UCSRB] & RXEN) !== 0) cpu.setInterruptFlag(rxComplete);
      return handled;
    };
  }
  return () => {
    unread = true;
  };
}

export class EmulatedUno {
  readonly cpu: CPU;
  readonly usart: AVRUSART;
  readonly adc: AVRADC;
  private ports: AVRIOPort[];
  private levels: PinLevel[] = [];
  private rxQueue: number[] = [];
  private pinListeners: PinListener[] = [];
  powered = true;
  /** Bytes the firmware sent (in order); the transport drains them. */
  onTx: (byte: number) => void = () => {};
  /** ADC channel (0–5) → volts at this instant. */
  analogVolts: (channel: number, atMs: number) => number = () => 0;

  private run: (cpu: CPU, endCycles: number) => void;

  /** `run`: the CPU loop (avr-run.ts's; a test passes avr8js's own avrInstruction + tick to compare). */
  constructor(program: Uint16Array, run: (cpu: CPU, endCycles: number) => void = avrDecoder().run) {
    this.run = run;
    const cpu = new CPU(program, SRAM_BYTES);
    this.cpu = cpu;
    new AVRTimer(cpu, timer0Config);
    new AVRTimer(cpu, timer1Config);
    new AVRTimer(cpu, timer2Config);
    this.usart = new AVRUSART(cpu, usart0Config, CPU_HZ);
    this.usart.onByteTransmit = (b) => {
      if (this.powered) this.onTx(b);
    };
    const received = keepUnreadByte(cpu);
    this.usart.onRxComplete = () => {
      received();
      this.feedRx();
    };
    this.adc = new AVRADC(cpu, adcConfig);
    const convert = this.adc.onADCRead;
    this.adc.onADCRead = (input) => {
      if (input.type === 0) this.adc.channelValues[input.channel] = this.analogVolts(input.channel, this.nowMs());
      convert(input);
    };
    this.ports = [new AVRIOPort(cpu, portBConfig), new AVRIOPort(cpu, portCConfig), new AVRIOPort(cpu, portDConfig)];
    for (let pin = 0; pin < UNO_PINS; pin++) this.levels.push("float");
    this.ports.forEach((port, idx) => port.addListener(() => this.portChanged(idx)));
  }

  nowMs(): number {
    return this.cpu.cycles / CYCLES_PER_MS;
  }

  pinLevel(pin: number): PinLevel {
    return this.levels[pin];
  }

  onPin(listener: PinListener): void {
    this.pinListeners.push(listener);
  }

  /** Bytes from the host into USART0, one character time apart (as on the wire). */
  receive(bytes: Uint8Array | number[]): void {
    if (!this.powered) return;
    for (const b of bytes) this.rxQueue.push(b);
    this.feedRx();
  }

  /** Runs the CPU until the cycle count reaches `cycles` (time passes without a CPU when unpowered). */
  runUntilCycles(cycles: number): void {
    const cpu = this.cpu;
    if (!this.powered) {
      if (cycles > cpu.cycles) cpu.cycles = cycles;
      return;
    }
    if (this.rxQueue.length > 0 && !this.usart.rxBusy) this.feedRx();
    this.run(cpu, cycles);
  }

  /** Cuts the board's power: the CPU stops, every pin floats, nothing more is sent or received. */
  powerOff(): void {
    if (!this.powered) return;
    this.powered = false;
    this.rxQueue.length = 0;
    for (let pin = 0; pin < UNO_PINS; pin++) this.setLevel(pin, "float");
  }

  private feedRx(): void {
    if (this.rxQueue.length === 0 || !this.powered) return;
    // writeByte refuses while a character is on the wire or before Serial.begin(); retried on the next run.
    if (this.usart.writeByte(this.rxQueue[0]) !== false) this.rxQueue.shift();
  }

  private portChanged(idx: number): void {
    if (!this.powered) return;
    for (let pin = 0; pin < UNO_PINS; pin++) {
      const [p, bit] = pinPort(pin);
      if (p === idx) this.setLevel(pin, level(this.ports[p].pinState(bit)));
    }
  }

  private setLevel(pin: number, lv: PinLevel): void {
    if (this.levels[pin] === lv) return;
    this.levels[pin] = lv;
    const t = this.nowMs();
    for (const l of this.pinListeners) l(pin, lv, t);
  }
}
