// The Espruino compatibility checker: every construct of the "fails" column of
// docs/espruino.md is caught (as plain script, and through the bundler with its position
// mapped back to the TypeScript source where esbuild keeps the construct), every
// missing global is caught, definition order is enforced, and the "works" column
// passes.

import test from "ava";
import { buildBundle } from "../firmware/node/espruino/build.ts";
import { checkBundle, checkScript } from "../firmware/node/espruino/check.ts";
import type { Violation } from "../firmware/node/espruino/check.ts";
import { SYNTAX_RULES } from "../firmware/node/espruino/syntax-rules.ts";

function rules(v: Violation[]): string[] {
  return v.map((x) => x.rule);
}

/** The "fails" column of docs/espruino.md: each row, a script showing it, and the rule that must fire. */
const FAILS: Array<{ row: string; code: string; rule: string; message: RegExp }> = [
  { row: "class X extends Error + super(msg)", code: "class X extends Error { constructor(m) { super(m); } }", rule: "extends-error", message: /extends Error/ },
  { row: "default parameters", code: "function f(a, b = 2) { return a + b; }", rule: "default-parameter", message: /default parameter/ },
  { row: "object destructuring", code: "var o = { a: 1, b: 2 }; const { a, b } = o;", rule: "destructuring", message: /object destructuring/ },
  { row: "array destructuring", code: "var arr = [1]; const [x] = arr;", rule: "destructuring", message: /array destructuring/ },
  { row: "rest parameters", code: "function f(...args) { return args; }", rule: "rest-spread", message: /rest element/ },
  { row: "spread in a call", code: "var args = [1]; Math.max(...args);", rule: "rest-spread", message: /spread element/ },
  { row: "array spread", code: "var a = [1]; var b = [...a];", rule: "rest-spread", message: /spread element/ },
  { row: "object spread", code: "var o = {}; var p = { ...o };", rule: "rest-spread", message: /spread element/ },
  { row: "computed keys", code: "var k = 'x'; var o = { [k]: 1 };", rule: "computed-key", message: /computed property key/ },
  { row: "optional chaining", code: "var a = {}; var c = a?.b;", rule: "optional-chaining", message: /optional chaining/ },
  { row: "exponent **", code: "var x = 2 ** 8;", rule: "exponent", message: /\*\*/ },
  { row: "exponent **=", code: "var x = 2; x **= 2;", rule: "exponent", message: /\*\*=/ },
  { row: "generators", code: "function* g() { yield 1; }", rule: "generator", message: /generator function/ },
  { row: "async", code: "async function f() { return 1; }", rule: "async-await", message: /async function/ },
  { row: "await", code: "async function f(p) { await p; }", rule: "async-await", message: /await/ },
  { row: "labels", code: "outer: for (var i = 0; i < 2; i++) { break outer; }", rule: "label", message: /label outer/ },
  { row: "Map", code: "var m = new Map();", rule: "missing-global", message: /global Map/ },
  { row: "Set", code: "var s = new Set();", rule: "missing-global", message: /global Set/ },
  { row: "Symbol", code: "var s = Symbol('x');", rule: "missing-global", message: /global Symbol/ },
  { row: "Number.isFinite", code: "Number.isFinite(1);", rule: "missing-global", message: /Number\.isFinite/ },
  { row: "Number.EPSILON", code: "var e = Number.EPSILON;", rule: "missing-global", message: /Number\.EPSILON/ },
  { row: "Number.MAX_SAFE_INTEGER", code: "var m = Number.MAX_SAFE_INTEGER;", rule: "missing-global", message: /Number\.MAX_SAFE_INTEGER/ },
  { row: "Object.freeze", code: "Object.freeze({});", rule: "missing-global", message: /Object\.freeze/ },
  { row: "Math.hypot", code: "Math.hypot(3, 4);", rule: "missing-global", message: /Math\.hypot/ },
  { row: "Math.trunc", code: "Math.trunc(1.5);", rule: "missing-global", message: /Math\.trunc/ },
];

for (const f of FAILS) {
  test("fails column: " + f.row + " is caught with its position", (t) => {
    const v = checkScript(f.code).filter((x) => x.rule === f.rule && f.message.test(x.message));
    t.true(v.length > 0, f.code + " → " + JSON.stringify(checkScript(f.code)));
    t.is(v[0].line, 1);
    t.true(v[0].column >= 0 && v[0].column < f.code.length);
  });
}

// arrow-this and let-loop-closure have their own tests in tests/espruino-traps.test.ts
test("every syntax rule is exercised by a fails-column case or by its own test", (t) => {
  const covered = new Set(FAILS.map((f) => f.rule).concat(["module", "let-loop-closure", "arrow-this"]));
  t.deepEqual(SYNTAX_RULES.map((r) => r.id).filter((id) => !covered.has(id)), []);
});

