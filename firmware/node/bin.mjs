#!/usr/bin/env node
// The `osteodrive` command: registers the TypeScript loader (tsx), then runs the CLI.
import { register } from "tsx/esm/api";
register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));
