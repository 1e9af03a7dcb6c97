// A HAL Store on a file, for the journal (and the vault) of the Node app.
// append: write the whole record, then fsync, before reporting success.
// replace: write a temp file next to it, fsync it, rename it over the file (the
// commit point: a crash before it leaves the old file intact), then fsync the
// directory so the rename itself survives a power cut.
// After each, the committed length goes to FILE.commit: two 32-byte slots written
// in turn (magic, length, the file's inode, a write number, CRC-32), so a torn
// slot leaves the other. A journal file shorter than its committed length was cut
// in the middle (committedBytes() says so); a slot naming another inode predates
// a replace whose commit write a crash interrupted, and counts as "cannot tell".
// preserve(label) renames the file to FILE.LABEL-N (the first N free), read-only,
// and drops the commit record with it (so the empty file is not "truncated").
// append/replace report failure as `false`, never by throwing. read() returns the
// file (empty when it does not exist yet) and throws on anything else — a
// dangling link included: a device that cannot read its journal must not start
// as if it were fresh.

import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";
import type { Store } from "../types.ts";

/** The file-system calls the store makes (tests swap one to simulate a crash). */
export type FileOps = Pick<typeof fs, "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "readFileSync" | "statSync" | "lstatSync" | "fstatSync" | "chmodSync" | "existsSync" | "unlinkSync">;

const SLOT = 32;
const MAGIC = 0x3143444f; // "ODC1" little-endian

export class FileStore implements Store {
  readonly file: string;
  readonly tempFile: string;
  readonly commitFile: string;
  private ops: FileOps;
  private mode: number;
  private writes = -1;

  /** `mode`: the permissions new files get (0o600 for the vault: the device key is in it). */
  constructor(file: string, ops: FileOps = fs, mode = 0o644) {
    this.file = file;
    this.tempFile = file + ".tmp";
    this.commitFile = file + ".commit";
    this.ops = ops;
    this.mode = mode;
  }

  append(bytes: Uint8Array): boolean {
    const size = this.writeFile(this.file, "a", bytes);
    return size >= 0 && this.commit(size);
  }

  replace(bytes: Uint8Array): boolean {
    if (this.writeFile(this.tempFile, "w", bytes) < 0) return false;
    try {
      this.ops.renameSync(this.tempFile, this.file);
    } catch {
      return false;
    }
    // The rename is the commit point: from here the new content is what a read
    // returns, so report success. Syncing the directory makes it durable; a file
    // system that cannot sync directories simply makes it less so.
    this.syncDirectory();
    this.commit(bytes.length);
    return true;
  }

  read(): Uint8Array {
    try {
      return new Uint8Array(this.ops.readFileSync(this.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      if (this.linkExists()) throw new Error("the journal " + this.file + " is a link to something that does not exist");
      return new Uint8Array(0);
    }
  }

  committedBytes(): number {
    const slot = this.lastSlot();
    if (slot === null) return -1;
    let ino = -1;
    try {
      ino = this.ops.statSync(this.file).ino;
    } catch {
      return slot.length; // the file is gone: what it held was committed
    }
    return ino === slot.ino ? slot.length : -1;
  }

  preserve(label: string): string {
    let n = 1;
    while (this.ops.existsSync(this.file + "." + label + "-" + n)) n++;
    const to = this.file + "." + label + "-" + n;
    try {
      this.ops.renameSync(this.file, to);
    } catch {
      return "";
    }
    try {
      this.ops.chmodSync(to, 0o444);
      this.ops.unlinkSync(this.commitFile);
    } catch {
      // kept either way: a copy that stayed writable, or a commit record for a file that is gone (read as truncated until the next replace)
    }
    this.writes = -1;
    this.syncDirectory();
    return to;
  }

  private linkExists(): boolean {
    try {
      this.ops.lstatSync(this.file);
      return true;
    } catch {
      return false;
    }
  }

  /** The valid commit slot with the highest write number, or null. */
  private lastSlot(): { length: number; ino: number; n: number } | null {
    let b: Buffer;
    try {
      b = this.ops.readFileSync(this.commitFile);
    } catch {
      return null;
    }
    let best: { length: number; ino: number; n: number } | null = null;
    for (let o = 0; o + SLOT <= b.length; o += SLOT) {
      if (b.readUInt32LE(o) !== MAGIC || b.readUInt32LE(o + 28) !== crc32(b.subarray(o, o + 28))) continue;
      const s = { length: b.readUIntLE(o + 4, 6), ino: b.readUIntLE(o + 10, 6), n: b.readUInt32LE(o + 16) };
      if (best === null || s.n > best.n) best = s;
    }
    return best;
  }

  /** Records `length` as committed in the next slot; false when it could not. */
  private commit(length: number): boolean {
    if (this.writes < 0) {
      const last = this.lastSlot();
      this.writes = last ? last.n : 0;
    }
    let fd = -1;
    try {
      const ino = this.ops.statSync(this.file).ino;
      const n = this.writes + 1;
      const b = Buffer.alloc(SLOT);
      b.writeUInt32LE(MAGIC, 0);
      b.writeUIntLE(length, 4, 6);
      b.writeUIntLE(ino % 2 ** 48, 10, 6);
      b.writeUInt32LE(n % 2 ** 32, 16);
      b.writeUInt32LE(crc32(b.subarray(0, 28)), 28);
      fd = this.ops.openSync(this.commitFile, fs.constants.O_RDWR | fs.constants.O_CREAT, this.mode);
      this.ops.writeSync(fd, b, 0, SLOT, (n % 2) * SLOT);
      this.ops.fsyncSync(fd);
      this.writes = n;
      return true;
    } catch {
      return false;
    } finally {
      if (fd >= 0) this.closeQuietly(fd);
    }
  }

  /** Opens with `flags`, writes every byte, fsyncs, closes: the file's size after, or -1 on any error. */
  private writeFile(file: string, flags: string, bytes: Uint8Array): number {
    let fd = -1;
    try {
      fd = this.ops.openSync(file, flags, this.mode);
      let done = 0;
      while (done < bytes.length) done += this.ops.writeSync(fd, bytes, done, bytes.length - done);
      this.ops.fsyncSync(fd);
      return this.ops.fstatSync(fd).size;
    } catch {
      return -1;
    } finally {
      if (fd >= 0) this.closeQuietly(fd);
    }
  }

  private syncDirectory(): void {
    let fd = -1;
    try {
      fd = this.ops.openSync(path.dirname(this.file), "r");
      this.ops.fsyncSync(fd);
    } catch {
      // not supported here (see replace)
    } finally {
      if (fd >= 0) this.closeQuietly(fd);
    }
  }

  private closeQuietly(fd: number): void {
    try {
      this.ops.closeSync(fd);
    } catch {
      // nothing left to do with a descriptor that will not close
    }
  }
}
