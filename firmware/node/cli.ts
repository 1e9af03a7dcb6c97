// The osteodrive CLI: `osteodrive COMMAND [flags]`. Each command lives in
// commands/NAME.ts and exports main(argv) → exit code.

import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "./args.ts";
import { EXIT } from "./exit-codes.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "commands");

function commands(): string[] {
  return readdirSync(DIR).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === "help" || name === "--help") {
    process.stdout.write("usage: osteodrive COMMAND [flags]\ncommands: " + commands().join(", ") + "\nrun `osteodrive COMMAND --help` for a command's flags\n");
    return name ? EXIT.ok : EXIT.usage;
  }
  const file = join(DIR, name + ".ts");
  if (!/^[a-z-]+$/.test(name) || !existsSync(file)) {
    process.stderr.write("osteodrive: unknown command " + JSON.stringify(name) + " (commands: " + commands().join(", ") + ")\n");
    return EXIT.usage;
  }
  const mod = await import(file);
  try {
    return await mod.main(argv.slice(1));
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
