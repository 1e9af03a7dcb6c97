// The bundle's dead-code pass (firmware/node/espruino/trim.ts) on small scripts: what
// it may drop (a method nothing names, a function only a dropped method used, to a
// fixed point) and what it must keep (a name used as a property, computed access,
// object key, string, template text, a kept name, a method the language calls).
// The app-level proof (trimmed and untrimmed apps give the same journal bytes) is
// in tests/espruino-sim.test.ts. Then the method renaming (shorten.ts): what it
// renames, and every kind of use that keeps a name as it is; and the renaming of the
// state's data fields (shorten-fields.ts) likewise.

import test from "ava";
import { jsonNames, nullFields, trimDeadCode } from "../firmware/node/espruino/trim.ts";
import { shortenMethods } from "../firmware/node/espruino/shorten.ts";
import { declaredMembers, shortenFields, stateFields } from "../firmware/node/espruino/shorten-fields.ts";
import { ROOT } from "../firmware/node/espruino/build.ts";

const wrap = (body: string) => "(function(){" + body + "})();";
/** Runs a bundle-shaped script with `global` bound to a fresh object, and returns that object. */
function run(code: string): any {
  const g: any = {};
  new Function("global", code)(g);
  return g;
}
const names = (code: string, keep: string[] = []) => trimDeadCode(wrap(code), keep).removed.map((r) => r.name).sort();

test("an unnamed method goes, then the function only it called, then the class only that function made", (t) => {
  const r = trimDeadCode(wrap("var K=class{x(){return 1}};function h(){return new K}var A=class{constructor(){this.v=0}used(){return this.v}dead(){return h()}};global.a=new A().used();"), []);
  t.deepEqual(r.removed.map((x) => x.kind + " " + x.name), ["method dead", "method x", "declaration h", "declaration K"]);
  t.is(r.code, wrap("var A=class{constructor(){this.v=0}used(){return this.v}};global.a=new A().used();"));
  t.is(new Function("global", r.code)({}), undefined);
});

test("a method named anywhere else is kept: access, computed access, object key, string or its words, template text, keep list", (t) => {
  const cls = "var A=class{m1(){}m2(){}m3(){}m4(){}m5(){}m6(){}m7(){}m8(){}};";
  t.deepEqual(names(cls + "var a=new A;a.m1;a[\"m2\"];global.o={m3:1};global.s=\"call m4 now\";global.u=`x m5`;global.a=a;", ["m6"]), ["m7", "m8"]);
});

test("the methods the language or the interpreter calls by themselves are kept; constructors and computed keys too", (t) => {
  t.deepEqual(names("var A=class{constructor(){}toString(){}toJSON(){}then(){}valueOf(){}[\"k\"](){}gone(){}};global.a=new A;"), ["gone"]);
});

test("a declaration is kept while any identifier outside it names it, or when its value could have an effect", (t) => {
  t.deepEqual(names("function f(){return f}var g=function(){},x=1,y=2,z=sideEffect();global.y=y;"), ["f", "g", "x"]);
  t.is(trimDeadCode(wrap("var x=1,y=2,z=3;global.y=y;"), []).code, wrap("var y=2;global.y=y;"));
});

test("a field the build knows is null reads as null in its class, its one write in the constructor stays, and then the trim takes what only it guarded", (t) => {
  const src = wrap("var C=class{constructor(o){this.j=o.j;this.k=1}tick(){if(this.j){this.save()}return this.k+(this.j?1:0)}save(){return this.j.write()}};global.c=new C({j:null});global.r=global.c.tick();");
  const nulled = nullFields(src, "C", ["j"]);
  t.is(nulled, wrap("var C=class{constructor(o){this.j=o.j;this.k=1}tick(){if(null){this.save()}return this.k+(null?1:0)}save(){return null.write()}};global.c=new C({j:null});global.r=global.c.tick();"));
  t.is(run(nulled).r, 1, "it runs as the original does with a null field");
  // folded (as the build does with esbuild's syntax minifier) the method only the null field called goes
  const folded = nulled.replace("if(null){this.save()}", "").replace("(null?1:0)", "0");
  t.deepEqual(trimDeadCode(folded, []).removed.map((r) => r.name), ["save"]);
  t.throws(() => nullFields(wrap("var C=class{constructor(o){this.j=o.j}set(v){this.j=v}};"), "C", ["j"]), { message: /C\.j is not written exactly once, in the constructor/ });
  t.throws(() => nullFields(wrap("var C=class{constructor(){}};"), "C", ["j"]), { message: /C\.j is not written exactly once/ });
  t.throws(() => nullFields(wrap("var D=class{};"), "C", ["j"]), { message: /no class C/ });
});

