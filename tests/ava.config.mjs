// How `make test` runs ava (`ava --config tests/ava.config.mjs`): package.json's "ava"
// section (what a plain `npx ava tests/x.test.ts` uses: each file through tsx), with
// two changes.
// - The test files run as their prebuilt bundles (tests/helpers/bundle.ts, built here
//   from the working tree before any worker starts; its key covers every source, so
//   the bundles are of the tree as it is), so a worker is plain node: no tsx loader,
//   no transform of every module again.
// - The longest files go first. ava runs as many files at once as there are cores,
//   in this order, so the short files fill in beside the long ones rather than a long
//   file starting last and running on alone. The longest are named below, longest
//   first (by how long each took inside a whole `make test` run, measured: a file
//   that waits on a browser or an interpreter takes longer there than alone); the
//   other files follow in name order. A name here that is no test file fails the run.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const LONGEST_FIRST = [
  "espruino-real",
  "device-board",
  "dashboard-browser",
  "sweep",
  "console-fuzz",
  "trial",
  "espruino-real-console",
  "espruino-memory",
  "exit-discipline",
  "hal-contract-uno",
  "uno",
  "sigkill",
  "power-cut",
  "espruino-sim",
  "cli-conventions",
  "dashboard-data",
  "safety-watch",
  "espruino-bundle",
  "ed25519",
  "advisor-model",
  "console-espruino",
  "scenarios",
  "faults",
  "audit-flood",
  "console-e2e",
];

const TESTS = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(TESTS, "..");
for (const name of LONGEST_FIRST) if (!existsSync(join(TESTS, name + ".test.ts"))) throw new Error("tests/ava.config.mjs: no test file tests/" + name + ".test.ts");

const rank = (file) => {
  const i = LONGEST_FIRST.indexOf(basename(file).replace(/\.test\.m?[jt]s$/, ""));
  return i < 0 ? LONGEST_FIRST.length : i;
};

const { ava } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const built = execFileSync(process.execPath, ["--import=tsx", join(TESTS, "helpers", "bundle.ts")], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
// every worker, and every script a test starts, uses this build, even if the tree is edited mid-run
process.env.OSTEODRIVE_TEST_BUNDLE = built;

export default {
  ...ava,
  files: [relative(ROOT, join(built, "tests")) + "/**/*.test.mjs"],
  extensions: ["mjs"],
  nodeArguments: [],
  sortTestFiles: (a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0),
};
