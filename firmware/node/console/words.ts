// What a user types to the console client, as a request: raw JSON (`{"cmd":…}`),
// `rx FILE` (a signed prescription file from `osteodrive rx sign`), or a command
// with NAME=VALUE arguments (whole numbers become numbers: `log since=12 limit=5`).

import { readFileSync } from "node:fs";

/** The request the words stand for; throws an Error saying what is wrong. */
export function requestFromWords(words: string[]): { [k: string]: unknown } {
  if (words.length === 0) throw new Error("no command");
  if (words[0].startsWith("{")) {
    const v = JSON.parse(words.join(" "));
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("a JSON request is an object");
    return v;
  }
  if (words[0] === "rx" && words.length === 2 && !words[1].includes("=")) {
    const signed = JSON.parse(readFileSync(words[1], "utf8"));
    return { cmd: "rx", rx: signed.rx, key: signed.key, sig: signed.sig };
  }
  const req: { [k: string]: unknown } = { cmd: words[0] };
  for (const w of words.slice(1)) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new Error("arguments are NAME=VALUE, got " + JSON.stringify(w));
    const v = w.slice(eq + 1);
    req[w.slice(0, eq)] = /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  }
  return req;
}
