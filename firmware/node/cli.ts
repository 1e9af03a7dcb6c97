// The osteodrive CLI: `osteodrive COMMAND [flags]`. Each command lives in
// commands/NAME.ts and exports its `spec` (flags, meanings, defaults: see args.ts)
// and main(argv) → exit code (exit-codes.ts). `--help`/`-h` on any command or
// subcommand is answered here from its spec, before the command runs.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError, helpText, specFor } from "./args.ts";
import type { CommandSpec } from "./args.ts";
import { EXIT, EXIT_TABLE } from "./exit-codes.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "commands");
const PACKAGE = join(DIR, "..", "..", "..", "package.json");

export function commandNames(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
}

/** A command's module. The path is a template relative to this file, so a bundler (tests/helpers/bundle.ts) can take in every command. */
function loadCommand(name: string): Promise<any> {
  return import(`./commands/${name}.ts`);
}

export async function commandSpec(name: string): Promise<CommandSpec> {
  return (await loadCommand(name)).spec as CommandSpec;
}

export function version(): string {
  return JSON.parse(readFileSync(PACKAGE, "utf8")).version;
}

async function topHelp(): Promise<string> {
  const names = commandNames();
  const specs = await Promise.all(names.map(commandSpec));
  const w = Math.max(...names.map((n) => n.length));
  return [
    "osteodrive " + version() + ": firmware, simulator and bench tools for a motorized distraction-osteogenesis distractor",
    "",
    "usage: osteodrive COMMAND [flags]        osteodrive COMMAND --help for a command's flags",
    "",
    "commands:",
    ...specs.map((s, i) => "  " + names[i].padEnd(w + 2) + s.summary),
    "",
    "flags:",
    "  -h, --help     print this help and exit",
    "  -V, --version  print the version and exit",
    "",
    "exit codes:",
    ...EXIT_TABLE.map((r) => "  " + String(r.code).padStart(3) + "  " + r.meaning),
  ].join("\n") + "\n";
}

/** True when the words before a `--` ask for help. */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  const words = end < 0 ? argv : argv.slice(0, end);
  return words.includes("--help") || words.includes("-h");
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (name === "--version" || name === "-V") {
    process.stdout.write("osteodrive " + version() + "\n");
    return EXIT.ok;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? process.stdout : process.stderr).write(await topHelp());
    return name ? EXIT.ok : EXIT.usage;
  }
  const file = join(DIR, name + ".ts");
  if (!/^[a-z-]+$/.test(name) || !existsSync(file)) {
    process.stderr.write("osteodrive: unknown command " + JSON.stringify(name) + " (commands: " + commandNames().join(", ") + "; osteodrive --help)\n");
    return EXIT.usage;
  }
  const mod = await loadCommand(name);
  const rest = argv.slice(1);
  if (wantsHelp(rest)) {
    process.stdout.write(helpText(specFor(mod.spec, rest)));
    return EXIT.ok;
  }
  try {
    return await mod.main(rest);
  } catch (e: any) {
    // bad flags, or a bad input file (its parser names every bad field): nothing was run or written
    if (e instanceof UsageError || (e && e.code === "invalid")) {
      process.stderr.write("osteodrive " + name + ": " + e.message + "\n");
      return EXIT.usage;
    }
    // a user sees what went wrong, not a stack trace (OSTEODRIVE_DEBUG=1 shows it)
    if (process.env.OSTEODRIVE_DEBUG) throw e;
    process.stderr.write("osteodrive " + name + ": " + (e && e.message ? e.message : String(e)) + "\n");
    return EXIT.error;
  }
}
