// The CLI's main (firmware/node/cli.ts) run inside the test's own process, with its
// stdout and stderr captured: the same exit code, output and files as `osteodrive …`
// (bin.mjs only registers tsx and runs run.ts, which awaits main and passes its code
// to process.exit),
// without starting a node + tsx process per case. One call at a time: the capture
// replaces process.stdout.write and process.stderr.write while main runs.
// Tests where the process boundary is the point (signals, exit on a kill, orphans,
// what the bin itself prints) keep spawning the real bin.

import { main } from "../../firmware/node/cli.ts";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

let queue: Promise<unknown> = Promise.resolve();

async function capture(argv: string[]): Promise<CliResult> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (done) done();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = sink((s) => (stdout += s));
  process.stderr.write = sink((s) => (stderr += s));
  try {
    const status = await main(argv);
    return { status, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** `osteodrive ARGS…` in this process: its exit code and what it wrote to stdout and stderr. */
export function cli(...argv: string[]): Promise<CliResult> {
  const run = queue.then(() => capture(argv));
  queue = run.catch(() => {});
  return run;
}
