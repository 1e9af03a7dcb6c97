// A HAL Store on a file, for the journal of the Node app.
// append: write the whole record, then fsync, before reporting success.
// replace: write a temp file next to it, fsync it, rename it over the file (the
// commit point: a crash before it leaves the old file intact), then fsync the
// directory so the rename itself survives a power cut.
// append/replace report failure as `false`, never by throwing. read() returns the
// file (empty when it does not exist yet) and throws on any other error: a device
// that cannot read its journal must not start as if it were fresh.

import * as fs from "node:fs";
import * as path from "node:path";
import type { Store } from "../types.ts";

/** The file-system calls the store makes (tests swap one to simulate a crash). */
export type FileOps = Pick<typeof fs, "openSync" | "writeSync" | "fsyncSync" | "closeSync" | "renameSync" | "readFileSync">;

export class FileStore implements Store {
  readonly file: string;
  readonly tempFile: string;
  private ops: FileOps;

  constructor(file: string, ops: FileOps = fs) {
    this.file = file;
    this.tempFile = file + ".tmp";
    this.ops = ops;
  }

  append(bytes: Uint8Array): boolean {
    return this.writeFile(this.file, "a", bytes);
  }

  replace(bytes: Uint8Array): boolean {
    if (!this.writeFile(this.tempFile, "w", bytes)) return false;
    try {
      this.ops.renameSync(this.tempFile, this.file);
    } catch {
      return false;
    }
    // The rename is the commit point: from here the new content is what a read
    // returns, so report success. Syncing the directory makes it durable; a file
    // system that cannot sync directories simply makes it less so.
    this.syncDirectory();
    return true;
  }

  read(): Uint8Array {
    try {
      return new Uint8Array(this.ops.readFileSync(this.file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Uint8Array(0);
      throw e;
    }
  }

  /** Opens with `flags`, writes every byte, fsyncs, closes; false on any error. */
  private writeFile(file: string, flags: string, bytes: Uint8Array): boolean {
    let fd = -1;
    try {
      fd = this.ops.openSync(file, flags);
      let done = 0;
      while (done < bytes.length) done += this.ops.writeSync(fd, bytes, done, bytes.length - done);
      this.ops.fsyncSync(fd);
      return true;
    } catch {
      return false;
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
