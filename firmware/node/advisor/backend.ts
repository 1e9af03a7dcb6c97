// Picks the tfjs backend: tfjs-node (native, an optionalDependency that is often
// not installed: its install downloads a library) when it loads, else WebAssembly
// (the .wasm files ship inside @tensorflow/tfjs-backend-wasm), else plain JS cpu.
// The choice and why the better ones were skipped are returned for printing.

import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export type BackendName = "tensorflow" | "wasm" | "cpu";
export const BACKEND_ORDER: BackendName[] = ["tensorflow", "wasm", "cpu"];

export interface BackendChoice {
  name: BackendName;
  /** Why each better backend was skipped. */
  skipped: string[];
}

/** How to bring a backend up; returns false or throws when it cannot run here. */
export type Loader = () => Promise<boolean>;

const require = createRequire(import.meta.url);

/** The .wasm binaries' folder, with the trailing slash setWasmPaths wants. */
export function wasmDir(): string {
  return join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/";
}

export const LOADERS: { [name in BackendName]: Loader } = {
  // importing tfjs-node registers its "tensorflow" backend on the shared engine
  tensorflow: async () => {
    const name = "@tensorflow/tfjs-node";
    await import(name);
    return tf.setBackend("tensorflow");
  },
  wasm: async () => {
    setWasmPaths(wasmDir());
    return tf.setBackend("wasm");
  },
  cpu: async () => tf.setBackend("cpu"),
};

function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0];
}

/** Tries the backends in order, from `from` on; the first that comes up is active when this returns. */
export async function selectBackend(from: BackendName = "tensorflow", loaders: { [name in BackendName]: Loader } = LOADERS): Promise<BackendChoice> {
  // the "install tfjs-node" banner is advice for a fallback we chose on purpose
  tf.enableProdMode();
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(from))) {
    try {
      if (await loaders[name]()) {
        await tf.ready();
        return { name, skipped };
      }
      skipped.push(name + ": did not initialise");
    } catch (e) {
      skipped.push(name + ": " + reason(e));
    }
  }
  throw new Error("no tfjs backend could start (" + skipped.join("; ") + ")");
}
