// The device console: bytes from any transport in, one ASCII JSON response line
// per request out. The pipeline per line: framing (length, bytes, UTF-8, idle
// partial lines) → flood control → JSON request → arguments → role and signature
// → the command, which answers exactly once. A request that changes the device is
// journaled as an audit event with the role, the command and the result; every
// other request (reads, refusals) and every line refused before parsing is
// counted, the counts journaled in batches (core/audit.ts), so a flood of them
// never pushes a clinical event out of the trail. A
// refused line changes nothing in the device (docs/protocol.md; the fuzz test
// holds the canonical device state of console/state.ts to it). With a verifier
// that checks in slices (a board), a signed request is held until its signature
// is checked (its nonce judged as of its arrival) and then runs; other signed
// requests meanwhile are answered busy, unsigned ones are served. Nothing here reads
// a platform clock: `nowMs` is injected. Platform-free and Espruino-safe.

import type { Hal } from "../../../hal/types.ts";
import type { Controller } from "../controller.ts";
import { LineFramer } from "./framer.ts";
import { TokenBucket } from "./rate-limit.ts";
import { asciiJson } from "./json-text.ts";
import { checkArgs, parseRequest } from "./request.ts";
import { Challenge, authenticate, claimedRole } from "./auth.ts";
import type { Who } from "./auth.ts";
import type { Command, ConsoleDevice } from "./command.ts";
import type { KeyRing } from "./keys.ts";
import type { Verifier } from "./signing.ts";
import { VERIFYING } from "./signing.ts";
import type { CorrectedClock } from "./wall-clock.ts";
import type { ConsoleImage } from "./restore.ts";
import { hello, log, status } from "./cmd-info.ts";
import { acceptPosition, ack, explant, pause, resume, rx, silence } from "./cmd-treatment.ts";
import { time } from "./cmd-time.ts";
import { calibrate, move } from "./cmd-bench.ts";
import { journal } from "./cmd-journal.ts";

export const COMMANDS: Command[] = [hello, status, log, time, pause, resume, ack, acceptPosition, silence, explant, rx, move, calibrate, journal];
/**
 * Commands that change the device when they succeed: each success is an audit event; everything else is counted
 * (a patient's silence included: the controller journals the warnings it silenced, once per warning).
 */
const CHANGES = ["pause", "resume", "ack", "accept-position", "explant", "rx", "move", "calibrate"];
const COMMAND_NAMES: string[] = COMMANDS.map((c) => c.name);
export const LIMITS = {
  maxLineBytes: 2048,
  /** A partial line not finished this long after its first byte is dropped (ms)... */
  idleMs: 10000,
  /** ...and one no byte came for this long (ms). */
  gapMs: 2000,
  burstLines: 20,
  linesPerSecond: 5,
};

/** The code of console audit events in the journal. */
export const AUDIT_CODE = "console";

const FRAMING: { [code: string]: string } = {
  "line-too-long": "line longer than " + LIMITS.maxLineBytes + " bytes: dropped",
  "bad-bytes": "control or binary bytes in the line: dropped",
  "bad-utf8": "the line is not valid UTF-8: dropped",
  "partial-line": "a line silent for " + LIMITS.gapMs / 1000 + " s, or unfinished " + LIMITS.idleMs / 1000 + " s after its first byte: dropped",
};

export interface ConsoleOptions {
  controller: Controller;
  /** The HAL the controller runs on: the console reads the bench input, the alarm and (calibrate) the position sensor. */
  hal: Hal;
  /** The corrected clock the controller runs on (the `time` command sets its correction). */
  clock: CorrectedClock;
  /** What the console restored from the journal (core/console/restore.ts). */
  image: ConsoleImage;
  ring: KeyRing;
  verifier: Verifier;
  /** The console's own clock (ms): flood control, nonce expiry, idle partial lines. */
  nowMs: () => number;
  randomBytes: (n: number) => Uint8Array;
  /** Writes one response line (without its LF). */
  send: (line: string) => void;
}

export class Console implements ConsoleDevice {
  ctl: Controller;
  hal: Hal;
  clock: CorrectedClock;
  image: ConsoleImage;
  ring: KeyRing;
  verifier: Verifier;
  challenge: Challenge;
  malformedLines: number;
  droppedLines: number;
  /** Counts not yet journaled. */
  unloggedMalformed: number;
  unloggedDropped: number;
  framer: LineFramer;
  bucket: TokenBucket;
  opts: ConsoleOptions;
  /** The framer's line handler, made once (not per chunk). */
  private onLine: (error: string, text: string) => void;
  /** A signed request held while a sliced verifier checks its signature, and when it came (its nonce is judged then). */
  private held: { id: number | string | null; req: any; atMs: number } | null;

