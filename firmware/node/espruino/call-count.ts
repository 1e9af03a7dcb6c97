// Instruments a script to count what Espruino's cost is made of: every function
// call and every loop iteration bumps a counter in the global `__odc`. Espruino 2v29
// was measured at about 5 µs per call and 3 µs per iteration on a desktop core (one
// to two orders of magnitude more on a microcontroller; docs/espruino.md): counts ×
// those costs estimate the control tick on the board better than V8's time does.

import * as walk from "acorn-walk";
import type * as acorn from "acorn";
import { parseScript } from "./ast.ts";

export const DESKTOP_US_PER_CALL = 5;
export const DESKTOP_US_PER_ITERATION = 3;

export function instrument(code: string): string {
  const edits: Array<{ at: number; text: string }> = [];
  const count = (body: acorn.Node, what: string) => {
    if (body.type === "BlockStatement") edits.push({ at: body.start + 1, text: "__odc." + what + "++;" });
    else if (what === "calls") edits.push({ at: body.start, text: "(__odc.calls++," }, { at: body.end, text: ")" });
    else edits.push({ at: body.start, text: "{__odc.iters++;" }, { at: body.end, text: "}" });
  };
  walk.full(parseScript(code), (n) => {
    const node = n as acorn.AnyNode;
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression") count(node.body, "calls");
    else if (node.type === "ForStatement" || node.type === "ForInStatement" || node.type === "ForOfStatement" || node.type === "WhileStatement" || node.type === "DoWhileStatement") count(node.body, "iters");
  });
  // Later positions first, so earlier offsets stay valid; at one position, closing text before opening text.
  edits.sort((a, b) => b.at - a.at || (a.text === ")" || a.text === "}" ? -1 : 1));
  let out = code;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}
