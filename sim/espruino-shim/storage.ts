// A model of Espruino's flash Storage (require("Storage")) for the vm shim: files
// are byte arrays that start erased (0xFF); writing into an existing file can only
// clear bits (flash), and `rewrites` counts bytes written twice (the driver must
// never do it). Space is log-structured like the real thing: erased files become
// garbage that a compaction (automatic when full) reclaims, counted in
// `compactions`. `cutAfterBytes` simulates a power cut in the middle of a write.

export class StorageModel {
  capacity: number;
  files: Map<string, Uint8Array>;
  garbage: number;
  compactions: number;
  rewrites: number;
  writes: number;
  /** Bytes written into flash (figures: bytes a day). */
  bytesWritten: number;
  /** When ≥ 0: the next write stores only this many bytes and throws (power cut). */
  cutAfterBytes: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.files = new Map();
    this.garbage = 0;
    this.compactions = 0;
    this.rewrites = 0;
    this.writes = 0;
    this.bytesWritten = 0;
    this.cutAfterBytes = -1;
  }

  private used(): number {
    let n = this.garbage;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  private bytesOf(data: unknown): Uint8Array {
    if (typeof data === "string") {
      const b = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) b[i] = data.charCodeAt(i) & 255;
      return b;
    }
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer || Array.isArray(data)) return new Uint8Array(data as ArrayLike<number>);
    return this.bytesOf(JSON.stringify(data));
  }

  private create(name: string, size: number): Uint8Array {
    this.erase(name);
    if (this.used() + size > this.capacity) this.compact();
    if (this.used() + size > this.capacity) throw new Error("Unable to find or create file");
    const f = new Uint8Array(size).fill(0xff);
    this.files.set(name, f);
    return f;
  }

  write(name: string, data: unknown, offset?: number, size?: number): boolean {
    const d = this.bytesOf(data);
    const off = offset || 0;
    let f = this.files.get(name);
    if (off === 0) f = this.create(name, size || d.length);
    else if (!f) throw new Error("Unable to find or create file");
    if (off + d.length > f.length) throw new Error("Too much data for file size");
    this.writes++;
    const n = this.cutAfterBytes >= 0 && this.cutAfterBytes < d.length ? this.cutAfterBytes : d.length;
    this.bytesWritten += n;
    for (let i = 0; i < n; i++) {
      if (f[off + i] !== 0xff) this.rewrites++;
      f[off + i] &= d[i];
    }
    if (n < d.length) {
      this.cutAfterBytes = -1;
      throw new Error("power cut during Storage.write");
    }
    return true;
  }

  read(name: string, offset?: number, length?: number): string | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    const from = offset || 0;
    const to = length && length > 0 ? Math.min(f.length, from + length) : f.length;
    let s = "";
    for (let i = from; i < to; i++) s += String.fromCharCode(f[i]);
    return s;
  }

  readArrayBuffer(name: string): ArrayBuffer | undefined {
    const f = this.files.get(name);
    return f ? f.slice().buffer : undefined;
  }

  erase(name: string): void {
    const f = this.files.get(name);
    if (!f) return;
    this.garbage += f.length;
    this.files.delete(name);
  }

  list(match?: RegExp): string[] {
    return [...this.files.keys()].filter((n) => !match || match.test(n));
  }

  getFree(): number {
    return this.capacity - this.used();
  }

  compact(): void {
    if (this.garbage === 0) return;
    this.garbage = 0;
    this.compactions++;
  }
}
