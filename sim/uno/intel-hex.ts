// Intel HEX → AVR program memory (16-bit words), for loading a firmware image
// into the emulated ATmega328P. Checks every record's checksum; throws naming the
// line on a malformed record instead of loading a half image.

/** Flash of the ATmega328P: 32 KiB = 16 Ki words. */
export const FLASH_BYTES = 32768;

export function loadHex(text: string, flashBytes = FLASH_BYTES): Uint16Array {
  const bytes = new Uint8Array(flashBytes);
  let base = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === "") continue;
    if (line[0] !== ":" || line.length < 11 || line.length % 2 === 0) throw new Error("hex line " + (n + 1) + ": not an Intel HEX record");
    const rec: number[] = [];
    for (let i = 1; i < line.length; i += 2) rec.push(parseInt(line.slice(i, i + 2), 16));
    if (rec.some((b) => isNaN(b))) throw new Error("hex line " + (n + 1) + ": non-hex digit");
    const count = rec[0];
    if (rec.length !== count + 5) throw new Error("hex line " + (n + 1) + ": length does not match its byte count");
    if ((rec.reduce((a, b) => a + b, 0) & 0xff) !== 0) throw new Error("hex line " + (n + 1) + ": bad checksum");
    const addr = (rec[1] << 8) | rec[2];
    const type = rec[3];
    if (type === 0) {
      const at = base + addr;
      if (at + count > flashBytes) throw new Error("hex line " + (n + 1) + ": data beyond flash (" + flashBytes + " bytes)");
      bytes.set(rec.slice(4, 4 + count), at);
    } else if (type === 1) {
      break;
    } else if (type === 2) {
      base = ((rec[4] << 8) | rec[5]) << 4;
    } else if (type === 4) {
      base = ((rec[4] << 8) | rec[5]) << 16;
    }
  }
  return new Uint16Array(bytes.buffer);
}
