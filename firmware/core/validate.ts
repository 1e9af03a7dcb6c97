// Field validation for JSON documents (device profiles, prescriptions, scenarios):
// every problem names the field and the allowed range or values.

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
  if (typeof v === "number") return isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  return typeof v;
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

/** Throws one Error listing every problem (code "invalid"), or returns silently. */
export function throwIfErrors(what: string, errors: FieldError[]): void {
  if (errors.length === 0) return;
  const e: any = new Error("invalid " + what + ": " + errors.map((x) => x.message).join("; "));
  e.code = "invalid";
  e.fields = errors.map((x) => x.field);
  throw e;
}
