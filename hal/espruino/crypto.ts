// The journal's AES-128-CMAC and SHA-256 on Espruino's native `crypto` module,
// where the firmware has it (the Pico's does: CRYPTO, SHA256 and TLS, which brings
// AES): one native call per record instead of the core's JS cipher. Null where it
// is missing; the board presets (firmware/espruino/boards.ts) say which boards
// need the core's JavaScript one instead.
// CMAC (RFC 4493) here is AES-CBC with a zero IV over the message whose last block
// has the subkey XORed in; the tag is the first n bytes of the last cipher block.

import type { Mac, MacFactory } from "../../firmware/core/cmac.ts";

declare const require: (name: "crypto") => EspruinoCrypto;

function loadCrypto(): EspruinoCrypto | null {
  try {
    return require("crypto") || null;
  } catch (e) {
    return null;
  }
}

/** x·2 in GF(2^128), big-endian bytes. */
function double(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((src[i] << 1) | (i < 15 ? src[i + 1] >> 7 : 0)) & 255;
  if ((src[0] & 0x80) !== 0) out[15] ^= 0x87;
  return out;
}

function nativeCmac(c: EspruinoCrypto, key: Uint8Array): Mac {
  const k1 = double(new Uint8Array(c.AES.encrypt(new Uint8Array(16), key, { mode: "ECB" })));
  const k2 = double(k1);
  return {
    tag(data: Uint8Array, start: number, end: number, out: Uint8Array, at: number, n: number): void {
      const len = end - start;
      const blocks = len === 0 ? 1 : Math.ceil(len / 16);
      const m = new Uint8Array(blocks * 16);
      m.set(data.subarray(start, end), 0);
      const full = len > 0 && len % 16 === 0;
      if (!full) m[len] = 0x80;
      const k = full ? k1 : k2;
      const last = (blocks - 1) * 16;
      for (let i = 0; i < 16; i++) m[last + i] ^= k[i];
      const cbc = new Uint8Array(c.AES.encrypt(m, key, { iv: new Uint8Array(16), mode: "CBC" }));
      for (let i = 0; i < n; i++) out[at + i] = cbc[last + i];
    },
  };
}

/** AES-128-CMAC on the native AES, or null where the firmware has none. */
export function nativeMac(): MacFactory | null {
  const c = loadCrypto();
  return c && c.AES && typeof c.AES.encrypt === "function" ? (key) => nativeCmac(c, key) : null;
}

/** SHA-256 on the native one, or null where the firmware has none. */
export function nativeDigest(): ((bytes: Uint8Array) => Uint8Array) | null {
  const c = loadCrypto();
  return c && typeof c.SHA256 === "function" ? (bytes) => new Uint8Array(c.SHA256(bytes)) : null;
}
