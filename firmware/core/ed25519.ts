// Ed25519 signature verification (RFC 8032), verify only, in the Espruino subset and
// in slices: a microcontroller takes seconds to minutes for one verification, so it
// runs as a job of short steps between control ticks (`step()` does a bounded amount
// of work and returns whether the job is done; `ok` is the answer). The field and
// group arithmetic follow TweetNaCl (public domain: 16-bit limbs in doubles, the
// twisted Edwards curve in extended coordinates), with changes for speed and none
// for the result: a field multiplication is 16 native dot products (Espruino's
// E.convolve, injected) instead of 256 interpreted multiply-adds; [S]B − [k]A is
// one double-scalar ladder (Straus–Shamir: a doubling per bit, an addition only
// where a bit is set, with the three addends in ref10's "cached" form; variable
// time is fine for public data); doublings use the dedicated formula; 1/x and the
// square root use ref10's addition chains. Checks as
// OpenSSL's ED25519_verify, so the board and node:crypto accept the same
// signatures: S < L, A decodes to a curve point, and the encoding of
// [S]B − [k]A equals R, with k = SHA-512(R ‖ A ‖ M) mod L. No allocation after
// the constructor. Platform-free.

import { Sha512 } from "./sha512.ts";

type Gf = Float64Array;
type Point = Gf[];

function gf(init?: number[]): Gf {
  const r = new Float64Array(16);
  if (init) for (let i = 0; i < init.length; i++) r[i] = init[i];
  return r;
}

const GF0 = gf();
const GF1 = gf([1]);
const D = gf([0x78a3, 0x1359, 0x4dca, 0x75eb, 0xd8ab, 0x4141, 0x0a4d, 0x0070, 0xe898, 0x7779, 0x4079, 0x8cc7, 0xfe73, 0x2b6f, 0x6cee, 0x5203]);
const D2 = gf([0xf159, 0x26b2, 0x9b94, 0xebd6, 0xb156, 0x8283, 0x149a, 0x00e0, 0xd130, 0xeef3, 0x80f2, 0x198e, 0xfce7, 0x56df, 0xd9dc, 0x2406]);
const BX = gf([0xd51a, 0x8f25, 0x2d60, 0xc956, 0xa7b2, 0x9525, 0xc760, 0x692c, 0xdc5c, 0xfdd6, 0xe231, 0xc0a4, 0x53fe, 0xcd6e, 0x36d3, 0x2169]);
const BY = gf([0x6658, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666, 0x6666]);
/** sqrt(−1) mod p. */
const SQRTM1 = gf([0xa0b0, 0x4a0e, 0x1b27, 0xc4ee, 0xe478, 0xad2f, 0x1806, 0x2f43, 0xd7a7, 0x3dfb, 0x0099, 0x2b4d, 0xdf0b, 0x4fc1, 0x2480, 0x2b83]);
/** The group order L, little-endian bytes. */
const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];

/**
 * Addition chains (ref10's fe_invert and fe_pow22523) as [kind, dst, a, b] rows over
 * registers 0 = x, 1–4 = t0–t3: kind 0 is dst = a · b, kind 1 is dst = a^(2^b).
 * x^(p−2) = 1/x takes 254 squarings and 11 multiplications; x^((p−5)/8), for the
 * square root in point decoding, 251 and 11 (a plain square-and-multiply takes
 * about twice that).
 */
const INVERT = [1, 1, 0, 1, 1, 2, 1, 2, 0, 2, 0, 2, 0, 1, 1, 2, 1, 3, 1, 1, 0, 2, 2, 3, 1, 3, 2, 5, 0, 2, 3, 2, 1, 3, 2, 10, 0, 3, 3, 2, 1, 4, 3, 20, 0, 3, 4, 3, 1, 3, 3, 10, 0, 2, 3, 2,
  1, 3, 2, 50, 0, 3, 3, 2, 1, 4, 3, 100, 0, 3, 4, 3, 1, 3, 3, 50, 0, 2, 3, 2, 1, 2, 2, 5, 0, 0, 2, 1];
