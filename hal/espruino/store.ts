// The HAL Store on Espruino flash (require("Storage")), worn gently: an append
// writes its frame into erased bytes of a pre-allocated file (no erase, no copy);
// replace() writes the snapshot into a fresh file of the other name, closes it with
// a commit frame and only then erases the old one, so a power cut at any point
// leaves one committed file. On start the committed file with the highest
// generation wins and the other is erased. Flash is erased only when Storage itself
// compacts, about once per (Storage free space / storeBytes) replacements.
// committedBytes() is -1: flash keeps what was written until it is erased, so the
// store keeps no count. preserve() copies the content into a file of its own
// (prefix + "x" + n) before erasing the store's two files.
// Framing: hal/espruino/frame.ts.

import type { Store } from "../types.ts";
import { DATA, commitFrame, encodeFrame, parseFile } from "./frame.ts";

export class FlashStore implements Store {
  storage: EspruinoStorage;
  prefix: string;
  names: string[];
  capacity: number;
  /** Index in `names` of the live file, its generation and its first erased byte. */
  current: number;
  generation: number;
  end: number;

  constructor(storage: EspruinoStorage, prefix: string, capacity: number) {
    this.storage = storage;
    this.prefix = prefix;
    this.names = [prefix + "0", prefix + "1"];
    this.capacity = capacity;
    this.current = 0;
    this.generation = -1;
    this.end = 0;
    this.open();
  }

  private parse(k: number) {
    const ab = this.storage.readArrayBuffer(this.names[k]);
    return ab ? parseFile(new Uint8Array(ab)) : null;
  }

  /** Picks the newest committed file and erases the other. */
  private open(): void {
    const a = this.parse(0);
    const b = this.parse(1);
    const ga = a ? a.generation : -1;
    const gb = b ? b.generation : -1;
    if (ga < 0 && gb < 0) {
      if (a) this.storage.erase(this.names[0]);
      if (b) this.storage.erase(this.names[1]);
      // A fresh store; if even that cannot be written, appends are refused.
      this.generation = 0;
      this.end = this.capacity;
      this.replace(new Uint8Array(0));
      return;
    }
    this.current = gb > ga ? 1 : 0;
    this.generation = gb > ga ? gb : ga;
    const live = gb > ga ? b : a;
    this.end = live ? live.end : 0;
    if ((gb > ga ? a : b) !== null) this.storage.erase(this.names[1 - this.current]);
  }

  append(bytes: Uint8Array): boolean {
    const frame = encodeFrame(DATA, bytes);
    if (this.end + frame.length > this.capacity) return false;
    if (!this.write(this.names[this.current], frame, this.end, 0)) {
      // Part of the frame may be in flash: continue after it (the reader drops it).
      const p = this.parse(this.current);
      this.end = p ? p.end : this.capacity;
      return false;
    }
    this.end += frame.length;
    return true;
  }

  /** Storage.write that reports every failure (false or an exception) as false. */
  private write(name: string, data: Uint8Array, offset: number, size: number): boolean {
    try {
      return size > 0 ? this.storage.write(name, data, offset, size) : this.storage.write(name, data, offset);
    } catch (e) {
      return false;
    }
  }

  read(): Uint8Array {
    const p = this.parse(this.current);
    return p ? p.data : new Uint8Array(0);
  }

  committedBytes(): number {
    return -1;
  }

  preserve(_label: string): string {
    const data = this.read();
    let n = 1;
    while (this.storage.readArrayBuffer(this.prefix + "x" + n) !== undefined) n++;
    const name = this.prefix + "x" + n;
    if (data.length > 0 && !this.write(name, data, 0, data.length)) return "";
    this.storage.erase(this.names[0]);
    this.storage.erase(this.names[1]);
    this.open();
    return name;
  }

  replace(bytes: Uint8Array): boolean {
    const body = encodeFrame(DATA, bytes);
    const commit = commitFrame(this.generation + 1);
    if (body.length + commit.length > this.capacity) return false;
    const image = new Uint8Array(body.length + commit.length);
    image.set(body, 0);
    image.set(commit, body.length);
    const next = this.names[1 - this.current];
    this.storage.erase(next);
    if (!this.write(next, image, 0, this.capacity)) {
      this.storage.erase(next);
      return false;
    }
    this.storage.erase(this.names[this.current]);
    this.current = 1 - this.current;
    this.generation++;
    this.end = image.length;
    return true;
  }
}
