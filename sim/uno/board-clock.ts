// The host's side of an emulated Uno served by another process (board-server.ts):
// a HAL clock that runs on the board's emulated time, kept in lockstep over a unix
// socket. Attaching is opening the port (the board resets); for every board slice
// the host waits until the bytes the board sent have arrived on its serial port,
// runs its timers to that time, lets its I/O run once, and answers with the count
// of bytes it wrote. Device time = timeScale × board time; the wall clock is the
// board world's, so it runs on across host restarts like a real calendar.
// When the socket closes (the board's process died) `lost` fires: the host's link
// is gone, exactly as if the cable had been pulled.
//
// Quiet slices: the answer also names the first board ms at which the host must be
// stepped again (its next timer; the next ms while it has work queued for its event
// loop or a file request in flight). Until then the board runs the slices in which it
// sends nothing without an exchange (board-server.ts); the slice in which it does send
// is stepped, and the host first runs its clock to the slice before, as every skipped
// step would have done (none of them had a timer due, a byte to read or work queued).
// The port is paused between steps, so the board's bytes are read only inside a step,
// on the clock they were read on before.

import { EventEmitter } from "node:events";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { setImmediate as turn, setTimeout as sleep } from "node:timers/promises";
import type { SerialPort } from "serialport";
import { VirtualClock } from "../virtual-clock.ts";
import { lineReader } from "./lines.ts";
import { GIVE_UP_WALL_MS, meterHostPort } from "./lockstep.ts";
import type { HostMeter } from "./lockstep.ts";


/** Most board ms a host lets the board run without a step (it still hears the board's bytes at once). */
export const MAX_QUIET_BOARD_MS = 50;

/** Whether the process has work queued for its event loop's next turn or a file request in flight (then it is stepped every ms). */
function loopBusy(): boolean {
  for (const r of process.getActiveResourcesInfo()) if (r === "Immediate" || r.startsWith("FSReq")) return true;
  return false;
}

export class BoardClock extends EventEmitter {
  readonly clock: VirtualClock;
  readonly timeScale: number;
  private sock: Socket;
  private meter: HostMeter | null = null;
  private port: SerialPort | null = null;
  private closed = false;
  /** The board ms of the last step. */
  private steppedMs = 0;

  private constructor(sock: Socket, wallMs: number, timeScale: number) {
    super();
    this.sock = sock;
    this.timeScale = timeScale;
    this.clock = new VirtualClock(wallMs);
  }

  /** Attaches to the board at `path` (its lockstep socket); the board resets. Rejects with a named reason. */
  static connect(path: string, timeScale: number): Promise<BoardClock> {
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      let bc: BoardClock | null = null;
      const fail = (why: string) => {
        sock.destroy();
        reject(new Error(why));
      };
      sock.once("error", (e) => {
        if (!bc) fail("board-clock-unreachable: " + path + ": " + e.message + " (is the emulated board running? node --import=tsx sim/uno/serve.ts)");
      });
      sock.once("connect", () => sock.write("hello\n"));
      sock.on(
        "data",
        lineReader((line) => {
          const [w, a, b] = line.split(" ");
          if (!bc) {
            if (w === "busy") return fail("board-busy: another host is attached to " + path);
            if (w !== "w") return fail("board-clock-protocol: unexpected " + JSON.stringify(line));
            if (Number(b) !== timeScale) return fail("board-clock-mismatch: the board runs at time scale " + b + ", this host at " + timeScale);
            bc = new BoardClock(sock, Number(a), timeScale);
            sock.on("close", () => bc!.lose("the emulated board's process closed its clock"));
            sock.on("error", (e) => bc!.lose("board clock error: " + e.message));
            resolve(bc);
            return;
          }
          if (w === "t") void bc.step(Number(a), Number(b), Number(line.split(" ")[3]));
        }),
      );
    });
  }

  /** Counts the host port's bytes from its creation (call before it opens, so no write goes uncounted). */
  meterPort(port: SerialPort): void {
    this.port = port;
    this.meter = meterHostPort(port);
  }

  /** The port is open and flushed: the board starts running. */
  go(): void {
    if (this.meter) this.meter.bytesIn = 0;
    this.steppedMs = 0;
    if (this.port) this.port.pause();
    this.sock.write("go\n");
  }

  private async step(boardMs: number, boardSent: number, sliceBeforeMs: number): Promise<void> {
    const m = this.meter;
    const k = this.timeScale;
    // the board ran quiet slices since the last step: the host's clock goes where their last step would have put it
    if (sliceBeforeMs > this.steppedMs) {
      this.clock.runUntil(sliceBeforeMs * k);
      await turn();
    }
    const port = this.port;
    if (port && m && m.bytesIn < boardSent) port.resume();
    const t0 = performance.now();
    while (m && port && m.bytesIn < boardSent && !this.closed && port.isOpen && performance.now() - t0 < GIVE_UP_WALL_MS) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          port.removeListener("data", done);
          resolve();
        };
        const timer = setTimeout(done, 5);
        port.once("data", done);
      });
    }
    if (port) port.pause();
    this.clock.runUntil(boardMs * k);
    await turn();
    this.steppedMs = boardMs;
    if (!this.closed) this.sock.write("a " + (m ? m.bytesOut : 0) + " " + this.nextStepMs(boardMs) + "\n");
  }

  /** The first board ms at which the host must be stepped again: its next timer's (never later), the next ms while its loop is busy. */
  private nextStepMs(boardMs: number): number {
    // the board's slices end on whole ms (a few cycles past, the instruction that crosses it)
    const soonest = Math.floor(boardMs + 1e-6) + 1;
    if (loopBusy()) return soonest;
    const due = this.clock.nextDueMs();
    const k = this.timeScale;
    let at = Math.min(boardMs + MAX_QUIET_BOARD_MS, Math.floor(due / k));
    // a step at board ms b runs the events due by b × k: none may wait past its ms
    while (at > soonest && (at - 1) * k >= due) at--;
    return Math.max(soonest, at);
  }

  private lose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close", reason);
  }

  /** Detaches (the board holds or runs on by itself). */
  async close(): Promise<void> {
    this.closed = true;
    this.sock.end();
    this.sock.destroy();
    await sleep(0);
  }
}
