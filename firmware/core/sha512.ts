// SHA-512 (FIPS 180-4) in the Espruino subset, incremental down to the round: the
// state is eight 64-bit words as 32-bit halves; `feed()` fills a block and
// `rounds(n)` compresses it n rounds at a time, so a caller can spread a long
// message over many short slices (Ed25519 verification on
// a microcontroller: core/ed25519.ts). 64-bit additions are done on the halves with
// the carry taken from the low sum, which stays below 2^53 (exact in a double).

const K: number[] = [
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b, 0xf348b538,
  0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe,
  0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1, 0x9bdc06a7, 0x25c71235,
  0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3, 0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5, 0x983e5152, 0xee66dfab,
  0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725,
  0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed,
  0x53380d13, 0x9d95b3df, 0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218,
  0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8, 0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53,
  0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb, 0x5b9cca4f, 0x7763e373,
  0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c,
  0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6,
  0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b, 0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc,
  0x431d67c4, 0x9c100d4c, 0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
];
const IV: number[] = [
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
];
const TWO32 = 4294967296;

/** The high (high = true) or low half of a 64-bit word (hi, lo) rotated right by n, 0 < n < 64. */
function rotr(hi: number, lo: number, n: number, high: boolean): number {
  if (n >= 32) return rotr(lo, hi, n - 32, high);
  return high ? (hi >>> n) | (lo << (32 - n)) : (lo >>> n) | (hi << (32 - n));
}

/** The same for a right shift by n < 32. */
function shr(hi: number, lo: number, n: number, high: boolean): number {
  return high ? hi >>> n : (lo >>> n) | (hi << (32 - n));
}

/** Σ0, Σ1 (rotations a, b, c) and σ0, σ1 (rotations a, b, shift c) on one half. */
function sigma(hi: number, lo: number, a: number, b: number, c: number, shift: boolean, high: boolean): number {
  return rotr(hi, lo, a, high) ^ rotr(hi, lo, b, high) ^ (shift ? shr(hi, lo, c, high) : rotr(hi, lo, c, high));
}

export class Sha512 {
  /** The state (8 words as hi, lo), the working variables a–h of the block being compressed, its schedule. */
  h: Int32Array;
  v: Int32Array;
  w: Int32Array;
  buf: Uint8Array;
  fill: number;
  length: number;
  /** The round of the block being compressed, -1 when none is. */
  round: number;
  /** Padding: 0 not begun, 1 the 0x80 byte in, 2 the length block begun. */
  padded: number;

  constructor() {
    this.h = new Int32Array(16);
    for (let i = 0; i < 16; i++) this.h[i] = IV[i];
    this.v = new Int32Array(16);
    this.w = new Int32Array(160);
    this.buf = new Uint8Array(128);
    this.fill = 0;
    this.length = 0;
    this.round = -1;
    this.padded = 0;
  }