  constructor(o: ConsoleOptions) {
    this.opts = o;
    this.ctl = o.controller;
    this.hal = o.hal;
    this.clock = o.clock;
    this.image = o.image;
    this.ring = o.ring;
    this.verifier = o.verifier;
    this.challenge = new Challenge();
    this.malformedLines = 0;
    this.droppedLines = 0;
    this.unloggedMalformed = 0;
    this.unloggedDropped = 0;
    this.framer = new LineFramer(LIMITS.maxLineBytes, LIMITS.idleMs, LIMITS.gapMs);
    this.bucket = new TokenBucket(LIMITS.burstLines, LIMITS.linesPerSecond, o.nowMs());
    this.held = null;
    const self = this;
    this.onLine = function (error: string, text: string) {
      self.line(error, text);
    };
  }

  /** The verifier finished the check a held request waits for: the request runs again, as of when it came. */
  verified(): void {
    const h = this.held;
    if (!h) return;
    this.held = null;
    this.command(h.id, h.req, h.atMs);
  }

  nowMs(): number {
    return this.opts.nowMs();
  }

  randomBytes(n: number): Uint8Array {
    return this.opts.randomBytes(n);
  }

  /** Bytes from the transport, in any chunking. */
  receive(chunk: Uint8Array): void {
    this.framer.push(chunk, this.nowMs(), this.onLine);
  }

  /** Call now and then (e.g. every second): drops a partial line past its deadline. */
  poll(): void {
    this.framer.expire(this.nowMs(), this.onLine);
  }

  private line(error: string, text: string): void {
    if (!this.bucket.take(this.nowMs())) {
      this.droppedLines++;
      this.unloggedDropped++;
      if (this.bucket.dropped === 1) this.respond(null, "rate-limited", null, "more than " + LIMITS.linesPerSecond + " lines/s (burst " + LIMITS.burstLines + "): lines are dropped without reply until the rate falls");
      return;
    }
    if (error !== "") return this.malformed(null, error, FRAMING[error]);
    const p = parseRequest(text, COMMAND_NAMES);
    if (p.code !== "") return this.malformed(p.id, p.code, p.message);
    // one signature at a time: requests without one (status, pause, …) are served meanwhile
    if (this.held && (p.req.auth !== undefined || p.req.cmd === "rx")) return this.respond(p.id, "busy", null, "a signature is being checked (the previous signed request): send this again once that one is answered");
    this.command(p.id, p.req, this.nowMs());
  }

  private malformed(id: number | string | null, code: string, message: string): void {
    this.malformedLines++;
    this.unloggedMalformed++;
    this.respond(id, code, null, message);
  }

  /** Runs a request that arrived at `atMs` (console time). */
  private command(id: number | string | null, req: any, atMs: number): void {
    const cmd = COMMANDS[COMMAND_NAMES.indexOf(req.cmd)];
    // who the request claims to be, until authenticate() has checked it
    let who: Who = { code: "unverified", message: "", role: claimedRole(req), key: typeof req.auth === "object" && req.auth !== null && typeof req.auth.key === "string" ? req.auth.key : "" };
    let answered = false;
    const self = this;
    const reply = function (code: string, data: any, message: string) {
      if (answered) return;
      // the signature is still being checked: hold the request, answer when it is done
      if (code === VERIFYING) {
        self.held = { id, req, atMs };
        return;
      }
      answered = true;
      const changed = code === "ok" && (CHANGES.indexOf(cmd.name) >= 0 || (cmd.name === "time" && req.set !== undefined) || (cmd.name === "journal" && req.renew !== undefined));
      self.audit(who, cmd.name, code, changed);
      self.respond(id, code, data, message);
    };
    const argError = checkArgs(req, cmd.args);
    if (argError !== "") return reply("bad-args", null, argError);
    who = authenticate(req, cmd.roles, { serial: this.ctl.deviceProfile().serial, ring: this.ring, verifier: this.verifier, benchInput: this.hal.benchInput || null, challenge: this.challenge, nowMs: atMs });
    if (who.code !== "") return reply(who.code, null, who.message);
    cmd.run(this, req, who, reply);
  }

  /**
   * Journals a command's outcome: one that changed the device as an audit event,
   * anything else (a read, a refusal) as a count per "role command result", with the
   * lines refused before parsing, so no volume of them can push an event out.
   */
  private audit(who: Who, cmd: string, code: string, changed: boolean): void {
    if (this.unloggedMalformed > 0) this.ctl.count("lines malformed", this.unloggedMalformed);
    if (this.unloggedDropped > 0) this.ctl.count("lines dropped by flood control", this.unloggedDropped);
    this.unloggedMalformed = 0;
    this.unloggedDropped = 0;
    const key = who.key === "" ? "" : (who.code === "" ? ":" : "?") + who.key.substring(0, 32);
    const kind = who.role + key + " " + cmd + " " + code;
    if (changed) this.ctl.record(AUDIT_CODE, kind);
    else this.ctl.count(kind, 1);
  }

  private respond(id: number | string | null, code: string, data: any, message: string): void {
    const r: any = {};
    if (id !== null) r.id = id;
    r.ok = code === "ok";
    r.code = code;
    if (data !== null) r.data = data;
    if (message !== "") r.message = message;
    this.opts.send(asciiJson(r));
  }
}

/** The console's constructor as a function, for ConsoleParts.open (core/assemble.ts). */
export function openConsole(o: ConsoleOptions): Console {
  return new Console(o);
}
