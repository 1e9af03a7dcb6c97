// Which globals the Espruino interpreter has (2v29, espruino.com/Reference and the
// interpreter's source): a free identifier in the bundle must be one of them, and
// a static member of Math or Number must be one Espruino implements. Members
// ESPRUINO.md lists as missing on other built-ins (Object.freeze, …) are refused.

import type * as acorn from "acorn";
import * as walk from "acorn-walk";
import { allDeclaredNames } from "./ast.ts";

export const ESPRUINO_GLOBALS = new Set([
  // language built-ins
  "Array", "ArrayBuffer", "Boolean", "DataView", "Date", "Error", "EvalError", "Function", "Infinity", "InternalError",
  "JSON", "Math", "NaN", "Number", "Object", "Promise", "RangeError", "ReferenceError", "RegExp", "String",
  "SyntaxError", "TypeError", "undefined", "arguments", "eval", "isFinite", "isNaN", "parseFloat", "parseInt",
  "encodeURIComponent", "decodeURIComponent", "atob", "btoa",
  "Float32Array", "Float64Array", "Int8Array", "Int16Array", "Int32Array", "Uint8Array", "Uint8ClampedArray",
  "Uint16Array", "Uint24Array", "Uint32Array",
  // Espruino
  "E", "global", "process", "console", "print", "require", "Pin", "Serial", "SPI", "I2C", "Waveform",
  "setTimeout", "setInterval", "clearTimeout", "clearInterval", "changeInterval", "setWatch", "clearWatch",
  "digitalWrite", "digitalRead", "digitalPulse", "analogRead", "analogWrite", "pinMode", "getPinMode",
  "getTime", "setTime", "getSerial", "peek8", "peek16", "peek32", "poke8", "poke16", "poke32", "shiftOut",
  "save", "load", "reset", "dump", "echo", "trace", "HIGH", "LOW",
]);

/** Static members Espruino implements on Math and Number (anything else is missing). */
export const STATIC_MEMBERS: { [obj: string]: string[] } = {
  Math: ["E", "PI", "LN2", "LN10", "LOG2E", "LOG10E", "SQRT2", "SQRT1_2", "abs", "acos", "asin", "atan", "atan2", "cos", "sin", "tan",
    "pow", "sqrt", "exp", "log", "ceil", "floor", "round", "random", "min", "max", "sign", "clip", "wrap"],
  Number: ["NaN", "MAX_VALUE", "MIN_VALUE", "NEGATIVE_INFINITY", "POSITIVE_INFINITY"],
};

/** Members ESPRUINO.md (and the interpreter's source) show missing on other built-ins. */
export const MISSING_MEMBERS: { [obj: string]: string[] } = {
  Object: ["freeze", "isFrozen", "seal", "isSealed", "preventExtensions", "getOwnPropertySymbols", "is"],
};

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