  /**
   * Takes message bytes from `start` until a block is full (then it stops: compress
   * it with `rounds()`) or `end`; returns where it stopped.
   */
  feed(data: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end && this.fill < 128) this.buf[this.fill++] = data[i++];
    this.length += i - start;
    if (this.fill === 128) this.begin();
    return i;
  }

  /** Whether a block is being compressed (rounds() must run before more is fed). */
  busy(): boolean {
    return this.round >= 0;
  }

  /** Takes all of the bytes, compressing as it goes (one call). */
  update(data: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      i = this.feed(data, i, end);
      while (this.busy()) this.rounds(80);
    }
  }

  /**
   * The padding, a block at a time, after the last byte was fed (and while not
   * busy()): each call that returns false has begun a block (compress it with
   * rounds()); true once the digest is ready for digest().
   */
  pad(): boolean {
    if (this.padded === 2) return true;
    if (this.padded === 0) {
      this.padded = 1;
      this.buf[this.fill++] = 0x80;
      if (this.fill > 112) {
        while (this.fill < 128) this.buf[this.fill++] = 0;
        this.begin();
        return false;
      }
    }
    const bits = this.length * 8;
    while (this.fill < 120) this.buf[this.fill++] = 0;
    const hiBits = Math.floor(bits / TWO32);
    const loBits = bits - hiBits * TWO32;
    for (let i = 0; i < 4; i++) {
      this.buf[120 + i] = (hiBits >>> (24 - 8 * i)) & 255;
      this.buf[124 + i] = (loBits >>> (24 - 8 * i)) & 255;
    }
    this.begin();
    this.padded = 2;
    return false;
  }

  /** Pads, compresses the last block(s) and writes the 64-byte digest into `out` at `at` (one call). */
  finish(out: Uint8Array, at: number): void {
    while (!this.pad()) while (this.busy()) this.rounds(80);
    this.digest(out, at);
  }

  /** Writes the 64-byte digest into `out` at `at` (once pad() returned true). */
  digest(out: Uint8Array, at: number): void {
    for (let i = 0; i < 16; i++) {
      const v = this.h[i];
      for (let k = 0; k < 4; k++) out[at + 4 * i + k] = (v >>> (24 - 8 * k)) & 255;
    }
  }

  /** Starts compressing the full buffer: the first 16 schedule words and the working variables. */
  private begin(): void {
    const w = this.w;
    const b = this.buf;
    for (let i = 0; i < 32; i++) w[i] = (b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3];
    this.v.set(this.h);
    this.round = 0;
    this.fill = 0;
  }

  /** Runs up to n rounds of the block being compressed; after the 80th the state takes the block. */
  rounds(n: number): void {
    const w = this.w;
    const s = this.v;
    const floor = Math.floor;
    let ah = s[0], al = s[1], bh = s[2], bl = s[3], ch = s[4], cl = s[5], dh = s[6], dl = s[7];
    let eh = s[8], el = s[9], fh = s[10], fl = s[11], gh = s[12], gl = s[13], hh = s[14], hl = s[15];
    let t = this.round;
    const end = t + n < 80 ? t + n : 80;
    for (; t < end; t++) {
      if (t >= 16) {
        // W[t] = σ1(W[t−2]) + W[t−7] + σ0(W[t−15]) + W[t−16]
        const h2 = w[2 * t - 4];
        const l2 = w[2 * t - 3];
        const h15 = w[2 * t - 30];
        const l15 = w[2 * t - 29];
        const lo = (sigma(h2, l2, 19, 61, 6, true, false) >>> 0) + (w[2 * t - 13] >>> 0) + (sigma(h15, l15, 1, 8, 7, true, false) >>> 0) + (w[2 * t - 31] >>> 0);
        const hi = sigma(h2, l2, 19, 61, 6, true, true) + w[2 * t - 14] + sigma(h15, l15, 1, 8, 7, true, true) + w[2 * t - 32] + floor(lo / TWO32);
        w[2 * t] = hi | 0;
        w[2 * t + 1] = lo | 0;
      }
      // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + W[t]
      const chl = (el & fl) ^ (~el & gl);
      const chh = (eh & fh) ^ (~eh & gh);
      const t1l = (hl >>> 0) + (sigma(eh, el, 14, 18, 41, false, false) >>> 0) + (chl >>> 0) + K[2 * t + 1] + (w[2 * t + 1] >>> 0);
      const t1h = hh + sigma(eh, el, 14, 18, 41, false, true) + chh + K[2 * t] + w[2 * t] + floor(t1l / TWO32);
      // T2 = Σ0(a) + Maj(a, b, c)
      const mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
      const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const t2l = (sigma(ah, al, 28, 34, 39, false, false) >>> 0) + (mjl >>> 0);
      const t2h = sigma(ah, al, 28, 34, 39, false, true) + mjh + floor(t2l / TWO32);
      hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
      const el2 = (dl >>> 0) + (t1l % TWO32);
      eh = (dh + t1h + floor(el2 / TWO32)) | 0;
      el = el2 | 0;
      dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
      const al2 = (t1l % TWO32) + (t2l % TWO32);
      ah = (t1h + t2h + floor(al2 / TWO32)) | 0;
      al = al2 | 0;
    }
    s[0] = ah; s[1] = al; s[2] = bh; s[3] = bl; s[4] = ch; s[5] = cl; s[6] = dh; s[7] = dl;
    s[8] = eh; s[9] = el; s[10] = fh; s[11] = fl; s[12] = gh; s[13] = gl; s[14] = hh; s[15] = hl;
    this.round = t;
    if (t < 80) return;
    const h = this.h;
    for (let i = 0; i < 8; i++) {
      const lo = (h[2 * i + 1] >>> 0) + (s[2 * i + 1] >>> 0);
      h[2 * i] = (h[2 * i] + s[2 * i] + floor(lo / TWO32)) | 0;
      h[2 * i + 1] = lo | 0;
    }
    this.round = -1;
  }
}

/** SHA-512 of `data` in one call (64 bytes). */
export function sha512(data: Uint8Array): Uint8Array {
  const h = new Sha512();
  h.update(data, 0, data.length);
  const out = new Uint8Array(64);
  h.finish(out, 0);
  return out;
}
