// The Espruino compatibility check of a script: the syntax rules (one per "fails"
// row of the "fails" column in docs/espruino.md), the globals check, definition-before-use, and for a bundle
// its shape (one plain IIFE). Each violation carries its position in the script and,
// with a source map, in the TypeScript source it came from.

import * as walk from "acorn-walk";
import type * as acorn from "acorn";
import { SourceMap } from "node:module";
import { parseScript } from "./ast.ts";
import type { Node } from "./ast.ts";
import { checkGlobals } from "./globals.ts";
import { checkOrder } from "./order.ts";
import { SYNTAX_RULES } from "./syntax-rules.ts";

export interface Violation {
  rule: string;
  message: string;
  /** 1-based line, 0-based column in the checked script. */
  line: number;
  column: number;
  /** "file:line:column" in the original source, "" without a source map. */
  source: string;
}

function at(rule: string, message: string, node: acorn.Node): Violation {
  return { rule, message, line: node.loc!.start.line, column: node.loc!.start.column, source: "" };
}

function checkTree(tree: acorn.Program): Violation[] {
  const out: Violation[] = [];
  walk.fullAncestor(tree, (n, _st, ancestors) => {
    for (const r of SYNTAX_RULES) {
      const msg = r.check(n as Node, ancestors as Node[]);
      if (msg) out.push(at(r.id, msg, n));
    }
  });
  for (const g of checkGlobals(tree)) out.push(at("missing-global", g.message, g.node));
  for (const o of checkOrder(tree)) out.push(at("use-before-define", o.message, o.node));
  return out;
}

/** A bundle is one statement: a call of a function expression (no modules, nothing global but what it sets). */
function checkShape(tree: acorn.Program): Violation[] {
  const s = tree.body[0];
  const iife = tree.body.length === 1 && s.type === "ExpressionStatement" && s.expression.type === "CallExpression"
    && (s.expression.callee.type === "FunctionExpression" || s.expression.callee.type === "ArrowFunctionExpression");
  return iife ? [] : [at("bundle-shape", "the bundle must be a single immediately-invoked function", s || tree)];
}

/** Checks any script (no source map: positions are in the script). */
export function checkScript(code: string): Violation[] {
  let tree: acorn.Program;
  try {
    tree = parseScript(code, true);
  } catch (e: any) {
    const loc = e.loc || { line: 0, column: 0 };
    return [{ rule: "syntax", message: e.message, line: loc.line, column: loc.column, source: "" }];
  }
  return checkTree(tree).sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Checks a bundle and maps every violation back to its TypeScript source (map sources are repository-relative; "": no map, positions in the bundle). */
export function checkBundle(code: string, sourceMap: string): Violation[] {
  const found = checkScript(code);
  if (found.length === 0 || found[0].rule !== "syntax") found.push(...checkShape(parseScript(code, true)));
  if (!sourceMap) return found;
  const map = new SourceMap(JSON.parse(sourceMap));
  for (const v of found) {
    const e = map.findEntry(v.line - 1, v.column) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (e && e.originalSource) v.source = e.originalSource + ":" + (e.originalLine! + 1) + ":" + (e.originalColumn! + 1);
  }
  return found;
}

export function formatViolation(v: Violation): string {
  return v.line + ":" + v.column + (v.source ? " (" + v.source + ")" : "") + " " + v.rule + ": " + v.message;
}