const POW22523 = [1, 1, 0, 1, 1, 2, 1, 2, 0, 2, 0, 2, 0, 1, 1, 2, 1, 1, 1, 1, 0, 1, 2, 1, 1, 2, 1, 5, 0, 1, 2, 1, 1, 2, 1, 10, 0, 2, 2, 1, 1, 3, 2, 20, 0, 2, 3, 2, 1, 2, 2, 10, 0, 1, 2, 1,
  1, 2, 1, 50, 0, 2, 2, 1, 1, 3, 2, 100, 0, 2, 3, 2, 1, 2, 2, 50, 0, 1, 2, 1, 1, 1, 1, 2, 0, 0, 1, 0];

const PHASE_HASH = 0;
const PHASE_DECODE = 1;
const PHASE_ROOT = 2;
const PHASE_SETUP = 3;
const PHASE_LADDER = 4;
const PHASE_ENCODE = 5;
const PHASE_DONE = 6;
/** Work per step, about 4 field multiplications' worth: of a chain, 4; of the ladder, half a doubling or addition; of the hash, 4 rounds (measured on the real interpreter: 10 rounds took 2-3 times a ladder step). */
const MULS_PER_STEP = 4;
const HASH_ROUNDS_PER_STEP = 4;

function set(o: Gf, a: Gf): void {
  for (let i = 0; i < 16; i++) o[i] = a[i];
}

/** Brings every limb back to 16 bits (the top carry folds into limb 0 times 38, since 2^256 ≡ 38). */
function carry(o: Gf): void {
  const floor = Math.floor;
  let c = 0;
  for (let i = 0; i < 16; i++) {
    const v = o[i] + c;
    c = floor(v / 65536);
    o[i] = v - c * 65536;
  }
  const v = o[0] + 38 * c;
  c = floor(v / 65536);
  o[0] = v - c * 65536;
  o[1] += c;
}

/**
 * A native dot product: Σ a[i] · r[i + offset] over the 16 limbs of a (Espruino's
 * E.convolve, which does exactly that while offset + 16 ≤ r.length). The app hands
 * in Espruino's; this is the same in JS.
 */
export type Dot = (a: Float64Array, r: Float64Array, offset: number) => number;

export function jsDot(a: Float64Array, r: Float64Array, offset: number): number {
  let v = 0;
  for (let i = 0; i < 16; i++) v += a[i] * r[i + offset];
  return v;
}

function add(o: Gf, a: Gf, b: Gf): void {
  for (let i = 0; i < 16; i++) o[i] = a[i] + b[i];
}

function sub(o: Gf, a: Gf, b: Gf): void {
  for (let i = 0; i < 16; i++) o[i] = a[i] - b[i];
}

/**
 * b laid out for the dot products of a multiplication: r[p] = b[15 − p] and
 * r[16 + p] = 38 · b[15 − p]. Limb k of a · b mod p is then
 * Σ_{i ≤ k} a[i] b[k−i] + 38 Σ_{i > k} a[i] b[k+16−i] = dot(a, r, 15 − k).
 */
function layout(r: Float64Array, b: Gf): void {
  for (let p = 0; p < 16; p++) {
    const v = b[15 - p];
    r[p] = v;
    r[p + 16] = 38 * v;
  }
}

function layoutArray(): Float64Array {
  return new Float64Array(32);
}

