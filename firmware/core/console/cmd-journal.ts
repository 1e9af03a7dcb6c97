// journal: the state of the device's journal, for every role (ok, or read-only
// after a journal fault with the fault and why; its id, next seq, size, and where
// it came from). With `renew` (a clinician's signed request, only after a journal
// fault): the way out, journaled — the refused journal is moved aside byte for
// byte, read-only, and a new one starts carrying the old one's SHA-256 digest and
// length, from the gap length the position sensor measures, which `renew`
// confirms (whole µm, within the position tolerance). The device then holds still
// until a signed prescription is loaded (continuing from that length) and resumed.

import type { Command } from "./command.ts";
import { ALL_ROLES, actor, intArg, stringArg } from "./command.ts";
import type { ConsoleImage } from "./restore.ts";

export const journal: Command = {
  name: "journal",
  roles: ALL_ROLES,
  args: [intArg("renew", -100000, 1000000, true), stringArg("reason", 120, true)],
  run(dev, req, who, reply) {
    if (req.renew === undefined) return reply("ok", dev.ctl.journalState(), "");
    if (who.role !== "clinician") return reply("role-forbidden", null, "a new journal needs a clinician's signed request");
    const image: ConsoleImage = { rx: null, wallCorrectionMs: dev.image.wallCorrectionMs };
    const r = dev.ctl.renewJournal(req.renew, actor(who), req.reason === undefined ? "" : req.reason, image);
    if (r.code !== "") return reply(r.code, null, r.message);
    dev.image = image;
    reply("ok", dev.ctl.journalState(), "");
  },
};