test("the configuration's keys and strings are names the trim keeps", (t) => {
  t.deepEqual(jsonNames({ a: 1, b: ["c", { d: "e f" }] }), ["a", "b", "c", "d", "e f"]);
});

test("a method only the bundle names is renamed at its definition and every access, to a name no property has", (t) => {
  const r = shortenMethods(wrap("var A=class{longName(){return 2}static other(){return 3}};global.x=new A().longName()+A.other();"), [], ROOT);
  t.deepEqual(r.renamed, { longName: "c", other: "d" });
  t.is(run(r.code).x, 5);
});

test("a method keeps its name when it is also a key, a string, a written property, a built-in's member or a kept name", (t) => {
  const src = "var A=class{keyed(){}stringed(){}written(){}push(){}erase(){}kept(){}free(){}};var a=new A;global.o={keyed:1};global.s=\"stringed\";a.written=0;" +
    "a.keyed();a.stringed();a.written;a.push();a.erase();a.kept();a.free();";
  const r = shortenMethods(wrap(src), ["kept"], ROOT);
  t.deepEqual(r.renamed, { free: "c" }); // a and b are words of the Espruino declarations (parameter names), kept out too
});

test("new names avoid every property name the bundle already uses", (t) => {
  const r = shortenMethods(wrap("var A=class{longer(){}};var o={a:1,b:2};global.v=new A().longer()+o.a+o.b+o.c;"), [], ROOT);
  t.deepEqual(r.renamed, { longer: "d" });
});

test("a state field is renamed at every access and object key (a shorthand key keeps its value), to a name no property has, and the script computes the same", (t) => {
  const src = "var s={longField:2,other:3};var otherField=4;var q={otherField};s.longField+=q.otherField;global.x=s.longField*s.other;";
  const r = shortenFields(wrap(src), ["longField", "otherField"], [], ROOT);
  t.deepEqual(Object.keys(r.renamed).sort(), ["longField", "otherField"]);
  for (const n of Object.values(r.renamed)) t.false(/longField|otherField|other\b/.test(n));
  t.notRegex(r.code, /\.longField|longField:|\.otherField/);
  t.is(run(r.code).x, 18);
});

test("a state field keeps its name when it is a string or its word, a template's text, a method, a literal key or a kept name", (t) => {
  const src = "var s={inString:1,inTemplate:1,asMethod:1,literalKey:1,kept:1,free1:1};var A=class{asMethod(){}};var o={\"literalKey\":2};" +
    "global.t=\"read inString\";global.u=`inTemplate`;global.v=s.inString+s.inTemplate+s.asMethod+s.literalKey+s.kept+s.free1+o.literalKey;";
  const r = shortenFields(wrap(src), ["inString", "inTemplate", "asMethod", "literalKey", "kept", "free1"], ["kept"], ROOT);
  t.deepEqual(Object.keys(r.renamed), ["free1"]);
});

test("the fields renamed in the app are only those of the supervisor's and governor's state and configuration that no other type declares", (t) => {
  const f = stateFields(ROOT);
  for (const n of ["dwellUntilMs", "complianceSlackUmPerN", "frozenHoldUntilMs", "accountBoundUm"]) t.true(f.includes(n), n);
  // declared by the profile, the prescription, a reading, a journal record or a status too: read by name there
  for (const n of ["tickMs", "hardForceN", "positionNoiseUm", "value", "ok", "atMs", "phase", "lengthUm"]) t.false(f.includes(n), n);
  const m = declaredMembers("export interface A {\n  a: number;\n  readonly b?: string;\n  /** c */\n  c(): void;\n}\ntype B = {\n  d: number;\n}\n");
  t.deepEqual(m.get("A"), ["a", "b"]);
  t.deepEqual(m.get("B"), ["d"]);
});
