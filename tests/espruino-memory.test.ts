// The vm shim's memory model (sim/espruino-shim/memory.ts, firmware/node/espruino/
// variables.ts) against the real interpreter's Pico build: each construct the model
// prices (strings and names of every length, integers in and out of a name, floats,
// booleans, arrays, typed arrays, functions, classes and methods) costs within a
// variable of what the interpreter's process.memory() shows, and the bundle
// command's estimate for the Pico app after a simulated hour is within 10 % of what
// the app takes on the real interpreter with a Pico's pool (both printed; the app
// without the journal while the journaled one does not fit a Pico's Storage).
// Skipped with the reason when the interpreter is not here (and the app's, when no
// build of the app fits a Pico's Storage: espruino-real-app.ts).

import test from "ava";
import { BOARDS } from "../firmware/espruino/boards.ts";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import { referenceBuild, unfit } from "./espruino-real-app.ts";
import { tokenise } from "../firmware/node/espruino/tokenise.ts";
import { staticVariables } from "../firmware/node/espruino/variables.ts";
import { heapVars } from "../sim/espruino-shim/memory.ts";
import { caseDir } from "../sim/espruino-real/flash.ts";
import { Interpreter, findInterpreters, replies, retryCrashed } from "../sim/espruino-real/interpreter.ts";
import { HARNESS_ENTRY, HARNESS_PINS, freeAtStart, prepareFlash, runOnInterpreter } from "../sim/espruino-real/run.ts";
import { loadScenario } from "../sim/scenario.ts";

const VB = BOARDS.pico.varBytes;

/** Values: the expression the interpreter evaluates, and the same value here for the model. */
const VALUES: Array<[string, unknown]> = [];
for (const n of [1, 4, 8, 9, 17, 18, 26, 27, 40, 60]) VALUES.push([JSON.stringify("s".repeat(n)), "s".repeat(n)]);
for (const n of [1, 4, 5, 13, 14, 22, 23, 31]) VALUES.push(["{" + "k".repeat(n) + ":1}", { ["k".repeat(n)]: 1 }]);
for (const v of [0, 4095, 4096, -4096, -4097, 100000, 1.5, -0.25]) VALUES.push(["{a:" + v + "}", { a: v }]);
VALUES.push(["{a:true,b:false,c:null}", { a: true, b: false, c: null }]);
VALUES.push(["{a:'xyz',b:{c:2}}", { a: "xyz", b: { c: 2 } }]);
VALUES.push(["[1,2,3,4,5]", [1, 2, 3, 4, 5]]);
VALUES.push(["[true,false,true]", [true, false, true]]);
VALUES.push(["[1.5,2.5,null,'ab']", [1.5, 2.5, null, "ab"]]);
for (const n of [13, 14, 100, 2882, 5764]) VALUES.push(["new Uint8Array(" + n + ")", new Uint8Array(n)]);

/** Code loaded from flash, as the bundle is: what it leaves behind once it has run. */
const CODE: string[] = [
  "(function(){global.X=function(){return 1;};})();",
  "(function(){global.X=function(a,b,c){return a+b+c;};})();",
  "(function(){class A{a(){return 1}bb(x){return x}longMethodName(){return 3}}global.X=A;})();",
  "(function(){class A{constructor(x){this.x=x}get(){return this.x}}global.X=A;})();",
  "(function(){function f(a){return a}function g(b){return f(b)}global.X=g;})();",
];

const found = findInterpreters();
const real = found.found ? test : test.skip;
const why = found.found ? "" : " (skipped: " + found.why + ")";
const APP_SC = loadScenario("mandible-continuous-1mm");
const APP_HAL = Object.assign({}, BOARDS.pico.hal, { pins: HARNESS_PINS });
// the journaled app where it fits a Pico's Storage, else the app without the journal (bundle espruino --no-journal)
const JOURNALED = found.found && found.found.pico8191 ? referenceBuild(APP_SC, APP_HAL) : null;
const APP = JOURNALED && unfit(JOURNALED) ? referenceBuild(APP_SC, APP_HAL, false) : JOURNALED;
const APP_UNFIT = APP ? unfit(APP) : "";
const realApp = APP && !APP_UNFIT ? test : test.skip;
const whyApp = !found.found ? why : !APP ? " (skipped: no espruino-pico-8191 beside ESPRUINO_PICO_BIN: the app cannot be given a Pico's pool beside the harness)" : APP_UNFIT ? " (skipped: " + APP_UNFIT + ")" : APP !== JOURNALED ? " (the app without the journal: the journaled one does not fit a Pico's Storage)" : "";

