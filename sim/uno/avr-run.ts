// avr8js's instructions decoded by table, for a CPU loop (cpu-loop.ts) that does exactly
// what `while (cpu.cycles < end) { avrInstruction(cpu); cpu.tick(); }` does.
// avrInstruction decodes each opcode by walking ~100 `(opcode & mask) === value` tests
// in order, and the instructions StandardFirmata's idle loop runs most sit 30–60 tests
// deep. Here avr8js's own instruction.js (the installed file, its branch bodies
// unchanged) is split into its branches once; every 16-bit opcode is mapped to the
// first branch whose test it passes (the tests read nothing but the opcode), so the
// loop jumps straight to that branch's code.
// The layout of instruction.js is checked as it is read; anything unexpected (another
// avr8js version) throws a named error rather than decoding differently.
// tests/uno.test.ts compares the loop with avr8js's, opcode by opcode and over
// emulated seconds of the genuine firmware.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { CPU } from "avr8js";

export interface Decoder {
  /** Branch conditions of avrInstruction, in order (source text). */
  conditions: string[];
  /** Opcode → 1 + index of the branch avrInstruction takes (0: none, only pc and cycles advance). */
  table: Uint8Array;
  /**
   * Branch bodies by table index (0: none): steps[table[op]](cpu, op) is avrInstruction but for its tail,
   * `cpu.pc = (cpu.pc + 1) % cpu.progMem.length; cpu.cycles++`, which the loop does.
   */
  steps: Array<(cpu: CPU, opcode: number) => void>;
}

const TAIL = ["    cpu.pc = (cpu.pc + 1) % cpu.progMem.length;", "    cpu.cycles++;", "}"];

function layoutError(why: string): Error {
  return new Error("avr-decoder-layout: avr8js's cpu/instruction.js is not laid out as 0.21.1's is (" + why + ")");
}

/** The source of one top-level function of instruction.js (from `function NAME(` to its closing brace at column 0). */
function functionSource(src: string, name: string): string {
  const at = src.indexOf("function " + name + "(");
  if (at < 0) throw layoutError("no function " + name);
  const end = src.indexOf("\n}\n", at);
  if (end < 0) throw layoutError("function " + name + " does not end");
  return src.slice(at, end + 2);
}

/** Splits avrInstruction into its if / else-if branches: [condition, body] in order. */
export function branches(src: string): Array<[string, string]> {
  const lines = functionSource(src, "avrInstruction").split("\n");
  if (lines[0] !== "function avrInstruction(cpu) {" || lines[1] !== "    const opcode = cpu.progMem[cpu.pc];") throw layoutError("unexpected opening");
  const out: Array<[string, string]> = [];
  let i = 2;
  while (i < lines.length && (lines[i].startsWith("    if (") || lines[i].startsWith("    else if ("))) {
    let cond = lines[i].replace(/^ {4}(else )?if \(/, "");
    while (!cond.endsWith(") {")) {
      i++;
      if (i >= lines.length || !lines[i].startsWith("        ")) throw layoutError("a condition does not end at line " + i);
      cond += " " + lines[i].trim();
    }
    cond = cond.slice(0, -3);
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "    }"; i++) {
      if (!lines[i].startsWith("        ") && lines[i].trim() !== "") throw layoutError("a branch body leaves its block at line " + i);
      if (/\b(return|break|continue|arguments)\b/.test(lines[i])) throw layoutError("control flow in a branch body at line " + i);
      body.push(lines[i]);
    }
    out.push([cond, body.join("\n")]);
    i++;
  }
  if (lines.slice(i).join("\n") !== TAIL.join("\n")) throw layoutError("unexpected code after the branches");
  if (out.length < 90) throw layoutError("only " + out.length + " branches");
  return out;
}

/** Builds the decoder from an instruction.js source text. */
export function buildDecoder(src: string): Decoder {
  const parts = branches(src);
  const conditions = parts.map(([c]) => c);
  // each test reads only the opcode: evaluated as such, it cannot touch a CPU
  const tests = conditions.map((c) => new Function("opcode", '"use strict"; return !!(' + c + ");") as (op: number) => boolean);
  const table = new Uint8Array(65536);
  for (let op = 0; op < 65536; op++) {
    for (let b = 0; b < tests.length; b++) {
      if (tests[b](op)) {
        table[op] = b + 1;
        break;
      }
    }
  }
  // one small function per branch: each is optimised on its own feedback (one function
  // of 99 cases takes V8 ~300 ms to compile and deoptimises whenever a case runs for the first time)
  const two = functionSource(src, "isTwoWordInstruction");
  const none = () => {};
  const steps = [none, ...parts.map(([, body]) => new Function('"use strict";\n' + two + "\nreturn function (cpu, opcode) {\n" + body + "\n};")() as (cpu: CPU, opcode: number) => void)];
  return { conditions, table, steps };
}

/** The path of the installed avr8js's instruction.js (the copy `import "avr8js"` loads). */
export function instructionSourcePath(): string {
  return join(dirname(createRequire(import.meta.url).resolve("avr8js")), "cpu", "instruction.js");
}

let shared: Decoder | null = null;

/** The decoder for the installed avr8js, built once per process. */
export function avrDecoder(): Decoder {
  if (!shared) shared = buildDecoder(readFileSync(instructionSourcePath(), "utf8"));
  return shared;
}
