#!/usr/bin/env node
// The `osteodrive` command: registers the TypeScript loader (tsx), then runs the CLI.
// It exits as soon as the command returns: a library timer or handle left behind
// (firmata-io's version timeout, a serial port) never keeps a finished command alive,
// and socat goes with the process (sim/uno/pty.ts).
import { register } from "tsx/esm/api";
register();
const { main } = await import("./cli.ts");
process.exit(await main(process.argv.slice(2)));
