// The journal's and the vault's stores behind one fence: once it is closed every
// write to either is refused and nothing more reaches the files. The Node device
// closes it the moment the board is lost, so the journal and the vault end as a
// power cut would leave them (a move in flight stays an open intent, reconciled
// against the position sensor at the next start; no watermark or replay counter
// runs ahead of the journal) instead of recording what a half-connected
// controller concluded. Reads and the committed count pass through unchanged.

import type { HalStorage, Store } from "../../../hal/types.ts";

export class Fence {
  closed = false;

  close(): void {
    this.closed = true;
  }
}

export class FencedStore implements Store {
  private inner: Store;
  private fence: Fence;

  constructor(inner: Store, fence: Fence) {
    this.inner = inner;
    this.fence = fence;
  }

  append(bytes: Uint8Array): boolean {
    return !this.fence.closed && this.inner.append(bytes);
  }

  replace(bytes: Uint8Array): boolean {
    return !this.fence.closed && this.inner.replace(bytes);
  }

  read(): Uint8Array {
    return this.inner.read();
  }

  committedBytes(): number {
    return this.inner.committedBytes();
  }

  /** Moving the content aside is a write too: refused ("") once fenced. */
  preserve(label: string): string {
    return this.fence.closed ? "" : this.inner.preserve(label);
  }
}

/** The storage with both its stores behind `fence`. */
export function fencedStorage(storage: HalStorage, fence: Fence): HalStorage {
  return { ...storage, store: new FencedStore(storage.store, fence), vault: new FencedStore(storage.vault, fence) };
}
