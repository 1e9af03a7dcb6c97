// The audit trail, held in memory (rebuilt from the snapshot and the events after
// it at boot; written into every snapshot; never re-read from the store). Two
// kinds of entry:
//  - events: everything that changes or judges the treatment (phase changes,
//    faults, warnings, prescriptions, clock changes, acknowledgments, a new
//    journal). Kept in order, up to `keep`; only another such event can push the
//    oldest out (counted in `dropped`).
//  - counts: routine console traffic (reads, and requests refused before they
//    changed anything), coalesced per "role command result" and journaled as one
//    `counts` event per COUNT_BATCH requests or before the next event, so no
//    amount of it can evict an event. At most MAX_COUNT_KEYS kinds; beyond that,
//    "other". Platform-free and Espruino-safe.

export interface AuditEvent {
  seq: number;
  tMs: number;
  code: string;
  detail: string;
}

export interface AuditImage {
  events: AuditEvent[];
  dropped: number;
  counts: { [kind: string]: number };
}

/** The journal event code of a batch of coalesced routine requests (detail: JSON {kind: n}). */
export const COUNTS_EVENT = "counts";
export const COUNT_BATCH = 100;
const MAX_COUNT_KEYS = 32;

export class AuditTrail {
  keep: number;
  events: AuditEvent[];
  dropped: number;
  /** Totals, journaled ones and pending ones together. */
  counts: { [kind: string]: number };
  /** Counted since the last `counts` event was journaled. */
  pending: { [kind: string]: number };
  pendingN: number;

  constructor(keep: number) {
    this.keep = keep;
    this.events = [];
    this.dropped = 0;
    this.counts = {};
    this.pending = {};
    this.pendingN = 0;
  }

  /** Starts from a snapshot's image (anything malformed in it counts as nothing). */
  load(img: any): void {
    this.events = [];
    this.dropped = img && typeof img.dropped === "number" ? img.dropped : 0;
    this.counts = {};
    const ev = img && Array.isArray(img.events) ? img.events : [];
    for (let i = 0; i < ev.length; i++) {
      const e = ev[i];
      if (e && typeof e.code === "string" && typeof e.detail === "string") this.add(e.seq, e.tMs, e.code, e.detail);
    }
    if (img && img.counts && typeof img.counts === "object") this.addCounts(img.counts);
  }

  /** An event as journaled (at recovery or just written): a `counts` batch goes to the totals, anything else to the events. */
  add(seq: number, tMs: number, code: string, detail: string): void {
    if (code === COUNTS_EVENT) {
      let c: any = null;
      try {
        c = JSON.parse(detail);
      } catch (e) {
        c = null;
      }
      if (c && typeof c === "object") this.addCounts(c);
      return;
    }
    this.events.push({ seq, tMs, code, detail });
    if (this.events.length > this.keep) {
      this.events.shift();
      this.dropped++;
    }
  }

  /** n routine requests of this kind; true when a batch is due for the journal. */
  count(kind: string, n: number): boolean {
    const k = this.pending[kind] !== undefined || this.kinds(this.pending) < MAX_COUNT_KEYS ? kind : "other";
    this.pending[k] = (this.pending[k] || 0) + n;
    this.pendingN += n;
    return this.pendingN >= COUNT_BATCH;
  }

  /** The pending counts as a `counts` event's detail ("" when none). */
  pendingText(): string {
    return this.pendingN === 0 ? "" : JSON.stringify(this.pending);
  }

  /** The pending batch was journaled: it joins the totals. */
  flushed(): void {
    this.addCounts(this.pending);
    this.pending = {};
    this.pendingN = 0;
  }

  image(): AuditImage {
    const totals: { [kind: string]: number } = {};
    this.merge(totals, this.counts);
    this.merge(totals, this.pending);
    return { events: this.events.slice(), dropped: this.dropped, counts: totals };
  }

  private addCounts(c: any): void {
    this.merge(this.counts, c);
  }

  private merge(into: { [kind: string]: number }, c: any): void {
    const keys = Object.keys(c);
    for (let i = 0; i < keys.length; i++) {
      const n = c[keys[i]];
      if (typeof n !== "number" || !(n > 0)) continue;
      const k = into[keys[i]] !== undefined || this.kinds(into) < MAX_COUNT_KEYS ? keys[i] : "other";
      into[k] = (into[k] || 0) + n;
    }
  }

  private kinds(o: { [kind: string]: number }): number {
    return Object.keys(o).length;
  }
}
