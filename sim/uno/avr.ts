// An Arduino Uno on avr8js: an ATmega328P at 16 MHz running a firmware image
// unchanged, with timers 0–2 (millis(), the Firmata sampling interval), USART0
// bridged to a byte stream, GPIO ports B/C/D observed pin by pin, and the ADC read
// from a caller-supplied voltage source at the instant of each conversion.
// Emulated time is the CPU cycle count (16,000 cycles = 1 ms): deterministic.
// The CPU runs in cpu-loop.ts's loop (avr8js's instructions decoded by table, avr-run.ts;
// the firmware's idle rounds fast-forwarded, exactly). With
// `bootMemo` a reset replays the boot this process already emulated for the same image
// (its pin changes, its cycle counts, then the chip state where it stopped: avr-state.ts)
// until the first byte in or out or ADC conversion; from there on the chip runs as ever.
// Cutting power (unplugging a USB-powered board) stops the CPU and floats every pin.

import { AVRADC, AVRIOPort, AVRTimer, AVRUSART, CPU, PinState, adcConfig, portBConfig, portCConfig, portDConfig, timer0Config, timer1Config, timer2Config, usart0Config } from "avr8js";
import { avrDecoder } from "./avr-run.ts";
import { cpuLoop } from "./cpu-loop.ts";
import type { IdleStats } from "./cpu-loop.ts";
import { captureAvr, restoreAvr } from "./avr-state.ts";
import type { AvrState } from "./avr-state.ts";
import { createHash } from "node:crypto";

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

/**
 * A boot already run: from reset until the host's first byte reaches the chip, the
 * firmware sends a byte or starts an ADC conversion, nothing outside the chip can change
 * or see what it does except its pins, so every reset repeats the same steps. Kept per
 * program: each whole-ms slice's end and pin changes up to the last slice before that
 * point, and the whole chip state after every CHECKPOINT_MS-th slice and after the last.
 */
interface BootMemo {
  /** Cycle count after slice k (from k ms to k + 1 ms; an instruction may end past the slice). */
  ends: number[];
  /** [pin, level, cycle stamp, slice that emitted it]. */
  pins: Array<[number, PinLevel, number, number]>;
  /** Slice index → chip state after it. */
  states: Map<number, AvrState>;
}

const CHECKPOINT_MS = 10;
const bootMemos = new Map<string, BootMemo>();

/** Drops the boots kept so far: the next reset of each program runs (and records) its boot again. */
export function forgetBootMemos(): void {
  bootMemos.clear();
}

interface BootRecording {
  key: string;
  memo: BootMemo;
  /** Pins recorded when the last state was kept. */
  pinsKept: number;
  contact: boolean;
}

