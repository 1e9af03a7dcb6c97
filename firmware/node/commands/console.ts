// `osteodrive console --port PATH [--key FILE] [--timeout MS] [COMMAND [NAME=VALUE…] | JSON | rx FILE]`:
// talks to a device console over a serial port. With a command: sends it, prints
// the JSON response on one line, exits 0 when accepted and 1 when refused. Without
// one: interactive, with line editing and history (kept in ~/.osteodrive_console_history).
// With --key every request but hello and rx is signed with that key (a nonce first).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { numberFlag, parseArgs, requireFlags, usageLine, UsageError } from "../args.ts";
import type { CommandSpec } from "../args.ts";
import { ConsoleClient } from "../console/client.ts";
import { readKeyFile } from "../console/keyfile.ts";
import type { KeyFile } from "../console/keyfile.ts";
import { requestFromWords } from "../console/words.ts";

export const spec: CommandSpec = {
  name: "console",
  summary: "talks to a device console over a serial port: one command, or interactive with history",
  synopsis: "--port PATH [--key FILE] [--timeout MS] [COMMAND [NAME=VALUE ...] | JSON | rx FILE]",
  positionals: [
    { name: "COMMAND [NAME=VALUE ...]", help: "hello status log time pause resume ack rx move calibrate, with arguments (docs/protocol.md)" },
    { name: "JSON", help: "a raw request, e.g. '{\"cmd\":\"status\"}'" },
    { name: "rx FILE", help: "send a signed prescription (osteodrive rx sign)" },
  ],
  flags: [
    { name: "port", value: "PATH", help: "the device's console serial port (e.g. one end of a socat pty pair)", default: "required" },
    { name: "key", value: "FILE", help: "sign every request but hello and rx with this key (a nonce first)", default: "unsigned (patient role)" },
    { name: "timeout", value: "MS", help: "how long to wait for each response, 100 to 600000", default: "5000" },
  ],
  notes: ["without COMMAND: interactive, with line editing and history in ~/.osteodrive_console_history", "exit code: 0 accepted, 1 refused or no answer, 2 bad flags"],
};
const HISTORY = join(homedir(), ".osteodrive_console_history");
const UNSIGNED = ["hello", "rx"];

function send(client: ConsoleClient, req: { [k: string]: unknown }, key: KeyFile | null, timeoutMs: number): Promise<any> {
  return key && UNSIGNED.indexOf(String(req.cmd)) < 0 ? client.signed(req, key, timeoutMs) : client.request(req, timeoutMs);
}

function interactive(client: ConsoleClient, key: KeyFile | null, timeoutMs: number): Promise<number> {
  const history = existsSync(HISTORY) ? readFileSync(HISTORY, "utf8").split("\n").filter((l) => l !== "") : [];
  const rl = createInterface({ input: process.stdin, output: process.stdout, history, historySize: 500, prompt: "osteodrive> " });
  rl.on("history", (h: string[]) => writeFileSync(HISTORY, h.join("\n") + "\n", { mode: 0o600 }));
  process.stdout.write("commands: hello status log time pause resume ack rx move calibrate journal (NAME=VALUE arguments, raw JSON, `rx FILE`); quit to leave\n");
  // one request at a time, in the order typed (piped input arrives all at once)
  let chain = Promise.resolve();
  const handle = async (line: string) => {
    const words = line.trim().split(/\s+/).filter((w) => w !== "");
    if (words[0] === "quit" || words[0] === "exit") return rl.close();
    if (words.length > 0) {
      try {
        process.stdout.write(JSON.stringify(await send(client, requestFromWords(words), key, timeoutMs)) + "\n");
      } catch (e: any) {
        process.stdout.write("error: " + e.message + "\n");
      }
    }
    rl.prompt();
  };
  rl.prompt();
  rl.on("line", (line) => {
    chain = chain.then(() => handle(line));
  });
  return new Promise((resolve) => rl.on("close", () => chain.then(() => resolve(0))));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, spec);
  requireFlags(args, spec);
  const timeoutMs = numberFlag(args, "timeout", 100, 600000, 5000)!;
  const key = args.values.key ? readKeyFile(args.values.key) : null;
  let req: { [k: string]: unknown } | null = null;
  if (args.positional.length > 0) {
    try {
      req = requestFromWords(args.positional);
    } catch (e: any) {
      throw new UsageError(e.message + "\n" + usageLine(spec));
    }
  }
  const client = await ConsoleClient.open(args.values.port);
  try {
    if (!req) return await interactive(client, key, timeoutMs);
    const r = await send(client, req, key, timeoutMs);
    process.stdout.write(JSON.stringify(r) + "\n");
    return r.ok ? 0 : 1;
  } finally {
    await client.close();
  }
}
