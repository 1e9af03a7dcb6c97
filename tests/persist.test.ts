// The snapshot's compact budget window: restored from ~100 coarse cells it holds the
// same total now and never less than the true window at any later time, so a reboot
// can never widen the 24 h travel budget.

import test from "ava";
import fc from "fast-check";
import { makeTravelWindow, windowAdd, windowSum } from "../firmware/core/travel-window.ts";
import { loadWindow, windowImage } from "../firmware/core/persist.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../firmware/core/units.ts";

test("a restored window is never below the true one, now or later (16- and 32-bit buckets)", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 1440 }), fc.integer({ min: 0, max: 500 })), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 2 * 1440 }), fc.constantFrom(25000, 1e6), (moves, laterMin, cap) => {
      moves.sort((a, b) => a[0] - b[0]);
      const truth = makeTravelWindow(MS_PER_MINUTE, cap);
      for (const [m, steps] of moves) windowAdd(truth, m * MS_PER_MINUTE, steps);
      const now = moves[moves.length - 1][0] * MS_PER_MINUTE;
      const restored = makeTravelWindow(MS_PER_MINUTE, cap);
      loadWindow(restored, JSON.parse(JSON.stringify(windowImage(truth))));
      if (windowSum(restored, now) !== windowSum(truth, now)) return false;
      const later = now + laterMin * MS_PER_MINUTE;
      return windowSum(restored, later) >= windowSum(truth, later) && (later - now < MS_PER_DAY + 15 * MS_PER_MINUTE || windowSum(restored, later) === 0);
    }),
    { numRuns: 500, seed: 11 },
  );
  t.pass();
});

test("a device that travels at most 65,535 steps a day gets 16-bit buckets; a bucket past its limit keeps the sum over, never under", (t) => {
  const small = makeTravelWindow(MS_PER_MINUTE, 65535);
  t.true(small.buckets instanceof Uint16Array);
  t.true(makeTravelWindow(MS_PER_MINUTE, 65536).buckets instanceof Int32Array);
  windowAdd(small, 0, 60000);
  windowAdd(small, 1000, 10000);
  t.is(small.buckets[0], 65535);
  t.is(windowSum(small, 2000), 70000);
  windowAdd(small, 23 * 60 * MS_PER_MINUTE, 7);
  // when the full bucket leaves, the 4,465 steps it could not hold stay counted (conservative)
  t.is(windowSum(small, MS_PER_DAY + 2 * MS_PER_MINUTE), 70000 - 65535 + 7);
});

test("the image of a full day of continuous motion is about a hundred numbers", (t) => {
  const w = makeTravelWindow(MS_PER_MINUTE, 25000);
  for (let m = 0; m < 1440; m++) windowAdd(w, m * MS_PER_MINUTE, 12);
  const img = windowImage(w);
  t.true(img.cells.length <= 97);
  t.true(JSON.stringify(img).length < 600, JSON.stringify(img).length + " bytes");
});
