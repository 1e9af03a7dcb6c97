// Type declarations for the untyped JavaScript packages the driver uses: the
// johnny-five Board and the transport-less Firmata client of firmata-io.

declare module "johnny-five" {
  import { EventEmitter } from "node:events";

  export interface BoardOptions {
    io: unknown;
    repl?: boolean;
    debug?: boolean;
    sigint?: boolean;
    timeout?: number;
  }

  export class Board extends EventEmitter {
    constructor(opts: BoardOptions);
    io: any;
    isReady: boolean;
    pinMode(pin: number, mode: number): this;
    digitalWrite(pin: number, value: number): this;
    analogRead(pin: number, cb: (value: number) => void): this;
    samplingInterval(ms: number): this;
  }

  const five: { Board: typeof Board };
  export default five;
}

declare module "firmata-io" {
  import { EventEmitter } from "node:events";

  export class Firmata extends EventEmitter {
    constructor(transport: unknown, options?: { reportVersionTimeout?: number; samplingInterval?: number });
    isReady: boolean;
    pending: number;
    firmware: { name?: string; version?: { major: number; minor: number } };
  }

  const bind: { Firmata: typeof Firmata };
  export default bind;
}
