// The size floor of an image: what is left if every property name after a dot and
// every string literal were cut to one character. No build can come near it (the
// console's keys, the journal's snapshot fields and the reason texts are in those
// names and strings), so an image whose floor is over the board's limit cannot be
// made to fit by shortening names or texts: it needs a larger code area.

import * as acorn from "acorn";

export interface SizeFloor {
  /** Property names after a dot: how many, and their bytes in the text. */
  properties: { count: number; bytes: number };
  /** String literals (quotes left out): how many, and their bytes. */
  strings: { count: number; bytes: number };
  /** The image's bytes with every one of those cut to a single character. */
  floorBytes: number;
}

/** Counts the names and strings of a bundle's text and the floor of its image of `imageBytes`. */
export function sizeFloor(code: string, imageBytes: number): SizeFloor {
  const properties = { count: 0, bytes: 0 };
  const strings = { count: 0, bytes: 0 };
  let afterDot = false;
  for (const tok of acorn.tokenizer(code, { ecmaVersion: "latest" })) {
    const label = tok.type.label;
    if (label === "name" && afterDot) {
      properties.count++;
      properties.bytes += tok.end - tok.start;
    } else if (label === "string") {
      strings.count++;
      strings.bytes += tok.end - tok.start - 2;
    }
    afterDot = label === ".";
  }
  const cut = properties.bytes - properties.count + Math.max(0, strings.bytes - strings.count);
  return { properties, strings, floorBytes: imageBytes - cut };
}
