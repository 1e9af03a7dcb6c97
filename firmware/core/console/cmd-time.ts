// time: reads the device's wall clock (every role); with `set` (a UTC time
// "YYYY-MM-DDTHH:MM:SSZ" from EARLIEST to LATEST, clinician or bench only)
// corrects it. The correction is kept on top of the board's clock, committed with a
// snapshot and restored after a reboot; the controller's time base moves with it
// (no clock-jump fault) — except after a clock found behind the journal at boot,
// where the corrected clock gives the time base back. On a journal kept read-only
// after a fault nothing can be committed: the correction is refused, and the
// journal stays as it is.

import type { Command } from "./command.ts";
import { ALL_ROLES, stringArg } from "./command.ts";
import { formatUtc, parseUtc } from "./calendar.ts";
import type { ConsoleImage } from "./restore.ts";

/** The calendar a device can be in: nothing this firmware runs on predates 2025, and a treatment never reaches 2100. */
export const EARLIEST = "2025-01-01T00:00:00Z";
export const LATEST = "2099-12-31T23:59:59Z";

export const time: Command = {
  name: "time",
  roles: ALL_ROLES,
  args: [stringArg("set", 20, true)],
  run(dev, req, who, reply) {
    const clock = dev.clock;
    if (req.set !== undefined) {
      if (who.role === "patient") return reply("role-forbidden", null, "setting the time needs a signed request (role clinician or bench)");
      const target = parseUtc(req.set);
      if (isNaN(target)) return reply("bad-args", null, "set must be a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");
      if (target < parseUtc(EARLIEST) || target > parseUtc(LATEST)) return reply("bad-args", null, "set must lie from " + EARLIEST + " to " + LATEST + ", got " + req.set);
      if (dev.ctl.journalState().state === "read-only") return reply("journal-read-only", null, "the journal is kept as it is after a fault: nothing can be committed until a new journal starts (journal renew)");
      const delta = target - clock.wallMs();
      const image: ConsoleImage = { rx: dev.image.rx, wallCorrectionMs: dev.image.wallCorrectionMs + delta };
      clock.correctionMs += delta;
      dev.image = image;
      if (!dev.ctl.shiftWallClock(delta, image)) return reply("storage-failure", null, "the journal refused the new time: the device faulted");
    }
    const wall = clock.wallMs();
    reply("ok", { wallMs: Math.round(wall), time: formatUtc(wall), correctionMs: Math.round(clock.correctionMs), tMs: Math.round(dev.ctl.elapsedMs()) }, "");
  },
};
