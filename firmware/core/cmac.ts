// AES-128-CMAC (NIST SP 800-38B, RFC 4493): the keyed MAC that authenticates
// journal records, truncated to the first n bytes. `Mac` is the interface the
// journal uses, so a board with a native AES can supply its own (the pure-JS one
// here is what Node and the tests run). No allocation per call: one scratch state
// per keyed instance. Platform-free and Espruino-safe.

import { encryptWords, expandKey } from "./aes.ts";

export interface Mac {
  /** Writes the first n (≤ 16) bytes of the MAC of data[start, end) to out[at, at + n). */
  tag(data: Uint8Array, start: number, end: number, out: Uint8Array, at: number, n: number): void;
}

/** Makes a Mac for a 16-byte key (the journal asks one per key it uses). */
export type MacFactory = (key: Uint8Array) => Mac;

/** The CMAC subkey doubling in GF(2^128) on big-endian words: x·2. */
function double(src: Int32Array, dst: Int32Array): void {
  const carry = src[0] >>> 31;
  for (let i = 0; i < 3; i++) dst[i] = (src[i] << 1) | (src[i + 1] >>> 31);
  dst[3] = (src[3] << 1) ^ (carry * 0x87);
}

export class Cmac implements Mac {
  private rk: Int32Array;
  private k1: Int32Array;
  private k2: Int32Array;
  private st: Int32Array;

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new Error("AES-128-CMAC needs a 16-byte key, got " + key.length);
    this.rk = expandKey(key);
    this.st = new Int32Array(4);
    encryptWords(this.rk, this.st);
    this.k1 = new Int32Array(4);
    this.k2 = new Int32Array(4);
    double(this.st, this.k1);
    double(this.k1, this.k2);
  }

  tag(data: Uint8Array, start: number, end: number, out: Uint8Array, at: number, n: number): void {
    const st = this.st;
    st[0] = 0;
    st[1] = 0;
    st[2] = 0;
    st[3] = 0;
    let o = start;
    // every full block but the last goes through plain CBC
    while (end - o > 16) {
      for (let w = 0; w < 4; w++) {
        st[w] ^= (data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3];
        o += 4;
      }
      encryptWords(this.rk, st);
    }
    const rest = end - o;
    const k = rest === 16 ? this.k1 : this.k2;
    for (let w = 0; w < 4; w++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        const i = 4 * w + b;
        const byte = i < rest ? data[o + i] : i === rest ? 0x80 : 0;
        word = (word << 8) | byte;
      }
      st[w] ^= word ^ k[w];
    }
    encryptWords(this.rk, st);
    for (let i = 0; i < n; i++) out[at + i] = (st[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
  }
}

export const cmacAes128: MacFactory = (key) => new Cmac(key);
