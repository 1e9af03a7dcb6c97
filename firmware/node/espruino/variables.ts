// Static part of the variable estimate, from the bundle's syntax tree, with the
// cost model of sim/espruino-shim/memory.ts: every function is a variable, plus its
// code, its scope link and one per parameter, plus a name where it is stored (a
// variable of the bundle's scope or a method of a prototype); every binding of the
// bundle's own scope is a name variable; literal data assigned there (the embedded
// configuration, message tables) is counted like live data. Function code stays in
// flash when the bundle runs from Storage (`--storage .boot0:-`): one variable per
// function; uploaded into RAM it is a string of the function's source text.
// What the program builds at run time is measured in the shim (heapVars).

import type * as acorn from "acorn";
import * as walk from "acorn-walk";
import { nameVars, stringVars, valueVars, varModel } from "../../../sim/espruino-shim/memory.ts";
import type { VarModel } from "../../../sim/espruino-shim/memory.ts";
import { declaredBy, isFunction, parseScript } from "./ast.ts";
import type { Node } from "./ast.ts";

export interface StaticVariables {
  functions: number;
  /** Functions with their code in flash (run from Storage) or as source text in RAM. */
  codeInFlash: number;
  codeInRam: number;
  /** Names in the bundle's scope and the literal data they hold. */
  bindings: number;
  literals: number;
}

function literalVars(m: VarModel, n: Node | null | undefined): number {
  if (!n) return 0;
  if (n.type === "Literal") return typeof n.value === "string" ? stringVars(m, n.value.length) : 1;
  if (n.type === "TemplateLiteral") return n.quasis.reduce((a, q) => a + stringVars(m, (q.value.cooked || "").length), 0);
  if (n.type === "ArrayExpression") return 1 + n.elements.reduce((a, e) => a + 1 + elementVars(m, e as Node), 0);
  if (n.type === "ObjectExpression") {
    return 1 + n.properties.reduce((a, p) => {
      if (p.type !== "Property") return a;
      const key = p.key.type === "Identifier" ? p.key.name : p.key.type === "Literal" ? String(p.key.value) : "";
      return a + nameVars(m, key.length) + (isFunction(p.value as Node) ? 0 : valueOf(m, p.value as Node, false));
    }, 0);
  }
  if (n.type === "UnaryExpression") return literalVars(m, n.argument);
  return 0;
}

/** What a literal adds beside the name holding it (see memory.ts valueVars). */
function valueOf(m: VarModel, n: Node, inArray: boolean): number {
  if (n.type === "Literal" && (typeof n.value === "number" || typeof n.value === "boolean" || n.value === null)) return valueVars(m, n.value, inArray);
  if (n.type === "UnaryExpression" && n.operator === "-" && n.argument.type === "Literal" && typeof n.argument.value === "number") return valueVars(m, -n.argument.value, inArray);
  if (n.type === "UnaryExpression" && n.operator === "!" && n.argument.type === "Literal") return valueVars(m, true, inArray);
  return literalVars(m, n);
}

function elementVars(m: VarModel, n: Node | null): number {
  return n ? valueOf(m, n, true) : 0;
}

/** The bundle's own scope: the body of its outer function. */
function bundleScope(tree: acorn.Program): Node[] {
  const s = tree.body[0];
  if (tree.body.length === 1 && s.type === "ExpressionStatement" && s.expression.type === "CallExpression") {
    const f = s.expression.callee;
    if ((f.type === "FunctionExpression" || f.type === "ArrowFunctionExpression") && f.body.type === "BlockStatement") return f.body.body;
  }
  return tree.body;
}

/**
 * The code's variables from the bundle's syntax tree (with the cost model of
 * sim/espruino-shim/memory.ts for a `varBytes` board): the functions that exist
 * once the bundle has loaded — those of the bundle's own scope and the methods of
 * its classes; functions made while it runs are counted where they are kept (the
 * shim's heapVars) — the names of the bundle's scope and the literal data they hold.
 */
export function staticVariables(code: string, varBytes: number): StaticVariables {
  const m = varModel(varBytes);
  const tree = parseScript(code);
  const scope = bundleScope(tree);
  const outer = tree.body.length === 1 && scope !== tree.body ? ((tree.body[0] as acorn.ExpressionStatement).expression as acorn.CallExpression).callee : null;
  const r: StaticVariables = { functions: 0, codeInFlash: 0, codeInRam: 0, bindings: 0, literals: 0 };
  walk.fullAncestor(tree, (n, _st, anc) => {
    const node = n as Node;
    if (!isFunction(node) || node === outer) return;
    // the nearest enclosing function (or class member) decides whether this one exists at load
    let method = false;
    let top = true;
    for (let i = anc.length - 2; i >= 0; i--) {
      const a = anc[i] as Node;
      if (a.type === "MethodDefinition" && i === anc.length - 2) method = true;
      // an immediately-invoked function runs at load: what it defines exists then too
      const caller = i > 0 ? (anc[i - 1] as Node) : null;
      const invoked = caller !== null && caller.type === "CallExpression" && caller.callee === a;
      if (isFunction(a) && a !== outer && !invoked) {
        top = false;
        break;
      }
    }
    if (!top) return;
    const parentNode = anc.length > 1 ? (anc[anc.length - 2] as Node) : null;
    if (method && parentNode && parentNode.type === "MethodDefinition" && parentNode.kind === "constructor") {
      // the class is its constructor: its cost is the class's (below), plus the parameters
      r.codeInFlash += node.params.length;
      r.codeInRam += node.params.length + stringVars(m, node.end - node.start) - 1;
      return;
    }
    // a method keeps no scope of its own (one variable less than a function)
    const own = m.functionBase - (method ? 1 : 0) + node.params.length;
    r.functions++;
    r.codeInFlash += own;
    r.codeInRam += own - 1 + stringVars(m, node.end - node.start);
    const parent = anc.length > 1 ? (anc[anc.length - 2] as Node) : null;
    if (method && parent && parent.type === "MethodDefinition") {
      const key = parent.key.type === "Identifier" ? parent.key.name : "";
      r.codeInFlash += nameVars(m, key.length);
      r.codeInRam += nameVars(m, key.length);
    }
  });
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
      r.codeInFlash += m.classBase;
      r.codeInRam += m.classBase;
    }
  });
  for (const s of scope) {
    for (const id of declaredBy(s)) r.bindings += nameVars(m, id.name.length);
    if (s.type === "VariableDeclaration") for (const d of s.declarations) r.literals += literalVars(m, d.init as Node);
  }
  return r;
}
