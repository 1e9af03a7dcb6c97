// Byte framing for the flash store. Flash erases to 0xFF and each byte is written
// once, so a file ends at its first 0xFF, and records are framed by marker bytes that
// payloads never contain:
//   data frame    0xFC payload 0xFD
//   commit frame  0xFB generation (ASCII digits) 0xFD: closes the snapshot written
//                 when the file was created; a file without one never finished
//   payload bytes 0xFB..0xFF are written as 0xFE, (b - 0xFB)
// A frame cut short by a power loss (no 0xFD before the next marker, an erased byte
// or the end) is dropped, so an append is all-or-nothing on reading back.

export const COMMIT = 0xfb;
export const DATA = 0xfc;
export const END = 0xfd;
export const ESC = 0xfe;
export const ERASED = 0xff;

/** One frame: marker, escaped payload, end byte. */
export function encodeFrame(marker: number, payload: Uint8Array): Uint8Array {
  let n = payload.length + 2;
  for (let i = 0; i < payload.length; i++) if (payload[i] >= COMMIT) n++;
  const out = new Uint8Array(n);
  let k = 0;
  out[k++] = marker;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i];
    if (b >= COMMIT) {
      out[k++] = ESC;
      out[k++] = b - COMMIT;
    } else out[k++] = b;
  }
  out[k] = END;
  return out;
}

/** The commit frame for a generation number. */
export function commitFrame(generation: number): Uint8Array {
  const s = String(generation);
  const digits = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) digits[i] = s.charCodeAt(i);
  return encodeFrame(COMMIT, digits);
}

export interface ParsedFile {
  /** Generation in the file's commit frame; -1 when the file was never committed. */
  generation: number;
  /** Payloads of the complete data frames, in order, concatenated. */
  data: Uint8Array;
  /** Offset of the first erased byte: where the next frame goes. */
  end: number;
}

/** Decodes a store file (as read from flash). */
export function parseFile(bytes: Uint8Array): ParsedFile {
  const tmp = new Uint8Array(bytes.length);
  let len = 0;
  let frameStart = -1; // output length when the open frame began; -1 = no open frame
  let marker = 0;
  let generation = -1;
  let i = 0;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === ERASED) break;
    if (b === DATA || b === COMMIT) {
      if (frameStart >= 0) len = frameStart; // torn frame: drop it
      frameStart = len;
      marker = b;
    } else if (frameStart < 0) {
      continue; // bytes outside a frame (the tail of a torn one)
    } else if (b === END) {
      if (marker === COMMIT) {
        let g = 0;
        for (let k = frameStart; k < len; k++) g = g * 10 + (tmp[k] - 48);
        generation = g;
        len = frameStart;
      }
      frameStart = -1;
    } else if (b === ESC) {
      const next = i + 1 < bytes.length ? bytes[i + 1] : ERASED;
      if (next > ERASED - COMMIT) {
        len = frameStart; // broken escape: drop the frame
        frameStart = -1;
      } else {
        tmp[len++] = COMMIT + next;
        i++;
      }
    } else tmp[len++] = b;
  }
  if (frameStart >= 0) len = frameStart;
  const data = new Uint8Array(len);
  data.set(tmp.subarray(0, len));
  return { generation, data, end: i };
}
