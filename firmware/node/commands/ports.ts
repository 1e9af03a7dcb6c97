// `osteodrive ports [--json]`: the serial ports this system can see (serialport's
// SerialPort.list()), to find the --port for `trial` or `console`. Where the system
// cannot list them (on Linux the lister needs udevadm, absent in many containers)
// it says so and how to go on, and exits 1.

import { SerialPort } from "serialport";
import { parseArgs } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { EXIT } from "../exit-codes.ts";

export const spec: CommandSpec = {
  name: "ports",
  summary: "lists the serial ports this system can see (for trial --port and console --port)",
  synopsis: "[--json]",
  flags: [{ name: "json", help: "print the list as JSON (path, manufacturer, serialNumber, vendorId, productId, ...)" }],
  notes: ["exit code: 0 listed (possibly none), 1 the system cannot list its ports (name the port directly: --port /dev/ttyACM0)"],
};

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export type PortLister = () => Promise<PortInfo[]>;

function describe(p: PortInfo): string {
  const id = p.vendorId || p.productId ? " usb " + (p.vendorId ?? "?") + ":" + (p.productId ?? "?") : "";
  return p.path + (p.manufacturer ? "  " + p.manufacturer : "") + id + (p.serialNumber ? "  serial " + p.serialNumber : "");
}

/** Lists with `lister`; returns the exit code and what to print on stdout / stderr. */
export async function listPorts(lister: PortLister, json: boolean): Promise<{ code: number; out: string; err: string }> {
  let ports: PortInfo[];
  try {
    ports = await lister();
  } catch (e: any) {
    const why = e && e.message ? e.message : String(e);
    return {
      code: EXIT.error,
      out: "",
      err: "osteodrive ports: cannot list serial ports on this system: " + why + "\n" +
        "  (on Linux the lister needs udevadm, which containers often lack); name the port directly, e.g. --port /dev/ttyACM0 or /dev/ttyUSB0\n",
    };
  }
  if (json) return { code: EXIT.ok, out: JSON.stringify(ports) + "\n", err: "" };
  if (ports.length === 0) return { code: EXIT.ok, out: "no serial ports found (is the board plugged in? emulated:uno needs none)\n", err: "" };
  return { code: EXIT.ok, out: ports.map(describe).join("\n") + "\n", err: "" };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  const r = await listPorts(() => SerialPort.list(), args.switches.json === true);
  process.stdout.write(r.out);
  process.stderr.write(r.err);
  return r.code;
}
