// The ONE HAL contract suite (rules R1–R7 of hal/types.ts), run against every
// driver that can run here: the simulator, johnny-five on the in-process virtual
// Uno (pins and stepper modes), johnny-five → firmata-io → the emulated Uno running
// the genuine StandardFirmata hex (in-process and over a socat pty pair). A
// harness gives the HAL, a way to let HAL-clock time pass, and the plant's truth.

import test from "ava";
import type { Hal, MoveRequest, MoveResult } from "../hal/types.ts";

export interface Truth {
  /** Microsteps the plant received in each direction. */
  forward: number;
  backward: number;
  /** Whether the motor driver is energised (the EN line, or the driver's own state). */
  enabled: boolean;
  gapUm: number;
  forceN: number;
  /** The alarm output, where the harness can see it. */
  alarmOn?: boolean;
}

export interface HalHarness {
  hal: Hal;
  /** Lets `ms` of HAL-clock time pass (and the event loop run). */
  advance(ms: number): Promise<void>;
  truth(): Truth;
  /** A reading is at most this old (HAL ms): one report interval plus the transport. */
  freshWithinMs: number;
  /** One ADC count in µm and N (0 for a driver that reads the plant directly). */
  resolutionUm: number;
  resolutionN: number;
  /** Pulls the cable (boards only). */
  unplug?(): Promise<void>;
  close(): Promise<void>;
}

const SETTLE_MS = 30;

function now(h: HalHarness): number {
  return h.hal.clock.monoMs();
}

function request(h: HalHarness, steps: number, dir: 1 | -1, durationSteps = steps): MoveRequest {
  return { steps, dir, maxDurationMs: Math.ceil((durationSteps * 1000) / h.hal.caps.maxStepRateHz) + (durationSteps === steps ? 100 : 0) };
}

/** Starts a move and lets time pass until its callback (bounded); returns every callback seen. */
async function moveAndWait(h: HalHarness, req: MoveRequest): Promise<MoveResult[]> {
  const results: MoveResult[] = [];
  h.hal.stepper.move(req, (r) => results.push(r));
  const end = now(h) + req.maxDurationMs + 1000;
  while (results.length === 0 && now(h) < end) await h.advance(5);
  await h.advance(SETTLE_MS);
  return results;
}

async function until(h: HalHarness, cond: () => boolean, limitMs: number): Promise<boolean> {
  const end = now(h) + limitMs;
  while (!cond() && now(h) < end) await h.advance(1);
  return cond();
}

