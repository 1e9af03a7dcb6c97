#!/usr/bin/env node
// The `osteodrive` command: registers the TypeScript loader (tsx), then runs the CLI
// (run.ts: main, then exit with its code).
import { register } from "tsx/esm/api";
register();
await import("./run.ts");
