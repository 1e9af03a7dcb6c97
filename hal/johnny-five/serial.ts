// firmata-io's Firmata client on a serialport-13 port (a real tty or a pty), not
// johnny-five's bundled old serialport. The port opens asynchronously; Firmata is
// attached first so it sees the "open" event that starts the handshake.

import bind from "firmata-io";
import { SerialPort } from "serialport";
import type { BoardIO } from "./io.ts";

export const FIRMATA_BAUD = 57600;

export interface SerialFirmata {
  io: BoardIO;
  port: SerialPort;
  /** Closes the port (idempotent). */
  close(): Promise<void>;
}

/** Firmata on any byte stream that emits "open"/"data"/"close" (serialport, the in-process Uno). */
export function firmataOn(transport: unknown): BoardIO {
  return new bind.Firmata(transport) as unknown as BoardIO;
}

export function firmataOverSerial(path: string): SerialFirmata {
  const port = new SerialPort({ path, baudRate: FIRMATA_BAUD });
  const io = firmataOn(port);
  return {
    io,
    port,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
