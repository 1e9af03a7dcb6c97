// A scenario on the real Espruino interpreter: the app bundle in the interpreter's
// flash, the harness (harness.ts) beside it with the simulator's plant, days of
// virtual time per request, resets as new processes on the same flash file (the
// plant carries on, the board's clock starts again at 0, its wall clock runs on).
// The app gets exactly the variables a Pico leaves it: on the 8,191-variable Pico
// build the harness's own use is measured and the rest above a Pico's pool is held
// in a ballast, so harness and app together see what the app would see alone on a
// Pico; an extra ballast (`marginVars`) proves a free margin at the worst point
// (the run must then still go without an interpreter error). Reports memory over
// time, the host time of every callback, every error and error flag, the true gap
// at the probes, and what the interpreter printed.

import type { EspruinoHalConfig } from "../../hal/espruino/config.ts";
import type { Scenario } from "../scenario.ts";
import { APP_FILE, caseDir, copyFlash, writeFlash } from "./flash.ts";
import { Interpreter, replies, retryCrashed } from "./interpreter.ts";
import type { HarnessConfig } from "./harness.ts";

/** The entry the harness is bundled from (firmware/node/espruino builds the images: the simulator knows no app). */
export const HARNESS_ENTRY = "import \"./sim/espruino-real/harness.ts\";";

/** Pins the harness's board has (the Linux builds know D0–D31). */
export const HARNESS_PINS = { step: "D0", dir: "D1", enable: "D2", fault: "D6", position: "D3", force: "D4", alarm: "D5" };

export interface RealRunOptions {
  /** The 8,191-variable Pico build (the harness needs room beside a Pico's pool). */
  bin: string;
  scenario: Scenario;
  /** The configuration the app bundle was built with (its pins are the harness's). */
  hal: EspruinoHalConfig;
  /** Free variables a Pico has when the app starts (measured on the 5,100-variable build); 0: the build's own pool. */
  poolFree: number;
  /** Variables held back on top, to prove that margin at the worst point (0: none). */
  marginVars: number;
  /** Prescription time (ms since the first boot) to run until. */
  endMs: number;
  /** Resets (power cycles) at these prescription times. */
  resetsMs: number[];
  /** Prescription times at which the true gap is read (before anything else runs then). */
  probesMs: number[];
  /** Lines a host sends over the board's USB console, at prescription times. */
  usbLines?: Array<{ tMs: number; line: string }>;
  onProgress?: (tMs: number) => void;
}

export interface BootReport {
  /** Prescription time of the boot, and until when it ran. */
  fromMs: number;
  toMs: number;
  /** Variables: free before the app loaded, what the app took to load, the ballast held. */
  freeBeforeApp: number;
  appLoadVars: number;
  ballastVars: number;
  stats: any;
  /** Callbacks over 50 ms of host time (prescription time, ms), and Storage compactions the interpreter reported. */
  longCallbacks: Array<{ tMs: number; ms: number; kind: string }>;
  compactions: number;
  /** Progress samples: prescription time, free and used variables after a GC. */
  memory: Array<{ tMs: number; free: number; usage: number }>;
}

export interface RealRunResult {
  boots: BootReport[];
  probes: Array<{ tMs: number; gapUm: number }>;
  errors: Array<{ tMs: number; error: string }>;
  flags: Array<{ tMs: number; flag: string }>;
  /** What the app wrote to USB (its console's responses), by prescription time of the run step it came in. */
  usb: Array<{ tMs: number; text: string }>;
  /** Everything the interpreter printed that was not the harness's (the app's log, interpreter messages). */
  output: string[];
  wallMs: number;
}

/** Free variables of a fresh interpreter before anything is loaded (the Pico's pool, on the Pico build). */
export function freeAtStart(bin: string): Promise<number> {
  return retryCrashed("reading a fresh pool", async () => {
    const it = await Interpreter.start(bin, caseDir("pool"));
    try {
      return +replies(await it.request("print('@m '+process.memory().free)", "@m"), "@m")[0];
    } finally {
      await it.kill();
    }
  });
}

