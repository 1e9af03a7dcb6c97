// Shorter names for the data fields of the supervisor's and the governor's state
// and configuration in the bundle (after shorten.ts has shortened the methods).
// On Espruino a property's name is stored with every object that has it: a name
// of 5–13 characters takes a second variable, 14–22 a third (docs/espruino.md),
// and these objects hold some 200 long-named fields, live for the whole therapy.
// Only the fields declared in STATE_TYPES are renamed, and only a name that
// - no other interface or type literal of the bundled sources declares (so no
//   object of another type, such as a journal record, a status reply or a parsed
//   file, can carry it: those are serialised or read by name),
// - never appears as a string literal, a word of one or a template's text (a
//   computed access, a field list of a validator, a JSON key),
// - is no method anywhere (class or object literal), no member of a built-in
//   (shorten.ts), and none in `keep` (the inspection names, the embedded
//   configuration's keys and strings).
// Every access `a.f` and object key `f:` (a shorthand `{f}` becomes `{n:f}`) of
// such a name is renamed alike, to a name no property of the bundle uses. None of
// these objects is ever serialised (the controller's inspect() hands them to the
// Node side's simulator and tests, which never run the bundle).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as walk from "acorn-walk";
import type * as acorn from "acorn";
import { parseScript } from "./ast.ts";
import type { Node } from "./ast.ts";
import { IMPLICIT, words } from "./trim.ts";
import { assignNames, builtinMembers } from "./shorten.ts";
import type { ShortenResult } from "./shorten.ts";

/** The interfaces whose fields are renamed: the supervisor's and the governor's working state and configuration (file, interface). */
export const STATE_TYPES: Array<[string, string]> = [
  ["firmware/core/watch-position.ts", "PositionState"],
  ["firmware/core/watch-position.ts", "PositionContext"],
  ["firmware/core/watch-force.ts", "ForceState"],
  ["firmware/core/watch-force.ts", "ForceContext"],
  ["firmware/core/supervisor.ts", "SupervisorConfig"],
  ["firmware/core/supervisor.ts", "SupervisorState"],
  ["firmware/core/governor.ts", "GovernorConfig"],
  ["firmware/core/governor.ts", "GovernorState"],
  ["firmware/core/travel-window.ts", "TravelWindow"],
];

/** The folders whose sources the bundle is made of (every other declaration of a field name counts against renaming it). */
const SOURCE_DIRS = ["firmware/core", "firmware/espruino", "hal"];

/** Member names declared in each `interface X {…}` and `type X = {…}` block of a TypeScript source, by type name. */
export function declaredMembers(src: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const re = /^(?:export )?(?:interface (\w+)[^{\n]*|type (\w+)\s*=\s*)\{\s*$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    const end = src.indexOf("\n}", m.index);
    const body = src.slice(m.index + m[0].length, end < 0 ? src.length : end);
    const names: string[] = [];
    const mr = /^  (?:readonly )?([A-Za-z_$][\w$]*)\??:/gm;
    let k: RegExpExecArray | null;
    while ((k = mr.exec(body)) !== null) names.push(k[1]);
    out.set(m[1] || m[2], names);
  }
  return out;
}

function sources(root: string, dir: string, out: string[]): string[] {
  for (const f of readdirSync(join(root, dir))) {
    const rel = dir + "/" + f;
    if (statSync(join(root, rel)).isDirectory()) sources(root, rel, out);
    else if (f.endsWith(".ts") && !f.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** The fields of STATE_TYPES that no other type of the bundled sources declares. */
export function stateFields(root: string): string[] {
  const mine = new Set<string>();
  const others = new Set<string>();
  const wanted = new Set(STATE_TYPES.map(([f, t]) => f + "#" + t));
  for (const dir of SOURCE_DIRS) {
    for (const file of sources(root, dir, [])) {
      for (const [type, names] of declaredMembers(readFileSync(join(root, file), "utf8"))) {
        const into = wanted.has(file + "#" + type) ? mine : others;
        for (const n of names) into.add(n);
      }
    }
  }
  for (const [f, t] of STATE_TYPES) if (!declaredMembers(readFileSync(join(root, f), "utf8")).has(t)) throw new Error("shortenFields: no interface " + t + " in " + f);
  return Array.from(mine).filter((n) => !others.has(n)).sort();
}

/** Strings, their words and templates' text: names the script may reach a property by. */
function stringWords(tree: acorn.Program): Set<string> {
  const out = new Set<string>();
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "Literal" && typeof node.value === "string") words(node.value, out);
    else if (node.type === "TemplateElement") words(node.value.cooked || node.value.raw, out);
  });
  return out;
}

/** `fields` renamed to short names where every use is provably an access or a key of the bundle's own (see the header). */
export function shortenFields(code: string, fields: string[], keep: Iterable<string>, root: string): ShortenResult {
  const tree = parseScript(code);
  const forbidden = stringWords(tree);
  for (const k of builtinMembers(root)) forbidden.add(k);
  for (const k of keep) forbidden.add(k);
  for (const k of IMPLICIT) forbidden.add(k);
  const taken = new Set<string>(forbidden);
  const sites: Array<{ id: acorn.Identifier; shorthand: boolean }> = [];
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "MethodDefinition" && node.key.type === "Identifier") {
      forbidden.add(node.key.name);
      taken.add(node.key.name);
    } else if (node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier") {
      taken.add(node.property.name);
      sites.push({ id: node.property, shorthand: false });
    } else if (node.type === "Property" && !node.computed) {
      if (node.key.type !== "Identifier") {
        if (node.key.type === "Literal") forbidden.add(String(node.key.value));
        return;
      }
      taken.add(node.key.name);
      if (node.method || node.kind !== "init") forbidden.add(node.key.name);
      else sites.push({ id: node.key, shorthand: node.shorthand });
    }
  });
  const count = new Map<string, number>();
  for (const f of fields) if (!forbidden.has(f)) count.set(f, 0);
  for (const s of sites) if (count.has(s.id.name)) count.set(s.id.name, count.get(s.id.name)! + 1);
  // the longest names, most used, get the shortest new ones
  const order = Array.from(count.keys()).filter((n) => count.get(n)! > 0).sort((a, b) => b.length - a.length || count.get(b)! - count.get(a)! || (a < b ? -1 : 1));
  const renamed = assignNames(order, taken, Object.create(null));
  const edits = sites.filter((s) => renamed[s.id.name] !== undefined).sort((a, b) => b.id.start - a.id.start);
  for (const s of edits) {
    const to = renamed[s.id.name] + (s.shorthand ? ":" + s.id.name : "");
    code = code.slice(0, s.id.start) + to + code.slice(s.id.end);
  }
  return { code, renamed };
}
