#!/usr/bin/env node
// The `osteodrive` command: registers the TypeScript loader, then runs the CLI.
import { register } from "node:module";
register("tsx/esm", import.meta.url);
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));
