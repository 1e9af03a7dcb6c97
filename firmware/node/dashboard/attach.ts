// `--dashboard [HOST:]PORT` for a running device: builds the live source from the
// controller's prescription and the device's read-only health sources, tees it into
// the controller's observers, starts the server and says where it is. The one place
// that reads the controller for the dashboard (its schedule, profile, prescription).

import type { Annunciator } from "../../../hal/types.ts";
import type { Controller } from "../../core/controller.ts";
import { LiveSource } from "./live.ts";
import type { JournalHealth } from "./live.ts";
import { DashboardServer, parseAddress } from "./server.ts";
import type { Truth } from "./types.ts";

export interface DashboardFlags {
  /** `[HOST:]PORT` */
  address: string;
  /** Lockstep: the device waits for every ?sync=1 page to draw each update. */
  sync: boolean;
}

export interface RunningDashboard {
  source: LiveSource;
  server: DashboardServer;
  url: string;
  close(): Promise<void>;
}

export interface DeviceViews {
  title: string;
  truth: Exclude<Truth, "journal">;
  trueGapUm: (() => number) | null;
  alarm: Annunciator;
  journal: JournalHealth | null;
  link: { lost: boolean; reason: string } | null;
}

export async function attachDashboard(ctl: Controller, views: DeviceViews, flags: DashboardFlags, say: (line: string) => void): Promise<RunningDashboard> {
  const addr = parseAddress(flags.address);
  const rx = ctl.prescription();
  const profile = ctl.deviceProfile();
  const source = new LiveSource({
    meta: {
      title: views.title,
      truth: views.truth,
      tickMs: profile.tickMs,
      latencyDays: rx.latencyDays,
      prescribedRateMmPerDay: rx.rateMmPerDay,
      targetLengthMm: rx.targetLengthMm,
      softForceN: rx.softForceN,
      hardForceN: rx.hardForceN,
      toleranceUm: profile.positionToleranceUm,
      control: false,
    },
    schedule: () => ctl.currentSchedule(),
    trueGapUm: views.trueGapUm,
    alarm: views.alarm,
    journal: views.journal,
    link: views.link,
  });
  ctl.addObserver(source);
  const server = new DashboardServer(source, flags.sync);
  const url = await server.listen(addr);
  say("dashboard: " + url + (flags.sync ? " (sync: the device waits for each page opened with ?sync=1 to draw every update)" : "") + (addr.host === "127.0.0.1" || addr.host === "localhost" ? "" : " — listening beyond this machine; the page is read-only"));
  return { source, server, url, close: () => server.close() };
}