export class Ed25519Verify {
  /** The answer once done: true only for a valid signature. */
  ok: boolean;
  done: boolean;
  /** Steps taken (figures). */
  steps: number;
  private phase: number;
  /** Where a phase is within itself (the part of a doubling, addition or finishing sequence). */
  private part: number;
  private dot: Dot;
  private pk: Uint8Array;
  private msg: Uint8Array;
  private sig: Uint8Array;
  private hash: Sha512;
  private hashed: number;
  private k: Uint8Array;
  private bit: number;
  /** The chain being run: its rows, the row, squarings left in it, and its registers (x, t0–t3). */
  private chain: number[];
  private row: number;
  private squaresLeft: number;
  private reg: Gf[];
  // scratch, all allocated once
  private r: Float64Array;
  private t: Float64Array;
  private x64: Float64Array;
  private packT: Gf;
  private packM: Gf;
  private bytesA: Uint8Array;
  private bytesB: Uint8Array;
  private f: Gf[];
  /** The accumulator Q, −A, and B, −A, B − A in cached form (layouts of Y−X, Y+X, 2dT, 2Z). */
  private q: Point;
  private negA: Point;
  private cB: Float64Array[];
  private cNegA: Float64Array[];
  private cSum: Float64Array[];

  /** `dot`: Espruino's E.convolve on the board (several times faster there), jsDot elsewhere. */
  constructor(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, dot: Dot) {
    this.ok = false;
    this.done = false;
    this.steps = 0;
    this.phase = PHASE_HASH;
    this.part = 0;
    this.dot = dot;
    this.pk = publicKey;
    this.msg = message;
    this.sig = signature;
    this.hash = new Sha512();
    this.hashed = -64; // R and A come first
    this.k = new Uint8Array(64);
    this.bit = 255;
    this.chain = INVERT;
    this.row = 0;
    this.squaresLeft = -1;
    this.reg = [gf(), gf(), gf(), gf(), gf()];
    this.r = layoutArray();
    this.t = new Float64Array(16);
    this.x64 = new Float64Array(64);
    this.packT = gf();
    this.packM = gf();
    this.bytesA = new Uint8Array(32);
    this.bytesB = new Uint8Array(32);
    this.f = [];
    for (let i = 0; i < 10; i++) this.f.push(gf());
    this.q = [gf(), gf(), gf(), gf()];
    this.negA = [gf(), gf(), gf(), gf()];
    this.cB = [layoutArray(), layoutArray(), layoutArray(), layoutArray()];
    this.cNegA = [layoutArray(), layoutArray(), layoutArray(), layoutArray()];
    this.cSum = [layoutArray(), layoutArray(), layoutArray(), layoutArray()];
    if (publicKey.length !== 32 || signature.length !== 64 || !this.scalarBelowL()) this.finish(false);
  }

  /** Does the next slice of work; true when the answer is in `ok`. */
  step(): boolean {
    if (this.done) return true;
    this.steps++;
    const ph = this.phase;
    if (ph === PHASE_HASH) this.stepHash();
    else if (ph === PHASE_DECODE) this.stepDecode();
    else if (ph === PHASE_ROOT) this.stepRoot();
    else if (ph === PHASE_SETUP) this.stepSetup();
    else if (ph === PHASE_LADDER) this.stepLadder();
    else if (ph === PHASE_ENCODE) this.stepEncode();
    return this.done;
  }

  /** Runs to the end at once (tests, fast hosts). */
  run(): boolean {
    while (!this.step()) continue;
    return this.ok;
  }

  private finish(ok: boolean): void {
    this.ok = ok;
    this.done = true;
    this.phase = PHASE_DONE;
  }

  private next(phase: number): void {
    this.phase = phase;
    this.part = 0;
  }

  /** S (the signature's second half) must be below the group order. */
  private scalarBelowL(): boolean {
    for (let i = 31; i >= 0; i--) {
      const s = this.sig[32 + i];
      if (s < L[i]) return true;
      if (s > L[i]) return false;
    }
    return false;
  }

  // ---------------------------------------------------------------- field

  /** o = a · b mod p, b already laid out in r (inputs below 2^20 per limb keep every sum exact in a double). */
  private mulR(o: Gf, a: Gf, r: Float64Array): void {
    const t = this.t;
    const dot = this.dot;
    for (let k = 0; k < 16; k++) t[k] = dot(a, r, 15 - k);
    o.set(t);
    carry(o);
  }

  private mul(o: Gf, a: Gf, b: Gf): void {
    layout(this.r, b);
    this.mulR(o, a, this.r);
  }

