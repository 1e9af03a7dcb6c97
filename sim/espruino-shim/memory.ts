// A model of what live data costs in Espruino variables (JsVars), used by the shim's
// process.memory() and the bundle command. Espruino stores everything in fixed-size
// variables: an object or array is one, each property adds a name variable (names
// longer than 4 characters spill into extension variables of 12) plus its value
// (a number or boolean one more, a string 1 for up to 8 characters then 1 per 12);
// typed arrays keep their bytes in a flat string of whole variables. Functions are
// not counted here (their cost is in the code: firmware/node/espruino/variables.ts).

export const NAME_INLINE_CHARS = 4;
export const STRING_FIRST_CHARS = 8;
export const STRING_EXT_CHARS = 12;

export function stringVars(chars: number): number {
  return chars <= STRING_FIRST_CHARS ? 1 : 1 + Math.ceil((chars - STRING_FIRST_CHARS) / STRING_EXT_CHARS);
}

export function nameVars(chars: number): number {
  return chars <= NAME_INLINE_CHARS ? 1 : 1 + Math.ceil((chars - NAME_INLINE_CHARS) / STRING_EXT_CHARS);
}

/** Variables held by the values reachable from `roots` (each object counted once). */
export function heapVars(roots: unknown[], varBytes: number): number {
  const seen = new Set<object>();
  const value = (v: unknown): number => {
    if (v === undefined) return 0;
    if (v === null || typeof v === "number" || typeof v === "boolean") return 1;
    if (typeof v === "string") return stringVars(v.length);
    if (typeof v === "function" || typeof v !== "object") return 0;
    if (seen.has(v)) return 0;
    seen.add(v);
    if (ArrayBuffer.isView(v)) return 3 + Math.ceil(v.byteLength / varBytes); // view + buffer + flat string header, then data
    let n = 1;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) n += 1 + value(v[i]);
      return n;
    }
    if (Object.getPrototypeOf(v) !== null && Object.getPrototypeOf(Object.getPrototypeOf(v)) !== null) n++; // __proto__ of a class instance
    for (const k of Object.keys(v)) n += nameVars(k.length) + value((v as { [k: string]: unknown })[k]);
    return n;
  };
  let total = 0;
  for (const r of roots) total += value(r);
  return total;
}
