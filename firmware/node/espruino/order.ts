// "Functions defined before use": Espruino does not hoist, so in every statement
// list a function, class, let or const must be defined before a statement that runs
// earlier uses it. A statement runs the references outside its nested functions,
// plus (transitively) the bodies of the functions of the same list it refers to,
// since it may call them.

import type * as acorn from "acorn";
import * as walk from "acorn-walk";
import type { Node } from "./ast.ts";
import { declaredBy } from "./ast.ts";

export interface OrderIssue {
  node: acorn.Node;
  message: string;
}

/** Identifier references in `n` that run when `n` runs (not inside nested functions). */
function runRefs(n: Node, out: acorn.Identifier[]): acorn.Identifier[] {
  walk.recursive(n as acorn.Node, null, {
    Function(f, _st, c) {
      // Defining a function runs nothing; only default-parameter values (refused elsewhere) would.
      if (f === n) c(f.body, null);
    },
    Class(cl, _st, c) {
      if (cl.superClass) c(cl.superClass, null);
    },
    Identifier(id) {
      out.push(id);
    },
  });
  return out;
}

function checkList(list: Node[], issues: OrderIssue[]): void {
  const definedAt = new Map<string, number>();
  const bodies = new Map<string, Node>();
  list.forEach((s, i) => {
    for (const id of declaredBy(s)) if (!definedAt.has(id.name)) definedAt.set(id.name, i);
    if (s.type === "FunctionDeclaration" && s.id) bodies.set(s.id.name, s);
  });
  list.forEach((s, j) => {
    if (s.type === "FunctionDeclaration") return;
    const seen = new Set<string>();
    const pending = runRefs(s, []);
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (seen.has(id.name)) continue;
      seen.add(id.name);
      const at = definedAt.get(id.name);
      if (at !== undefined && at > j) {
        issues.push({ node: id, message: id.name + " is used before its definition (Espruino does not hoist)" });
      }
      const body = bodies.get(id.name);
      if (body) runRefs(body, pending);
    }
  });
}

export function checkOrder(tree: acorn.Program): OrderIssue[] {
  const issues: OrderIssue[] = [];
  checkList(tree.body, issues);
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "BlockStatement" || node.type === "StaticBlock") checkList(node.body, issues);
    else if (node.type === "SwitchCase") checkList(node.consequent, issues);
  });
  return issues;
}