real("each construct the model prices costs within a variable of the real interpreter's figure" + why, async (t) => {
  // the interpreter only measures (no app code runs here): one that crashes on its own (the Linux build's input
  // thread and flash emulation have been seen to, now and then under heavy load) is started again, at most three
  // times in all (retryCrashed: each retry is said on stderr), and the measurement made again from the start
  const measured = await retryCrashed("measuring the constructs", async () => {
    const it = await Interpreter.start(found.found!.pico, caseDir("memory"));
    try {
      // one request a construct (the interpreter reads its input every 50 ms): the usage before and after making
      // it, read within the one line; X and U exist on the global object already, and what the line itself holds
      // while it runs (measured with no value: 2 variables) is taken off, so the difference is the value's
      const cost = async (make: { before: string; value: string }) => +replies(await it.request("global.X=undefined;" + make.before + "global.U=process.memory().usage;" + make.value + ";print('@m '+(process.memory().usage-global.U))", "@m"), "@m")[0];
      await it.request("global.X=new Uint8Array(1);global.X=undefined;global.U=0;print('@ok')", "@ok");
      const base = await cost({ before: "", value: "global.X=undefined" });
      const values: number[] = [];
      for (const [expr] of VALUES) values.push((await cost({ before: "", value: "global.X=" + expr })) - base);
      const code: number[] = [];
      for (const c of CODE) code.push((await cost({ before: "require('Storage').write('c.js'," + JSON.stringify(c) + ");", value: "eval(require('Storage').read('c.js'))" })) - base);
      return { base, values, code };
    } finally {
      await it.kill();
    }
  });
  t.log("the line's own cost: " + measured.base);
  const rows: string[] = [];
  VALUES.forEach(([expr, value], i) => {
    const got = measured.values[i];
    const model = heapVars([value], VB);
    rows.push(expr.slice(0, 30) + ": real " + got + ", model " + model);
    t.true(Math.abs(got - model) <= 1, expr + ": real " + got + ", model " + model);
  });
  CODE.forEach((code, i) => {
    const got = measured.code[i];
    const st = staticVariables(code, VB);
    const model = st.codeInFlash + st.bindings + st.literals;
    rows.push(code.slice(12, 60) + ": real " + got + ", model " + model);
    t.true(Math.abs(got - model) <= 1, code + ": real " + got + ", model " + model);
  });
  t.log(rows.join("\n"));
});

realApp("the bundle command's estimate for the Pico app is within 10 % of what it takes on the real interpreter after a simulated hour" + whyApp, async (t) => {
  const big = found.found!.pico8191;
  const sc = APP_SC;
  const hal = APP_HAL;
  const b = APP!;
  const pool = await freeAtStart(found.found!.pico);
  const flash = await prepareFlash(big, tokenise(buildBundle({ source: HARNESS_ENTRY }).code), b.image, true);
  const r = await runOnInterpreter({ bin: big, scenario: sc, hal, poolFree: pool, marginVars: 0, endMs: 3600000, resetsMs: [], probesMs: [] }, flash);
  t.deepEqual(r.errors, []);
  const boot = r.boots[0];
  const used = boot.freeBeforeApp - boot.memory[boot.memory.length - 1].free;
  // on a Pico: what the interpreter holds before the app, plus what the app holds
  const realTotal = BOARDS.pico.variables - pool + used;
  const estimate = b.variables.total;
  const off = (estimate - realTotal) / realTotal;
  t.log("Pico app after 1 simulated hour: real interpreter " + realTotal + " variables, shim estimate " + estimate + " (" + (off * 100).toFixed(1) + " %)");
  console.log("espruino memory calibration " + JSON.stringify({ realTotal, estimate, offPercent: +(off * 100).toFixed(1), estimateParts: b.variables }));
  t.true(Math.abs(off) <= 0.1, "estimate " + estimate + ", real " + realTotal);
});