export function halContract(label: string, make: () => Promise<HalHarness>, opts: { unplug: boolean }): void {
  const it = (name: string, body: (t: any, h: HalHarness) => Promise<void>) =>
    test.serial(label + ": " + name, async (t) => {
      const h = await make();
      try {
        await body(t, h);
      } finally {
        await h.close();
      }
    });

  it("R1 nothing moves without a move, even when enabled", async (t, h) => {
    h.hal.stepper.enable();
    await h.advance(300);
    t.like(h.truth(), { forward: 0, backward: 0 });
    h.hal.stepper.disable();
  });

  it("R1 a move while disabled is refused and issues nothing", async (t, h) => {
    const res = await moveAndWait(h, request(h, 50, 1));
    t.is(res.length, 1);
    t.like(res[0], { issued: 0, fault: "disabled" });
    t.like(h.truth(), { forward: 0, backward: 0 });
  });

  it("moves exactly the commanded microsteps in the commanded direction, one callback each", async (t, h) => {
    h.hal.stepper.enable();
    const fwd = request(h, 240, 1);
    const a = await moveAndWait(h, fwd);
    t.is(a.length, 1);
    t.like(a[0], { issued: 240, fault: "" });
    t.true(a[0].endedAtMs - a[0].startedAtMs <= fwd.maxDurationMs);
    t.like(h.truth(), { forward: 240, backward: 0 });
    const b = await moveAndWait(h, request(h, 60, -1));
    t.like(b[0], { issued: 60, fault: "" });
    await h.advance(200);
    t.is(a.length + b.length, 2);
    t.like(h.truth(), { forward: 240, backward: 60 });
  });

  it("R1 disable() stops a move in progress at once and de-energises", async (t, h) => {
    h.hal.stepper.enable();
    const req = request(h, 400, 1);
    const res: MoveResult[] = [];
    h.hal.stepper.move(req, (r) => res.push(r));
    await h.advance(Math.round((0.4 * 400 * 1000) / h.hal.caps.maxStepRateHz));
    const t0 = now(h);
    h.hal.stepper.disable();
    t.true(await until(h, () => res.length > 0, 1000));
    t.true(now(h) - t0 <= 1000);
    t.like(res[0], { fault: "disabled" });
    t.true(res[0].issued < 400);
    await h.advance(300);
    t.is(res.length, 1);
    t.false(h.hal.stepper.isEnabled());
    t.like(h.truth(), { forward: res[0].issued, backward: 0, enabled: false });
  });

  it("R2 a move beyond maxMoveSteps is refused as too-large", async (t, h) => {
    h.hal.stepper.enable();
    const res = await moveAndWait(h, request(h, h.hal.caps.maxMoveSteps + 1, 1, 10));
    t.like(res[0], { issued: 0, fault: "too-large" });
    t.like(h.truth(), { forward: 0, backward: 0 });
  });

  it("R2 a move that cannot finish within maxDurationMs stops with timeout and the steps issued", async (t, h) => {
    h.hal.stepper.enable();
    const req = request(h, 100, 1, 40);
    const res = await moveAndWait(h, req);
    await h.advance(200);
    t.is(res.length, 1);
    t.like(res[0], { issued: 40, fault: "timeout" });
    t.true(res[0].endedAtMs - res[0].startedAtMs <= req.maxDurationMs);
    t.like(h.truth(), { forward: 40, backward: 0 });
  });

  it("R3 a move requested while another runs is refused busy and issues nothing", async (t, h) => {
    h.hal.stepper.enable();
    const first: MoveResult[] = [];
    const second: MoveResult[] = [];
    h.hal.stepper.move(request(h, 100, 1), (r) => first.push(r));
    h.hal.stepper.move(request(h, 10, -1), (r) => second.push(r));
    t.true(await until(h, () => first.length > 0 && second.length > 0, 2000));
    await h.advance(SETTLE_MS);
    t.like(second[0], { issued: 0, fault: "busy" });
    t.like(first[0], { issued: 100, fault: "" });
    t.like(h.truth(), { forward: 100, backward: 0 });
  });

  it("R4 readings carry their time and track the plant within one report interval", async (t, h) => {
    await h.advance(100);
    const check = (moveEndMs: number) => {
      const pos = h.hal.position.read();
      const force = h.hal.force.read();
      const tr = h.truth();
      for (const r of [pos, force]) {
        t.true(r.ok);
        t.true(r.atMs <= now(h) && now(h) - r.atMs <= h.freshWithinMs, "reading " + (now(h) - r.atMs) + " ms old");
        t.true(r.atMs >= moveEndMs);
      }
      t.true(Math.abs(pos.value - tr.gapUm) <= h.resolutionUm + 1e-6, "position " + pos.value + " vs true " + tr.gapUm);
      t.true(Math.abs(force.value - tr.forceN) <= h.resolutionN + 1e-6, "force " + force.value + " vs true " + tr.forceN);
    };
    check(0);
    h.hal.stepper.enable();
    const res: MoveResult[] = [];
    h.hal.stepper.move(request(h, 400, 1), (r) => res.push(r));
    t.true(await until(h, () => res.length > 0, 2000));
    t.is(res[0].issued, 400);
    const end = now(h);
    t.true(await until(h, () => h.hal.position.read().atMs > end && h.hal.force.read().atMs > end, h.freshWithinMs), "fresh readings within one report interval");
    check(end);
    t.true(h.truth().gapUm > 100, "the gap opened");
  });

  it("R5 the clock is monotonic and fires timers in deadline order, never early, never re-entrantly", async (t, h) => {
    const c = h.hal.clock;
    const t0 = c.monoMs();
    const fired: Array<{ tag: number; at: number }> = [];
    for (const d of [30, 10, 20, 0]) c.at(t0 + d, () => fired.push({ tag: d, at: c.monoMs() }));
    t.is(fired.length, 0, "no callback inside at()");
    const cancelled = c.at(t0 + 15, () => fired.push({ tag: -1, at: c.monoMs() }));
    c.cancel(cancelled);
    let last = c.monoMs();
    for (let i = 0; i < 20; i++) {
      await h.advance(3);
      t.true(c.monoMs() >= last);
      last = c.monoMs();
    }
    t.deepEqual(fired.map((f) => f.tag), [0, 10, 20, 30]);
    for (const f of fired) t.true(f.at >= t0 + f.tag);
  });

  it("R6 the store appends whole records (copied: the caller reuses its buffer) and replaces atomically", async (t, h) => {
    const s = h.hal.store;
    const base = s.read().length;
    const buf = new Uint8Array([1, 2]);
    t.true(s.append(buf));
    buf[0] = 7;
    t.true(s.append(new Uint8Array([3])));
    t.deepEqual(Array.from(s.read().slice(base)), [1, 2, 3]);
    t.true(s.replace(new Uint8Array([9])));
    t.deepEqual(Array.from(s.read()), [9]);
  });

  it("R6 the store counts what it committed, or says it keeps no count (-1); never less than it holds", async (t, h) => {
    const s = h.hal.store;
    t.true(s.replace(new Uint8Array([4, 5, 6])));
    t.true(s.append(new Uint8Array([7])));
    const c = s.committedBytes();
    t.true(c === -1 || c === 4, "committed " + c);
  });

  it("R6 preserve moves the content aside where no write reaches it and leaves the store empty (or refuses and changes nothing)", async (t, h) => {
    const s = h.hal.store;
    t.true(s.replace(new Uint8Array([1, 2, 3])));
    const where = s.preserve("contract");
    if (where === "") {
      t.deepEqual(Array.from(s.read()), [1, 2, 3]);
      return;
    }
    t.deepEqual(Array.from(s.read()), []);
    t.true(s.committedBytes() <= 0);
    t.true(s.append(new Uint8Array([8])));
    t.deepEqual(Array.from(s.read()), [8]);
    t.not(s.preserve("contract"), where, "a second copy goes elsewhere");
  });

  it("the vault is a store apart from the journal's: each keeps its own content", async (t, h) => {
    t.true(h.hal.caps.vault, "every driver here keeps a vault apart");
    const v = h.hal.vault;
    t.true(h.hal.store.replace(new Uint8Array([1])));
    t.true(v.replace(new Uint8Array([2, 2])));
    t.true(h.hal.store.replace(new Uint8Array([3, 3, 3])));
    t.deepEqual(Array.from(v.read()), [2, 2]);
    t.deepEqual(Array.from(h.hal.store.read()), [3, 3, 3]);
  });

  it("random gives fresh bytes of the length asked", async (t, h) => {
    const a = h.hal.random(16);
    const b = h.hal.random(16);
    t.is(a.length, 16);
    t.is(h.hal.random(8).length, 8);
    t.notDeepEqual(Array.from(a), Array.from(b));
  });

  it("the annunciator holds the level it was set to (and drives the alarm output)", async (t, h) => {
    h.hal.alarm.set(3, "test-fault");
    await h.advance(SETTLE_MS);
    t.is(h.hal.alarm.level(), 3);
    if (h.truth().alarmOn !== undefined) t.true(h.truth().alarmOn);
    h.hal.alarm.set(0, "");
    await h.advance(SETTLE_MS);
    t.is(h.hal.alarm.level(), 0);
    if (h.truth().alarmOn !== undefined) t.false(h.truth().alarmOn);
  });

  if (!opts.unplug) return;

  it("a lost link ends the move with link-lost, readings turn ok:false and the motor is off within 1 s", async (t, h) => {
    h.hal.stepper.enable();
    const res: MoveResult[] = [];
    h.hal.stepper.move(request(h, 400, 1), (r) => res.push(r));
    await h.advance(Math.round((0.25 * 400 * 1000) / h.hal.caps.maxStepRateHz));
    const tUnplug = now(h);
    await h.unplug!();
    t.true(await until(h, () => res.length > 0 && !h.truth().enabled, 1000), "move ended and motor off");
    t.true(now(h) - tUnplug <= 1000);
    t.like(res[0], { fault: "link-lost" });
    t.true(h.truth().forward < 400, "motion stopped with the link");
    for (const r of [h.hal.position.read(), h.hal.force.read()]) {
      t.false(r.ok);
      t.true(r.atMs <= tUnplug);
      t.true(Number.isFinite(r.value), "the last value is kept");
    }
    const again = await moveAndWait(h, request(h, 10, 1));
    t.like(again[0], { issued: 0, fault: "link-lost" });
    t.false(h.hal.stepper.isEnabled());
    t.true(h.truth().forward <= res[0].issued, "the driver never under-counts what it issued");
  });
}