  /** The canonical 32-byte encoding of a field element. */
  private pack25519(o: Uint8Array, n: Gf): void {
    const t = this.packT;
    const m = this.packM;
    set(t, n);
    carry(t);
    carry(t);
    carry(t);
    for (let j = 0; j < 2; j++) {
      m[0] = t[0] - 0xffed;
      for (let i = 1; i < 15; i++) {
        m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
        m[i - 1] &= 0xffff;
      }
      m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
      const b = (m[15] >> 16) & 1;
      m[14] &= 0xffff;
      if (b === 0) set(t, m);
    }
    for (let i = 0; i < 16; i++) {
      o[2 * i] = t[i] & 0xff;
      o[2 * i + 1] = t[i] >> 8;
    }
  }

  private equal(a: Gf, b: Gf): boolean {
    this.pack25519(this.bytesA, a);
    this.pack25519(this.bytesB, b);
    for (let i = 0; i < 32; i++) if (this.bytesA[i] !== this.bytesB[i]) return false;
    return true;
  }

  private parity(a: Gf): number {
    this.pack25519(this.bytesA, a);
    return this.bytesA[0] & 1;
  }

  /** Starts an addition chain on x (the result ends in register 0). */
  private startChain(chain: number[], x: Gf): void {
    set(this.reg[0], x);
    this.chain = chain;
    this.row = 0;
    this.squaresLeft = -1;
  }

  /** Runs up to MULS_PER_STEP multiplications of the chain; true when it is done. */
  private chainSteps(): boolean {
    const c = this.chain;
    const reg = this.reg;
    for (let n = 0; n < MULS_PER_STEP && this.row < c.length; n++) {
      const k = this.row;
      const dst = reg[c[k + 1]];
      if (c[k] === 0) {
        this.mul(dst, reg[c[k + 2]], reg[c[k + 3]]);
        this.row += 4;
      } else if (this.squaresLeft < 0) {
        this.mul(dst, reg[c[k + 2]], reg[c[k + 2]]);
        this.squaresLeft = c[k + 3] - 1;
      } else {
        this.mul(dst, dst, dst);
        this.squaresLeft--;
      }
      if (this.squaresLeft === 0) {
        this.squaresLeft = -1;
        this.row += 4;
      }
    }
    return this.row >= c.length;
  }

  // ---------------------------------------------------------------- group

  /** c ← p in cached form: layouts of Y − X, Y + X, 2d·T and 2Z. */
  private cache(c: Float64Array[], p: Point): void {
    const x = this.f[0];
    sub(x, p[1], p[0]);
    layout(c[0], x);
    add(x, p[0], p[1]);
    layout(c[1], x);
    this.mul(x, p[3], D2);
    layout(c[2], x);
    add(x, p[2], p[2]);
    layout(c[3], x);
  }

  /** p ← p + c (ref10's ge_add on a cached point), in two halves of four multiplications: part 0 and part 1. */
  private addCached(p: Point, c: Float64Array[], part: number): void {
    const f = this.f;
    const a = f[1], b = f[2], cc = f[3], d = f[4], e = f[5], ff = f[6], g = f[7], h = f[8];
    if (part === 0) {
      sub(e, p[1], p[0]);
      this.mulR(a, e, c[0]);
      add(e, p[0], p[1]);
      this.mulR(b, e, c[1]);
      this.mulR(cc, p[3], c[2]);
      this.mulR(d, p[2], c[3]);
      return;
    }
    sub(e, b, a);
    sub(ff, d, cc);
    add(g, d, cc);
    add(h, b, a);
    this.mul(p[0], e, ff);
    this.mul(p[1], h, g);
    this.mul(p[2], g, ff);
    this.mul(p[3], e, h);
  }

