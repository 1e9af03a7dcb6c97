// Command-line specs and parsing. Each command declares its flags once (name, value,
// meaning, default); the same spec drives the parser and `--help`, so a flag that
// is accepted is always documented. Tokenising is node:util.parseArgs; the checks on
// top give a specific error for an unknown flag, a missing value or a value given to
// a switch (never a silent default).

import { parseArgs as tokenize } from "node:util";

export interface FlagDef {
  name: string;
  /** The value's placeholder (e.g. "N", "FILE"); absent for an on/off switch. */
  value?: string;
  help: string;
  /** What applies when the flag is absent ("required" for a flag that must be given; switches default to off). */
  default?: string;
  /** One-letter alias (`-o`). */
  short?: string;
}

export interface CommandSpec {
  /** "sim", or "advisor train" for a subcommand. */
  name: string;
  summary: string;
  /** Synopsis after "osteodrive NAME" (e.g. "--scenario NAME|FILE [flags]"). */
  synopsis: string;
  flags: FlagDef[];
  /** Positional arguments, described. */
  positionals?: Array<{ name: string; help: string }>;
  subcommands?: CommandSpec[];
  /** More lines printed under the flags. */
  notes?: string[];
}

export interface ParsedArgs {
  values: { [name: string]: string };
  switches: { [name: string]: boolean };
  positional: string[];
}

export class UsageError extends Error {}

/** Every command takes -h/--help (the CLI answers it before the command runs). */
export const HELP_FLAG: FlagDef = { name: "help", short: "h", help: "print this help and exit" };

function flagsOf(spec: CommandSpec): FlagDef[] {
  return spec.flags.concat([HELP_FLAG]);
}

function flagName(f: FlagDef): string {
  return "--" + f.name;
}

export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const flags = flagsOf(spec);
  const options: { [name: string]: { type: "string" | "boolean"; short?: string } } = {};
  for (const f of flags) options[f.name] = f.short ? { type: f.value ? "string" : "boolean", short: f.short } : { type: f.value ? "string" : "boolean" };
  const { tokens } = tokenize({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const out: ParsedArgs = { values: {}, switches: {}, positional: [] };
  const known = () => flags.map(flagName).join(" ");
  for (const tk of tokens) {
    if (tk.kind === "positional") out.positional.push(tk.value);
    if (tk.kind !== "option") continue;
    const f = flags.find((x) => x.name === tk.name);
    if (!f) throw new UsageError("unknown flag " + (tk.rawName.startsWith("--") ? tk.rawName : tk.rawName + " (" + spec.name + " has no such short flag)") + " (known: " + known() + ")");
    if (!f.value) {
      if (tk.value !== undefined) throw new UsageError(flagName(f) + " takes no value");
      out.switches[f.name] = true;
      continue;
    }
    // `--seed -1` is a value (the number check names it); `--seed --json` is a missing value
    if (tk.value === undefined || (!tk.inlineValue && tk.value.startsWith("--"))) throw new UsageError(flagName(f) + " needs a value (" + f.value + ")");
    out.values[f.name] = tk.value;
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

/** Throws a UsageError naming the first required flag that is missing. */
export function requireFlags(args: ParsedArgs, spec: CommandSpec): void {
  for (const f of spec.flags) if (f.default === "required" && f.value && args.values[f.name] === undefined) throw new UsageError(flagName(f) + " is required\n" + usageLine(spec));
}

export function usageLine(spec: CommandSpec): string {
  return "usage: osteodrive " + spec.name + (spec.synopsis ? " " + spec.synopsis : "");
}

function columns(rows: Array<[string, string]>): string[] {
  const w = Math.min(30, Math.max(...rows.map((r) => r[0].length)));
  return rows.map(([a, b]) => "  " + (a.length > w ? a + "\n" + " ".repeat(w + 4) : a.padEnd(w + 2)) + b);
}

/** The --help text: summary, usage, subcommands or positionals, every flag with its meaning and default. */
export function helpText(spec: CommandSpec): string {
  const out = ["osteodrive " + spec.name + ": " + spec.summary, "", usageLine(spec)];
  if (spec.subcommands?.length) {
    out.push("", "subcommands (osteodrive " + spec.name + " SUBCOMMAND --help for each):");
    out.push(...columns(spec.subcommands.map((s) => [s.name.split(" ").pop()!, s.summary])));
  }
  if (spec.positionals?.length) {
    out.push("", "arguments:");
    out.push(...columns(spec.positionals.map((p) => [p.name, p.help])));
  }
  out.push("", "flags:");
  out.push(...columns(flagsOf(spec).map((f) => {
    const head = (f.short ? "-" + f.short + ", " : "") + flagName(f) + (f.value ? " " + f.value : "");
    const dflt = f === HELP_FLAG ? "" : f.default === "required" ? " (required)" : " (default: " + (f.default ?? "off") + ")";
    return [head, f.help + dflt];
  })));
  if (spec.notes?.length) out.push("", ...spec.notes);
  return out.join("\n") + "\n";
}

/** The spec for `argv` within `spec`: the subcommand named first, else the command itself. */
export function specFor(spec: CommandSpec, argv: string[]): CommandSpec {
  const sub = spec.subcommands?.find((s) => s.name.split(" ").pop() === argv[0]);
  return sub ?? spec;
}