test("modules: import/export do not parse as a script, dynamic import and import.meta are caught", (t) => {
  t.deepEqual(rules(checkScript("import x from 'y';")), ["syntax"]);
  t.deepEqual(rules(checkScript("export var x = 1;")), ["syntax"]);
  t.true(rules(checkScript("var p = import('x');")).includes("module"));
});

test("the for (let …) closure trap is caught, a closure over a var or a plain loop is not", (t) => {
  t.deepEqual(rules(checkScript("for (let i = 0; i < 3; i++) { setTimeout(function () { print(i); }, 1); }")), ["let-loop-closure"]);
  t.deepEqual(rules(checkScript("var a = [1, 2]; for (const x of a) { setTimeout(() => print(x), 1); }")), ["let-loop-closure"]);
  t.deepEqual(checkScript("for (let i = 0; i < 3; i++) { print(i); }"), []);
  t.deepEqual(checkScript("for (let i = 0; i < 3; i++) { setTimeout(function (j) { print(j); }, 1); }"), []);
});

test("definition before use: a call that runs before the function is defined is caught, also through another function", (t) => {
  const direct = checkScript("f();\nfunction f() { return 1; }");
  t.deepEqual(rules(direct), ["use-before-define"]);
  t.is(direct[0].line, 1);
  t.deepEqual(rules(checkScript("function g() { return h(); }\ng();\nfunction h() { return 1; }")), ["use-before-define"]);
  t.deepEqual(rules(checkScript("var x = new C();\nclass C {}")), ["use-before-define"]);
  // Referring to a later function from a function body that only runs later is fine.
  t.deepEqual(checkScript("function g() { return h(); }\nfunction h() { return 1; }\ng();"), []);
  t.deepEqual(checkScript("setTimeout(function () { f(); }, 1);\nfunction f() {}"), []);
});

test("globals: Espruino's built-ins, pins and local bindings pass; unknown globals are caught", (t) => {
  t.deepEqual(checkScript("digitalWrite(B3, 1); var v = analogRead(new Pin('A5')); E.kickWatchdog(); var s = require('Storage'); print(getTime(), Math.round(v), Number.MAX_VALUE, global);"), []);
  t.deepEqual(checkScript("function f(Map) { return new Map(); }"), []);
  t.deepEqual(rules(checkScript("globalThis.x = 1; var w = new WeakMap(); var p = new Proxy({}, {}); undeclared = 2;")), ["missing-global", "missing-global", "missing-global", "missing-global"]);
  t.deepEqual(rules(checkScript("var i = Math.imul(2, 3); var n = Number['isInteger'](1);")), ["missing-global", "missing-global"]);
});

test("the works column passes the bundler and the checker", (t) => {
  const src = `
    class Base { x = 1; static n = 2; m() { return this.x; } static s() { return Base.n; } }
    class Derived extends Base { constructor() { super(); } m() { return super.m() + 1; } }
    const a = [1, 2, 3];
    let sum = 0;
    for (const v of a) sum += v;
    const name = "od";
    const o = { name, m() { return \`\${name}:\${sum}\`; } };
    const q = (o as any).missing ?? 1_000 + 0b101;
    const f64 = new Float64Array(4); f64.fill(1);
    const view = new DataView(new ArrayBuffer(8));
    const sub = new Uint8Array(8).subarray(2, 4);
    const kv = Object.entries(Object.assign(Object.create(null), { k: 1 })).concat(Object.keys(o), Object.values(o) as any);
    let msg = "";
    try { throw new Error("m"); } catch (e: any) { msg = e.message; } finally { msg += "!"; }
    const p = new Promise<number>((res) => res(isFinite(q) && !isNaN(q) ? Math.floor(q) : 0));
    const arrow = (x: number) => x * 2;
    (global as any).keep = [new Derived().m(), Base.s(), o.m(), JSON.stringify(kv), f64, view, sub, msg, p, arrow, require("Storage"), getTime(), E];
  `;
  const b = buildBundle({ source: "declare const require: (m: string) => unknown;\n" + src });
  t.deepEqual(checkBundle(b.code, b.map), []);
});

test("a violation in TypeScript source is reported at its line in that source", (t) => {
  const src = "const ok = 1;\nconst m = new Map<string, number>();\nfunction f(x = ok) { return x; }\n(global as any).keep = [m, f];\n";
  const b = buildBundle({ source: src });
  const v = checkBundle(b.code, b.map);
  t.deepEqual(rules(v).sort(), ["default-parameter", "missing-global"]);
  t.is(v.find((x) => x.rule === "missing-global")!.source, "entry.ts:2:15");
  t.is(v.find((x) => x.rule === "default-parameter")!.source, "entry.ts:3:12");
});

test("a bundle that is not one plain function call is refused", (t) => {
  t.deepEqual(rules(checkBundle("var x = 1; print(x);", JSON.stringify({ version: 3, sources: [], names: [], mappings: "" }))), ["bundle-shape"]);
});
