// The CPU loop: avr-run.ts's decoded instructions, tick() called only when it has work
// (a clock event due, or a pending interrupt with interrupts enabled), and, unless asked
// not to, the firmware's idle loop fast-forwarded, exactly.
// A firmware waiting for work (StandardFirmata between reports) goes round its main
// loop again and again in the same state. When one round starts and ends at the same
// place (the anchor pc) with every register and byte of SRAM and I/O equal, and during
// it nothing outside the CPU was touched or seen (no read or write hook, no watchdog,
// no interrupt flag changed, no clock event but a timer's own count), the next round
// does exactly the same: same instructions, same cycle counts. Those rounds are not
// executed: the cycle count jumps by whole rounds, and the timers' count events due
// meanwhile are fired at the very instruction end the executed loop would fire them
// (the round's instruction ends are known); a timer's run of steps that reach no
// special value (0, TOP, a compare value) is taken in one count() call, which is
// what those steps amount to. It stops before any other clock event (a byte on the
// USART, an ADC conversion: it runs from that round on), at the run's end, and at the
// first count event that changes an interrupt flag: that one is undone (the timers,
// the event queue, the flag bytes, the pc put back) and the rounds before it are
// fast-forwarded again, so the executed loop raises the flag where it would. With a
// timer driving an output pin (PWM) it does not fast-forward, so nothing outside sees
// a pin change that is then undone. The anchor is learnt: the pc most often seen at the
// outermost stack level (the main loop's frame). All of it is a function of the
// emulated state: a run is the same with or without it, which tests/uno.test.ts checks
// against the plain loop every emulated ms (the whole chip, bytes and pins at their
// cycle) on StandardFirmata and on firmwares assembled to put timers in every mode.

import type { AVRIOPort, AVRTimer, CPU } from "avr8js";
import type { Decoder } from "./avr-run.ts";
import { isPlain } from "./avr-state.ts";
import type { ClockEvent, CpuInternals } from "./avr-state.ts";

/** How the fast-forward went, for the figures (rounds and cycles skipped, rounds undone). */
export interface IdleStats {
  anchor: number;
  rounds: number;
  skippedCycles: number;
  forwards: number;
  undone: number;
}

/** Count events sampled to learn the anchor (a few emulated ms of StandardFirmata). */
const LEARN_SAMPLES = 8192;
/** Count events with no fast-forward after which the anchor is learnt again (~90 emulated ms of StandardFirmata):
 * one learnt while the firmware was busy elsewhere (its setup) is not its main loop. */
const RELEARN_AFTER = 65536;
/** A round longer than this many instructions is not one the loop repeats (nothing is recorded past it). */
const MAX_ROUND = 4096;
/** SP lives in I/O registers 0x3D–0x3E (data 0x5D–0x5E); SREG's I bit at data 0x5F. */
const SPL = 0x5d;
const SPH = 0x5e;
const SREG = 0x5f;

/** avr8js 0.21.1's TimerMode: Normal 0, PWMPhaseCorrect 1, CTC 2, FastPWM 3, PWMPhaseFrequencyCorrect 4. */
const KNOWN_MODES = [0, 1, 2, 3, 4];
const PHASE_MODES = [1, 4];

/** Steps the timer can take from its count now before one reaches a value at which avr8js does more than count. */
function safeSteps(t: any): number {
  if (t.tcntUpdated || t.updateDivider || !t.divider) return 0;
  if (t.ocrA !== t.nextOcrA || t.ocrB !== t.nextOcrB || t.ocrC !== t.nextOcrC) return 0;
  const val: number = t.tcnt;
  const specials = [0, t.TOP, t.MAX, t.ocrA, t.ocrB];
  if (t.hasOCRC) specials.push(t.ocrC);
  const up = PHASE_MODES.indexOf(t.timerMode) < 0 || t.countingUp;
  let next = up ? Infinity : -Infinity;
  for (const v of specials) {
    if (v === val) return 0;
    if (up && v > val && v < next) next = v;
    if (!up && v < val && v > next) next = v;
  }
  return isFinite(next) ? Math.abs(next - val) - 1 : 0;
}

