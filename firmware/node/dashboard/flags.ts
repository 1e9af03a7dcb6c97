// The dashboard flags as `device` and `trial` take them.

import type { FlagDef } from "../args.ts";

export const DASHBOARD_FLAG: FlagDef = { name: "dashboard", value: "[HOST:]PORT", help: "serve the live dashboard (web page) on PORT (0 = any free port; the URL is printed); HOST defaults to 127.0.0.1; read-only", default: "no dashboard" };

export const DASHBOARD_SYNC_FLAG: FlagDef = { name: "dashboard-sync", help: "lockstep: wait for a dashboard page opened with ?sync=1, then let every such page draw each update before the device runs on (tests, step-by-step demos)" };
