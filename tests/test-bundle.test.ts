// The prebuilt scripts the tests spawn (helpers/bundle.ts) are this working tree's:
// the key of a build covers every file a build can read, so any edit, new file or
// renamed file gives another key (and a new build), and files no build reads do not;
// a build whose inputs the key misses is named. The bundles themselves keep what
// tsx gave: paths from import.meta in the source tree, argv[1] the script they stand
// for, and TensorFlow out of the CLI's start (only a dynamic import reaches it).

import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, PIN_ENV, script, sourceFiles, sourceKey, unhashedInputs } from "./helpers/bundle.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "osteodrive-bundle-key-"));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

test("the key changes with any source's contents, a new source or a renamed one, and not with files no build reads", (t) => {
  const root = tree({ "firmware/node/a.ts": "export const a = 1;\n", "sim/b.ts": "export const b = 2;\n", "package.json": "{}\n", "tests/helpers/h.ts": "\n" });
  const k0 = sourceKey(root);
  t.deepEqual(sourceFiles(root), ["firmware/node/a.ts", "package.json", "sim/b.ts", "tests/helpers/h.ts"]);
  t.is(sourceKey(root), k0, "the same sources give the same key");
  writeFileSync(join(root, "firmware/node/a.ts"), "export const a = 3;\n");
  t.not(sourceKey(root), k0, "an edit");
  writeFileSync(join(root, "firmware/node/a.ts"), "export const a = 1;\n");
  t.is(sourceKey(root), k0, "back as it was");
  mkdirSync(join(root, "hal"));
  writeFileSync(join(root, "hal/c.ts"), "export const c = 4;\n");
  t.not(sourceKey(root), k0, "a new file");
  renameSync(join(root, "hal/c.ts"), join(root, "hal/d.ts"));
  const renamed = sourceKey(root);
  t.not(renamed, k0);
  renameSync(join(root, "hal/d.ts"), join(root, "hal/c.ts"));
  t.not(sourceKey(root), renamed, "a rename");
  writeFileSync(join(root, "package.json"), '{"version":"2"}\n');
  t.not(sourceKey(root), k0, "package.json");
  const before = sourceKey(root);
  mkdirSync(join(root, "docs"));
  writeFileSync(join(root, "docs/x.md"), "# x\n");
  writeFileSync(join(root, "firmware/node/weights.bin"), "\u0001");
  t.is(sourceKey(root), before, "docs and data files are read at run time from the tree, never bundled");
});

test("a run pinned to its build (make test) keeps it whatever the tree's key is now, and a pin to nothing is refused by name", (t) => {
  const pinned = mkdtempSync(join(tmpdir(), "osteodrive-bundle-pin-"));
  const helper = join(ROOT, "tests", "helpers", "bundle.ts");
  const asked = (dir: string) => spawnSync(process.execPath, ["--import=tsx", helper], { encoding: "utf8", cwd: ROOT, env: { ...process.env, [PIN_ENV]: dir } });
  const kept = asked(pinned);
  t.is(kept.stdout, pinned + "\n", kept.stderr);
  const gone = asked(join(pinned, "absent"));
  t.not(gone.status, 0);
  t.regex(gone.stderr, /test-bundle-pinned: OSTEODRIVE_TEST_BUNDLE names .*absent, which does not exist/);
});

test("a build's inputs outside the hashed files are named", (t) => {
  t.deepEqual(unhashedInputs(["firmware/node/cli.ts", "sim/x.ts"], ["firmware/node/cli.ts", "sim/x.ts"]), []);
  t.deepEqual(unhashedInputs(["firmware/node/cli.ts", "docs/table.json", "../elsewhere/y.ts"], ["firmware/node/cli.ts"]), ["docs/table.json", "../elsewhere/y.ts"]);
});

test("the bundles are of this tree as it is now, read the tree's files and see argv[1] as the script they stand for", async (t) => {
  // under make test the run is pinned to the build of the tree at its start: a difference here means the tree was edited during the run
  t.is(basename(dirname(BIN)), sourceKey(ROOT), "the bundle's directory is the key of the sources as they are (under make test: the sources changed during this run, so its results are of the tree at its start; run it again)");
  t.is(dirname(await script("board-server")), dirname(BIN));
  // scenario files (sim/scenario.ts's import.meta.url) and package.json (cli.ts's) resolve in the tree
  const sim = spawnSync(process.execPath, [BIN, "sim", "--scenario", "runaway", "--json"], { encoding: "utf8" });
  t.is(JSON.parse(sim.stdout).scenario, "runaway", sim.stderr);
  const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  t.is(spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" }).stdout, "osteodrive " + version + "\n");
  // the board server runs its main only when it is the script started (argv[1]); an unknown --away is refused by it
  const serve = spawnSync(process.execPath, [await script("board-server"), "--away", "sometimes"], { encoding: "utf8" });
  t.is(serve.status, 2);
  t.regex(serve.stderr, /serve: --away must be hold or realtime, got "sometimes"/);
});

test("TensorFlow is not in the CLI's start: only a dynamic import reaches it", (t) => {
  const dir = dirname(BIN);
  const staticImports = (file: string) => [...readFileSync(join(dir, file), "utf8").matchAll(/^import\s[^;]*?from\s*"([^"]+)";?$|^import\s*"([^"]+)";?$/gm)].map((m) => m[1] ?? m[2]);
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith("./")) walk(spec.slice(2));
      else packages.add(spec);
    }
  };
  // the entry sets argv[1], then imports run.ts's chunk: what that loads statically is the CLI's start
  const run = /await import\("\.\/([^"]+)"\)/.exec(readFileSync(BIN, "utf8"));
  t.truthy(run, "the entry imports the CLI");
  walk(run![1]);
  t.true(seen.size > 1, "the CLI's start spans chunks: " + [...seen].join(", "));
  t.deepEqual([...packages].filter((p) => p.startsWith("@tensorflow")), [], "statically loaded at start: " + [...packages].join(", "));
  const tf = readdirSync(dir).filter((f) => f.endsWith(".mjs") && staticImports(f).some((p) => p.startsWith("@tensorflow")));
  t.true(tf.length > 0, "the chunks the advisor's dynamic import loads import TensorFlow");
});
