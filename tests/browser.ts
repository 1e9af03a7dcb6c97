// Browser-test helpers: Debian's Chromium (installed by `make install`) driven by
// playwright-core, never a downloaded browser; and a second client of a dashboard's
// event stream that records every status the device published, so a test can hold
// the device (a sync client's acknowledgment) while it compares the page with it.

import { request } from "node:http";
import type { IncomingMessage } from "node:http";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import type { DashData, DashStatus, DashUpdate } from "../firmware/node/dashboard/types.ts";

export const CHROMIUM = "/usr/bin/chromium";
// Frames are made when asked, not at the display's 60 Hz: a sync page acknowledges each
// update on its next animation frame, so vsync alone would hold a device ~17 ms an update.
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-frame-rate-limit", "--disable-gpu-vsync"];

export async function openBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM + " is missing: `make install` installs Debian's chromium");
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "osteodrive-chromium-")), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1000 } });
}

/** What the page shows: every [data-field] (text and raw value), the alarm codes, and window.osteo. */
export interface PageView {
  fields: { [name: string]: { text: string; value: string } };
  alarms: string[];
  osteo: { firstPaintMs: number; renderMs: number; lastRedrawMs: number; pointsDrawn: number; seqDrawn: number; redraws: number; faultSeenAtSeq: number; faultSeenAtWallMs: number; faultLatencyMs: number };
}

export function readPage(page: Page): Promise<PageView> {
  // runs in the page (the test project has no DOM types: the page's globals are reached through globalThis)
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const fields: { [name: string]: { text: string; value: string } } = {};
    for (const el of Array.from(doc.querySelectorAll("[data-field]")) as any[]) fields[el.getAttribute("data-field")] = { text: el.textContent ?? "", value: el.getAttribute("data-value") ?? "" };
    const alarms = (Array.from(doc.querySelectorAll("[data-alarm]")) as any[]).map((el) => el.getAttribute("data-alarm") as string);
    return { fields, alarms, osteo: (globalThis as any).osteo };
  });
}

/** Waits until the page has drawn update `seq`. */
export async function pageAt(page: Page, seq: number): Promise<void> {
  await page.waitForFunction((s) => (globalThis as any).document.querySelector("[data-field=seq]")?.textContent === String(s), seq, { timeout: 60000 });
}

export interface StreamRecorder {
  statuses: Map<number, DashStatus>;
  errors: string[];
  latest: number;
  closed: Promise<void>;
}

/**
 * Opens `url`api/stream?sync=1 as a sync client: records every status by seq and calls
 * `onStatus(status)` before acknowledging it (the device waits until
 * it returns). Resolves once the first message (the whole picture) has arrived.
 */
export function recordStream(url: string, onStatus: (s: DashStatus) => Promise<void>): Promise<StreamRecorder> {
  return new Promise((resolveOpen, reject) => {
    const rec: StreamRecorder = { statuses: new Map(), errors: [], latest: 0, closed: Promise.resolve() };
    let client = 0;
    let chain = Promise.resolve();
    const ack = (seq: number) => new Promise<void>((resolve) => {
      const req = request(url + "api/ack", { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", () => resolve());
      req.end(JSON.stringify({ client, seq }));
    });
    const handle = (event: string, data: string) => {
      const m = JSON.parse(data);
      const status: DashStatus = event === "data" ? (m.data as DashData).status : (m as DashUpdate).status;
      if (event === "data") client = m.client;
      rec.statuses.set(status.seq, status);
      rec.latest = status.seq;
      // a failing check still acknowledges (the device must not hang): it is recorded in `errors`
      chain = chain.then(() => onStatus(status)).catch((e) => void rec.errors.push(String(e && e.message))).then(() => ack(status.seq));
    };
    rec.closed = new Promise((resolveClosed) => {
      const req = request(url + "api/stream?sync=1", (res: IncomingMessage) => {
        let buf = "";
        let opened = false;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
            handle(event, data);
            if (!opened) {
              opened = true;
              resolveOpen(rec);
            }
          }
        });
        res.on("end", () => void chain.then(() => resolveClosed()));
        res.on("error", () => resolveClosed());
      });
      req.on("error", reject);
      req.end();
    });
  });
}
