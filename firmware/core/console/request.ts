// Request parsing: one line of text to a request object, refusing with a specific
// code anything that is not one (bad-json, not-an-object, bad-id, bad-cmd,
// unknown-command) and then checking the command's arguments against its schema
// (bad-args: a missing, unknown or wrongly typed field). Nothing here changes state.

import { isPlainObject } from "../validate.ts";
import { repeatedKey } from "./json-text.ts";

/** One argument: an integer in [min, max], or a string of at most `max` characters. */
export interface ArgSpec {
  name: string;
  type: "int" | "string";
  min: number;
  max: number;
  optional: boolean;
}

export interface Parsed {
  /** "" when the request is well-formed so far, else the refusal code. */
  code: string;
  message: string;
  /** The request's id (echoed in the response), null when absent or unusable. */
  id: number | string | null;
  req: any;
}

const MAX_ID_CHARS = 64;

function bad(code: string, message: string, id: number | string | null): Parsed {
  return { code, message, id, req: null };
}

/** Parses a line into {id, cmd, ...}; `known` lists the command names. */
export function parseRequest(text: string, known: string[]): Parsed {
  let v: any;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad("bad-json", "the line is not JSON", null);
  }
  if (!isPlainObject(v)) return bad("not-an-object", "a request is a JSON object such as {\"cmd\":\"status\"}", null);
  const dup = repeatedKey(text);
  if (dup !== "") return bad("bad-json", "the line repeats the key " + JSON.stringify(dup) + ": JSON readers disagree on which one counts", null);
  const id = v.id;
  const idOk = id === undefined || (typeof id === "number" && Math.floor(id) === id && Math.abs(id) <= 9007199254740991) || (typeof id === "string" && id.length <= MAX_ID_CHARS);
  if (!idOk) return bad("bad-id", "id must be an integer or a string of at most " + MAX_ID_CHARS + " characters", null);
  const echo = id === undefined ? null : id;
  if (typeof v.cmd !== "string") return bad("bad-cmd", "cmd must be a string naming a command", echo);
  if (known.indexOf(v.cmd) < 0) return bad("unknown-command", "unknown command; commands: " + known.join(", "), echo);
  return { code: "", message: "", id: echo, req: v };
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/** Checks a request's fields against a command's arguments (id, cmd and auth are always allowed); "" or the message. */
export function checkArgs(req: any, spec: ArgSpec[]): string {
  const keys = Object.keys(req);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === "id" || k === "cmd" || k === "auth") continue;
    let found = false;
    for (let j = 0; j < spec.length; j++) if (spec[j].name === k) found = true;
    if (!found) return "unknown field " + JSON.stringify(k) + " for " + req.cmd;
  }
  for (let j = 0; j < spec.length; j++) {
    const s = spec[j];
    const v = req[s.name];
    if (v === undefined) {
      if (s.optional) continue;
      return s.name + " is required";
    }
    if (s.type === "int") {
      if (typeof v !== "number" || Math.floor(v) !== v || v < s.min || v > s.max) return s.name + " must be a whole number from " + s.min + " to " + s.max + ", got " + (typeof v === "number" ? String(v) : describe(v));
    } else if (typeof v !== "string" || v.length > s.max) {
      return s.name + " must be a string of at most " + s.max + " characters, got " + (typeof v === "string" ? v.length + " characters" : describe(v));
    }
  }
  return "";
}
