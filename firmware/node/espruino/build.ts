// The Espruino bundler: esbuild turns the app (firmware/espruino/main.ts, with its
// console main-console.ts, or a
// given TypeScript source) into one minified plain script: ES2015 syntax, no modules
// (CommonJS output wrapped in a function, so require("Storage") stays Espruino's own
// require), class fields as constructor assignments, the configuration embedded by
// `define`. Returns the code and a source map with repository-relative sources.
// The app (not a given source) is bundled with its names kept, trimmed (trim.ts: the
// methods and functions nothing in it reaches, such as the console's in a build
// without one, or the journal's in a build without the journal), its methods'
// names shortened (shorten.ts), then minified; its source map is the untrimmed
// bundle's, kept beside it as `full`.

import * as esbuild from "esbuild";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonNames, nullFields, nullReferences, trimDeadCode } from "./trim.ts";
import { shortenMethods } from "./shorten.ts";
import { shortenFields, stateFields } from "./shorten-fields.ts";
import type { Removed } from "./trim.ts";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const APP_ENTRY = join(ROOT, "firmware/espruino/main.ts");
export const APP_CONSOLE_ENTRY = join(ROOT, "firmware/espruino/main-console.ts");

export interface BuildInput {
  /** TypeScript source resolved from the repository root, instead of the app. */
  source?: string;
  /** The app with its device console on USB (firmware/espruino/main-console.ts) instead of without. */
  console?: boolean;
  /** Identifiers replaced by JSON values (e.g. OD_CONFIG). */
  define?: { [name: string]: unknown };
  minify?: boolean;
  /** Remove what nothing reaches (trim.ts) and shorten the methods' names (shorten.ts); default: for the app, not for a given source. */
  trim?: boolean;
  /** With `trim`: shorten the methods' names too (default true). */
  shorten?: boolean;
  /** The app without the journal's code (default: with it; needs `trim`): OD_JOURNAL false, the app hands the assembly no journal, and the trim removes the journal's opener and all it alone reaches. */
  journal?: boolean;
}

/** What is called on the app from outside the bundle (the Espruino REPL, docs/espruino.md; the test harnesses' probes): never trimmed. */
export const INSPECTION_NAMES = ["phaseState", "journalState", "inspect", "addObserver", "stop", "status"];

export interface Bundle {
  code: string;
  /** The source map of `code`; "" for a trimmed bundle (its `full` has the map). */
  map: string;
  bytes: number;
  /** A trimmed bundle: what the trim removed, and the bundle before it (with its source map). */
  removed?: Removed[];
  renamed?: { [name: string]: string };
  full?: { code: string; map: string };
}

export function buildBundle(input: BuildInput): Bundle {
  // the app's crypto defines: native AES and SHA-256 unless the build says the board lacks them (firmware/espruino/boards.ts)
  const define: { [name: string]: string } = { OD_NATIVE_AES: "true", OD_NATIVE_SHA256: "true", OD_JOURNAL: String(input.journal !== false) };
  for (const k of Object.keys(input.define || {})) define[k] = JSON.stringify(input.define![k]);
  const trim = input.trim === undefined ? input.source === undefined : input.trim;
  if (input.journal === false && !trim) throw new Error("buildBundle: a build without the journal needs the trim (it is what leaves the journal's code out)");
  const minify = input.minify !== false;
  const r = esbuild.buildSync({
    entryPoints: input.source === undefined ? [input.console ? APP_CONSOLE_ENTRY : APP_ENTRY] : undefined,
    stdin: input.source === undefined ? undefined : { contents: input.source, resolveDir: ROOT, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    format: "cjs",
    platform: "neutral",
    target: "es2015",
    // a bundle to trim keeps its names until the trim is done (names are what it compares), then it is minified whole
    minifyWhitespace: minify,
    minifySyntax: minify,
    minifyIdentifiers: minify && !trim,
    banner: { js: "(function(){" },
    footer: { js: "})();" },
    define,
    external: ["Storage", "crypto"],
    sourcemap: "external",
    outfile: join(ROOT, "osteodrive-espruino.js"),
    write: false,
    logLevel: "silent",
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  });
  const js = r.outputFiles.find((f) => f.path.endsWith(".js"))!;
  const map = r.outputFiles.find((f) => f.path.endsWith(".map"))!;
  const full = { code: js.text, map: map.text, bytes: js.contents.length };
  if (!trim) return full;
  return trimBundle(full, input.define || {}, input.shorten !== false, input.journal !== false, minify);
}

/**
 * A bundle whose app hands the assembly no journal: the assembly's default journal
 * opener is cut off, and the controller's journal fields (null in such a build) read
 * as null, folded with what they guard (esbuild's syntax minifier: `if (!null …)`),
 * so the trim takes the journal's code and everything only it reaches.
 */
function withoutJournal(code: string): string {
  const nulled = nullFields(nullReferences(code, "assemble", "openJournal"), "Controller", ["jb", "journal"]);
  return esbuild.transformSync(nulled, { minifySyntax: true, target: "es2015", logLevel: "silent" }).code;
}

/**
 * The bundle without its dead code, with shorter method names, then minified (the
 * names of the embedded configuration count as used). Without the journal, the
 * journal is cut off first (withoutJournal), so the trim takes it and all only it
 * reaches.
 */
function trimBundle(full: Bundle, define: { [name: string]: unknown }, shorten: boolean, journal: boolean, minify: boolean): Bundle {
  const keep = INSPECTION_NAMES.concat(jsonNames(define));
  const t = trimDeadCode(journal ? full.code : withoutJournal(full.code), keep);
  const m = shorten ? shortenMethods(t.code, keep, ROOT) : { code: t.code, renamed: {} };
  const f = shorten ? shortenFields(m.code, stateFields(ROOT), keep, ROOT) : { code: m.code, renamed: {} };
  const s = { code: f.code, renamed: Object.assign({}, m.renamed, f.renamed) };
  const code = minify ? esbuild.transformSync(s.code, { minify: true, target: "es2015", logLevel: "silent" }).code : s.code;
  return { code, map: "", bytes: Buffer.byteLength(code), removed: t.removed, renamed: s.renamed, full: { code: full.code, map: full.map } };
}
