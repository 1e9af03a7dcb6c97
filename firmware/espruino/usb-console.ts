// The device console on the board's USB port: the console parts the one assembly
// wires (firmware/core/assemble.ts) — the clinician and bench keys from the
// profile, the sliced Ed25519 verifier on the HAL clock with Espruino's native dot
// product, nonces from the hardware random generator, responses written to USB —
// and, once the device is assembled, USB's bytes into the console, an idle-line
// poll every second, and the REPL moved off USB (anyone at the port could
// otherwise run code on the device; on a board with a console the REPL is
// LoopbackA: get it back by erasing Storage, docs/espruino.md).

import type { Clock } from "../../hal/types.ts";
import type { ConsoleParts, Device } from "../core/assemble.ts";
import { openConsole } from "../core/console/console.ts";
import { parseKeyRing } from "../core/console/keys.ts";
import { restoreConsole } from "../core/console/restore.ts";
import { SlicedVerifier } from "../core/console/sliced-verifier.ts";

/** A verification slice's longest run, and the time it leaves the control loop between slices (ms). */
const SLICE_MS = 20;
const GAP_MS = 20;
const POLL_MS = 1000;

function hwRandom(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = E.hwRand() & 255;
  return b;
}

export interface UsbConsole {
  parts: ConsoleParts;
  verifier: SlicedVerifier;
}

export function usbConsoleParts(profileJson: unknown, clock: Clock): UsbConsole {
  const verifier = new SlicedVerifier(E.convolve, clock, SLICE_MS, GAP_MS);
  const line = {
    nowMs: function () {
      return clock.monoMs();
    },
    randomBytes: hwRandom,
    send: function (text: string) {
      USB.write(text + "\n");
    },
  };
  return { parts: { open: openConsole, restore: restoreConsole, ring: parseKeyRing(profileJson), verifier, line }, verifier };
}

/** Serves the assembled device's console on USB. */
export function serveUsb(d: Device, c: UsbConsole, clock: Clock): void {
  const con = d.console;
  if (!con) return;
  c.verifier.onDone = function () {
    con.verified();
  };
  c.verifier.deferred = true;
  USB.on("data", function (data: string) {
    const b = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) b[i] = data.charCodeAt(i) & 255;
    con.receive(b);
  });
  const poll = function () {
    con.poll();
    clock.at(clock.monoMs() + POLL_MS, poll);
  };
  clock.at(clock.monoMs() + POLL_MS, poll);
  LoopbackA.setConsole(true);
}
