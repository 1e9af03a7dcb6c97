// A model of what data costs in Espruino variables (JsVars), used by the shim's
// process.memory() and the bundle command's estimate. Espruino stores everything in
// fixed-size variables; the constants are measured on the real interpreter
// (tests/espruino-memory.test.ts probes each construct and holds the model to it),
// for the 13-byte variable of the STM32 boards (Pico, WiFi, MDBT42Q: 13-bit
// references) and the 27-byte one of Espruino's 64-bit Linux build:
//  - an object or array is one variable; each property or element adds a name
//    (the key's first characters inline, the rest in extension variables) that
//    holds a small integer or, in an array, a boolean itself; any other value is
//    one more variable (a string: its first characters, then extensions);
//  - a typed array is the view, its buffer and its bytes: a plain string when short,
//    a flat string of whole variables (plus its header) when longer;
//  - a function is 5 variables plus one per parameter (its code stays in flash when
//    it runs from Storage), a method one less plus its name, a class 9 (with its
//    constructor's parameters) plus its methods.

export interface VarModel {
  /** Bytes per variable. */
  bytes: number;
  nameInline: number;
  nameExt: number;
  stringFirst: number;
  stringExt: number;
  /** Integers with |v| ≤ this (−this−1 at the low end) sit in their name. */
  inlineInt: number;
  /** Variables of a typed array besides its data. */
  typedArrayBase: number;
  functionBase: number;
  classBase: number;
}

const MODELS: VarModel[] = [
  { bytes: 13, nameInline: 4, nameExt: 9, stringFirst: 8, stringExt: 9, inlineInt: 4095, typedArrayBase: 3, functionBase: 5, classBase: 9 },
  { bytes: 27, nameInline: 8, nameExt: 24, stringFirst: 20, stringExt: 24, inlineInt: 2147483647, typedArrayBase: 2, functionBase: 5, classBase: 9 },
];

/** The model for a board's variable size (the nearest measured one). */
export function varModel(bytes: number): VarModel {
  return bytes >= 20 ? MODELS[1] : MODELS[0];
}

export function stringVars(m: VarModel, chars: number): number {
  return chars <= m.stringFirst ? 1 : 1 + Math.ceil((chars - m.stringFirst) / m.stringExt);
}

export function nameVars(m: VarModel, chars: number): number {
  return chars <= m.nameInline ? 1 : 1 + Math.ceil((chars - m.nameInline) / m.nameExt);
}

function inlineInt(m: VarModel, v: number): boolean {
  return Math.floor(v) === v && v <= m.inlineInt && v >= -m.inlineInt - 1;
}

/** What a value adds beside the name that holds it (in an array, booleans sit in the name too). */
export function valueVars(m: VarModel, v: unknown, inArray: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return inlineInt(m, v) ? 0 : 1;
  if (typeof v === "boolean") return inArray ? 0 : 1;
  if (v === null) return 1;
  if (typeof v === "string") return stringVars(m, v.length);
  return -1;
}

/** A typed array: its view and buffer, and the bytes in a string (a flat one, in whole variables, above the break-even of jsutils.h). */
export function typedArrayVars(m: VarModel, bytes: number): number {
  return bytes > m.stringFirst + m.stringExt ? m.typedArrayBase + Math.ceil(bytes / m.bytes) : m.typedArrayBase - 1 + stringVars(m, bytes);
}

/** Variables held by the values reachable from `roots` (each object counted once; functions are the code's, firmware/node/espruino/variables.ts). */
export function heapVars(roots: unknown[], varBytes: number): number {
  const m = varModel(varBytes);
  const seen = new Set<object>();
  const value = (v: unknown, inArray: boolean): number => {
    const simple = valueVars(m, v, inArray);
    if (simple >= 0) return simple;
    if (typeof v === "function" || typeof v !== "object" || v === null) return 0;
    if (seen.has(v)) return 0;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return typedArrayVars(m, v.byteLength);
    let n = 1;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) n += 1 + value(v[i], true);
      return n;
    }
    if (Object.getPrototypeOf(v) !== null && Object.getPrototypeOf(Object.getPrototypeOf(v)) !== null) n++; // __proto__ of a class instance
    for (const k of Object.keys(v)) n += nameVars(m, k.length) + value((v as { [k: string]: unknown })[k], false);
    return n;
  };
  let total = 0;
  for (const r of roots) total += value(r, false);
  return total;
}
