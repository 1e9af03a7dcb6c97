// The console's serial transport on Node (serialport 13): the device end opens a
// tty (a real port or one end of a socat pty pair), hands every chunk of bytes to
// the console as it arrives, writes each response line with LF, and polls the
// console once a second so an idle partial line is dropped.

import { SerialPort } from "serialport";
import type { Console } from "../../core/console/console.ts";

export const CONSOLE_BAUD = 115200;

/** Opens a serial port and waits until it is open (rejects with the open error). */
export async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: CONSOLE_BAUD, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error("cannot open " + path + ": " + err.message)) : resolve())));
  return port;
}

export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

/** A response sink writing to the port (for ConsoleIo.send). */
export function portWriter(port: SerialPort): (line: string) => void {
  return (line) => {
    port.write(line + "\n");
  };
}

/** Feeds the port's bytes to the console until the returned stop() is called. */
export function serveConsole(port: SerialPort, con: Console): () => Promise<void> {
  const onData = (buf: Buffer) => con.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
  port.on("data", onData);
  const timer = setInterval(() => con.poll(), 1000);
  return async () => {
    clearInterval(timer);
    port.off("data", onData);
    await closePort(port);
  };
}

