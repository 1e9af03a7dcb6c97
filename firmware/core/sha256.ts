// SHA-256 (FIPS 180-4) of a byte array: the public digest a new journal carries
// of the damaged one it replaced, so anyone can check the preserved copy against
// it. Used once per new journal, so written for size, not speed; a board with a
// native SHA-256 (Espruino's `crypto`) may inject its own. Platform-free and
// Espruino-safe.

let K: Int32Array | null = null;

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
function constants(): Int32Array {
  const k = new Int32Array(64);
  let n = 0;
  for (let p = 2; n < 64; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (!prime) continue;
    const c = Math.pow(p, 1 / 3);
    k[n++] = Math.floor((c - Math.floor(c)) * 4294967296) | 0;
  }
  return k;
}

function rotr(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

export function sha256(data: Uint8Array): Uint8Array {
  if (K === null) K = constants();
  const k = K;
  const h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Int32Array(64);
  const total = Math.ceil((data.length + 9) / 64) * 64;
  const bits = data.length * 8;
  const byteAt = (i: number): number => {
    if (i < data.length) return data[i];
    if (i === data.length) return 0x80;
    if (i < total - 8) return 0;
    const shift = 8 * (total - 1 - i);
    return shift >= 32 ? Math.floor(bits / 4294967296 / Math.pow(2, shift - 32)) & 255 : Math.floor(bits / Math.pow(2, shift)) & 255;
  };
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = (byteAt(off + 4 * i) << 24) | (byteAt(off + 4 * i + 1) << 16) | (byteAt(off + 4 * i + 2) << 8) | byteAt(off + 4 * i + 3);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (h[i >> 2] >>> (24 - 8 * (i & 3))) & 255;
  return out;
}