/** Writes by which the firmware shows something or reads the rig: a byte to send, an ADC conversion started. */
function watchContact(cpu: CPU, seen: () => void): void {
  const ADSC = 0x40;
  const watch = (addr: number, touches: (value: number) => boolean) => {
    const write = cpu.writeHooks[addr];
    cpu.writeHooks[addr] = (value, oldValue, a, mask) => {
      if (touches(value)) seen();
      return write ? write(value, oldValue, a, mask) : false;
    };
  };
  watch(usart0Config.UDR, () => true);
  watch(adcConfig.ADCSRA, (v) => (v & ADSC) !== 0);
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
  /** How the idle loop was fast-forwarded (cpu-loop.ts); null when the caller gave its own loop. */
  readonly idle: IdleStats | null = null;
  private peripherals: object[];
  private recording: BootRecording | null = null;
  private replay: { memo: BootMemo; next: number; slices: number } | null = null;
  private muted = false;
  /** Whether this reset replays a boot already run in this process (boot memo). */
  readonly bootReplayed: boolean = false;

  /** While a boot is replayed the chip's registers are not its own yet (only the cycle count and pins are). */
  get replaying(): boolean {
    return this.replay !== null;
  }

  /**
   * `run`: the CPU loop (by default cpu-loop.ts's; a test passes avr8js's own avrInstruction + tick to compare).
   * `fastForward` (default true): cpu-loop.ts skips the firmware's idle rounds (false: it executes every one).
   * `bootMemo`: replay the boot this process already ran for this program instead of emulating
   * it again (the caller runs whole-ms slices, the only ones a replay can match).
   */
  constructor(program: Uint16Array, opts: { run?: (cpu: CPU, endCycles: number) => void; bootMemo?: boolean; fastForward?: boolean } = {}) {
    const cpu = new CPU(program, SRAM_BYTES);
    this.cpu = cpu;
    const timers = [new AVRTimer(cpu, timer0Config), new AVRTimer(cpu, timer1Config), new AVRTimer(cpu, timer2Config)];
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
    this.peripherals = [...timers, this.usart, this.adc, ...this.ports];
    if (opts.bootMemo) {
      const key = createHash("sha256").update(program).digest("hex");
      const memo = bootMemos.get(key);
      if (memo) {
        this.replay = { memo, next: 0, slices: 0 };
        this.bootReplayed = true;
      } else {
        const rec: BootRecording = { key, memo: { ends: [], pins: [], states: new Map() }, pinsKept: 0, contact: false };
        this.recording = rec;
        watchContact(cpu, () => (rec.contact = true));
      }
    }
    // last: the idle loop counts every hook the chip has as a touch of the outside
    if (opts.run) this.run = opts.run;
    else {
      const idle = cpuLoop(cpu, avrDecoder(), timers, this.ports, opts.fastForward !== false);
      this.run = idle.run;
      this.idle = idle.stats;
    }
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
    // the chip may take the byte now: it needs its own state, not the replay's
    if (this.replay) this.takeUpBoot();
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
    if (this.replay && this.replayUntil(cycles)) return;
    if (this.rxQueue.length > 0 && !this.usart.rxBusy) this.feedRx();
    this.run(cpu, cycles);
    if (this.recording) this.record(cycles);
  }

  /** Slice k of a replayed boot: its pin changes and its end; true while the memo covers it (else the chip takes up the boot). */
  private replayUntil(cycles: number): boolean {
    const r = this.replay!;
    const m = r.memo;
    const k = cycles / CYCLES_PER_MS - 1;
    if (!Number.isInteger(k)) throw new Error("boot-replay-off-grid: a replayed boot runs whole-ms slices, asked for cycle " + cycles);
    if (cycles <= this.cpu.cycles) return true;
    if (k !== r.slices || k >= m.ends.length) {
      this.takeUpBoot();
      return false;
    }
    for (; r.next < m.pins.length && m.pins[r.next][3] <= k; r.next++) {
      const [pin, lv, at] = m.pins[r.next];
      this.cpu.cycles = at;
      this.setLevel(pin, lv);
    }
    this.cpu.cycles = m.ends[k];
    r.slices++;
    return true;
  }

  /**
   * Leaves a replay: the chip state after the slices replayed so far, from the nearest
   * state kept at or before them and those slices run again (their pin changes are out already).
   */
  private takeUpBoot(): void {
    const r = this.replay!;
    this.replay = null;
    let from = -1;
    for (const k of r.memo.states.keys()) if (k < r.slices && k > from) from = k;
    if (from >= 0) restoreAvr(r.memo.states.get(from)!, this.cpu, this.peripherals);
    else this.cpu.cycles = 0;
    this.muted = true;
    for (let k = from + 1; k < r.slices; k++) this.run(this.cpu, (k + 1) * CYCLES_PER_MS);
    this.muted = false;
  }

  /** After slice k of the first boot: its end, and every CHECKPOINT_MS-th the chip state, until the outside has touched it. */
  private record(cycles: number): void {
    const rec = this.recording!;
    const m = rec.memo;
    const k = m.ends.length;
    const state = !rec.contact && cycles === (k + 1) * CYCLES_PER_MS ? captureAvr(this.cpu, this.peripherals) : null;
    if (!state) {
      // the slice that touched the outside (or ran off the whole-ms grid) is not part of the boot
      this.recording = null;
      m.pins.length = rec.pinsKept;
      if (k > 0) bootMemos.set(rec.key, m);
      return;
    }
    m.ends.push(this.cpu.cycles);
    // kept: every CHECKPOINT_MS-th state, and the newest
    if (k > 0 && (k - 1) % CHECKPOINT_MS !== CHECKPOINT_MS - 1) m.states.delete(k - 1);
    m.states.set(k, state);
    rec.pinsKept = m.pins.length;
  }

  /** Cuts the board's power: the CPU stops, every pin floats, nothing more is sent or received. */
  powerOff(): void {
    if (!this.powered) return;
    this.powered = false;
    this.recording = null;
    this.rxQueue.length = 0;
    for (let pin = 0; pin < UNO_PINS; pin++) this.setLevel(pin, "float");
  }

  private feedRx(): void {
    if (this.rxQueue.length === 0 || !this.powered) return;
    // writeByte refuses while a character is on the wire or before Serial.begin(); retried on the next run.
    if (this.usart.writeByte(this.rxQueue[0]) !== false) {
      this.rxQueue.shift();
      if (this.recording) this.recording.contact = true;
    }
  }

  private portChanged(idx: number): void {
    if (!this.powered || this.muted) return;
    for (let pin = 0; pin < UNO_PINS; pin++) {
      const [p, bit] = pinPort(pin);
      if (p === idx) this.setLevel(pin, level(this.ports[p].pinState(bit)));
    }
  }

  private setLevel(pin: number, lv: PinLevel): void {
    if (this.levels[pin] === lv) return;
    this.levels[pin] = lv;
    if (this.recording) this.recording.memo.pins.push([pin, lv, this.cpu.cycles, this.recording.memo.ends.length]);
    const t = this.nowMs();
    for (const l of this.pinListeners) l(pin, lv, t);
  }
}
