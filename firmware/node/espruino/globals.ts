// The bundle's globals against what the Espruino interpreter has
// (hal/espruino/interpreter.ts): a free identifier in the bundle must be one of its
// globals, and a static member of Math or Number must be one Espruino implements.
// Members missing on other built-ins (Object.freeze, …) are refused.

import type * as acorn from "acorn";
import * as walk from "acorn-walk";
import { allDeclaredNames } from "./ast.ts";
import { ESPRUINO_GLOBALS, MISSING_MEMBERS, STATIC_MEMBERS } from "../../../hal/espruino/interpreter.ts";

export interface GlobalIssue {
  node: acorn.Node;
  message: string;
}

function memberName(m: acorn.MemberExpression): string {
  if (!m.computed && m.property.type === "Identifier") return m.property.name;
  if (m.computed && m.property.type === "Literal" && typeof m.property.value === "string") return m.property.value;
  return "";
}

function pinName(name: string): boolean {
  return /^([A-H]\d{1,2}|D\d{1,2}|LED\d|BTN\d?)$/.test(name);
}

export function checkGlobals(tree: acorn.Program): GlobalIssue[] {
  const declared = allDeclaredNames(tree);
  const issues: GlobalIssue[] = [];
  const free = (name: string) => !declared.has(name);
  const ref = (id: acorn.Identifier) => {
    if (free(id.name) && !ESPRUINO_GLOBALS.has(id.name) && !pinName(id.name)) {
      issues.push({ node: id, message: "global " + id.name + " does not exist in Espruino" });
    }
  };
  // Identifiers in expressions, and (as "VariablePattern") assignment targets.
  const visitors: walk.SimpleVisitors<unknown> & { VariablePattern: (n: acorn.Identifier) => void } = {
    Identifier: ref,
    VariablePattern: ref,
    MemberExpression(m) {
      if (m.object.type !== "Identifier" || !free(m.object.name)) return;
      const obj = m.object.name;
      const name = memberName(m);
      if (!name) return;
      const known = STATIC_MEMBERS[obj];
      const missing = MISSING_MEMBERS[obj];
      if ((known && known.indexOf(name) < 0) || (missing && missing.indexOf(name) >= 0)) {
        issues.push({ node: m, message: obj + "." + name + " does not exist in Espruino" });
      }
    },
  };
  walk.simple(tree, visitors);
  return issues;
}
