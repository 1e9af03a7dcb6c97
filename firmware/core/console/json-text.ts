// The console's JSON writer. Responses are pure ASCII (every character outside
// printable ASCII escaped), so any serial terminal shows them and one character is
// one byte on the line. The canonical form (signed requests) also sorts object keys
// and admits integers only, so the signer and the device build the same bytes on
// any JavaScript engine without relying on float formatting.

const HEX = "0123456789abcdef";
const MAX_SAFE = 9007199254740991;

/** True when every character of s is printable ASCII other than `"` and `\\`: written as it is. */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function quote(s: string): string {
  if (plain(s)) return "\"" + s + "\"";
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += "\\\"";
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += s.charAt(i);
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else out += "\\u" + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
  }
  return out + "\"";
}

/** Writes a value; returns null in canonical mode when it holds a number that is not a safe integer. */
function write(v: any, canonical: boolean): string | null {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (canonical) return Math.floor(v) === v && v >= -MAX_SAFE && v <= MAX_SAFE ? String(v) : null;
    return isFinite(v) ? String(v) : "null";
  }
  if (typeof v === "string") return quote(v);
  let out = "";
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const s = write(v[i], canonical);
      if (s === null) return null;
      out += (i === 0 ? "" : ",") + s;
    }
    return "[" + out + "]";
  }
  const keys = Object.keys(v);
  if (canonical) keys.sort();
  for (let i = 0; i < keys.length; i++) {
    if (v[keys[i]] === undefined) continue;
    const s = write(v[keys[i]], canonical);
    if (s === null) return null;
    out += (out === "" ? "" : ",") + quote(keys[i]) + ":" + s;
  }
  return "{" + out + "}";
}

/** ASCII JSON of a response (keys in insertion order; non-finite numbers as null). */
export function asciiJson(v: any): string {
  return write(v, false)!;
}

/** Canonical JSON (sorted keys, ASCII, integers only), or null when a number is not a safe integer. */
export function canonicalJson(v: any): string | null {
  return write(v, true);
}

/**
 * The first key an object in `text` (valid JSON) repeats, or "" when none does:
 * JSON.parse keeps the last of two equal keys, so a signed text with one would
 * mean one thing to a reader and another to the device.
 */
export function repeatedKey(text: string): string {
  const seen: Array<{ [k: string]: boolean } | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "{") {
      seen.push(Object.create(null));
      expectKey = true;
    } else if (c === "[") {
      seen.push(null);
      expectKey = false;
    } else if (c === "}" || c === "]") {
      seen.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = seen.length > 0 && seen[seen.length - 1] !== null;
    } else if (c === "\"") {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== "\"") j += text.charAt(j) === "\\" ? 2 : 1;
      if (expectKey) {
        const key: string = JSON.parse(text.substring(i, j + 1));
        const keys = seen[seen.length - 1]!;
        if (keys[key]) return key;
        keys[key] = true;
        expectKey = false;
      }
      i = j;
    }
  }
  return "";
}
