// The Espruino bundler: esbuild turns the app (firmware/espruino/main.ts, or a
// given TypeScript source) into one minified plain script: ES2015 syntax, no modules
// (CommonJS output wrapped in a function, so require("Storage") stays Espruino's own
// require), class fields as constructor assignments, the configuration embedded by
// `define`. Returns the code and a source map with repository-relative sources.

import * as esbuild from "esbuild";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const APP_ENTRY = join(ROOT, "firmware/espruino/main.ts");

export interface BuildInput {
  /** TypeScript source resolved from the repository root, instead of the app. */
  source?: string;
  /** Identifiers replaced by JSON values (e.g. OD_CONFIG). */
  define?: { [name: string]: unknown };
  minify?: boolean;
}

export interface Bundle {
  code: string;
  map: string;
  bytes: number;
}

export function buildBundle(input: BuildInput): Bundle {
  // the app's crypto defines: native AES and SHA-256 unless the build says the board lacks them (firmware/espruino/boards.ts)
  const define: { [name: string]: string } = { OD_NATIVE_AES: "true", OD_NATIVE_SHA256: "true" };
  for (const k of Object.keys(input.define || {})) define[k] = JSON.stringify(input.define![k]);
  const r = esbuild.buildSync({
    entryPoints: input.source === undefined ? [APP_ENTRY] : undefined,
    stdin: input.source === undefined ? undefined : { contents: input.source, resolveDir: ROOT, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    format: "cjs",
    platform: "neutral",
    target: "es2015",
    minify: input.minify !== false,
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
  return { code: js.text, map: map.text, bytes: js.contents.length };
}
