// Keeps the emulated board in step with a host across a pty. A pty pair adds
// wall-clock latency (socat must be scheduled); the emulator, running several
// times faster than real time, would see every byte arrive late in EMULATED time
// and the host's readings go stale. In lockstep the board's clock does not advance
// while bytes are still on the wire in either direction, so link latency in
// emulated time is only the UART's own, however loaded the machine is. A cut line
// or a closed host port ends the wait; as a last resort (a hang guard: a pty loses
// no byte) a wire busy for `giveUpMs` of wall time is treated as cut too (the board
// runs on; the host notices the silence itself).

import type { SerialPort } from "serialport";
import type { UnoRunner } from "./runner.ts";
import type { SerialBridge } from "./serial-bridge.ts";

export interface HostMeter {
  bytesIn: number;
  bytesOut: number;
}

/** Counts what the host port reads and writes. */
export function meterHostPort(port: SerialPort): HostMeter {
  const meter = { bytesIn: 0, bytesOut: 0 };
  port.on("data", (d: Buffer) => (meter.bytesIn += d.length));
  const write = port.write.bind(port);
  port.write = ((chunk: any, ...rest: any[]) => {
    meter.bytesOut += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    return (write as any)(chunk, ...rest);
  }) as typeof port.write;
  return meter;
}

/** Wall ms a wire may stay busy before it is taken as cut: a hang guard only (a pty loses no byte), long enough for a loaded machine. */
export const GIVE_UP_WALL_MS = 60000;

export function lockstep(runner: UnoRunner, bridge: SerialBridge, host: SerialPort, giveUpMs = GIVE_UP_WALL_MS): void {
  const meter = meterHostPort(host);
  let busySince = -1;
  const traffic = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        host.removeListener("data", done);
        bridge.port.removeListener("data", done);
        resolve();
      };
      const timer = setTimeout(done, 5);
      host.once("data", done);
      bridge.port.once("data", done);
    });
  runner.gate = () => {
    const busy = bridge.sent > meter.bytesIn || meter.bytesOut > bridge.received;
    if (!busy || bridge.closed || !host.isOpen) {
      busySince = -1;
      return null;
    }
    const now = performance.now();
    if (busySince < 0) busySince = now;
    return now - busySince > giveUpMs ? null : traffic();
  };
}
