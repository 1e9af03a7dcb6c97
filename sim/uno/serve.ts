// An emulated Uno on a pty for people: the genuine StandardFirmata hex on the bench
// rig, paced to real time, behind a socat pty pair. Prints the device path to give
// `osteodrive trial --port PATH` (the real-port path, real-time clock) and runs
// until Ctrl-C. Usage:
//   node --import=tsx sim/uno/serve.ts [--profile FILE] [--prescription FILE]

import { parseBoardConfig } from "../../hal/johnny-five/board-config.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE, BENCH_RIG, buildRig, readJson, rigSpec } from "./bench-rig.ts";
import { openEmulatedPort } from "./emulated-port.ts";
import type { EmulatedPort } from "./emulated-port.ts";

/** Starts the real-time emulated rig for a profile and prescription (files). */
export async function serveEmulatedUno(profileFile = BENCH_PROFILE, prescriptionFile = BENCH_PRESCRIPTION): Promise<EmulatedPort> {
  const profile = readJson(profileFile, "profile");
  const spec = rigSpec(readJson(BENCH_RIG, "bench rig"), profile, readJson(prescriptionFile, "prescription"));
  const ep = await openEmulatedPort(buildRig(spec, parseBoardConfig(profile, 1)));
  ep.runner.start(true);
  return ep;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf("--" + name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const ep = await serveEmulatedUno(arg("profile"), arg("prescription"));
  process.stdout.write("emulated Uno (StandardFirmata, real time) on " + ep.hostPath + "\nCtrl-C to stop\n");
  process.once("SIGINT", () => void ep.close().then(() => process.exit(0)));
}
