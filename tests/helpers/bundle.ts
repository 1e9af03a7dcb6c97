// The test files and the node scripts the tests start (the osteodrive CLI, the
// emulated board's server, the interpreter-parent fixture), prebuilt with esbuild from
// the working tree so that an ava worker (make test: tests/ava.config.mjs) and a
// spawned process start as plain JavaScript instead of registering tsx and
// transforming every module again. Each build lands in .cache/bundle/<key>, where
// <key> hashes every source file a bundle can draw from; each process computes the
// key when it first asks for a script, so a bundle of other sources is never run:
// an edit gives a new key and a new build. A build whose inputs reach outside the
// hashed files is refused by name.
// What a bundle keeps of the source tree: import.meta.url, .dirname and .filename are
// the source file's own (scenario files, the advisor model, the dashboard's assets,
// the Firmata hex and package.json are read from the tree as under tsx), argv[1] is
// the script the bundle stands for, and npm packages stay external (loaded from
// node_modules as they are, native bindings and optional ones included). Dynamic
// imports stay lazy: each is a chunk loaded when it runs (TensorFlow only with
// --advisor).
// Run: node --import=tsx tests/helpers/bundle.ts   (prints the build's directory;
// tests/ava.config.mjs runs it before ava starts a worker)

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import type { Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUT = join(ROOT, ".cache", "bundle");
/** The trees a bundled script may import from, and the files at the top that shape a build. */
const SOURCE_DIRS = ["firmware", "sim", "hal", "bench", "tests"];
const SOURCE_FILES = ["package.json", "package-lock.json", "tsconfig.json"];
const CODE = /\.(ts|mts|mjs|js|json)$/;
/** The build a whole `make test` run uses (tests/ava.config.mjs sets it before any worker starts), so an edit during the run cannot switch it midway. */
export const PIN_ENV = "OSTEODRIVE_TEST_BUNDLE";
/** How long a build of other sources is kept: longer than any run that may still be using it. */
const KEEP_OTHER_BUILDS_MS = 3600000;

/** Each script a test starts: the bundle's name → the module it runs and the script it stands for (argv[1]). */
export const SCRIPTS = {
  osteodrive: { module: "firmware/node/run.ts", argv1: "firmware/node/bin.mjs" },
  "board-server": { module: "sim/uno/serve.ts", argv1: "sim/uno/serve.ts" },
  "interpreter-parent": { module: "tests/fixtures/interpreter-parent.ts", argv1: "tests/fixtures/interpreter-parent.ts" },
} as const;
export type Script = keyof typeof SCRIPTS;

/** Every file under `root` a build can read (paths relative to root, sorted). */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(join(root, dir))) return;
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (CODE.test(e.name)) out.push(rel.split(sep).join("/"));
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  return out.concat(SOURCE_FILES.filter((f) => existsSync(join(root, f)))).sort();
}

/** The key of a tree's sources: a hash of each file's path and contents. */
export function sourceKey(root: string, files = sourceFiles(root)): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f + "\0").update(readFileSync(join(root, f))).update("\0");
  return h.digest("hex").slice(0, 16);
}

/** The inputs of a build (esbuild's metafile paths, relative to root) that the key did not cover. */
export function unhashedInputs(inputs: string[], files: string[]): string[] {
  const known = new Set(files);
  return inputs.map((p) => p.split(sep).join("/")).filter((p) => !known.has(p));
}

/** import.meta.url/.dirname/.filename as the source file's own, so paths resolve in the tree. */
const sourceMeta: Plugin = {
  name: "source-import-meta",
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const meta = { url: pathToFileURL(args.path).href, dirname: dirname(args.path), filename: args.path };
      const contents = text.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, k: keyof typeof meta) => JSON.stringify(meta[k]));
      return { contents, loader: args.path.endsWith(".ts") ? "ts" : "js" };
    });
  },
};

async function build(key: string, files: string[]): Promise<string> {
  const dir = join(OUT, key);
  const tmp = join(OUT, key + ".tmp-" + process.pid);
  rmSync(tmp, { recursive: true, force: true });
  const entryPoints = Object.entries(SCRIPTS).map(([name, s]) => {
    const entry = join(tmp, "entry", name + ".mjs");
    mkdirSync(dirname(entry), { recursive: true });
    // argv[1] is set before the module's code runs (a dynamic import is not hoisted)
    writeFileSync(entry, "process.argv[1] = " + JSON.stringify(join(ROOT, s.argv1)) + ";\nawait import(" + JSON.stringify(join(ROOT, s.module)) + ");\n");
    return { in: entry, out: name };
  });
  // each test file as itself: tests/NAME.test.ts → tests/NAME.test.mjs
  for (const f of files) if (/^tests\/.*\.test\.ts$/.test(f)) entryPoints.push({ in: join(ROOT, f), out: f.slice(0, -3) });
  const r = await esbuild({
    entryPoints,
    outdir: tmp,
    absWorkingDir: ROOT,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    sourcemap: "linked",
    metafile: true,
    logLevel: "silent",
    plugins: [sourceMeta],
  });
  const generated = relative(ROOT, tmp).split(sep).join("/") + "/";
  const outside = unhashedInputs(Object.keys(r.metafile!.inputs).filter((p) => !p.startsWith(generated)), files);
  if (outside.length) throw new Error("test-bundle-inputs: a bundled script imports files outside the hashed sources (" + SOURCE_DIRS.join(", ") + "): " + outside.join(", "));
  rmSync(join(tmp, "entry"), { recursive: true });
  try {
    renameSync(tmp, dir);
  } catch (e: any) {
    // another process built the same key first: its build is the same sources
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
  // builds of other sources go once no run can still be using them (a run is pinned
  // to the build it started with, and takes minutes, not an hour), and so does the
  // half-done build of a process that no longer runs
  for (const old of readdirSync(OUT)) {
    const pid = Number(old.split(".tmp-")[1]);
    const stale = old.includes(".tmp-") ? !alive(pid) : Date.now() - statSync(join(OUT, old)).mtimeMs > KEEP_OTHER_BUILDS_MS;
    if (old !== key && stale) rmSync(join(OUT, old), { recursive: true, force: true });
  }
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let current: Promise<string> | null = null;

/** The directory of the bundles of the working tree as this process first sees it (built if no build of these sources exists yet). */
export function bundleDir(): Promise<string> {
  const pinned = process.env[PIN_ENV];
  if (!current && pinned) {
    if (!existsSync(pinned)) throw new Error("test-bundle-pinned: " + PIN_ENV + " names " + pinned + ", which does not exist");
    current = Promise.resolve(pinned);
  }
  if (!current) {
    const files = sourceFiles(ROOT);
    const key = sourceKey(ROOT, files);
    const dir = join(OUT, key);
    current = existsSync(dir) ? Promise.resolve(dir) : build(key, files);
  }
  return current;
}

/** The path of a script's bundle, to run as `node PATH args…`. */
export async function script(name: Script): Promise<string> {
  return join(await bundleDir(), name + ".mjs");
}

/** The osteodrive CLI of this working tree, to run as `node BIN args…`. */
export const BIN = await script("osteodrive");

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  process.stdout.write((await bundleDir()) + "\n");
}
