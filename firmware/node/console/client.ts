// The console client on Node: one serial port, requests written as JSON lines
// with an id, responses matched by id (serialport's ReadlineParser splits them).
// A signed request first asks the device for a nonce (hello), then signs.

import { ReadlineParser } from "serialport";
import type { SerialPort } from "serialport";
import { asciiJson } from "../../core/console/json-text.ts";
import { closePort, openPort } from "./serial.ts";
import type { KeyFile } from "./keyfile.ts";
import { signRequest } from "./sign.ts";

export class ConsoleClient {
  port: SerialPort;
  private nextId = 1;
  private waiting: { [id: string]: (r: any) => void } = {};
  /** Lines that were not a response to a pending request (e.g. late answers). */
  stray: string[] = [];

  constructor(port: SerialPort) {
    this.port = port;
    const lines = port.pipe(new ReadlineParser({ delimiter: "\n" }));
    lines.on("data", (line: string) => this.onLine(line));
  }

  static async open(path: string): Promise<ConsoleClient> {
    return new ConsoleClient(await openPort(path));
  }

  private onLine(line: string): void {
    let r: any;
    try {
      r = JSON.parse(line);
    } catch (e) {
      this.stray.push(line);
      return;
    }
    const w = r && r.id !== undefined ? this.waiting[String(r.id)] : undefined;
    if (!w) {
      this.stray.push(line);
      return;
    }
    delete this.waiting[String(r.id)];
    w(r);
  }

  /** Sends a request (an id is added unless it has one) and resolves with its response; rejects after timeoutMs. */
  request(req: { [k: string]: unknown }, timeoutMs: number): Promise<any> {
    const body = req.id === undefined ? Object.assign({ id: this.nextId++ }, req) : req;
    const id = body.id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        delete this.waiting[String(id)];
        reject(new Error("no answer to " + String(req.cmd) + " within " + timeoutMs + " ms"));
      }, timeoutMs);
      this.waiting[String(id)] = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.port.write(asciiJson(body) + "\n");
    });
  }

  /** Asks for a nonce, then sends the request signed with `key`. */
  async signed(req: { [k: string]: unknown }, key: KeyFile, timeoutMs: number): Promise<any> {
    const h = await this.request({ cmd: "hello" }, timeoutMs);
    if (!h.ok) return h;
    return this.request(signRequest(Object.assign({ id: this.nextId++ }, req), key, h.data.device, h.data.nonce), timeoutMs);
  }

  close(): Promise<void> {
    return closePort(this.port);
  }
}
