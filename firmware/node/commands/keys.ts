// `osteodrive keys new --id NAME --role clinician|bench --out FILE`: makes an
// Ed25519 key pair for the console, writes the key file (mode 0600, never over an
// existing file) and prints the entry to add to the device profile's
// consoleKeys.<role> list. `osteodrive keys public FILE` prints that entry again.

import { parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { newKeyPair } from "../console/ed25519.ts";
import { profileEntry, readKeyFile, writeKeyFile } from "../console/keyfile.ts";
import type { KeyFile } from "../console/keyfile.ts";

const NEW: CommandSpec = {
  name: "keys new",
  summary: "makes an Ed25519 key pair, writes the key file (mode 0600, never over an existing file), prints its profile entry",
  synopsis: "--id NAME --role clinician|bench --out FILE",
  flags: [
    { name: "id", value: "NAME", help: "the key's name, 1-64 letters, digits, '.', '_' or '-'", default: "required" },
    { name: "role", value: "clinician|bench", help: "what the key may do on a device (docs/protocol.md)", default: "required" },
    { name: "out", value: "FILE", help: "the key file to write", default: "required" },
  ],
};

const PUBLIC: CommandSpec = {
  name: "keys public",
  summary: "prints the profile entry (consoleKeys.<role>) of a key file again",
  synopsis: "FILE",
  positionals: [{ name: "FILE", help: "a key file made by keys new" }],
  flags: [],
};

export const spec: CommandSpec = {
  name: "keys",
  summary: "clinician and bench keys for the device console",
  synopsis: "new|public ...",
  flags: [],
  subcommands: [NEW, PUBLIC],
};

export async function main(argv: string[]): Promise<number> {
  const verb = argv[0];
  if (verb === "public") {
    const file = parseArgs(argv.slice(1), PUBLIC).positional[0];
    if (!file) throw new UsageError("FILE is required\n" + usageLine(PUBLIC));
    process.stdout.write(JSON.stringify(profileEntry(readKeyFile(file))) + "\n");
    return 0;
  }
  if (verb !== "new") throw new UsageError((verb ? "unknown subcommand " + JSON.stringify(verb) : "a subcommand is needed") + "\n" + usageLine(NEW) + "\n" + usageLine(PUBLIC));
  const args = parseArgs(argv.slice(1), NEW);
  requireFlags(args, NEW);
  const role = args.values.role;
  if (role !== "clinician" && role !== "bench") throw new UsageError("--role must be clinician or bench\n" + usageLine(NEW));
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(args.values.id)) throw new UsageError("--id must be 1-64 letters, digits, '.', '_' or '-'\n" + usageLine(NEW));
  const key: KeyFile = Object.assign({ id: args.values.id, role: role as KeyFile["role"] }, newKeyPair());
  writeKeyFile(args.values.out, key);
  process.stdout.write(JSON.stringify(profileEntry(key)) + "\n");
  return 0;
}
