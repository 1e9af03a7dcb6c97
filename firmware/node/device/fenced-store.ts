// The journal's store with a fence: once fence() is called every write is refused
// and nothing more reaches the file. The Node device fences its journal the moment
// the board is lost, so the journal ends as a power cut would leave it (a move in
// flight stays an open intent, reconciled against the position sensor at the next
// start) instead of recording what a half-connected controller concluded.

import type { Store } from "../../../hal/types.ts";

export class FencedStore implements Store {
  private inner: Store;
  fenced = false;

  constructor(inner: Store) {
    this.inner = inner;
  }

  fence(): void {
    this.fenced = true;
  }

  append(bytes: Uint8Array): boolean {
    return !this.fenced && this.inner.append(bytes);
  }

  replace(bytes: Uint8Array): boolean {
    return !this.fenced && this.inner.replace(bytes);
  }

  read(): Uint8Array {
    return this.inner.read();
  }
}
