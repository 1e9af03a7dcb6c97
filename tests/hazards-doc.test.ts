// docs/hazards.md is held to the code: every fault and warning code of the one
// table (firmware/core/codes.ts) has a hazard row that names it, every code has a
// fault scenario holding it to its bound (tests/faults.test.ts), and every test a
// row names as its verification exists.

import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CODES } from "../firmware/core/codes.ts";
import { SCENARIO_DIR } from "../sim/scenario.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const doc = readFileSync(join(ROOT, "docs/hazards.md"), "utf8");
const rows = doc.split("\n").filter((l) => /^\| H\d+ \|/.test(l));
const sources = readdirSync(join(ROOT, "tests")).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(ROOT, "tests", f), "utf8")).join("\n");
const scenarios = readdirSync(join(SCENARIO_DIR, "faults")).map((f) => f.replace(/\.json$/, ""));

test("every code of the table has a hazard row and a fault scenario", (t) => {
  for (const r of CODES) {
    t.true(rows.some((l) => l.includes("`" + r.code + "`") || l.includes("fault scenario " + r.code + "\"")), r.code + " has no hazard row");
    t.true(scenarios.includes(r.code), r.code + " has no scenario in sim/scenarios/faults/");
  }
});

/** A title made in a loop as `what + " rest"`: the string "what" and the literal starting " rest" are both in the tests. */
function loopTitle(title: string): boolean {
  for (let k = title.indexOf(" "); k > 0; k = title.indexOf(" ", k + 1)) {
    if (sources.includes("\"" + title.slice(0, k) + "\"") && sources.includes("\"" + title.slice(k))) return true;
  }
  return false;
}

test("every test a hazard row names exists", (t) => {
  for (const l of rows) {
    const cells = l.split(" | ");
    const titles = [...cells[cells.length - 1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    t.true(titles.length > 0, l.slice(0, 40) + ": no verifying test");
    for (const title of titles) {
      // titles made in a loop: "fault scenario <name>", "rejects <what>", "<n> power cuts across <name>: <text>"
      const colon = title.indexOf(": ");
      const found = title.startsWith("fault scenario ") ? scenarios.includes(title.slice("fault scenario ".length))
        : sources.includes(title) || (title.startsWith("rejects ") && sources.includes("\"" + title.slice("rejects ".length) + "\"")) || (colon > 0 && /^\d/.test(title) && sources.includes(title.slice(colon))) || loopTitle(title);
      t.true(found, "no test titled " + JSON.stringify(title));
    }
  }
});
