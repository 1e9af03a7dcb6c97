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
import { nameVars, stringVars } from "../../../sim/espruino-shim/memory.ts";
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

function literalVars(n: Node | null | undefined): number {
  if (!n) return 0;
  if (n.type === "Literal") return typeof n.value === "string" ? stringVars(n.value.length) : 1;
  if (n.type === "TemplateLiteral") return n.quasis.reduce((a, q) => a + stringVars((q.value.cooked || "").length), 0);
  if (n.type === "ArrayExpression") return 1 + n.elements.reduce((a, e) => a + 1 + literalVars(e as Node), 0);
  if (n.type === "ObjectExpression") {
    return 1 + n.properties.reduce((a, p) => {
      if (p.type !== "Property") return a;
      const key = p.key.type === "Identifier" ? p.key.name : p.key.type === "Literal" ? String(p.key.value) : "";
      return a + nameVars(key.length) + literalVars(p.value as Node);
    }, 0);
  }
  if (n.type === "UnaryExpression") return literalVars(n.argument);
  return 0;
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

export function staticVariables(code: string): StaticVariables {
  const tree = parseScript(code);
  const scope = bundleScope(tree);
  const outer = tree.body.length === 1 && scope !== tree.body ? ((tree.body[0] as acorn.ExpressionStatement).expression as acorn.CallExpression).callee : null;
  const r: StaticVariables = { functions: 0, codeInFlash: 0, codeInRam: 0, bindings: 0, literals: 0 };
  walk.fullAncestor(tree, (n, _st, anc) => {
    const node = n as Node;
    if (isFunction(node) && node !== outer) {
      const own = 3 + node.params.length;
      r.functions++;
      r.codeInFlash += own;
      r.codeInRam += own - 1 + stringVars(node.end - node.start);
    }
    const parent = anc.length > 1 ? (anc[anc.length - 2] as Node) : null;
    if (node.type === "MethodDefinition" && parent && parent.type === "ClassBody") {
      const key = node.key.type === "Identifier" ? node.key.name : "";
      r.codeInFlash += nameVars(key.length);
      r.codeInRam += nameVars(key.length);
    }
  });
  for (const s of scope) {
    for (const id of declaredBy(s)) r.bindings += nameVars(id.name.length);
    if (s.type === "VariableDeclaration") for (const d of s.declarations) r.literals += literalVars(d.init as Node);
  }
  return r;
}