/** The loop for `cpu`; its timers and ports are those whose events and pins it watches. Without `fastForward` every instruction is executed. */
export function cpuLoop(cpu: CPU, dec: Decoder, timers: AVRTimer[], ports: AVRIOPort[], fastForward: boolean): { run: (cpu: CPU, end: number) => void; stats: IdleStats } {
  const c = cpu as unknown as CpuInternals;
  const { table, steps } = dec;
  const stats: IdleStats = { anchor: -1, rounds: 0, skippedCycles: 0, forwards: 0, undone: 0 };
  const counts = timers.map((t) => (t as any).count as () => void);
  const isCount = (cb: () => void) => cb === counts[0] || cb === counts[1] || cb === counts[2];

  // every touch of the outside: hooks, the watchdog, an interrupt flag (a timer's or any)
  let touches = 0;
  for (const hooks of [cpu.readHooks, cpu.writeHooks] as unknown as Array<Array<((...a: any[]) => any) | undefined>>) {
    hooks.forEach((h, addr) => {
      if (h) hooks[addr] = (a: any, b: any, cc: any, d: any) => (touches++, h(a, b, cc, d));
    });
  }
  // a flag raised again while it is still set (a compare match nobody services) changes nothing: not a touch
  const setFlag = cpu.setInterruptFlag.bind(cpu);
  cpu.setInterruptFlag = (irq) => {
    const flags = cpu.data[irq.flagRegister];
    const pending = c.pendingInterrupts[irq.address];
    setFlag(irq);
    if (cpu.data[irq.flagRegister] !== flags || c.pendingInterrupts[irq.address] !== pending) touches++;
  };
  const watchdog = cpu.onWatchdogReset;
  cpu.onWatchdogReset = () => (touches++, watchdog());
  for (const p of ports) {
    const override = p.timerOverridePin.bind(p);
    p.timerOverridePin = (pin, mode) => (touches++, override(pin, mode));
  }

  // learning the anchor
  const seen = new Uint32Array(cpu.progMem.length);
  let maxSp = -1;
  let samples = 0;
  let quiet = 0;
  const learn = () => {
    const sp = cpu.data[SPL] | (cpu.data[SPH] << 8);
    if (sp > maxSp) {
      maxSp = sp;
      seen.fill(0);
    }
    if (sp === maxSp) seen[cpu.pc]++;
    if (++samples < LEARN_SAMPLES) return;
    let best = 0;
    for (let pc = 1; pc < seen.length; pc++) if (seen[pc] > seen[best]) best = pc;
    if (seen[best] > 0) {
      stats.anchor = best;
      quiet = 0;
    } else samples = 0;
  };

  // the round since the anchor was last passed: its start state and its instruction ends
  const data = Buffer.from(cpu.data.buffer, cpu.data.byteOffset, cpu.data.byteLength);
  const snap = Buffer.alloc(data.length);
  const ends = new Float64Array(MAX_ROUND);
  let n = 0;
  let snapCycles = -1;
  let snapTouches = -1;

  // what an undo puts back: the timers' fields, the clock event queue
  const keys: string[][] = timers.map(() => []);
  const width = timers.map(() => -1);
  const saved: unknown[][] = timers.map(() => []);
  const queueAt: number[] = [];
  const queueCb: Array<() => void> = [];

  const pwmOff = () => timers.every((t: any) => !t.compA && !t.compB && !t.compC);

  /** The instruction end (slot index over the repeated rounds) at which an event due at `due` is fired, not before slot `k`. */
  const slotOf = (c0: number, C: number, m: number, due: number, k: number): number => {
    // a round's instruction ends lie in (start, start + C]: an event due at a round's start is its predecessor's last
    const round = Math.floor((due - c0 - 1) / C);
    const into = due - c0 - round * C;
    // the first end ≥ into (ends rise; the last is C ≥ into)
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] < into) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(k, round * m + lo);
  };

  /**
   * Fires the count events due in whole rounds from c0 until `limit`; the boundary reached, and whether a flag
   * stopped it. With `jump`, a timer's run of steps that reach no special value (0, TOP, MAX, a compare value)
   * is taken in one count() call: those steps change nothing but its own counter (avr8js's count() and
   * phasePwmCount() raise flags and move OCR buffers and directions only at those values), and count() takes
   * any number of steps (its delta is the cycles since its last step over the prescaler).
   */
  const replay = (c0: number, C: number, m: number, limit: number, jump: boolean): { at: number; raised: boolean } => {
    let k = 0;
    for (;;) {
      const ev = c.nextClockEvent;
      if (!ev || ev.cycles > limit) return { at: limit, raised: false };
      const t: any = jump ? timers[counts.indexOf(ev.callback)] : null;
      if (t && ev.cycles === t.lastCycle + t.divider) {
        const safe = safeSteps(t);
        const n = Math.min(safe, Math.floor((limit - ev.cycles) / t.divider) + 1);
        if (n >= 2) {
          c.nextClockEvent = ev.next;
          const last = ev.cycles + (n - 1) * t.divider;
          cpu.cycles = last;
          t.count();
          continue;
        }
      }
      const slot = slotOf(c0, C, m, ev.cycles, k);
      const at = c0 + Math.floor(slot / m) * C + ends[slot % m];
      if (at > limit) return { at: limit, raised: false };
      cpu.cycles = at;
      const before = touches;
      cpu.tick();
      if (touches !== before || c.nextInterrupt >= 0) return { at: c0 + Math.floor(slot / m) * C, raised: true };
      k = slot + 1;
    }
  };

  /**
   * Jumps are exact only while no two timers' steps fall within one instruction of each other (then each step is
   * fired at the first instruction end at or after it, whatever the others do): one prescaler for every running
   * timer, their step phases at least the round's longest instruction apart, each in a mode this knows.
   */
  const phases = new Float64Array(timers.length);
  const canJump = (m: number): boolean => {
    let longest = ends[0];
    for (let j = 1; j < m; j++) longest = Math.max(longest, ends[j] - ends[j - 1]);
    let D = 0;
    let running = 0;
    for (const t of timers as any[]) {
      if (!(t.divider > 0)) continue;
      if ((D && t.divider !== D) || KNOWN_MODES.indexOf(t.timerMode) < 0) return false;
      D = t.divider;
      phases[running++] = t.lastCycle % D;
    }
    if (running === 0) return false;
    // every pair's circular distance (three timers at most)
    for (let i = 0; i < running; i++)
      for (let j = i + 1; j < running; j++) {
        const d = Math.abs(phases[i] - phases[j]);
        if (Math.min(d, D - d) < longest) return false;
      }
    return true;
  };

  const forward = (end: number) => {
    const c0 = cpu.cycles;
    const C = c0 - snapCycles;
    const m = n;
    for (let j = 0; j < m; j++) ends[j] -= snapCycles;
    let limit = c0 + Math.floor((end - c0) / C) * C;
    // any other clock event: stop at the round in which it falls
    for (let e = c.nextClockEvent; e && e.cycles <= limit; e = e.next) if (!isCount(e.callback)) limit = c0 + Math.max(0, Math.floor((e.cycles - c0 - 1) / C)) * C;
    if (limit <= c0) return;
    // the timers' own fields (a timer adds some once configured: the keys are taken again when their number changes)
    for (let i = 0; i < timers.length; i++) {
      const t = timers[i] as any;
      const all = Object.keys(t);
      if (all.length !== width[i]) {
        keys[i] = all.filter((k) => isPlain(t[k]));
        width[i] = all.length;
      }
      const ki = keys[i];
      const si = saved[i];
      for (let q = 0; q < ki.length; q++) si[q] = t[ki[q]];
    }
    let queued = 0;
    for (let e = c.nextClockEvent; e; e = e.next, queued++) {
      queueAt[queued] = e.cycles;
      queueCb[queued] = e.callback;
    }
    const maxIrq = c.maxInterrupt;
    const pc0 = cpu.pc;
    const jump = canJump(m);
    let r = replay(c0, C, m, limit, jump);
    if (r.raised) {
      // undo the round that raised a flag and every event since c0, then fire again only those before it
      stats.undone++;
      for (let i = 0; i < timers.length; i++) {
        const t = timers[i] as any;
        for (let q = 0; q < keys[i].length; q++) t[keys[i][q]] = saved[i][q];
      }
      let head: ClockEvent | null = null;
      for (let q = queued - 1; q >= 0; q--) head = { cycles: queueAt[q], callback: queueCb[q], next: head };
      c.nextClockEvent = head;
      cpu.data.set(snap);
      cpu.pc = pc0;
      c.pendingInterrupts.fill(null);
      c.nextInterrupt = -1;
      c.maxInterrupt = maxIrq;
      cpu.cycles = c0;
      const to = r.at;
      r = to > c0 ? replay(c0, C, m, to, jump) : { at: c0, raised: false };
    }
    cpu.cycles = r.at;
    if (r.at > c0) {
      quiet = 0;
      stats.forwards++;
      stats.rounds += (r.at - c0) / C;
      stats.skippedCycles += r.at - c0;
    }
  };

  const atAnchor = (end: number) => {
    if (snapTouches === touches && n < MAX_ROUND && c.nextInterrupt < 0 && data.equals(snap) && pwmOff()) forward(end);
    snap.set(cpu.data);
    snapCycles = cpu.cycles;
    snapTouches = touches;
    n = 0;
  };

  const run = (cpu: CPU, end: number) => {
    const prog = cpu.progMem;
    const len = prog.length;
    // between runs the host may have changed what the chip sees: a round counts only from here
    snapTouches = -1;
    while (cpu.cycles < end) {
      const opcode = prog[cpu.pc];
      steps[table[opcode]](cpu, opcode);
      let next = cpu.pc + 1;
      if (next >= len || next < 0) next %= len;
      cpu.pc = next;
      cpu.cycles++;
      const ev = c.nextClockEvent;
      if (ev && ev.cycles <= cpu.cycles) {
        if (!isCount(ev.callback)) touches++;
        else if (stats.anchor < 0) {
          if (fastForward) learn();
        }
        else if (++quiet > RELEARN_AFTER) {
          stats.anchor = -1;
          maxSp = -1;
          samples = 0;
        }
        cpu.tick();
      } else if (cpu.nextInterrupt >= 0 && (cpu.data[SREG] & 0x80) !== 0) cpu.tick();
      if (n < MAX_ROUND) ends[n++] = cpu.cycles;
      if (cpu.pc === stats.anchor) atAnchor(end);
    }
  };
  return { run, stats };
}
