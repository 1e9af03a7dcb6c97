// Reading a JSON input file (scenario, world, profile, prescription, HAL override,
// bench rig, key file): one JSON value, and no key repeated inside an object
// (JSON.parse keeps the last of two equal keys, so the file would say one thing to
// the person who wrote it and another to the device). Every failure is one line
// that names the file and what is wrong, an input error (code "invalid": the CLI
// exits 2, nothing run or written).

import { readFileSync } from "node:fs";
import { repeatedKey } from "../firmware/core/console/json-text.ts";

/** The input error for an input file: "cannot read WHAT FILE: why", code "invalid" (the CLI exits 2). */
export function inputFileError(what: string, file: string, why: string): Error {
  return Object.assign(new Error("cannot read " + what + " " + file + ": " + why), { code: "invalid" });
}

/** The parsed contents of `file`; throws inputFileError when it cannot be read, is not JSON, or repeats a key. */
export function readJsonFile(file: string, what: string): any {
  const fail = (why: string) => inputFileError(what, file, why);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e: any) {
    throw fail(e.code === "ENOENT" ? "no such file or directory" : e.message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e: any) {
    throw fail("not valid JSON (" + e.message + ")");
  }
  const dup = repeatedKey(text);
  if (dup !== "") throw fail("the key " + JSON.stringify(dup) + " appears twice in one object (each field once: JSON keeps only the last)");
  return value;
}
