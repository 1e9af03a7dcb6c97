// `osteodrive rx sign --key FILE [--out FILE] prescription.json`: signs a
// prescription for the console's rx command with a clinician key. The prescription
// (deviceSerial, counter, expires "YYYY-MM-DDTHH:MM:SSZ", and the treatment fields)
// is signed as the exact bytes of the file, never re-serialized (what the
// clinician reviewed is what the device verifies); a file that cannot be signed as
// it is (not UTF-8 or JSON, a repeated key, a number a double cannot hold, too
// long for the device) is refused. The output {rx, key, sig} is what
// `osteodrive console --port PATH rx FILE` sends.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, UsageError } from "../args.ts";
import { readKeyFile } from "../console/keyfile.ts";
import { signPrescription, signableRx } from "../console/sign.ts";

const USAGE = "usage: osteodrive rx sign --key FILE [--out FILE] prescription.json";

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["key", "out"], switches: ["help"] });
  if (args.switches.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const [verb, file] = args.positional;
  if (verb !== "sign" || !file || !args.values.key) throw new UsageError(USAGE);
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
