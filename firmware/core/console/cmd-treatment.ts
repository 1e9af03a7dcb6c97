// Commands that change the treatment: pause (every role, the patient included),
// resume and ack (clinician or bench), rx (a prescription signed by a clinician
// key: the prescription's own signature authenticates the command as that
// clinician, so the request needs no auth of its own, and an unsigned one is
// refused rx-unsigned). Each refuses with wrong-phase when the phase would not move.

import type { Phase } from "../phases.ts";
import type { Controller } from "../controller.ts";
import type { Command, ConsoleDevice, Reply } from "./command.ts";
import { ALL_ROLES, STAFF, actor, stringArg } from "./command.ts";
import type { Role } from "./keys.ts";
import type { Who } from "./auth.ts";
import { checkSignedRx } from "./signed-rx.ts";
import { continueFrom } from "./restore.ts";
import type { ConsoleImage } from "./restore.ts";

const REASON_MAX = 120;
const MAX_RX_CHARS = 1500;

/** A command that moves the phase machine from the phases in `from` by calling `apply`. */
function phaseCommand(name: string, roles: Role[], from: (p: Phase) => boolean, fromText: string, apply: (ctl: Controller, reason: string) => void): Command {
  return {
    name,
    roles,
    args: [stringArg("reason", REASON_MAX, true)],
    run(dev: ConsoleDevice, req: any, who: Who, reply: Reply) {
      const ctl = dev.ctl;
      const phase = ctl.phaseState().phase;
      if (!from(phase)) return reply("wrong-phase", { phase }, name + " applies " + fromText + "; the device is " + phase);
      apply(ctl, "console " + name + " by " + actor(who) + (req.reason ? ": " + req.reason : ""));
      reply("ok", { phase: ctl.phaseState().phase }, "");
    },
  };
}

export const pause = phaseCommand("pause", ALL_ROLES, (p) => p === "latency" || p === "distraction" || p === "consolidation", "in latency, distraction or consolidation", (ctl, r) => ctl.pause(r));
export const resume = phaseCommand("resume", STAFF, (p) => p === "paused", "when paused", (ctl, r) => ctl.resume(r));
export const ack = phaseCommand("ack", STAFF, (p) => p === "fault", "to a latched fault", (ctl, r) => ctl.acknowledge(r));

/** After position-mismatch-at-boot: the clinician has confirmed the gap another way and accepts what the sensor reads now (the fault is acknowledged). */
export const acceptPosition: Command = {
  name: "accept-position",
  roles: STAFF,
  args: [stringArg("reason", REASON_MAX, false)],
  run(dev: ConsoleDevice, req: any, who: Who, reply: Reply) {
    const ph = dev.ctl.phaseState();
    if (!dev.ctl.acceptPosition("console accept-position by " + actor(who) + ": " + req.reason)) return reply("wrong-phase", { phase: ph.phase, fault: ph.fault }, "accept-position applies to a latched position-mismatch-at-boot; the device is " + ph.phase + (ph.fault ? " (" + ph.fault + ")" : ""));
    reply("ok", { phase: dev.ctl.phaseState().phase }, "");
  },
};

/** A patient quiets the warnings sounding now (each stays listed until its condition lapses; a new one sounds). */
export const silence = phaseCommand("silence", ALL_ROLES, () => true, "in every phase", (ctl, r) => ctl.silenceWarnings(r));

/** The device was removed after consolidation: it stops watching and holds still. */
export const explant = phaseCommand("explant", STAFF, (p) => p === "complete", "once the treatment is complete", (ctl, r) => {
  ctl.explant(r);
});

export const rx: Command = {
  name: "rx",
  roles: ALL_ROLES,
  args: [stringArg("rx", MAX_RX_CHARS, false), stringArg("key", 64, true), stringArg("sig", 128, true)],
  run(dev, req, who, reply) {
    const ctl = dev.ctl;
    const startUm = ctl.lengthReachedUm();
    const v = checkSignedRx(req.rx, req.key, req.sig, {
      ring: dev.ring,
      verifier: dev.verifier,
      profile: ctl.deviceProfile(),
      lastCounter: ctl.prescription().counter,
      wallMs: dev.clock.wallMs(),
      lengthReachedUm: startUm,
    });
    if (!v.rx) return reply(v.code, null, v.message);
    who.role = "clinician";
    who.key = req.key;
    if (ctl.phaseState().phase === "fault") return reply("wrong-phase", { phase: "fault" }, "a latched fault must be acknowledged before a new prescription loads");
    if (ctl.isMoving()) return reply("busy", null, "a move is under way: try again in a moment");
    const t = Math.round(ctl.elapsedMs());
    const image: ConsoleImage = { rx: { text: req.rx, key: req.key, sig: req.sig, fromTMs: t, startUm }, wallCorrectionMs: dev.image.wallCorrectionMs };
    if (!ctl.loadPrescription(continueFrom(v.rx, t), startUm, image)) return reply("storage-failure", null, "the journal refused the new prescription: the device faulted");
    dev.image = image;
    reply("ok", { counter: v.rx.counter, startUm: Math.round(startUm * 100) / 100, fromTMs: t, phase: ctl.phaseState().phase }, "");
  },
};
