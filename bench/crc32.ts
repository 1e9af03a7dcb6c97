// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, the zlib/PNG one) over a
// byte range. Table-driven; the 1 KB table is built on first use. Espruino-safe.

let table: Int32Array | null = null;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** CRC-32 of bytes[start, end) as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (table === null) table = makeTable();
  const t = table;
  let c = -1;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
