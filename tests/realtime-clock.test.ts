// Real-time scheduling: the Node clock fires timers at or after their absolute
// deadline, in deadline order, and the control loop asks for its ticks on an absolute
// grid however late each tick runs, so it never drifts. (Asserts order and "not
// before", never how late: nothing here depends on the machine's speed.)

import test from "ava";
import { RealtimeClock } from "../hal/node/realtime-clock.ts";
import type { Clock } from "../hal/types.ts";
import { MS_PER_HOUR } from "../firmware/core/units.ts";
import { Rng } from "../sim/rng.ts";
import { loadScenario } from "../sim/scenario.ts";
import { assembleScenario, makeSimWorld } from "../sim/world.ts";

test("timers fire in deadline order and never before their deadline", async (t) => {
  const clock = new RealtimeClock();
  const now = clock.monoMs();
  const fired: Array<[number, number]> = [];
  await new Promise<void>((done) => {
    for (const d of [30, 5, 20, 10]) clock.at(now + d, () => {
      fired.push([now + d, clock.monoMs()]);
      if (fired.length === 4) done();
    });
  });
  t.deepEqual(fired.map((f) => f[0] - now), [5, 10, 20, 30]);
  for (const [deadline, at] of fired) t.true(at >= deadline);
});

test("the control loop asks for ticks on an absolute grid even when every tick runs late", (t) => {
  const sc = loadScenario("mandible-continuous-1mm");
  const { clock, hal: sim } = makeSimWorld(sc, { seed: 1 });
  const rng = new Rng(5);
  const asked: number[] = [];
  // a clock whose timers fire up to 9 s late, like a busy single-board computer
  const late: Clock = {
    monoMs: () => clock.monoMs(),
    wallMs: () => clock.wallMs(),
    at: (atMs, fn) => {
      asked.push(atMs);
      return clock.at(atMs + Math.floor(rng.next() * 9000), fn);
    },
    cancel: (id) => clock.cancel(id),
  };
  const ctl = assembleScenario(sc, { ...sim, clock: late }, null, null).controller;
  ctl.boot();
  clock.runUntil(6 * MS_PER_HOUR);
  t.true(asked.length > 2000);
  asked.forEach((at, k) => t.is(at, ctl.inspect().t0 + (k + 1) * sc.profile.tickMs));
});

test("cancel stops a timer; an invalid time scale is refused", async (t) => {
  const clock = new RealtimeClock();
  let fired = false;
  const id = clock.at(clock.monoMs() + 5, () => { fired = true; });
  clock.cancel(id);
  // a later timer firing proves the cancelled one's deadline has passed (timers fire in deadline order)
  await new Promise<void>((r) => clock.at(clock.monoMs() + 20, r));
  t.false(fired);
  t.throws(() => new RealtimeClock(0), { message: /timeScale must be from 1 to 100000/ });
});
