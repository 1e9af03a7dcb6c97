// One rule per row of the "fails" column of docs/espruino.md, plus the traps found on
// the real interpreter (the `for (let …)` closure trap; an arrow function using
// `this`, which aborts Espruino's assert build when it is parsed in code that does
// not run: tests/espruino-traps.test.ts shows each on the interpreter): each rule
// looks at one syntax-tree node and names what it found. The missing globals (Map,
// Set, Number.isFinite, …) are checked in globals.ts.

import type * as acorn from "acorn";
import * as walk from "acorn-walk";
import type { Node } from "./ast.ts";
import { isFunction, patternNames } from "./ast.ts";

export interface SyntaxRule {
  id: string;
  /** The construct (docs/espruino.md, "fails" column) the rule enforces. */
  row: string;
  /** A message when `node` breaks the rule (ancestors end with node), else "". */
  check(node: Node, ancestors: Node[]): string;
}

const ERROR_CLASSES = ["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError"];

function parentOf(ancestors: Node[]): Node | null {
  return ancestors.length > 1 ? ancestors[ancestors.length - 2] : null;
}

/** Loop variables declared with let/const by a loop statement. */
function loopLetNames(n: Node): string[] {
  const decl = n.type === "ForStatement" ? n.init : n.type === "ForInStatement" || n.type === "ForOfStatement" ? n.left : null;
  if (!decl || decl.type !== "VariableDeclaration" || decl.kind === "var") return [];
  const out: acorn.Identifier[] = [];
  for (const d of decl.declarations) patternNames(d.id, out);
  return out.map((id) => id.name);
}

/** Whether `this` appears in an arrow function's own body (not inside a nested plain function, which has its own). */
function arrowUsesThis(fn: acorn.ArrowFunctionExpression): boolean {
  let hit = false;
  walk.fullAncestor(fn.body as acorn.Node, (n, _st, anc) => {
    if (hit || n.type !== "ThisExpression") return;
    for (let i = anc.length - 2; i >= 0; i--) {
      const a = anc[i] as Node;
      if (a.type === "FunctionExpression" || a.type === "FunctionDeclaration") return;
    }
    hit = true;
  });
  return hit;
}

function referencesAny(fn: Node, names: string[]): string {
  let hit = "";
  walk.simple(fn as acorn.Node, {
    Identifier(id) {
      if (!hit && names.indexOf(id.name) >= 0) hit = id.name;
    },
  });
  return hit;
}

export const SYNTAX_RULES: SyntaxRule[] = [
  {
    id: "extends-error",
    row: "`class X extends Error` + `super(msg)`",
    check: (n) => ((n.type === "ClassDeclaration" || n.type === "ClassExpression") && n.superClass && n.superClass.type === "Identifier" && ERROR_CLASSES.indexOf(n.superClass.name) >= 0
      ? "class extends " + n.superClass.name + " (super(msg) fails: use new Error(msg) with a code property)" : ""),
  },
  {
    id: "default-parameter",
    row: "default parameters `f(a, b = 2)`",
    check: (n, anc) => {
      const p = parentOf(anc);
      return n.type === "AssignmentPattern" && p !== null && isFunction(p) && p.params.indexOf(n) >= 0 ? "default parameter value" : "";
    },
  },
  {
    id: "destructuring",
    row: "destructuring `const {a, b} = o`, `const [x] = arr`",
    check: (n) => (n.type === "ObjectPattern" ? "object destructuring" : n.type === "ArrayPattern" ? "array destructuring" : ""),
  },
  {
    id: "rest-spread",
    row: "rest/spread `f(...args)`, `[...a]`, `{...o}`",
    check: (n) => (n.type === "RestElement" ? "rest element" : n.type === "SpreadElement" ? "spread element" : ""),
  },
  {
    id: "computed-key",
    row: "computed keys `{[k]: v}`",
    check: (n, anc) => {
      const p = parentOf(anc);
      const inLiteral = p !== null && (p.type === "ObjectExpression" || p.type === "ClassBody");
      return inLiteral && (n.type === "Property" || n.type === "MethodDefinition" || n.type === "PropertyDefinition") && n.computed ? "computed property key" : "";
    },
  },
  {
    id: "optional-chaining",
    row: "optional chaining `a?.b`",
    check: (n) => (n.type === "ChainExpression" ? "optional chaining" : ""),
  },
  {
    id: "exponent",
    row: "exponent `**`",
    check: (n) => ((n.type === "BinaryExpression" && n.operator === "**") || (n.type === "AssignmentExpression" && n.operator === "**=") ? "exponent operator " + n.operator + " (use Math.pow)" : ""),
  },
  {
    id: "generator",
    row: "generators `function*`",
    check: (n) => ((isFunction(n) && n.generator) ? "generator function" : n.type === "YieldExpression" ? "yield" : ""),
  },
  {
    id: "async-await",
    row: "`async`/`await`",
    check: (n) => ((isFunction(n) && n.async) ? "async function" : n.type === "AwaitExpression" ? "await" : n.type === "ForOfStatement" && n.await ? "for await" : ""),
  },
  {
    id: "label",
    row: "labels (`outer: for …`)",
    check: (n) => (n.type === "LabeledStatement" ? "label " + n.label.name + ":" : ""),
  },
  {
    id: "module",
    row: "no modules: one plain script (import/export do not parse as a script)",
    check: (n) => (n.type === "ImportExpression" ? "dynamic import()" : n.type === "MetaProperty" && n.meta.name === "import" ? "import.meta" : ""),
  },
  {
    id: "arrow-this",
    row: "trap: an arrow function using `this` aborts the assert build (src/jsvar.c ASSERT(jsvHasChildren(obj))) when parsed in code that does not run",
    check: (n) => (n.type === "ArrowFunctionExpression" && arrowUsesThis(n)
      ? "arrow function uses `this`: Espruino binds it while parsing, and in a branch that does not run there is no function to bind it to (jsparse.c jspeArrowFunction; the assert build aborts); use a plain function with the object in a local" : ""),
  },
  {
    id: "let-loop-closure",
    row: "trap: `for (let i …)` shares one binding across iterations",
    check: (n, anc) => {
      if (!isFunction(n)) return "";
      for (let i = anc.length - 2; i >= 0; i--) {
        const a = anc[i];
        if (isFunction(a)) return "";
        const names = loopLetNames(a);
        const hit = names.length > 0 ? referencesAny(n, names) : "";
        if (hit) return "closure in a loop captures loop variable " + hit + " (all iterations see its last value)";
      }
      return "";
    },
  },
];
