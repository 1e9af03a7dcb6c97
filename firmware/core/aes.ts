// AES-128 encryption of one block (FIPS-197), the cipher under the journal's
// CMAC. Encryption only (CMAC never decrypts). The S-box and one T-table are built
// when the module loads (1.25 KB of typed arrays, no table literals in the source). State
// and round keys are big-endian 32-bit words. Platform-free and Espruino-safe;
// a board whose firmware has a native AES (Espruino's `crypto`) injects that
// instead (see journal-mac.ts).

function rotl8(x: number, n: number): number {
  return ((x << n) | (x >>> (8 - n))) & 0xff;
}

function xtime(x: number): number {
  return ((x << 1) ^ ((x & 0x80) !== 0 ? 0x1b : 0)) & 0xff;
}

/** Fills s with the S-box by the multiplicative-inverse walk over GF(2^8) (3 generates the group); returns the T-table. */
function makeTables(s: Uint8Array): Int32Array {
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p); // p × 3
    q ^= q << 1; // q ÷ 3
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if ((q & 0x80) !== 0) q ^= 0x09;
    s[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
  } while (p !== 1);
  s[0] = 0x63;
  const te = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const v = s[i];
    const v2 = xtime(v);
    te[i] = (v2 << 24) | (v << 16) | (v << 8) | (v2 ^ v);
  }
  return te;
}

// module constants built when the module loads (dropped from a bundle that never
// uses them), not on first use: V8 then knows each table's length and place
const SBOX = /* @__PURE__ */ new Uint8Array(256);
const TE = /* @__PURE__ */ makeTables(SBOX);

function ror(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** The 44 round-key words of a 16-byte key. */
export function expandKey(key: Uint8Array): Int32Array {
  const s = SBOX;
  const w = new Int32Array(44);
  for (let i = 0; i < 4; i++) w[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
  let rcon = 1;
  for (let i = 4; i < 44; i++) {
    let t = w[i - 1];
    if (i % 4 === 0) {
      t = (s[(t >>> 16) & 255] << 24) | (s[(t >>> 8) & 255] << 16) | (s[t & 255] << 8) | s[t >>> 24];
      t ^= rcon << 24;
      rcon = xtime(rcon);
    }
    w[i] = w[i - 4] ^ t;
  }
  return w;
}

/** Encrypts the block st[0..3] (big-endian words) in place with round keys rk. */
export function encryptWords(rk: Int32Array, st: Int32Array): void {
  const te = TE;
  const s = SBOX;
  let s0 = st[0] ^ rk[0];
  let s1 = st[1] ^ rk[1];
  let s2 = st[2] ^ rk[2];
  let s3 = st[3] ^ rk[3];
  for (let k = 4; k < 40; k += 4) {
    const t0 = te[s0 >>> 24] ^ ror(te[(s1 >>> 16) & 255], 8) ^ ror(te[(s2 >>> 8) & 255], 16) ^ ror(te[s3 & 255], 24) ^ rk[k];
    const t1 = te[s1 >>> 24] ^ ror(te[(s2 >>> 16) & 255], 8) ^ ror(te[(s3 >>> 8) & 255], 16) ^ ror(te[s0 & 255], 24) ^ rk[k + 1];
    const t2 = te[s2 >>> 24] ^ ror(te[(s3 >>> 16) & 255], 8) ^ ror(te[(s0 >>> 8) & 255], 16) ^ ror(te[s1 & 255], 24) ^ rk[k + 2];
    const t3 = te[s3 >>> 24] ^ ror(te[(s0 >>> 16) & 255], 8) ^ ror(te[(s1 >>> 8) & 255], 16) ^ ror(te[s2 & 255], 24) ^ rk[k + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  st[0] = ((s[s0 >>> 24] << 24) | (s[(s1 >>> 16) & 255] << 16) | (s[(s2 >>> 8) & 255] << 8) | s[s3 & 255]) ^ rk[40];
  st[1] = ((s[s1 >>> 24] << 24) | (s[(s2 >>> 16) & 255] << 16) | (s[(s3 >>> 8) & 255] << 8) | s[s0 & 255]) ^ rk[41];
  st[2] = ((s[s2 >>> 24] << 24) | (s[(s3 >>> 16) & 255] << 16) | (s[(s0 >>> 8) & 255] << 8) | s[s1 & 255]) ^ rk[42];
  st[3] = ((s[s3 >>> 24] << 24) | (s[(s0 >>> 16) & 255] << 16) | (s[(s1 >>> 8) & 255] << 8) | s[s2 & 255]) ^ rk[43];
}
