// Read-only commands, open to every role: hello (device identity and a fresh
// nonce for signing), status (phase, lengths, force, prescription in force) and
// log (the audit trail from a sequence number, and the routine requests counted). None of them reads a sensor or
// changes the device: status reports what the last control tick observed.

import { NONCE_BYTES, NONCE_TTL_MS } from "./auth.ts";
import type { Command } from "./command.ts";
import { ALL_ROLES, intArg } from "./command.ts";
import { formatUtc } from "./calendar.ts";

export const PROTOCOL_VERSION = 1;
export const LOG_MAX = 50;

function round(x: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(x * f) / f;
}

export const hello: Command = {
  name: "hello",
  roles: ALL_ROLES,
  args: [],
  run(dev, _req, _who, reply) {
    const bench = dev.hal.benchInput;
    reply("ok", {
      device: dev.ctl.deviceProfile().serial,
      protocol: PROTOCOL_VERSION,
      nonce: dev.challenge.issue(dev.nowMs(), dev.randomBytes(NONCE_BYTES)),
      nonceTtlMs: NONCE_TTL_MS,
      rxCounter: dev.ctl.prescription().counter,
      benchInput: bench ? bench.read() : false,
    }, "");
  },
};

export const status: Command = {
  name: "status",
  roles: ALL_ROLES,
  args: [],
  run(dev, _req, _who, reply) {
    const s = dev.ctl.status();
    const ph = s.phase;
    const rx = s.rx;
    const loaded = dev.image.rx;
    reply("ok", {
      device: dev.ctl.deviceProfile().serial,
      phase: ph.phase,
      phaseSinceMs: Math.round(ph.sinceMs),
      reason: ph.reason,
      fault: ph.fault,
      interrupted: ph.interrupted,
      tMs: Math.round(s.tMs),
      time: formatUtc(dev.clock.wallMs()),
      lengthUm: round(s.lengthUm, 2),
      targetUm: round(s.targetUm, 2),
      positionUm: round(s.position.value, 2),
      forceN: round(s.force.value, 2),
      alarm: dev.hal.alarm.level(),
      moving: s.moving,
      rx: {
        counter: rx.counter,
        source: loaded ? "console" : "factory",
        key: loaded ? loaded.key : "",
        rateMmPerDay: rx.rateMmPerDay,
        incrementsPerDay: rx.incrementsPerDay,
        addsMm: rx.targetLengthMm,
        startUm: round(s.startUm, 2),
        fromTMs: loaded ? loaded.fromTMs : 0,
        latencyEndsAtMs: Math.round(s.latencyEndsAtMs),
      },
      console: { malformedLines: dev.malformedLines, droppedLines: dev.droppedLines },
    }, "");
  },
};

export const log: Command = {
  name: "log",
  roles: ALL_ROLES,
  args: [intArg("since", 0, 4294967295, true), intArg("limit", 1, LOG_MAX, true)],
  run(dev, req, _who, reply) {
    const audit = dev.ctl.auditLog();
    const trail = audit.events;
    const since = req.since === undefined ? 0 : req.since;
    const limit = req.limit === undefined ? 20 : req.limit;
    const events = [];
    let more = false;
    for (let i = 0; i < trail.length; i++) {
      if (trail[i].seq < since) continue;
      if (events.length === limit) {
        more = true;
        break;
      }
      events.push(trail[i]);
    }
    const next = events.length > 0 ? events[events.length - 1].seq + 1 : since;
    reply("ok", { events, next, more, dropped: audit.dropped, counts: audit.counts }, "");
  },
};
