// Traps the real Espruino interpreter showed, each with the checker rule that keeps
// the bundle away from it: the checker flags the trap and passes the fix, and (when
// the interpreter is here: ESPRUINO_BIN, assertions on; ESPRUINO_PICO_BIN, a Pico's
// build) the trap misbehaves on the interpreter exactly as described while the fix
// runs. The app bundles (with and without the console) carry none of them.

import test from "ava";
import { checkBundle, checkScript, formatViolation } from "../firmware/node/espruino/check.ts";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import { caseDir } from "../sim/espruino-real/flash.ts";
import { findInterpreters, runScript } from "../sim/espruino-real/interpreter.ts";

interface Trap {
  rule: string;
  what: string;
  /** A script showing the trap, and the same thing written the safe way. */
  trap: string;
  fixed: string;
  /** Which interpreter shows it, and what it prints (or how it dies) there. */
  on: "linux" | "pico";
  shows: RegExp;
  /** What the fixed script prints on the same interpreter. */
  fixedPrints: RegExp;
}

const TRAPS: Trap[] = [
  {
    rule: "arrow-this",
    what: "an arrow function using `this` in a branch that is parsed but not run aborts the assert build",
    trap: "class A { constructor() { this.v = 1; } pick(c) { var f; if (c) f = () => this.v; else f = () => this.v + 1; return f(); } }\nprint('@' + new A().pick(true));",
    fixed: "class A { constructor() { this.v = 1; } pick(c) { var self = this; var f; if (c) f = function () { return self.v; }; else f = function () { return self.v + 1; }; return f(); } }\nprint('@' + new A().pick(true));",
    on: "linux",
    shows: /ASSERT\(jsvHasChildren\(obj\)\) FAILED AT src\/jsvar\.c/,
    fixedPrints: /@1/,
  },
  {
    rule: "let-loop-closure",
    what: "`for (let …)` shares one binding across iterations: closures made in the loop all see its last value",
    trap: "var fs = []; for (let i = 0; i < 3; i++) fs.push(function () { return i; });\nprint('@' + fs.map(function (f) { return f(); }).join());",
    fixed: "var fs = []; function mk(i) { return function () { return i; }; } for (let i = 0; i < 3; i++) fs.push(mk(i));\nprint('@' + fs.map(function (f) { return f(); }).join());",
    on: "pico",
    shows: /@3,3,3/,
    fixedPrints: /@0,1,2/,
  },
];

for (const trap of TRAPS) {
  test("trap " + trap.rule + ": the checker flags it and passes the fix (" + trap.what + ")", (t) => {
    t.true(checkScript(trap.trap).some((v) => v.rule === trap.rule), JSON.stringify(checkScript(trap.trap)));
    t.deepEqual(checkScript(trap.fixed).map((v) => v.rule), []);
  });

  const found = findInterpreters();
  const run = found.found ? test : test.skip;
  run("trap " + trap.rule + " on the real interpreter: the trap misbehaves as described, the fix runs" + (found.found ? "" : " (skipped: " + found.why + ")"), (t) => {
    const bin = trap.on === "linux" ? found.found!.linux : found.found!.pico;
    const bad = runScript(bin, caseDir("trap"), trap.trap + "\nquit();");
    t.regex(bad.output, trap.shows);
    const good = runScript(bin, caseDir("trap"), trap.fixed + "\nquit();");
    t.regex(good.output, trap.fixedPrints);
    t.notRegex(good.output, /ASSERT|Uncaught|error/i);
  });
}

test("the app bundles, with and without the console, carry none of the traps", (t) => {
  const rules = new Set(TRAPS.map((x) => x.rule));
  const entries = [
    "import \"./firmware/espruino/main.ts\";",
    "import \"./firmware/espruino/main-console.ts\";",
  ];
  for (const source of entries) {
    const b = buildBundle({ source, define: { OD_CONFIG: {} } });
    t.deepEqual(checkBundle(b.code, b.map).filter((v) => rules.has(v.rule)).map(formatViolation), []);
  }
});
