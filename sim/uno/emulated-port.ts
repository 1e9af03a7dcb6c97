// `--port emulated:uno`: the emulated Uno behind a real tty. A socat pty pair is
// the cable; the board end is attached in-process, the host end is a device file
// the host opens with serialport 13 like any board; in lockstep the board's clock
// waits for bytes still crossing the pty. unplug() cuts the USB-powered board's power
// and kills socat: both ends see the line vanish.

import type { SerialPort } from "serialport";
import { bootUno } from "./board.ts";
import { lockstep } from "./lockstep.ts";
import { openPtyPair } from "./pty.ts";
import type { Rig } from "./rig.ts";
import type { RunnerOptions, UnoRunner } from "./runner.ts";
import { SerialBridge } from "./serial-bridge.ts";

export const EMULATED_UNO = "emulated:uno";

export interface EmulatedPort {
  /** The device file the host opens. */
  hostPath: string;
  runner: UnoRunner;
  rig: Rig;
  /** Keeps the board's clock in step with the host port across the pty (see lockstep.ts). */
  lockstep(host: SerialPort): void;
  /** Pulls the cable. */
  unplug(): Promise<void>;
  /** Stops the emulation and removes the pty pair. */
  close(): Promise<void>;
}

export async function openEmulatedPort(rig: Rig, opts: RunnerOptions = {}): Promise<EmulatedPort> {
  const pty = await openPtyPair();
  let runner: UnoRunner;
  let bridge: SerialBridge;
  try {
    // a missing firmware image fails here: socat goes with it
    runner = bootUno(rig, opts);
    bridge = await SerialBridge.open(runner, pty.boardPath);
  } catch (e) {
    await pty.close();
    throw e;
  }
  return {
    hostPath: pty.hostPath,
    runner,
    rig,
    lockstep: (host) => lockstep(runner, bridge, host),
    // the USB-powered board loses its power the moment the cable goes, not when the
    // board end of the pty notices socat's death (that comes later, the more loaded the host)
    unplug: () => {
      runner.uno.powerOff();
      return pty.close();
    },
    async close() {
      await runner.stop();
      await bridge.close();
      await pty.close();
    },
  };
}
