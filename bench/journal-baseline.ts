// The format-2 journal as the device used it before issue 12, behind the writer
// interface the controller uses now, so `osteodrive bench` runs the same
// controller on both journals side by side: every move an intent record and a
// done record of JSON (bench/journal-v2.ts), and every compaction re-reads the
// whole store to rebuild the audit trail, as the old controller's snapshot() did
// (records(0) + auditTrail). Not authenticated; reads nothing back at boot (the
// bench starts every run fresh). Only the bench uses it.

import type { JournalWriter } from "../firmware/core/journal.ts";
import type { RecordSink, Recovery } from "../firmware/core/journal-recover.ts";
import { emptyRecovery } from "../firmware/core/journal-recover.ts";
import type { JournalBoot, JournalConfig } from "../firmware/core/journal-boot.ts";
import { Restore } from "../firmware/core/persist.ts";
import { Vault } from "../firmware/core/vault.ts";
import type { Store } from "../hal/types.ts";
import { Journal as JournalV2 } from "./journal-v2.ts";

class V2Writer implements JournalWriter {
  latched = "";
  lastError = "";
  deviceKey = new Uint8Array(16);
  private j: JournalV2;
  /** The intent the controller asked for, when it did (large moves); otherwise move() writes one. */
  private asked = false;
  /** Audit events the last compaction re-read from the store. */
  trailEvents = 0;

  constructor(store: Store, compactAtBytes: number) {
    this.j = new JournalV2(store, compactAtBytes);
  }

  get nextSeq(): number {
    return this.j.nextSeq;
  }

  get lastTMs(): number {
    return 0;
  }

  get sizeBytes(): number {
    return this.j.sizeBytes;
  }

  idHex(): string {
    return "format-2";
  }

  open(_sink: RecordSink): Recovery {
    return emptyRecovery();
  }

  cutTornTail(_r: Recovery): boolean {
    return true;
  }

  create(_id: Uint8Array, _baseSeq: number, snapshot: object, tMs: number): boolean {
    this.j.open(Infinity, 0);
    return this.j.compact(snapshot, tMs) >= 0;
  }

  intent(steps: number, dir: number, estUm: number, tMs: number): number {
    this.asked = true;
    return this.j.append("intent", { steps, dir, target: estUm }, tMs);
  }

  move(issued: number, requested: number, dir: number, fault: string, estUm: number, tMs: number): number {
    if (!this.asked && this.j.append("intent", { steps: requested, dir, target: estUm }, tMs) < 0) return -1;
    this.asked = false;
    return this.j.append("done", { issued, fault }, tMs);
  }

  event(code: string, detail: string, tMs: number): number {
    return this.j.append("event", { code, detail }, tMs);
  }

  compact(snapshot: object, tMs: number): number {
    // the old snapshot(): the audit trail rebuilt from every record in the store
    this.trailEvents = this.j.records(0).filter((r) => r.type === "event").length;
    return this.j.compact(snapshot, tMs);
  }

  shouldCompact(): boolean {
    return this.j.shouldCompact();
  }
}

/** JournalParts.open for the baseline: a fresh device on the format-2 writer. */
export function openFormat2(c: JournalConfig, umPerStep: number): JournalBoot {
  return { kind: "fresh", fault: "", reason: "", journal: new V2Writer(c.store, c.compactAtBytes), vault: new Vault(c.vault, c.mac), restore: new Restore(umPerStep, c.auditKeep), recovery: null, config: c };
}
