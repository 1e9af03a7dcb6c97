// Commands that change the treatment: pause (every role, the patient included),
// resume, ack, accept-position and explant (clinician or bench), silence (every role), rx (a prescription signed by a clinician
// key: the prescription's own signature authenticates the command as that
// clinician, so the request needs no auth of its own, and an unsigned one is
// refused rx-unsigned). Each refuses with wrong-phase when the phase would not move,
// and with the controller's reason when it holds (a new journal waiting for a
// prescription, a journal fault, a clock behind the journal). A reason someone
// typed is journaled quoted, as theirs.

import type { Phase } from "../phases.ts";
import type { Controller } from "../controller.ts";
import type { Command, ConsoleDevice, Reply } from "./command.ts";
import { ALL_ROLES, STAFF, actor, stringArg } from "./command.ts";
import type { Role } from "./keys.ts";
import type { Who } from "./auth.ts";
import { checkSignedRx } from "./signed-rx.ts";
import { continueFrom } from "./restore.ts";
import { asciiJson } from "./json-text.ts";
import type { ConsoleImage } from "./restore.ts";

const REASON_MAX = 120;
const MAX_RX_CHARS = 1500;

/** Why the controller refused to leave a state, by its code. */
const HELD: { [code: string]: string } = {
  "needs-rx": "a new journal holds still until a signed prescription is loaded",
  "journal-read-only": "the fault is in the journal: it is kept as it is, and only a new journal (journal renew) leaves it",
  "clock-behind": "the wall clock is behind the journal: set it first (time set)",
};

/** Quoted like a JSON string, so text someone typed cannot pass for the device's own words. */
export function quoted(text: string): string {
  return asciiJson(text);
}

/** A command that moves the phase machine from the phases in `from` by calling `apply` ("" or the controller's refusal). */
function phaseCommand(name: string, roles: Role[], from: (p: Phase) => boolean, fromText: string, apply: (ctl: Controller, reason: string) => string): Command {
  return {
    name,
    roles,
    args: [stringArg("reason", REASON_MAX, true)],
    run(dev: ConsoleDevice, req: any, who: Who, reply: Reply) {
      const ctl = dev.ctl;
      const phase = ctl.phaseState().phase;
      if (!from(phase)) return reply("wrong-phase", { phase }, name + " applies " + fromText + "; the device is " + phase);
      const held = apply(ctl, "console " + name + " by " + actor(who) + (req.reason ? ", saying " + quoted(req.reason) : ""));
      if (held !== "") return reply(held, { phase }, HELD[held]);
      reply("ok", { phase: ctl.phaseState().phase }, "");
    },
  };
}

export const pause = phaseCommand("pause", ALL_ROLES, (p) => p === "latency" || p === "distraction" || p === "consolidation", "in latency, distraction or consolidation", (ctl, r) => {
  ctl.pause(r);
  return "";
});
export const resume = phaseCommand("resume", STAFF, (p) => p === "paused", "when paused", (ctl, r) => ctl.resume(r));
export const ack = phaseCommand("ack", STAFF, (p) => p === "fault", "to a latched fault", (ctl, r) => ctl.acknowledge(r));

/** After position-mismatch-at-boot: the clinician has confirmed the gap another way and accepts what the sensor reads now (the fault is acknowledged). */
export const acceptPosition: Command = {
  name: "accept-position",
  roles: STAFF,
  args: [stringArg("reason", REASON_MAX, false)],
  run(dev: ConsoleDevice, req: any, who: Who, reply: Reply) {
    const ph = dev.ctl.phaseState();
    if (!dev.ctl.acceptPosition("console accept-position by " + actor(who) + ", saying " + quoted(req.reason))) return reply("wrong-phase", { phase: ph.phase, fault: ph.fault }, "accept-position applies to a latched position-mismatch-at-boot; the device is " + ph.phase + (ph.fault ? " (" + ph.fault + ")" : ""));
    reply("ok", { phase: dev.ctl.phaseState().phase }, "");
  },
};

/** A patient quiets the warnings sounding now (each stays listed until its condition lapses; a new one sounds). */
export const silence = phaseCommand("silence", ALL_ROLES, () => true, "in every phase", (ctl, r) => {
  ctl.silenceWarnings(r);
  return "";
});

/** The device was removed after consolidation: it stops watching and holds still. */
export const explant = phaseCommand("explant", STAFF, (p) => p === "complete", "once the treatment is complete", (ctl, r) => {
  ctl.explant(r);
  return "";
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
      lastCounter: ctl.rxCounterFloor(),
      wallMs: dev.clock.wallMs(),
      lengthReachedUm: startUm,
    });
    if (!v.rx) return reply(v.code, null, v.message);
    who.role = "clinician";
    who.key = req.key;
    if (ctl.phaseState().phase === "fault") return reply("wrong-phase", { phase: "fault" }, "a latched fault must be acknowledged (or, a journal fault, a new journal started) before a new prescription loads");
    if (ctl.isMoving()) return reply("busy", null, "a move is under way: try again in a moment");
    const t = Math.round(ctl.elapsedMs());
    const image: ConsoleImage = { rx: { text: req.rx, key: req.key, sig: req.sig, fromTMs: t, startUm }, wallCorrectionMs: dev.image.wallCorrectionMs };
    if (!ctl.loadPrescription(continueFrom(v.rx, t), startUm, image)) return reply("storage-failure", null, "the journal refused the new prescription: the device faulted");
    dev.image = image;
    reply("ok", { counter: v.rx.counter, startUm: Math.round(startUm * 100) / 100, fromTMs: t, phase: ctl.phaseState().phase }, "");
  },
};
