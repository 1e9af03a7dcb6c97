// The snapshot's compact budget window: restored from ~100 coarse cells it holds the
// same total now and never less than the true window at any later time, so a reboot
// can never widen the 24 h travel budget.

import test from "ava";
import fc from "fast-check";
import { makeTravelWindow, windowAdd, windowSum } from "../firmware/core/travel-window.ts";
import { loadWindow, windowImage } from "../firmware/core/persist.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../firmware/core/units.ts";

test("a restored window is never below the true one, now or later", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * 1440 }), fc.integer({ min: 0, max: 500 })), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 2 * 1440 }), (moves, laterMin) => {
      moves.sort((a, b) => a[0] - b[0]);
      const truth = makeTravelWindow(MS_PER_MINUTE);
      for (const [m, steps] of moves) windowAdd(truth, m * MS_PER_MINUTE, steps);
      const now = moves[moves.length - 1][0] * MS_PER_MINUTE;
      const restored = makeTravelWindow(MS_PER_MINUTE);
      loadWindow(restored, JSON.parse(JSON.stringify(windowImage(truth))));
      if (windowSum(restored, now) !== windowSum(truth, now)) return false;
      const later = now + laterMin * MS_PER_MINUTE;
      return windowSum(restored, later) >= windowSum(truth, later) && (later - now < MS_PER_DAY + 15 * MS_PER_MINUTE || windowSum(restored, later) === 0);
    }),
    { numRuns: 500, seed: 11 },
  );
  t.pass();
});

test("the image of a full day of continuous motion is about a hundred numbers", (t) => {
  const w = makeTravelWindow(MS_PER_MINUTE);
  for (let m = 0; m < 1440; m++) windowAdd(w, m * MS_PER_MINUTE, 12);
  const img = windowImage(w);
  t.true(img.cells.length <= 97);
  t.true(JSON.stringify(img).length < 600, JSON.stringify(img).length + " bytes");
});