  /** p ← 2p (dbl-2008-hwcd with a = −1), in two halves: the four squarings, then the four products. */
  private double(p: Point, part: number): void {
    const f = this.f;
    const a = f[1], b = f[2], c = f[3], e = f[4], g = f[5], ff = f[6], h = f[7];
    if (part === 0) {
      this.mul(a, p[0], p[0]);
      this.mul(b, p[1], p[1]);
      this.mul(c, p[2], p[2]);
      add(c, c, c);
      add(e, p[0], p[1]);
      this.mul(e, e, e);
      return;
    }
    sub(e, e, a);
    sub(e, e, b);
    sub(g, b, a);
    sub(ff, g, c);
    add(h, a, b);
    sub(h, GF0, h);
    this.mul(p[0], e, ff);
    this.mul(p[1], g, h);
    this.mul(p[3], e, h);
    this.mul(p[2], ff, g);
  }

  // ---------------------------------------------------------------- phases

  /** k = SHA-512(R ‖ A ‖ M), 4 rounds per step, then reduced mod L. */
  private stepHash(): void {
    const h = this.hash;
    if (h.busy()) return h.rounds(HASH_ROUNDS_PER_STEP);
    if (this.hashed < 0) {
      h.feed(this.sig, 0, 32);
      h.feed(this.pk, 0, 32);
      this.hashed = 0;
      return;
    }
    if (this.hashed < this.msg.length) {
      this.hashed = h.feed(this.msg, this.hashed, this.msg.length);
      return;
    }
    // the padding's block(s) are compressed a step at a time too
    if (!h.pad()) return;
    h.digest(this.k, 0);
    this.reduceK();
    this.startDecode();
  }

  /** k mod L (TweetNaCl's modL), into the first 32 bytes of k. */
  private reduceK(): void {
    const x = this.x64;
    for (let i = 0; i < 64; i++) x[i] = this.k[i];
    for (let i = 63; i >= 32; --i) {
      let c = 0;
      let j = i - 32;
      for (; j < i - 12; ++j) {
        x[j] += c - 16 * x[i] * L[j - (i - 32)];
        c = Math.floor((x[j] + 128) / 256);
        x[j] -= c * 256;
      }
      x[j] += c;
      x[i] = 0;
    }
    let c = 0;
    for (let j = 0; j < 32; j++) {
      x[j] += c - (x[31] >> 4) * L[j];
      c = x[j] >> 8;
      x[j] &= 255;
    }
    for (let j = 0; j < 32; j++) x[j] -= c * L[j];
    for (let i = 0; i < 32; i++) {
      x[i + 1] += x[i] >> 8;
      this.k[i] = x[i] & 255;
    }
  }

  /** −A from its encoding (TweetNaCl's unpackneg): y, then x = sqrt((y² − 1)/(d y² + 1)) by (p−5)/8 powering. */
  private startDecode(): void {
    const r = this.negA;
    const f = this.f;
    const num = f[7], den = f[8];
    set(r[2], GF1);
    for (let i = 0; i < 16; i++) r[1][i] = this.pk[2 * i] + (this.pk[2 * i + 1] << 8);
    r[1][15] &= 0x7fff;
    this.mul(num, r[1], r[1]);
    this.mul(den, num, D);
    sub(num, num, r[2]);
    add(den, r[2], den);
    this.next(PHASE_DECODE);
  }

  /** t = num · den^7, then t^((p−5)/8). */
  private stepDecode(): void {
    const f = this.f;
    const num = f[7], den = f[8], t = f[9];
    if (this.part === 0) {
      this.mul(f[0], den, den);
      this.mul(f[1], f[0], f[0]);
      this.mul(f[2], f[1], f[0]);
      this.mul(t, f[2], num);
      this.part = 1;
      return;
    }
    if (this.part === 1) {
      this.mul(t, t, den);
      this.startChain(POW22523, t);
      this.part = 2;
      return;
    }
    if (this.chainSteps()) this.next(PHASE_ROOT);
  }

