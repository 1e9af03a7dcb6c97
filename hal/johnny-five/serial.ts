// firmata-io's Firmata client on a serialport-13 port (a real tty or a pty), not
// johnny-five's bundled old serialport. The port opens asynchronously; Firmata is
// attached first so it sees the "open" event that starts the handshake.
// firmata-io asks a board that stays silent for its version after 5 s of WALL time
// (a setTimeout). On an emulated board, whose time is its emulated CPU's, that is a
// race with the machine's load: under load the ask lands inside the board's boot,
// and the same seeded run goes differently. Given the board's clock, the same ask
// runs after the same 5 s of board time instead.

import bind from "firmata-io";
import { SerialPort } from "serialport";
import type { Clock } from "../types.ts";
import type { BoardIO } from "./io.ts";

export const FIRMATA_BAUD = 57600;
/** firmata-io's default wait before it asks a silent board for its version (settings.reportVersionTimeout). */
export const REPORT_VERSION_WAIT_MS = 5000;

export interface SerialFirmata {
  io: BoardIO;
  port: SerialPort;
  /** Closes the port (idempotent). */
  close(): Promise<void>;
}

/** The board's own time, for a board that does not run on the wall clock: its HAL clock and its device ms per board ms. */
export interface BoardTime {
  clock: Clock;
  timeScale: number;
}

interface FirmataHandshake {
  reportVersionTimeoutId: ReturnType<typeof setTimeout>;
  versionReceived: boolean;
  reportVersion(cb: () => void): void;
  queryFirmware(cb: () => void): void;
}

/** Moves firmata-io's "ask a silent board for its version" from the wall clock onto the board's clock. */
function askOnBoardTime(io: BoardIO, time: BoardTime): void {
  const f = io as unknown as FirmataHandshake;
  clearTimeout(f.reportVersionTimeoutId);
  const ask = time.clock.at(time.clock.monoMs() + REPORT_VERSION_WAIT_MS * time.timeScale, () => {
    if (f.versionReceived) return;
    f.reportVersion(() => {});
    f.queryFirmware(() => {});
  });
  io.once("reportversion", () => time.clock.cancel(ask));
}

/** Firmata on any byte stream that emits "open"/"data"/"close" (serialport, the in-process Uno); `time` for an emulated board. */
export function firmataOn(transport: unknown, time: BoardTime | null = null): BoardIO {
  const io = new bind.Firmata(transport) as unknown as BoardIO;
  if (time) askOnBoardTime(io, time);
  return io;
}

export function firmataOverSerial(path: string, time: BoardTime | null = null): SerialFirmata {
  const port = new SerialPort({ path, baudRate: FIRMATA_BAUD });
  const io = firmataOn(port, time);
  return {
    io,
    port,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
