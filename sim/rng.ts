// Seeded pseudo-random numbers (mulberry32) with a Gaussian (Box–Muller): the
// simulator's only source of randomness, so a seed fixes a whole run. Written in
// the Espruino subset (the plant also runs inside the real interpreter's harness,
// sim/espruino-real/harness.ts), so Math.imul is spelt out.

/** 32-bit integer multiply, as Math.imul (which Espruino lacks). */
function imul(a: number, b: number): number {
  const ah = (a >>> 16) & 0xffff;
  const al = a & 0xffff;
  const bh = (b >>> 16) & 0xffff;
  const bl = b & 0xffff;
  return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
}

export class Rng {
  private s: number;
  private spare: number;
  private hasSpare: boolean;

  constructor(seed: number) {
    this.s = (seed >>> 0) ^ 0x9e3779b9;
    this.spare = 0;
    this.hasSpare = false;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal. */
  gauss(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }
}