  /** x = t · num · den³, fixed by sqrt(−1) when x² · den is −num; no root: not a point. */
  private stepRoot(): void {
    const r = this.negA;
    const f = this.f;
    const num = f[7], den = f[8], t = f[9], chk = f[6];
    if (this.part === 0) {
      this.mul(t, this.reg[0], num);
      this.mul(t, t, den);
      this.mul(t, t, den);
      this.mul(r[0], t, den);
      this.part = 1;
      return;
    }
    if (this.part === 1) {
      this.mul(chk, r[0], r[0]);
      this.mul(chk, chk, den);
      if (!this.equal(chk, num)) this.mul(r[0], r[0], SQRTM1);
      this.part = 2;
      return;
    }
    this.mul(chk, r[0], r[0]);
    this.mul(chk, chk, den);
    if (!this.equal(chk, num)) return this.finish(false);
    if (this.parity(r[0]) === this.pk[31] >> 7) sub(r[0], GF0, r[0]);
    this.mul(r[3], r[0], r[1]);
    this.next(PHASE_SETUP);
  }

  /** The ladder's addends B, −A and B − A in cached form; Q starts at the neutral point. */
  private stepSetup(): void {
    const q = this.q;
    if (this.part === 0) {
      this.cache(this.cNegA, this.negA);
      this.part = 1;
      return;
    }
    if (this.part === 1) {
      set(q[0], BX);
      set(q[1], BY);
      set(q[2], GF1);
      this.mul(q[3], BX, BY);
      this.cache(this.cB, q);
      this.part = 2;
      return;
    }
    if (this.part === 2 || this.part === 3) {
      this.addCached(q, this.cNegA, this.part - 2);
      this.part++;
      return;
    }
    this.cache(this.cSum, q);
    set(q[0], GF0);
    set(q[1], GF1);
    set(q[2], GF1);
    set(q[3], GF0);
    this.bit = 255;
    while (this.bit >= 0 && this.bitOf(this.sig, 32, this.bit) === 0 && this.bitOf(this.k, 0, this.bit) === 0) this.bit--;
    this.next(this.bit >= 0 ? PHASE_LADDER : PHASE_ENCODE);
    if (this.bit < 0) this.startChain(INVERT, q[2]);
  }

  private bitOf(bytes: Uint8Array, at: number, i: number): number {
    return (bytes[at + (i >> 3)] >> (i & 7)) & 1;
  }

  /** Q ← 2Q + s_i·B + k_i·(−A), from the top bit down: the doubling's two halves, then the addition's where a bit is set. */
  private stepLadder(): void {
    const part = this.part;
    if (part < 2) {
      this.double(this.q, part);
      this.part++;
      const s0 = this.bitOf(this.sig, 32, this.bit);
      const k0 = this.bitOf(this.k, 0, this.bit);
      if (part === 0 || s0 || k0) return;
    } else {
      const s = this.bitOf(this.sig, 32, this.bit);
      const k = this.bitOf(this.k, 0, this.bit);
      this.addCached(this.q, s && k ? this.cSum : s ? this.cB : this.cNegA, part - 2);
      this.part++;
      if (part === 2) return;
    }
    this.part = 0;
    this.bit--;
    if (this.bit >= 0) return;
    // encode: 1/Z by Fermat (p − 2), in steps
    this.startChain(INVERT, this.q[2]);
    this.next(PHASE_ENCODE);
  }

  /** R' = (X/Z, Y/Z) encoded; the signature holds iff R' = R. */
  private stepEncode(): void {
    const f = this.f;
    if (!this.chainSteps()) return;
    const zi = this.reg[0];
    this.mul(f[8], this.q[0], zi);
    this.mul(f[9], this.q[1], zi);
    const out = this.bytesB;
    const sign = this.parity(f[8]);
    this.pack25519(out, f[9]);
    out[31] ^= sign << 7;
    for (let i = 0; i < 32; i++) if (out[i] !== this.sig[i]) return this.finish(false);
    this.finish(true);
  }
}

/** Verifies at once (for hosts where a verification is short). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return new Ed25519Verify(publicKey, message, signature, jsDot).run();
}
