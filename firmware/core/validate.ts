// Field validation for JSON documents (device profiles, prescriptions, scenarios,
// world and board files): every problem names the field and the allowed range or
// values; unknown keys are refused by name (a misspelt key is never ignored).

export interface FieldError {
  field: string;
  message: string;
}

export interface Checker {
  errors: FieldError[];
  /** A finite number in [min, max]; returns it, or NaN after recording an error. */
  num(obj: any, key: string, min: number, max: number, unit: string, prefix: string): number;
  /** An integer in [min, max]. */
  int(obj: any, key: string, min: number, max: number, prefix: string): number;
  /** Like num, but absent → the given default. */
  optNum(obj: any, key: string, min: number, max: number, unit: string, prefix: string, dflt: number): number;
  str(obj: any, key: string, allowed: string[] | null, prefix: string): string;
  obj(obj: any, key: string, prefix: string): any;
  fail(field: string, message: string): void;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  return typeof v;
}

/** Edit distance between two short strings (case-insensitive). */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev: number[] = [];
  for (let j = 0; j <= b.length; j++) prev.push(j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1);
      cur.push(Math.min(sub, prev[j] + 1, cur[j - 1] + 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The known key a misspelt one most likely meant (at most 2 edits, or a third of its length), or "". */
function closest(key: string, keys: string[]): string {
  let best = "";
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of keys) {
    const d = distance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

export function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function checker(): Checker {
  const errors: FieldError[] = [];
  const c: Checker = {
    errors,
    fail(field, message) {
      errors.push({ field, message: field + ": " + message });
    },
    num(o, key, min, max, unit, prefix) {
      const f = prefix + key;
      const v = isPlainObject(o) ? o[key] : undefined;
      const range = "expected a number from " + min + " to " + max + (unit ? " " + unit : "");
      if (v === undefined) {
        c.fail(f, "missing; " + range);
        return NaN;
      }
      if (typeof v !== "number" || !isFinite(v)) {
        c.fail(f, "got " + describe(v) + "; " + range);
        return NaN;
      }
      if (v < min || v > max) {
        c.fail(f, "got " + v + ", out of range; " + range);
        return NaN;
      }
      return v;
    },
    int(o, key, min, max, prefix) {
      const v = c.num(o, key, min, max, "", prefix);
      if (!isNaN(v) && Math.floor(v) !== v) {
        c.fail(prefix + key, "got " + v + "; expected a whole number from " + min + " to " + max);
        return NaN;
      }
      return v;
    },
    optNum(o, key, min, max, unit, prefix, dflt) {
      if (!isPlainObject(o) || o[key] === undefined) return dflt;
      return c.num(o, key, min, max, unit, prefix);
    },
    str(o, key, allowed, prefix) {
      const f = prefix + key;
      const v = isPlainObject(o) ? o[key] : undefined;
      const want = allowed ? "expected one of " + allowed.join(", ") : "expected a non-empty string";
      if (typeof v !== "string" || v.length === 0) {
        c.fail(f, (v === undefined ? "missing" : "got " + describe(v)) + "; " + want);
        return "";
      }
      if (allowed && allowed.indexOf(v) < 0) {
        c.fail(f, "got " + describe(v) + "; " + want);
        return "";
      }
      return v;
    },
    obj(o, key, prefix) {
      const v = isPlainObject(o) ? o[key] : undefined;
      if (!isPlainObject(v)) {
        c.fail(prefix + key, (v === undefined ? "missing" : "got " + describe(v)) + "; expected an object");
        return {};
      }
      return v;
    },
  };
  return c;
}

// The checks below are functions, not checker methods, so a build that does not
// use them (the Espruino bundle: its files were checked when it was built) leaves
// them out.

/** true or false; absent → the default (pass undefined to require it). */
export function bool(c: Checker, o: any, key: string, prefix: string, dflt: boolean | undefined): boolean {
  const v = isPlainObject(o) ? o[key] : undefined;
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "boolean") {
    c.fail(prefix + key, (v === undefined ? "missing" : "got " + describe(v)) + "; expected true or false");
    return false;
  }
  return v;
}

/** Refuses every key of `o` not in `keys`, naming it and the key it most likely meant (nothing to check when o is not an object). */
export function known(c: Checker, o: any, keys: string[], prefix: string): void {
  if (!isPlainObject(o)) return;
  for (const k of Object.keys(o)) {
    if (keys.indexOf(k) >= 0) continue;
    const near = closest(k, keys);
    c.fail(prefix + k, "unknown field" + (near ? "; did you mean " + JSON.stringify(near) + "?" : " (known: " + keys.join(", ") + ")"));
  }
}

/** Runs a parser that throws (code "invalid") and keeps its field errors in `c`; returns its result, or null when it failed. */
export function nested<T>(c: Checker, parse: () => T): T | null {
  try {
    return parse();
  } catch (e: any) {
    if (!e || e.code !== "invalid" || !e.errors) throw e;
    for (let i = 0; i < e.errors.length; i++) c.errors.push(e.errors[i]);
    return null;
  }
}

/** A whole document (`field`, e.g. "profile") must be a JSON object: null, arrays and scalars are refused by name. */
export function requireObject(json: unknown, field: string, what: string): void {
  if (isPlainObject(json)) return;
  invalid(what, [{ field, message: field + ": got " + (json === undefined ? "nothing" : describe(json)) + "; expected a JSON object" }]);
}

/** Throws one Error listing every problem, one per line (code "invalid"), or returns silently. */
export function throwIfErrors(what: string, errors: FieldError[]): void {
  if (errors.length > 0) invalid(what, errors);
}

/** Throws the Error for these problems (there must be at least one). */
export function invalid(what: string, errors: FieldError[]): never {
  const lines = errors.map((x) => x.message);
  const e: any = new Error("invalid " + what + ":" + (lines.length === 1 ? " " + lines[0] : "\n  " + lines.join("\n  ")));
  e.code = "invalid";
  e.fields = errors.map((x) => x.field);
  e.errors = errors;
  throw e;
}
