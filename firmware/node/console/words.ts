// What a user types to the console client, as a request: raw JSON (`{"cmd":…}`),
// `rx FILE` (a signed prescription file from `osteodrive rx sign`), or a command
// with NAME=VALUE arguments (whole numbers become numbers: `log since=12 limit=5`).
// Raw JSON and the signed file are read like every other input: a key repeated
// inside an object is refused (JSON.parse would keep only the last), and a signed
// file must be exactly the {rx, key, sig} that `rx sign` writes.

import { inputFileError, readJsonFile } from "../../../sim/json-file.ts";
import { repeatedKey } from "../../core/console/json-text.ts";

const SIGNED_FIELDS = ["rx", "key", "sig"];

/** The request the words stand for; throws an Error saying what is wrong. */
export function requestFromWords(words: string[]): { [k: string]: unknown } {
  if (words.length === 0) throw new Error("no command");
  if (words[0].startsWith("{")) {
    const text = words.join(" ");
    const v = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("a JSON request is an object");
    const dup = repeatedKey(text);
    if (dup !== "") throw new Error("the key " + JSON.stringify(dup) + " appears twice in the request (each field once: JSON keeps only the last)");
    return v;
  }
  if (words[0] === "rx" && words.length === 2 && !words[1].includes("=")) return signedRequest(words[1]);
  const req: { [k: string]: unknown } = { cmd: words[0] };
  for (const w of words.slice(1)) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new Error("arguments are NAME=VALUE, got " + JSON.stringify(w));
    const v = w.slice(eq + 1);
    req[w.slice(0, eq)] = /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  }
  return req;
}

/** The `rx` request a signed prescription file holds; throws naming the file and what is wrong with it. */
function signedRequest(file: string): { [k: string]: unknown } {
  const signed = readJsonFile(file, "signed prescription");
  const fail = (why: string) => inputFileError("signed prescription", file, why + " (a file `osteodrive rx sign` writes is {\"rx\", \"key\", \"sig\"})");
  if (typeof signed !== "object" || signed === null || Array.isArray(signed)) throw fail("it is not a JSON object");
  for (const k of Object.keys(signed)) if (!SIGNED_FIELDS.includes(k)) throw fail("unknown key " + JSON.stringify(k));
  for (const k of SIGNED_FIELDS) if (typeof signed[k] !== "string") throw fail(k in signed ? "\"" + k + "\" is not a string" : "\"" + k + "\" is missing");
  return { cmd: "rx", rx: signed.rx, key: signed.key, sig: signed.sig };
}
