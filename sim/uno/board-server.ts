// An emulated Uno that lives in its own process, as a real board lives outside the
// computer driving it: the genuine StandardFirmata hex on the bench rig, behind a
// socat pty pair at a stable path. The host (osteodrive device/trial) can crash,
// be killed and restart; the rig (plant, gap, tissue) and the world's time go on.
//
// Time: the board's clock is the emulated CPU's cycle count, run in 1 ms slices.
// With a host attached to the lockstep socket (board-clock.ts is the host's side)
// a slice is stepped by one exchange: the board sends `t <ms since hello> <bytes sent>
// <ms of the slice before>` (bytes sent: 0 while the cable is out), the host waits for those bytes, runs its clock to that
// time and answers `a <bytes it wrote> <ms of its next step>`; the board waits for
// those bytes before the next slice. So host and board see the same times however
// loaded the machine is. Until the host's next step (its next timer) the slices in
// which the board sends nothing, and no host byte arrives, run without an exchange
// (quiet slices: board-clock.ts puts the host's clock where their steps would have).
// With no
// host attached the board holds (`away: "hold"`, deterministic: tests let time
// pass with advance()) or runs paced to the wall clock (`"realtime"`).
//
// A host attaching is a host opening the port: the Uno resets (DTR), as a real one
// does (each reset replays the first boot's identical steps instead of emulating them
// again: avr.ts, bootMemo). Board power can be cut and restored, the cable pulled and put back; the
// rig's state survives all of it. In "hold" mode what the board sends with no host
// attached is dropped (a USB-serial adapter with the port closed); in "realtime"
// mode a host on the real-time clock may use the tty without attaching.

import { createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { rmSync } from "node:fs";
import { setImmediate as turn, setTimeout as sleep } from "node:timers/promises";
import { SerialPort } from "serialport";
import { CYCLES_PER_MS, EmulatedUno } from "./avr.ts";
import { openPtyPair } from "./pty.ts";
import type { PtyPair } from "./pty.ts";
import type { Rig } from "./rig.ts";
import { lineReader } from "./lines.ts";
import { GIVE_UP_WALL_MS } from "./lockstep.ts";

/** Quiet slices run between two turns of the event loop (so a host byte, a detach or a command is heard). */
const QUIET_TURN_EVERY = 8;

/** World ms between the true-gap samples kept for the overshoot check (plus one after every pulse). */
const SAMPLE_EVERY_MS = 50;

export type AwayMode = "hold" | "realtime";

export interface BoardServerOptions {
  rig: Rig;
  program: Uint16Array;
  /** Device ms per board ms (bench time compression); the world's wall clock runs at it. */
  timeScale: number;
  startWallMs: number;
  hostPath: string;
  boardPath: string;
  clockPath: string;
  away: AwayMode;
  /** One line of JSON per event (stdout in serve.ts). */
  say: (event: object) => void;
}

export interface BoardTruth {
  worldMs: number;
  wallMs: number;
  gapUm: number;
  netSteps: number;
  ignoredEdges: number;
  enabled: boolean;
  powered: boolean;
  plugged: boolean;
  resets: number;
  /** [device wall ms, true gap µm] after every pulse and every SAMPLE_EVERY_MS. */
  samples: Array<[number, number]>;
}

export class BoardServer {
  private o: BoardServerOptions;
  private uno: EmulatedUno;
  /** World ms at the current Uno's cycle 0 (the world's time is continuous across resets). */
  private offsetMs = 0;
  private pty: PtyPair | null = null;
  private port: SerialPort | null = null;
  private server: Server | null = null;
  private host: Socket | null = null;
  private hostGo = false;
  private helloAtMs = 0;
  private out: number[] = [];
  private sent = 0;
  private received = 0;
  private ack: ((out: number, next: number) => void) | null = null;
  /** Host ms (since hello) of the next slice that must be stepped; the slices before it that send nothing run quietly. */
  private stepAtMs = 0;
  /** `received` when the last exchange ended: a host byte arriving after it ends a quiet run. */
  private receivedAtStep = 0;
  private wake: (() => void) | null = null;
  private breakAtMs = Infinity;
  private breakSaid = false;
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private powered = true;
  private resets = 0;
  private samples: Array<[number, number]> = [];
  private nextSampleMs = 0;
  private quietRun = 0;

  private constructor(o: BoardServerOptions) {
    this.o = o;
    this.uno = this.makeUno();
  }

  static async start(o: BoardServerOptions): Promise<BoardServer> {
    const b = new BoardServer(o);
    try {
      await b.plug();
      await b.listen();
    } catch (e) {
      await b.close();
      throw e;
    }
    b.loopDone = b.loop();
    o.say({ event: "ready", hostPath: o.hostPath, clockPath: o.clockPath, wallMs: b.wallMs(), timeScale: o.timeScale });
    return b;
  }

  worldMs(): number {
    return this.offsetMs + this.uno.nowMs();
  }

  wallMs(): number {
    return this.o.startWallMs + this.o.timeScale * this.worldMs();
  }

  private makeUno(): EmulatedUno {
    const uno = new EmulatedUno(this.o.program, { bootMemo: true });
    const rig = this.o.rig;
    const base = this.offsetMs;
    uno.onPin((pin, level, atMs) => {
      const before = rig.netSteps();
      rig.line(pin, level, base + atMs);
      if (rig.netSteps() !== before) this.sample(base + atMs);
    });
    uno.analogVolts = (channel, atMs) => rig.volts(channel, base + atMs);
    uno.onTx = (b) => {
      if (this.listening()) this.out.push(b);
    };
    return uno;
  }

  /** Whether a host is at the other end: an attached one, or anyone on the tty when the board runs in real time. */
  private listening(): boolean {
    return this.port !== null && (this.host !== null || this.o.away === "realtime");
  }

  private sample(worldMs: number): void {
    this.samples.push([this.o.startWallMs + this.o.timeScale * worldMs, this.o.rig.plant.gapUm]);
  }

  /** The Uno restarts from its firmware (reset line, or power back): pins float first, then it boots. */
  private reboot(powered: boolean): void {
    this.uno.powerOff();
    this.offsetMs += this.uno.nowMs();
    this.uno = this.makeUno();
    if (!powered) this.uno.powerOff();
    this.powered = powered;
    this.resets++;
  }

  // ---- the cable ----

  private async plug(): Promise<void> {
    this.pty = await openPtyPair(5000, { hostPath: this.o.hostPath, boardPath: this.o.boardPath });
    const port = new SerialPort({ path: this.pty.boardPath, baudRate: 57600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error("board-side-open-failed: " + err.message)) : resolve())));
    port.on("data", (d: Buffer) => {
      this.received += d.length;
      if (this.listening()) this.uno.receive(d);
      this.kick();
    });
    const gone = () => {
      if (this.port !== port) return;
      this.port = null;
      // a USB-powered board loses its power with the cable
      this.uno.powerOff();
      this.powered = false;
      this.kick();
    };
    port.on("close", gone);
    port.on("error", gone);
    this.port = port;
  }

  /** Pulls the USB cable: the line vanishes for the host and the USB-powered board loses power. */
  async unplug(): Promise<void> {
    const pty = this.pty;
    this.pty = null;
    // the board loses its power with the cable at once, not when its end of the pty notices socat's death
    if (pty) {
      this.uno.powerOff();
      this.powered = false;
      await pty.close();
    }
    for (let i = 0; i < 200 && this.port; i++) await sleep(5);
    this.o.say({ event: "plugged", on: false, worldMs: this.worldMs() });
  }

  /** Puts the cable back: the same device path appears again and the board boots. */
  async replug(): Promise<void> {
    if (this.pty) return;
    await this.plug();
    this.reboot(true);
    this.o.say({ event: "plugged", on: true, worldMs: this.worldMs() });
  }

  setPower(on: boolean): void {
    if (on === this.powered) return;
    if (on) this.reboot(true);
    else {
      this.uno.powerOff();
      this.powered = false;
    }
    this.o.say({ event: "power", on, worldMs: this.worldMs() });
    this.kick();
  }

  // ---- the lockstep socket ----

  private listen(): Promise<void> {
    rmSync(this.o.clockPath, { force: true });
    const server = createServer((s) => this.accept(s));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", (e) => reject(new Error("board-clock-listen-failed: " + this.o.clockPath + ": " + e.message)));
      server.listen(this.o.clockPath, () => resolve());
    });
  }

  private accept(s: Socket): void {
    if (this.host) {
      s.end("busy another host is attached\n");
      return;
    }
    const read = lineReader((line) => {
      const [word, arg] = line.split(" ");
      if (word === "hello" && this.host !== s) this.attach(s);
      else if (word === "go" && this.host === s) {
        this.hostGo = true;
        this.kick();
      } else if (word === "a" && this.host === s && this.ack) {
        const done = this.ack;
        this.ack = null;
        done(Number(arg), Number(line.split(" ")[2]));
      }
    });
    s.on("data", read);
    const detach = () => {
      if (this.host !== s) return;
      this.host = null;
      this.hostGo = false;
      this.out = [];
      if (this.ack) {
        const done = this.ack;
        this.ack = null;
        done(-1, 0);
      }
      this.o.say({ event: "detached", worldMs: this.worldMs() });
      this.kick();
    };
    s.on("close", detach);
    s.on("error", detach);
  }

  /** A host opened the port: the Uno resets, the byte counts start from zero. */
  private attach(s: Socket): void {
    this.host = s;
    this.hostGo = false;
    this.breakAtMs = Infinity;
    if (this.port) this.reboot(this.powered);
    this.out = [];
    this.sent = 0;
    this.received = 0;
    this.helloAtMs = this.worldMs();
    this.stepAtMs = 0;
    s.write("w " + this.wallMs() + " " + this.o.timeScale + "\n");
    this.o.say({ event: "attached", worldMs: this.helloAtMs });
  }

  /** Stops the lockstep when the world reaches `worldMs` (the host then waits, as if frozen, until continueRun()). */
  breakAt(worldMs: number): void {
    this.breakAtMs = worldMs;
    this.breakSaid = false;
    this.kick();
  }

  continueRun(): void {
    this.breakAtMs = Infinity;
    this.kick();
  }

  /** Lets `ms` of world time pass without a host (the host is dead or away). */
  async advance(ms: number): Promise<void> {
    const end = this.worldMs() + ms;
    while (this.worldMs() < end - 1e-9 && !this.host) {
      for (let k = 0; k < 20 && this.worldMs() < end - 1e-9; k++) this.slice();
      await turn();
    }
    this.o.say({ event: "advanced", worldMs: this.worldMs() });
  }

  truth(): BoardTruth {
    const r = this.o.rig;
    return {
      worldMs: this.worldMs(),
      wallMs: this.wallMs(),
      gapUm: r.plant.gapUm,
      netSteps: r.netSteps(),
      ignoredEdges: r.truth.ignoredEdges,
      enabled: r.truth.enabled,
      powered: this.powered,
      plugged: this.pty !== null,
      resets: this.resets,
      samples: this.samples,
    };
  }

  // ---- the loop ----

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** One emulated millisecond; what the firmware sent goes down the line when a host listens. */
  private slice(): void {
    const target = (Math.floor(this.uno.cpu.cycles / CYCLES_PER_MS + 1e-9) + 1) * CYCLES_PER_MS;
    this.uno.runUntilCycles(target);
    const now = this.worldMs();
    if (now >= this.nextSampleMs) {
      this.sample(now);
      this.nextSampleMs = now + SAMPLE_EVERY_MS;
    }
    if (this.out.length === 0) return;
    const chunk = Buffer.from(this.out);
    this.out = [];
    if (!this.port) return;
    this.sent += chunk.length;
    this.port.write(chunk);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const host = this.host;
      const atBreak = this.worldMs() >= this.breakAtMs;
      if (host && this.hostGo && !atBreak) {
        const sentBefore = this.sent;
        const before = this.worldMs() - this.helloAtMs;
        this.slice();
        if (this.quiet(host, sentBefore)) {
          if (++this.quietRun % QUIET_TURN_EVERY === 0) await turn();
          continue;
        }
        this.quietRun = 0;
        // with the cable out nothing more reaches the host, and what was on the wire when it was pulled is lost
        // with it: the host is owed no byte (else it would wait for those, a wall-clock give-up per step)
        const owed = this.port ? this.sent : 0;
        const [hostOut, next] = await new Promise<[number, number]>((resolve) => {
          this.ack = (out, at) => resolve([out, at]);
          host.write("t " + (this.worldMs() - this.helloAtMs) + " " + owed + " " + before + "\n");
        });
        if (hostOut >= 0) await this.bytesFromHost(hostOut);
        this.stepAtMs = next > 0 ? next : 0;
        this.receivedAtStep = this.received;
      } else if (host && this.hostGo) {
        if (!this.breakSaid) this.o.say({ event: "break", worldMs: this.worldMs() });
        this.breakSaid = true;
        await this.idle();
      } else if (!host && this.o.away === "realtime") {
        const wall0 = performance.now() - this.worldMs();
        while (!this.host && !this.stopped && this.o.away === "realtime") {
          const ahead = this.worldMs() - (performance.now() - wall0);
          if (ahead > 0) await sleep(Math.ceil(ahead));
          else this.slice();
          await turn();
        }
      } else {
        await this.idle();
      }
    }
  }

  /** Whether the slice just run needs no exchange: it sent nothing, no host byte came, the host's next step and the break are still ahead. */
  private quiet(host: Socket, sentBefore: number): boolean {
    return (
      this.sent === sentBefore &&
      this.received === this.receivedAtStep &&
      this.worldMs() - this.helloAtMs < this.stepAtMs - 1e-6 &&
      this.worldMs() < this.breakAtMs &&
      this.host === host &&
      this.hostGo &&
      this.port !== null &&
      !this.stopped
    );
  }

  /** Waits until every byte the host wrote has arrived (or the line is gone, or the wire looks dead). */
  private async bytesFromHost(n: number): Promise<void> {
    const t0 = performance.now();
    while (this.received < n && this.port && this.host && !this.stopped) {
      if (performance.now() - t0 > GIVE_UP_WALL_MS) return;
      await Promise.race([this.idle(), sleep(5)]);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.kick();
    if (this.ack) this.ack(-1, 0);
    if (this.loopDone) await this.loopDone;
    if (this.host) this.host.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    rmSync(this.o.clockPath, { force: true });
    const port = this.port;
    this.port = null;
    if (port && port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (this.pty) await this.pty.close();
    this.pty = null;
  }
}
