// An emulated Uno in its own process (board-server.ts): the genuine StandardFirmata
// hex on the bench rig behind a socat pty pair at DIR/uno, with the lockstep socket
// at DIR/uno.clock. Prints one JSON line per event on stdout (first: "ready" with
// the paths) and takes commands on stdin, one per line:
//   advance MS | break WORLD_MS | break +MS | continue | power off | power on | unplug | replug | truth | quit
// Usage:
//   node --import=tsx sim/uno/serve.ts [--dir DIR] [--profile FILE] [--prescription FILE]
//        [--time-scale K] [--away hold|realtime]
// A host in lockstep: osteodrive device --board DIR/uno --board-clock DIR/uno.clock ...
// A host on the real-time clock (--away realtime, the default): --board DIR/uno.
// Ends on `quit`, SIGINT/SIGTERM or stdin closing, and takes socat with it.

import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBoardConfig } from "../../hal/johnny-five/board-config.ts";
import { BENCH_PRESCRIPTION, BENCH_PROFILE, BENCH_RIG, buildRig, rigSpec } from "./bench-rig.ts";
import { readJsonFile } from "../json-file.ts";
import { BoardServer } from "./board-server.ts";
import type { AwayMode } from "./board-server.ts";
import { firmwarePath } from "./fetch-firmware.ts";
import { loadHex } from "./intel-hex.ts";
import { lineReader } from "./lines.ts";
import type { Rig } from "./rig.ts";

export interface ServeOptions {
  dir?: string;
  profileFile?: string;
  prescriptionFile?: string;
  timeScale?: number;
  away?: AwayMode;
  say?: (event: object) => void;
}

export interface ServedUno {
  server: BoardServer;
  hostPath: string;
  clockPath: string;
  rig: Rig;
  close(): Promise<void>;
}

/** Starts the emulated rig for a profile and prescription (files). */
export async function serveEmulatedUno(o: ServeOptions = {}): Promise<ServedUno> {
  const profile = readJsonFile(o.profileFile ?? BENCH_PROFILE, "profile");
  const k = o.timeScale ?? 1;
  const spec = rigSpec(readJsonFile(BENCH_RIG, "bench rig"), profile, readJsonFile(o.prescriptionFile ?? BENCH_PRESCRIPTION, "prescription"));
  const rig = buildRig(spec, parseBoardConfig(profile, k));
  const program = loadHex(readFileSync(firmwarePath(), "utf8"));
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "osteodrive-uno-"));
  mkdirSync(dir, { recursive: true });
  const hostPath = join(dir, "uno");
  const clockPath = join(dir, "uno.clock");
  const server = await BoardServer.start({ rig, program, timeScale: k, startWallMs: spec.scenario.startWallMs, hostPath, boardPath: join(dir, "uno.board"), clockPath, away: o.away ?? "realtime", say: o.say ?? (() => {}) });
  return { server, hostPath, clockPath, rig, close: () => server.close() };
}

async function command(u: ServedUno, line: string, say: (e: object) => void): Promise<boolean> {
  const [w, a] = line.trim().split(/\s+/);
  const n = Number(a);
  const s = u.server;
  if (w === "advance" && isFinite(n) && n >= 0) await s.advance(n);
  else if (w === "break" && a !== undefined && isFinite(n)) s.breakAt(a.startsWith("+") ? s.worldMs() + n : n);
  else if (w === "continue") s.continueRun();
  else if (w === "power" && (a === "on" || a === "off")) s.setPower(a === "on");
  else if (w === "unplug") await s.unplug();
  else if (w === "replug") await s.replug();
  else if (w === "truth") say({ event: "truth", ...s.truth() });
  else if (w === "quit") return false;
  else say({ event: "error", detail: "unknown command " + JSON.stringify(line) + " (advance MS | break MS | continue | power on|off | unplug | replug | truth | quit)" });
  return true;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf("--" + name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const say = (e: object) => process.stdout.write(JSON.stringify(e) + "\n");
  const away = arg("away") ?? "realtime";
  if (away !== "hold" && away !== "realtime") {
    process.stderr.write("serve: --away must be hold or realtime, got " + JSON.stringify(away) + "\n");
    process.exit(2);
  }
  let u: ServedUno;
  try {
    u = await serveEmulatedUno({ dir: arg("dir"), profileFile: arg("profile"), prescriptionFile: arg("prescription"), timeScale: Number(arg("time-scale") ?? 1), away, say });
  } catch (e: any) {
    process.stderr.write("serve: " + e.message + "\n");
    process.exit(1);
  }
  let ending = false;
  const end = async () => {
    if (ending) return;
    ending = true;
    await u.close();
    process.exit(0);
  };
  // commands run one after another, in the order given
  let queue = Promise.resolve(true);
  process.stdin.on("data", lineReader((line) => {
    queue = queue.then((go) => (go ? command(u, line, say) : false)).then((go) => {
      if (!go) void end();
      return go;
    });
  }));
  process.stdin.on("end", () => void queue.then(() => end()));
  process.once("SIGINT", () => void end());
  process.once("SIGTERM", () => void end());
}
