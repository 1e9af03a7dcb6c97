// Attaches the emulated Uno to a serial device file (one end of a pty pair) with
// serialport 13: bytes read from the device go to the board's RX, the board's TX
// is written to the device after every emulated slice. When the line goes away
// (socat killed), the USB-powered board loses power.

import { SerialPort } from "serialport";
import type { UnoRunner } from "./runner.ts";

export class SerialBridge {
  readonly port: SerialPort;
  private out: number[] = [];
  closed = false;
  /** Bytes written to / read from the device (for lockstep with the host end). */
  sent = 0;
  received = 0;

  private constructor(runner: UnoRunner, port: SerialPort) {
    this.port = port;
    runner.uno.onTx = (b) => this.out.push(b);
    runner.onSlice(() => {
      if (this.out.length === 0 || this.closed) return;
      const chunk = Buffer.from(this.out);
      this.out = [];
      this.sent += chunk.length;
      port.write(chunk);
    });
    port.on("data", (d: Buffer) => {
      this.received += d.length;
      runner.uno.receive(d);
    });
    const lost = () => {
      if (this.closed) return;
      this.closed = true;
      runner.uno.powerOff();
    };
    port.on("close", lost);
    port.on("error", lost);
  }

  static open(runner: UnoRunner, path: string): Promise<SerialBridge> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 57600, autoOpen: false });
      port.open((err) => (err ? reject(new Error("board-side-open-failed: " + path + ": " + err.message)) : resolve(new SerialBridge(runner, port))));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
