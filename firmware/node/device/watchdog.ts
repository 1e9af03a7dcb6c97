// The systemd watchdog heartbeat (firmware/node/systemd/osteodrive.service sets
// WatchdogSec): while the control loop is alive — its tick count moved within the
// last two ticks of HAL time — the device sends WATCHDOG=1 every third of the
// watchdog period. A hung event loop or a control loop that stopped ticking sends
// nothing, and systemd restarts the service (which recovers from its journal).
// Sent with systemd-notify (NotifyAccess=all): Node has no unix datagram sockets.

import { spawn } from "node:child_process";
import type { Clock } from "../../../hal/types.ts";

export interface Heartbeat {
  clock: Clock;
  /** The controller's tick count (it advances every tick, moving or not). */
  ticks: () => number;
  tickMs: number;
  /** HAL ms between heartbeats. */
  periodMs: number;
  notify: (message: string) => void;
}

/** Starts the heartbeat; returns stop(). */
export function startHeartbeat(h: Heartbeat): () => void {
  let seen = h.ticks();
  let seenAt = h.clock.monoMs();
  let timer = -1;
  let stopped = false;
  const beat = () => {
    if (stopped) return;
    const now = h.clock.monoMs();
    const t = h.ticks();
    if (t !== seen) {
      seen = t;
      seenAt = now;
    }
    if (now - seenAt <= 2 * h.tickMs) h.notify("WATCHDOG=1");
    timer = h.clock.at(now + h.periodMs, beat);
  };
  beat();
  return () => {
    stopped = true;
    if (timer >= 0) h.clock.cancel(timer);
  };
}

/** The watchdog systemd asked for (WATCHDOG_USEC, NOTIFY_SOCKET, WATCHDOG_PID), or null when not run under one. */
export function systemdWatchdog(env: NodeJS.ProcessEnv, pid: number): { periodMs: number; notify: (m: string) => void } | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !(usec > 0)) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return {
    periodMs: usec / 1000 / 3,
    notify: (m) => {
      const p = spawn("systemd-notify", ["--pid=" + pid, m], { stdio: "ignore" });
      p.on("error", () => {});
      p.unref();
    },
  };
}
