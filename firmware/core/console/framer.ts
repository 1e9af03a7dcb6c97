// Line framing for the console: bytes in, whole lines (or a framing error) out.
// A line ends at LF (a CR before it is dropped); blank lines are ignored. A line
// longer than maxBytes is discarded up to its end and reported once; a partial
// line is discarded and reported when no byte came for gapMs, or when it is not
// finished idleMs after its first byte — so bytes trickling in cannot hold a line
// open to swallow the next request; control bytes and invalid UTF-8 are reported
// instead of decoded. Memory is one fixed buffer.

import { decodeUtf8 } from "./bytes.ts";

/** Receives each complete line: error "" with its text, or a framing error code with "". */
export type LineSink = (error: string, text: string) => void;

export class LineFramer {
  maxBytes: number;
  idleMs: number;
  gapMs: number;
  buf: Uint8Array;
  len: number;
  /** The current line outgrew the buffer: its bytes are being dropped until LF. */
  overflow: boolean;
  /** When the partial line's first and last bytes came. */
  startedAtMs: number;
  lastByteAtMs: number;

  constructor(maxBytes: number, idleMs: number, gapMs: number) {
    this.maxBytes = maxBytes;
    this.idleMs = idleMs;
    this.gapMs = gapMs;
    this.buf = new Uint8Array(maxBytes);
    this.len = 0;
    this.overflow = false;
    this.startedAtMs = 0;
    this.lastByteAtMs = 0;
  }

  /** True while part of a line is buffered (or being dropped). */
  pending(): boolean {
    return this.len > 0 || this.overflow;
  }

  /** Drops a partial line silent for gapMs or begun more than idleMs ago; reports it as "partial-line". */
  expire(nowMs: number, sink: LineSink): void {
    if (this.pending() && (nowMs - this.lastByteAtMs > this.gapMs || nowMs - this.startedAtMs > this.idleMs)) {
      this.len = 0;
      this.overflow = false;
      sink("partial-line", "");
    }
  }

  push(chunk: Uint8Array, nowMs: number, sink: LineSink): void {
    this.expire(nowMs, sink);
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c !== 0x0a && !this.pending()) this.startedAtMs = nowMs;
      if (c === 0x0a) {
        this.finish(sink);
      } else if (this.len < this.maxBytes) {
        this.buf[this.len++] = c;
      } else {
        this.overflow = true;
      }
    }
    if (chunk.length > 0) this.lastByteAtMs = nowMs;
  }

  private finish(sink: LineSink): void {
    const over = this.overflow;
    let end = this.len;
    this.len = 0;
    this.overflow = false;
    if (over) return sink("line-too-long", "");
    if (end > 0 && this.buf[end - 1] === 0x0d) end--;
    if (end === 0) return;
    for (let i = 0; i < end; i++) {
      const c = this.buf[i];
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return sink("bad-bytes", "");
    }
    const text = decodeUtf8(this.buf, 0, end);
    if (text === null) return sink("bad-utf8", "");
    sink("", text);
  }
}
