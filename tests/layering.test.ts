// The tree reads top-down: every module imports only its own layer or the layers
// above it (README.md, "Architecture"), so nothing runs backwards — no driver knows
// the simulator, the simulator knows no app, the benchmarks know no app, and the
// core knows nothing but itself and the HAL's types.

import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Layers from the top; a module may import its own layer or any earlier one. */
const LAYERS: Array<[string, (path: string) => boolean]> = [
  ["hal interface", (p) => p === "hal/types.ts"],
  ["core", (p) => p.startsWith("firmware/core/")],
  ["drivers", (p) => p.startsWith("hal/")],
  ["simulator", (p) => p.startsWith("sim/")],
  ["benchmarks", (p) => p.startsWith("bench/")],
  ["apps", (p) => p.startsWith("firmware/node/") || p.startsWith("firmware/espruino/")],
  ["tests", (p) => p.startsWith("tests/")],
];

function layerOf(path: string): number {
  return LAYERS.findIndex(([, is]) => is(path));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = dir + "/" + name;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

/** Repository-relative paths of the project modules a file imports (type-only imports included). */
function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gm)) {
    out.push(relative(ROOT, resolve(join(ROOT, dirname(file)), m[1])));
  }
  return out;
}

const FILES = ["firmware", "hal", "sim", "bench", "tests"].flatMap(sources);

test("every module imports only its own layer or the layers above it", (t) => {
  const backwards: string[] = [];
  for (const f of FILES) {
    const from = layerOf(f);
    t.true(from >= 0, f + " belongs to no layer");
    for (const to of imports(f)) {
      const target = layerOf(to);
      if (target > from) backwards.push(f + " (" + LAYERS[from][0] + ") imports " + to + " (" + LAYERS[target][0] + ")");
    }
  }
  t.deepEqual(backwards, []);
});

test("the core imports nothing but itself and the HAL's types; the board app nothing but the core and its driver", (t) => {
  const strays: string[] = [];
  for (const f of FILES) {
    const allowed = f.startsWith("firmware/core/") ? ["firmware/core/", "hal/types.ts"] : f.startsWith("firmware/espruino/") ? ["firmware/core/", "firmware/espruino/", "hal/types.ts", "hal/espruino/"] : null;
    if (!allowed) continue;
    for (const to of imports(f)) if (!allowed.some((a) => to.startsWith(a))) strays.push(f + " imports " + to);
  }
  t.deepEqual(strays, []);
});

test("the import scan sees real imports (it would catch a backwards one)", (t) => {
  t.true(imports("firmware/core/controller.ts").includes("firmware/core/governor.ts"));
  t.true(imports("sim/run.ts").includes("firmware/core/assemble.ts"));
  t.is(layerOf("sim/run.ts") > layerOf("firmware/core/assemble.ts"), true);
});
