// Shared syntax-tree helpers for the Espruino checks: parsing a script (with
// locations where asked), the names a pattern binds, and every name declared anywhere in a tree.

import * as acorn from "acorn";
import * as walk from "acorn-walk";

export type Node = acorn.AnyNode;

/** Parses a plain script (no modules: an import or export is a syntax error here); with `locations`, each node has its line and column (a quarter slower: only the checks that report a place ask for them). */
export function parseScript(code: string, locations = false): acorn.Program {
  return acorn.parse(code, { ecmaVersion: "latest", sourceType: "script", locations });
}

export type FunctionNode = acorn.FunctionDeclaration | acorn.FunctionExpression | acorn.ArrowFunctionExpression;

export function isFunction(n: Node): n is FunctionNode {
  return n.type === "FunctionDeclaration" || n.type === "FunctionExpression" || n.type === "ArrowFunctionExpression";
}

/** Identifiers bound by a declaration pattern (x, {a, b: [c]}, ...rest, d = 1). */
export function patternNames(p: acorn.Pattern | null, out: acorn.Identifier[]): acorn.Identifier[] {
  if (!p) return out;
  switch (p.type) {
    case "Identifier":
      out.push(p);
      break;
    case "ObjectPattern":
      for (const prop of p.properties) patternNames(prop.type === "RestElement" ? prop : prop.value, out);
      break;
    case "ArrayPattern":
      for (const el of p.elements) patternNames(el, out);
      break;
    case "RestElement":
      patternNames(p.argument, out);
      break;
    case "AssignmentPattern":
      patternNames(p.left, out);
      break;
  }
  return out;
}

/** Names a statement declares in its own statement list (function, class, var/let/const). */
export function declaredBy(s: Node): acorn.Identifier[] {
  if ((s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id) return [s.id];
  if (s.type === "VariableDeclaration") {
    const out: acorn.Identifier[] = [];
    for (const d of s.declarations) patternNames(d.id, out);
    return out;
  }
  return [];
}

/** Every name declared anywhere in the tree (bindings, parameters, function/class names, catch parameters). */
export function allDeclaredNames(tree: acorn.Node): Set<string> {
  const names = new Set<string>();
  const add = (p: acorn.Pattern | null) => {
    for (const id of patternNames(p, [])) names.add(id.name);
  };
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "VariableDeclarator") add(node.id);
    else if (isFunction(node)) {
      if (node.id) add(node.id);
      for (const p of node.params) add(p);
    } else if ((node.type === "ClassDeclaration" || node.type === "ClassExpression") && node.id) add(node.id);
    else if (node.type === "CatchClause" && node.param) add(node.param);
  });
  return names;
}