/** A flash file with the harness's and the app's images (the bytes that go into Storage), prepared once and copied for each run. */
export async function prepareFlash(bin: string, harnessImage: Uint8Array, appImage: Uint8Array, picoLayout: boolean): Promise<string> {
  // a fresh directory for each try: a crashed write leaves a part-written flash file
  return retryCrashed("writing the flash image", async () => {
    const dir = caseDir("flash");
    await writeFlash(bin, dir, harnessImage, [{ name: APP_FILE, bytes: appImage }], picoLayout);
    return dir;
  });
}

export async function runOnInterpreter(o: RealRunOptions, flashDir: string): Promise<RealRunResult> {
  const wall0 = performance.now();
  const dir = copyFlash(flashDir, "run");
  const result: RealRunResult = { boots: [], probes: [], errors: [], flags: [], usb: [], output: [], wallMs: 0 };
  const usbLines = (o.usbLines || []).slice().sort((a, b) => a.tMs - b.tMs);
  const bounds = o.resetsMs.filter((t) => t > 0 && t < o.endMs).sort((a, b) => a - b).concat([o.endMs]);
  let from = 0;
  let plantState: any = null;
  for (const to of bounds) {
    const it = await Interpreter.start(o.bin, dir);
    try {
      const cfg: HarnessConfig = {
        hal: o.hal,
        plant: o.scenario.plant,
        seed: o.scenario.seed,
        plantState,
        plantOffsetMs: from,
        wallStartMs: o.scenario.startWallMs + from,
        probes: o.probesMs.filter((p) => p >= from && p < to).map((p) => p - from),
      };
      await it.request("H.init(" + JSON.stringify(cfg) + ");print('@ok')", "@ok");
      const free0 = +replies(await it.request("print('@m '+process.memory().free)", "@m"), "@m")[0];
      if (free0 < o.poolFree) throw new Error("the interpreter leaves " + free0 + " variables beside the harness, fewer than the " + o.poolFree + " a Pico has: use the 8,191-variable build");
      if (o.poolFree > 0) await it.request("H.holdTo(" + (o.poolFree - o.marginVars) + ");print('@ok')", "@ok");
      const free1 = +replies(await it.request("print('@m '+process.memory().free)", "@m"), "@m")[0];
      await it.request("eval(require('Storage').read('" + APP_FILE + "'));print('@ok')", "@ok");
      const free2 = +replies(await it.request("print('@m '+process.memory().free)", "@m"), "@m")[0];
      const memory: BootReport["memory"] = [];
      const lines: string[] = [];
      for (let t = from; t < to; ) {
        let next = Math.min(to, t + 6 * 3600000);
        while (usbLines.length > 0 && usbLines[0].tMs <= t) {
          const u = usbLines.shift()!;
          await it.request("H.usb(" + JSON.stringify(u.line + "\n") + ");print('@ok')", "@ok");
        }
        if (usbLines.length > 0 && usbLines[0].tMs < next) next = usbLines[0].tMs;
        const got = await it.request("H.run(" + (next - from) + ")", "@idle");
        lines.push(...got);
        for (const l of got) if (l.startsWith("@tx ")) result.usb.push({ tMs: next, text: JSON.parse(l.slice(4)) });
        for (const p of replies(got, "@p")) memory.push({ tMs: p.t + from, free: p.free, usage: p.usage });
        if (replies(got, "@reset").length > 0) break;
        t = next;
        if (o.onProgress) o.onProgress(t);
      }
      if (to < o.endMs) plantState = replies(await it.request("H.plantState()", "@plant"), "@plant")[0];
      const stats = replies(await it.request("H.stats()", "@stats"), "@stats")[0];
      for (const g of replies(lines, "@g")) result.probes.push({ tMs: g.t + from, gapUm: g.gapUm });
      for (const e of replies(lines, "@e")) result.errors.push({ tMs: e.t + from, error: e.error });
      for (const f of replies(lines, "@f")) result.flags.push({ tMs: f.t + from, flag: f.flag });
      const longCallbacks = replies(lines, "@long").map((l) => ({ tMs: l.t + from, ms: l.ms, kind: l.kind }));
      const compactions = it.output.filter((l) => /Compacting/.test(l)).length;
      result.boots.push({ fromMs: from, toMs: to, freeBeforeApp: free1, appLoadVars: free1 - free2, ballastVars: stats.ballastVars, stats, memory, longCallbacks, compactions });
      result.output.push(...it.output);
    } finally {
      await it.kill();
    }
    from = to;
  }
  result.wallMs = performance.now() - wall0;
  return result;
}
