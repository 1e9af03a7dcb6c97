// From x86 interpreter time to an Espruino Pico's: the factor between the two is
// measured, not guessed, by running a script whose time on a real Pico is published
// (Leibniz's series for pi, 1,000,000 iterations with globals: 458 s on an Espruino
// Pico, Espruino forum, "Float Speed: Espruino Pico vs Pyboard", December 2017) on
// the interpreter here, in the same run as the figure to convert, so the machine's
// load scales both alike. The Pico's firmware has become faster since 2017, so the
// factor errs on the slow side (the estimate is conservative).

import { caseDir } from "./flash.ts";
import { runScript } from "./interpreter.ts";

/** µs per iteration of the Leibniz script on an Espruino Pico (458 s / 1,000,000). */
export const PICO_LEIBNIZ_US = 458;
const ITERATIONS = 50000;

const LEIBNIZ = `var iterations = ${ITERATIONS};
var x = 1;
var pi = 1;
var begin = getTime();
for (i = 2; i < iterations + 2; i++) {
    x = x * -1;
    pi = pi + (x / (2*i-1));
}
pi = pi * 4;
print('@leibniz ' + ((getTime() - begin) * 1e6 / iterations));
quit();`;

/** µs per iteration of the Leibniz script on `bin` now (the best of three runs). */
export function leibnizUs(bin: string): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const m = /@leibniz ([0-9.]+)/.exec(runScript(bin, caseDir("speed"), LEIBNIZ).output);
    if (m && +m[1] < best) best = +m[1];
  }
  if (!isFinite(best)) throw new Error("the Leibniz script did not run on " + bin);
  return best;
}

/** How many times slower a Pico is than `bin` on this machine now. */
export function picoFactor(bin: string): number {
  return PICO_LEIBNIZ_US / leibnizUs(bin);
}
