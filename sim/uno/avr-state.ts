// A copy of an emulated ATmega328P's whole state (avr8js's CPU and its peripherals) at
// an instruction boundary, and putting that state into another instance built the same
// way: what a reset board replays of a boot it has already run (avr.ts, bootMemo).
// Copied: the CPU's registers, SRAM, pc, cycle count, pending interrupts and clock
// event queue; every peripheral's own numbers, flags, strings and arrays of them.
// Not copied, because a fresh instance already has its own equal ones: configuration,
// hooks, listeners, interrupt descriptors. A clock event whose callback is not a
// peripheral's own method (a closure, e.g. a byte on the USART's wire) or a pending
// interrupt without its descriptor on the new instance makes capture() refuse (null):
// the caller then emulates instead of copying.

import type { CPU } from "avr8js";

export interface ClockEvent {
  cycles: number;
  callback: () => void;
  next: ClockEvent | null;
}

/** avr8js's CPU keeps its clock event queue and pending interrupts private (typed so). */
export interface CpuInternals {
  nextClockEvent: ClockEvent | null;
  pendingInterrupts: Array<{ address: number } | null>;
  nextInterrupt: number;
  maxInterrupt: number;
}

export interface AvrState {
  data: Uint8Array;
  pc: number;
  cycles: number;
  nextInterrupt: number;
  maxInterrupt: number;
  /** Addresses of the pending interrupts. */
  pending: number[];
  /** [cycles, peripheral index, method name], in queue order. */
  events: Array<[number, number, string]>;
  /** Per peripheral: its own plain fields. */
  fields: Array<Array<[string, unknown]>>;
}

type Plain = number | boolean | string | null | undefined;

/** A number, boolean, string, null or undefined: a field copied as it is. */
export function isPlain(v: unknown): v is Plain {
  return v === null || v === undefined || typeof v === "number" || typeof v === "boolean" || typeof v === "string";
}

/** A peripheral's own state: plain values and arrays / typed arrays of plain values (copied). */
function plainFields(o: object): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(o)) {
    if (isPlain(v)) out.push([k, v]);
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out.push([k, (v as Uint8Array).slice()]);
    else if (Array.isArray(v) && v.every(isPlain)) out.push([k, v.slice()]);
  }
  return out;
}

function methodName(p: object, fn: () => void): string | null {
  for (const [k, v] of Object.entries(p)) if (v === fn) return k;
  return null;
}

/** Every interrupt descriptor a peripheral owns (own fields and arrays of them), by vector address. */
function descriptors(peripherals: object[]): Map<number, object> {
  const by = new Map<number, object>();
  const take = (v: any) => {
    if (v && typeof v === "object" && typeof v.address === "number" && typeof v.flagRegister === "number") by.set(v.address, v);
  };
  for (const p of peripherals)
    for (const v of Object.values(p)) {
      if (Array.isArray(v)) v.forEach(take);
      else take(v);
    }
  return by;
}

/** The state now, or null when part of it cannot be carried to another instance. */
export function captureAvr(cpu: CPU, peripherals: object[]): AvrState | null {
  const c = cpu as unknown as CpuInternals;
  const events: AvrState["events"] = [];
  for (let e = c.nextClockEvent; e; e = e.next) {
    const i = peripherals.findIndex((p) => methodName(p, e!.callback) !== null);
    if (i < 0) return null;
    events.push([e.cycles, i, methodName(peripherals[i], e.callback)!]);
  }
  const pending: number[] = [];
  const known = descriptors(peripherals);
  c.pendingInterrupts.forEach((irq, address) => {
    if (irq) pending.push(address);
  });
  if (pending.some((a) => known.get(a) !== c.pendingInterrupts[a])) return null;
  return { data: cpu.data.slice(), pc: cpu.pc, cycles: cpu.cycles, nextInterrupt: c.nextInterrupt, maxInterrupt: c.maxInterrupt, pending, events, fields: peripherals.map(plainFields) };
}

/** Puts `s` into `cpu` and its peripherals (built as the captured ones were: same classes, same order). */
export function restoreAvr(s: AvrState, cpu: CPU, peripherals: object[]): void {
  const c = cpu as unknown as CpuInternals;
  cpu.data.set(s.data);
  cpu.pc = s.pc;
  cpu.cycles = s.cycles;
  const known = descriptors(peripherals);
  c.pendingInterrupts.fill(null);
  for (const a of s.pending) c.pendingInterrupts[a] = known.get(a) as { address: number };
  c.nextInterrupt = s.nextInterrupt;
  c.maxInterrupt = s.maxInterrupt;
  let head: ClockEvent | null = null;
  for (let k = s.events.length - 1; k >= 0; k--) {
    const [cycles, i, name] = s.events[k];
    head = { cycles, callback: (peripherals[i] as any)[name], next: head };
  }
  c.nextClockEvent = head;
  s.fields.forEach((fields, i) => {
    const p = peripherals[i] as any;
    for (const [k, v] of fields) p[k] = ArrayBuffer.isView(v) ? (v as Uint8Array).slice() : Array.isArray(v) ? v.slice() : v;
  });
}
