// Entry of a campaign worker thread: registers the TypeScript loader in this
// thread (loaders are per thread), then runs the worker (worker.ts).
import { register } from "tsx/esm/api";
register();
await import("./worker.ts");
