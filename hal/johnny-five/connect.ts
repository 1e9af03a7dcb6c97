// Opens a johnny-five Board on an IO plugin (firmata-io's Firmata over a
// serialport-13 port, or the in-process virtual Uno) and waits for the Firmata
// handshake on the HAL clock. Fails fast with a named reason; never installs
// johnny-five's REPL or its SIGINT handler (the app owns Ctrl-C).

import five from "johnny-five";
import type { Board } from "johnny-five";
import type { Clock } from "../types.ts";
import type { BoardIO } from "./io.ts";

/** Resolves when `cond()` holds, polling every `stepMs` on the clock; false after `timeoutMs`. */
export function waitFor(clock: Clock, cond: () => boolean, timeoutMs: number, stepMs: number): Promise<boolean> {
  const end = clock.monoMs() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (cond()) return resolve(true);
      if (clock.monoMs() >= end) return resolve(false);
      clock.at(Math.min(end, clock.monoMs() + stepMs), check);
    };
    check();
  });
}

export function connectBoard(io: BoardIO, clock: Clock, timeoutMs: number): Promise<Board> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const board = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: 1e9 });
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clock.cancel(timer);
      reject(new Error(why));
    };
    board.on("error", (e: unknown) => fail("board-connect-failed: " + (e instanceof Error ? e.message : String(e))));
    io.on("error", (e: unknown) => fail("board-connect-failed: " + (e instanceof Error ? e.message : String(e))));
    io.on("close", () => fail("board-connect-failed: port closed during the handshake"));
    board.once("ready", () => {
      if (settled) return;
      settled = true;
      clock.cancel(timer);
      resolve(board);
    });
    const timer = clock.at(clock.monoMs() + timeoutMs, () => fail("board-not-responding: no Firmata handshake within " + Math.round(timeoutMs) + " ms (is StandardFirmata flashed, the port right, the baud 57600?)"));
  });
}
