// `osteodrive keys new --id NAME --role clinician|bench --out FILE`: makes an
// Ed25519 key pair for the console, writes the key file (mode 0600, never over an
// existing file) and prints the entry to add to the device profile's
// consoleKeys.<role> list. `osteodrive keys public FILE` prints that entry again.

import { parseArgs, UsageError } from "../args.ts";
import { newKeyPair } from "../console/ed25519.ts";
import { profileEntry, readKeyFile, writeKeyFile } from "../console/keyfile.ts";
import type { KeyFile } from "../console/keyfile.ts";

const USAGE = "usage: osteodrive keys new --id NAME --role clinician|bench --out FILE\n       osteodrive keys public FILE";

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["id", "role", "out"], switches: ["help"] });
  const [verb, file] = args.positional;
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (verb === "public" && file) {
    process.stdout.write(JSON.stringify(profileEntry(readKeyFile(file))) + "\n");
    return 0;
  }
  if (verb !== "new") throw new UsageError(USAGE);
  const role = args.values.role;
  if (role !== "clinician" && role !== "bench") throw new UsageError("--role must be clinician or bench\n" + USAGE);
  if (!args.values.id || !/^[A-Za-z0-9._-]{1,64}$/.test(args.values.id)) throw new UsageError("--id must be 1-64 letters, digits, '.', '_' or '-'\n" + USAGE);
  if (!args.values.out) throw new UsageError("--out FILE is required\n" + USAGE);
  const key: KeyFile = Object.assign({ id: args.values.id, role: role as KeyFile["role"] }, newKeyPair());
  writeKeyFile(args.values.out, key);
  process.stdout.write(JSON.stringify(profileEntry(key)) + "\n");
  return 0;
}
