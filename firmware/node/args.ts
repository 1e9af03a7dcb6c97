// Command-line flags: `--name value`, `--flag`, and positional words, with a
// specific error for an unknown flag or a missing value (never a silent default).

export interface FlagSpec {
  /** Flags that take a value. */
  values: string[];
  /** Flags that are on/off. */
  switches: string[];
}

export interface ParsedArgs {
  values: { [name: string]: string };
  switches: { [name: string]: boolean };
  positional: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { values: {}, switches: {}, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (spec.switches.includes(name)) {
      if (eq >= 0) throw new UsageError("--" + name + " takes no value");
      out.switches[name] = true;
    } else if (spec.values.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith("--"))) throw new UsageError("--" + name + " needs a value");
      out.values[name] = v;
    } else {
      throw new UsageError("unknown flag --" + name + " (known: " + spec.values.concat(spec.switches).map((f) => "--" + f).join(" ") + ")");
    }
  }
  return out;
}

/** A number flag within [min, max], or the default when absent. */
export function numberFlag(args: ParsedArgs, name: string, min: number, max: number, dflt: number | undefined): number | undefined {
  const v = args.values[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === "" || !isFinite(n) || n < min || n > max) throw new UsageError("--" + name + " must be a number from " + min + " to " + max + ", got " + JSON.stringify(v));
  return n;
}
