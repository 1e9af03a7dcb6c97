// A HAL Store for the simulator that can lose power, fail, and rot.
// Its content is non-volatile: it survives a power cut, like flash or a file.
//  - cutAtByte(n): power fails when the content reaches n bytes; the append in
//    progress stops there (a torn tail) and returns false.
//  - cutAtAppend(k, keep): power fails during the k-th append from now after `keep`
//    of its bytes were written (keep >= its length: right after it completed).
//  - cutInNextReplace(): power fails during the next replace, before it commits:
//    the old content stays (replace is atomic, like write-temp-then-rename).
//  While the power is off every write is refused; powerOn() brings it back.
//  - failAppends: appends fail without writing anything (a full or failing medium).
//  - flipBit(offset, bit): one bit of the stored content flips.
//  - truncate(n): the content is cut to n bytes behind the store's back (a file
//    cut in the middle); committedBytes() still says what was acknowledged.
//  - preserve(label) keeps a copy in `preserved` (read-only evidence) and empties it.
// It counts appends, replaces and bytes written (write volume, flash wear).

import type { HalStorage, Store } from "../hal/types.ts";
import { Rng } from "./rng.ts";

export class PowerCutStore implements Store {
  private buf = new Uint8Array(4096);
  length = 0;
  powered = true;
  failAppends = false;
  appends = 0;
  replaces = 0;
  bytesAppended = 0;
  bytesReplaced = 0;
  /** Length after the last acknowledged append or replace. */
  private committed = 0;
  private cutByte = -1;
  private cutAppend = -1;
  private cutKeep = 0;
  private cutReplace = false;
  /** What preserve() moved aside, oldest first. */
  preserved: Array<{ name: string; bytes: Uint8Array }> = [];
  /** Called the moment the power fails (inside the write that tore). */
  onPowerFail: (() => void) | null = null;

  constructor(initial: Uint8Array = new Uint8Array(0)) {
    this.write(initial, 0, initial.length);
    this.committed = initial.length;
  }

  cutAtByte(offset: number): void {
    this.cutByte = offset;
  }

  cutAtAppend(k: number, keepBytes: number): void {
    this.cutAppend = this.appends + k;
    this.cutKeep = keepBytes;
  }

  cutInNextReplace(): void {
    this.cutReplace = true;
  }

  /** The power fails now, between writes. */
  powerOff(): void {
    this.powerFails();
  }

  powerOn(): void {
    this.powered = true;
  }

  flipBit(offset: number, bit: number): void {
    if (offset < 0 || offset >= this.length) throw new Error("flipBit: offset " + offset + " outside the " + this.length + " stored bytes");
    this.buf[offset] ^= 1 << bit;
  }

  truncate(n: number): void {
    if (!(n >= 0 && n <= this.length)) throw new Error("truncate: " + n + " outside 0.." + this.length);
    this.length = n;
  }

  committedBytes(): number {
    return this.committed;
  }

  preserve(label: string): string {
    if (!this.powered) return "";
    const name = label + "-" + (this.preserved.length + 1);
    this.preserved.push({ name, bytes: this.read() });
    this.length = 0;
    this.committed = 0;
    return name;
  }

  append(bytes: Uint8Array): boolean {
    if (!this.powered || this.failAppends) return false;
    this.appends++;
    let keep = bytes.length;
    let cut = false;
    if (this.appends === this.cutAppend) {
      keep = Math.min(keep, this.cutKeep);
      cut = true;
    }
    if (this.cutByte >= 0 && this.length + bytes.length > this.cutByte) {
      keep = Math.min(keep, Math.max(0, this.cutByte - this.length));
      cut = true;
    }
    this.write(bytes, this.length, keep);
    this.bytesAppended += keep;
    if (cut) this.powerFails();
    if (keep !== bytes.length) return false;
    this.committed = this.length;
    return true;
  }

  read(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  replace(bytes: Uint8Array): boolean {
    if (!this.powered) return false;
    if (this.cutReplace) {
      this.powerFails();
      return false;
    }
    const copy = bytes.slice();
    this.length = 0;
    this.write(copy, 0, copy.length);
    this.replaces++;
    this.bytesReplaced += copy.length;
    this.committed = copy.length;
    return true;
  }

  private powerFails(): void {
    this.powered = false;
    if (this.onPowerFail) this.onPowerFail();
    this.cutByte = -1;
    this.cutAppend = -1;
    this.cutReplace = false;
  }

  /** Writes bytes[0, n) at `at` and sets the length to at + n, growing the buffer as needed. */
  private write(bytes: Uint8Array, at: number, n: number): void {
    if (at + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(at + n, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.length), 0);
      this.buf = grown;
    }
    // a record of a few bytes is copied by hand: TypedArray.set costs more than it saves there
    const b = this.buf;
    if (n <= 32) for (let i = 0; i < n; i++) b[at + i] = bytes[i];
    else b.set(n === bytes.length ? bytes : bytes.subarray(0, n), at);
    this.length = at + n;
  }
}

/** Storage for a board driver in tests and emulations: two power-cut stores (journal, vault) and seeded random bytes. */
export function memoryStorage(seed: number): HalStorage {
  const rng = new Rng(seed);
  return {
    store: new PowerCutStore(),
    vault: new PowerCutStore(),
    persistent: false,
    vaultApart: true,
    random: (n) => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(rng.next() * 256);
      return b;
    },
  };
}
