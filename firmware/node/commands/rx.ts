// `osteodrive rx sign --key FILE [--out FILE] prescription.json`: signs a
// prescription for the console's rx command with a clinician key. The prescription
// (deviceSerial, counter, expires "YYYY-MM-DDTHH:MM:SSZ", and the treatment fields)
// is signed as the exact bytes of the file, never re-serialized (what the
// clinician reviewed is what the device verifies); a file that cannot be signed as
// it is (not UTF-8 or JSON, a repeated key, a number a double cannot hold, too
// long for the device) is refused. The output {rx, key, sig} is what
// `osteodrive console --port PATH rx FILE` sends.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { readKeyFile } from "../console/keyfile.ts";
import { signPrescription, signableRx } from "../console/sign.ts";

const SIGN: CommandSpec = {
  name: "rx sign",
  summary: "signs a prescription with a clinician key for the console's rx command",
  synopsis: "--key FILE [--out FILE] prescription.json",
  positionals: [{ name: "prescription.json", help: "the prescription: deviceSerial, counter, expires \"YYYY-MM-DDTHH:MM:SSZ\" and the treatment fields" }],
  flags: [
    { name: "key", value: "FILE", help: "a clinician key file (osteodrive keys new --role clinician)", default: "required" },
    { name: "out", value: "FILE", help: "where the signed {rx, key, sig} goes", default: "standard output" },
  ],
};

export const spec: CommandSpec = {
  name: "rx",
  summary: "signed prescriptions for the device console",
  synopsis: "sign ...",
  flags: [],
  subcommands: [SIGN],
};

export async function main(argv: string[]): Promise<number> {
  if (argv[0] !== "sign") throw new UsageError((argv[0] ? "unknown subcommand " + JSON.stringify(argv[0]) : "a subcommand is needed") + "\n" + usageLine(SIGN));
  const args = parseArgs(argv.slice(1), SIGN);
  requireFlags(args, SIGN);
  const file = args.positional[0];
  if (!file) throw new UsageError("prescription.json is required\n" + usageLine(SIGN));
  const key = readKeyFile(args.values.key);
  if (key.role !== "clinician") throw new UsageError("prescriptions are signed with a clinician key; " + args.values.key + " is a " + key.role + " key");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e: any) {
    throw new UsageError("cannot read " + file + ": " + e.message);
  }
  const { text, problem } = signableRx(bytes);
  if (problem !== "") throw new UsageError(file + " cannot be signed as it is: " + problem);
  const rx = JSON.parse(text);
  for (const f of ["deviceSerial", "counter", "expires"]) if (rx[f] === undefined) throw new UsageError(file + " lacks " + f + " (the device serial, a counter above the last one, and an expiry)");
  const out = JSON.stringify(signPrescription(text, key)) + "\n";
  if (args.values.out) writeFileSync(args.values.out, out);
  else process.stdout.write(out);
  return 0;
}
