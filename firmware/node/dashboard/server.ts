// The dashboard's web server, run by the process that runs the device (or by
// `osteodrive dashboard` for a log): node:http on 127.0.0.1 by default, the page,
// uPlot from node_modules (no network: the page works offline), and a
// server-sent-event stream: first the whole picture, then one update per published
// status. Read-only: there is no route that changes the device.
//
// Sync (lockstep): with `sync: true` the device side awaits settled() after each
// control tick (or gates its board clock on pending()): what the tick published goes
// out as one update, and the promise resolves once every page that opened the
// stream with ?sync=1 has drawn it and said so (POST /api/ack). Tests and
// step-by-step demos use it; a page without ?sync=1 never slows the device.

import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { livePage, uplotAsset } from "./page.ts";
import type { DashData, DashMeta, DashUpdate } from "./types.ts";

/** What the server shows: a live device (LiveSource) or a finished run. */
export interface DashSource {
  meta: DashMeta;
  /** Everything so far (rows decimated to at most maxRows). */
  snapshot(maxRows: number): DashData;
  /** Updates since the last take(), for a live source. */
  take?(): DashUpdate;
  onChange?(fn: () => void): void;
}

/** Rows sent at load: at most this many (min/max of time buckets beyond it); live rows follow in full. */
export const MAX_INITIAL_ROWS = 100000;
/** Without sync pages, updates are coalesced to at most one per this many ms. */
const PUSH_EVERY_MS = 100;

interface Client {
  id: number;
  res: ServerResponse;
  sync: boolean;
  acked: number;
}

export interface DashboardAddress {
  host: string;
  port: number;
}

/** Parses `[HOST:]PORT` (PORT 0 = any free port). */
export function parseAddress(s: string): DashboardAddress {
  const m = /^(?:([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):)?(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw Object.assign(new Error("--dashboard must be [HOST:]PORT (e.g. 8080 or 127.0.0.1:8080), got " + JSON.stringify(s)), { code: "invalid" });
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, "") : "127.0.0.1", port };
}

function send(res: ServerResponse, code: number, type: string, body: string | Buffer): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
      if (body.length > limit) reject(new Error("request too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

export class DashboardServer {
  readonly source: DashSource;
  readonly sync: boolean;
  private server: Server;
  private clients: Client[] = [];
  private nextId = 1;
  private sentSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];
  /** Sync: published since the last flush. */
  private dirty = false;

  constructor(source: DashSource, sync: boolean) {
    this.source = source;
    this.sync = sync;
    this.server = createServer((req, res) => void this.route(req, res).catch((e) => send(res, 500, "text/plain", String(e && e.message))));
    if (source.onChange) source.onChange(() => this.changed());
  }

  listen(addr: DashboardAddress): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(addr.port, addr.host, () => {
        const a = this.server.address() as AddressInfo;
        resolve("http://" + (a.family === "IPv6" ? "[" + a.address + "]" : a.address) + ":" + a.port + "/");
      });
    });
  }

  /** Sends what is left (in sync, waits until the pages have drawn it), ends every stream and stops listening. */
  async close(): Promise<void> {
    const unsent = this.timer !== null || this.dirty;
    if (this.timer) clearTimeout(this.timer);
    if (unsent) this.flush();
    if (this.sync) await this.settled();
    for (const c of this.clients) c.res.end();
    this.clients = [];
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves once every sync page has drawn the latest update (at once when there is none, or sync is off). */
  settled(): Promise<void> {
    return this.pending() ?? Promise.resolve();
  }

  /** A promise while some sync page has not drawn the latest update yet; null when all have (a gate for a board's clock). */
  pending(): Promise<void> | null {
    if (this.dirty) this.flush();
    if (this.isSettled()) return null;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once a sync page is connected (sync runs wait for their first page before they start). */
  async firstPage(): Promise<void> {
    while (!this.clients.some((c) => c.sync)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private isSettled(): boolean {
    return this.clients.every((c) => !c.sync || c.acked >= this.sentSeq);
  }

  private release(): void {
    if (!this.isSettled() && this.clients.length > 0) return;
    const w = this.waiters.splice(0);
    for (const fn of w) fn();
  }

  private changed(): void {
    // in sync, what one control tick published goes out as one update, when the device next asks settled()/pending()
    if (this.sync && this.clients.some((c) => c.sync)) {
      this.dirty = true;
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => this.flush(), PUSH_EVERY_MS);
  }

  private flush(): void {
    this.timer = null;
    this.dirty = false;
    if (!this.source.take || this.clients.length === 0) return;
    const u = this.source.take();
    u.sentAtWallMs = Date.now();
    this.sentSeq = u.status.seq;
    const msg = "event: update\ndata: " + JSON.stringify(u) + "\n\n";
    for (const c of this.clients) c.res.write(msg);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", livePage(this.source.meta.title));
    if (req.method === "GET" && url.pathname.startsWith("/assets/")) {
      const a = uplotAsset(url.pathname.slice("/assets/".length));
      return a ? send(res, 200, a.type, a.body) : send(res, 404, "text/plain", "no such asset");
    }
    if (req.method === "GET" && url.pathname === "/favicon.ico") return send(res, 204, "text/plain", "");
    if (req.method === "GET" && url.pathname === "/api/data") return send(res, 200, "application/json", JSON.stringify(this.snapshot()));
    if (req.method === "GET" && url.pathname === "/api/stream") return this.stream(url, req, res);
    if (req.method === "POST" && url.pathname === "/api/ack") {
      const body = JSON.parse(await readBody(req, 1000));
      const c = this.clients.find((x) => x.id === body.client);
      if (c && typeof body.seq === "number") c.acked = Math.max(c.acked, body.seq);
      this.release();
      return send(res, 204, "text/plain", "");
    }
    if (url.pathname.startsWith("/api/")) return send(res, 403, "text/plain", "read-only: the dashboard changes nothing on the device (use osteodrive console with a key)");
    send(res, 404, "text/plain", "not found");
  }

  private snapshot(): DashData {
    // anything published before this snapshot is in it: the stream continues from here
    if (this.source.take && this.clients.length === 0) this.source.take();
    return this.source.snapshot(MAX_INITIAL_ROWS);
  }

  private stream(url: URL, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    // the stream starts with everything so far, then updates follow in order
    if (this.timer) {
      clearTimeout(this.timer);
      this.flush();
    }
    const data = this.snapshot();
    const c: Client = { id: this.nextId++, res, sync: url.searchParams.get("sync") === "1", acked: 0 };
    c.acked = data.status.seq - 1;
    this.sentSeq = Math.max(this.sentSeq, data.status.seq);
    res.write("event: data\ndata: " + JSON.stringify({ client: c.id, sync: c.sync, data }) + "\n\n");
    this.clients.push(c);
    req.on("close", () => {
      this.clients = this.clients.filter((x) => x !== c);
      this.release();
    });
    this.release();
  }
}
