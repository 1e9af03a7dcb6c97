// `osteodrive rx sign --key FILE [--out FILE] prescription.json`: signs a
// prescription for the console's rx command with a clinician key. The prescription
// (deviceSerial, counter, expires "YYYY-MM-DDTHH:MM:SSZ", and the treatment fields)
// is signed as its compact JSON text; the output {rx, key, sig} is what
// `osteodrive console --port PATH rx FILE` sends.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, UsageError } from "../args.ts";
import { readKeyFile } from "../console/keyfile.ts";
import { signPrescription } from "../console/sign.ts";

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
  let rx: any;
  try {
    rx = JSON.parse(readFileSync(file, "utf8"));
  } catch (e: any) {
    throw new UsageError(file + " is not JSON: " + e.message);
  }
  for (const f of ["deviceSerial", "counter", "expires"]) if (rx[f] === undefined) throw new UsageError(file + " lacks " + f + " (the device serial, a counter above the last one, and an expiry)");
  const out = JSON.stringify(signPrescription(JSON.stringify(rx), key)) + "\n";
  if (args.values.out) writeFileSync(args.values.out, out);
  else process.stdout.write(out);
  return 0;
}
