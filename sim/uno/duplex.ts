// The emulated Uno's USART as an in-process byte stream (what a USB-serial cable
// is to a real board): host writes go to the board's RX, the board's TX comes out
// as "data". Emits "open" like a serial port, so firmata-io starts its handshake;
// unplug() cuts the board's power and closes the stream.

import { Duplex } from "node:stream";
import type { UnoRunner } from "./runner.ts";

export class UnoDuplex extends Duplex {
  private runner: UnoRunner;
  private out: number[] = [];
  unplugged = false;

  constructor(runner: UnoRunner) {
    super();
    this.runner = runner;
    runner.uno.onTx = (b) => this.out.push(b);
    runner.onSlice(() => this.flushOut());
  }

  /** The cable is in: tell the host the port is open (a real Uno resets now, DTR). */
  open(): void {
    process.nextTick(() => this.emit("open"));
  }

  private flushOut(): void {
    if (this.out.length === 0 || this.unplugged) return;
    const chunk = Buffer.from(this.out);
    this.out = [];
    this.push(chunk);
  }

  _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.unplugged) return cb(new Error("link-lost: board unplugged"));
    this.runner.uno.receive(chunk);
    cb();
  }

  _read(): void {}

  /** Pulls the cable: a USB-powered board loses power (pins float) and the port closes. */
  unplug(): void {
    if (this.unplugged) return;
    this.unplugged = true;
    this.runner.uno.powerOff();
    this.destroy();
  }
}
