// Shorter names for the bundle's class methods (esbuild minifies variables, never
// property names). Only a method's name is changed, and only where every use of
// the name is provably the bundle's own: it names a method (a prototype or static
// member: never serialised by JSON.stringify, never listed by Object.keys or
// Object.assign, so no journal, snapshot or console reply can carry it), and it
// never appears as an object key, a string literal or a word of one, a template's
// text, the target of an assignment or `delete` (a data property of that name),
// a member of a built-in (every JavaScript built-in's, as this Node has them, and
// every Espruino one the driver declares in hal/espruino/espruino.d.ts: the
// receiver of `a.m` is not known, so `m` may be Storage's or a Pin's), a name in `keep` (called from outside: the inspection names, the configuration's
// keys and strings), or a method the language or the interpreter calls by itself.
// What the bundle reads out of parsed JSON (the console's requests, a signed
// prescription, the journal's snapshots, the embedded configuration) it reads by
// names that are keys or strings in it too (the writers' object literals, the
// validators' field lists, the configuration's keys), so those keep their names;
// the console tests in the shim run the renamed build end to end.
// Every access `a.m` and definition `m(){}` of such a name is renamed alike; the
// new names are taken from those no property in the bundle uses, and are no
// built-in member (single letters but `E`, Math's constant; then `$` and one more).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as walk from "acorn-walk";
import type * as acorn from "acorn";
import { parseScript } from "./ast.ts";
import type { Node } from "./ast.ts";
import { IMPLICIT, propertyNames } from "./trim.ts";

export interface ShortenResult {
  code: string;
  /** Old name to new. */
  renamed: { [name: string]: string };
}

/** Names of built-in members: JavaScript's (every global object's and prototype's) and Espruino's (declared for the driver). */
export function builtinMembers(root: string): Set<string> {
  const out = new Set<string>();
  const g = globalThis as unknown as { [k: string]: unknown };
  for (const name of Object.getOwnPropertyNames(g)) {
    const v = g[name];
    if (!v || (typeof v !== "object" && typeof v !== "function")) continue;
    for (const k of Object.getOwnPropertyNames(v)) out.add(k);
    const proto = (v as { prototype?: unknown }).prototype;
    if (proto && typeof proto === "object") for (const k of Object.getOwnPropertyNames(proto)) out.add(k);
  }
  for (const k of Object.getOwnPropertyNames(Object.prototype)) out.add(k);
  const declared = readFileSync(join(root, "hal/espruino/espruino.d.ts"), "utf8").match(/[A-Za-z_$][\w$]*/g) || [];
  for (const w of declared) out.add(w);
  return out;
}

function* shortNames(): Generator<string> {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ";
  for (const c of letters) yield c;
  for (const c of letters + "0123456789_$") yield "$" + c;
  for (const c of letters) for (const d of letters) yield "$" + c + d;
}

/** New names for `order` (first the shortest) into `renamed`, none in `taken`, each only where it is shorter. */
export function assignNames(order: string[], taken: Set<string>, renamed: { [name: string]: string }): { [name: string]: string } {
  const fresh = shortNames();
  for (const name of order) {
    let next = fresh.next().value as string;
    while (taken.has(next)) next = fresh.next().value as string;
    if (next.length >= name.length) continue;
    renamed[name] = next;
  }
  return renamed;
}

/** `root`: the repository (for the Espruino declarations). */
export function shortenMethods(code: string, keep: Iterable<string>, root: string): ShortenResult {
  const tree = parseScript(code);
  const forbidden = propertyNames(tree, false);
  for (const k of builtinMembers(root)) forbidden.add(k);
  for (const k of keep) forbidden.add(k);
  for (const k of IMPLICIT) forbidden.add(k);
  const methods = new Map<string, acorn.Identifier[]>();
  const members: acorn.Identifier[] = [];
  walk.fullAncestor(tree, (n, _st, ancestors) => {
    const node = n as Node;
    const parent = ancestors[ancestors.length - 2] as Node | undefined;
    if (node.type === "MethodDefinition" && !node.computed && node.key.type === "Identifier" && node.kind !== "constructor") {
      methods.set(node.key.name, (methods.get(node.key.name) || []).concat([node.key]));
    } else if (node.type === "MemberExpression" && !node.computed && node.property.type === "Identifier") {
      members.push(node.property);
      const written = parent && ((parent.type === "AssignmentExpression" && parent.left === node) || parent.type === "UpdateExpression" || (parent.type === "UnaryExpression" && parent.operator === "delete"));
      if (written) forbidden.add(node.property.name);
    }
  });
  // every name a property of anything in the bundle has: a new name must be none of them
  const taken = new Set<string>(forbidden);
  for (const m of members) taken.add(m.name);
  for (const m of methods.keys()) taken.add(m);
  const uses = new Map<string, acorn.Identifier[]>();
  for (const [name, defs] of methods) if (!forbidden.has(name)) uses.set(name, defs.slice());
  for (const m of members) if (uses.has(m.name)) uses.get(m.name)!.push(m);
  // the most used long names get the shortest new ones
  const order = Array.from(uses.keys()).sort((a, b) => uses.get(b)!.length * b.length - uses.get(a)!.length * a.length || (a < b ? -1 : 1));
  const renamed = assignNames(order, taken, {});
  const edits: acorn.Identifier[] = [];
  for (const name of Object.keys(renamed)) edits.push(...uses.get(name)!);
  edits.sort((a, b) => b.start - a.start);
  for (const id of edits) code = code.slice(0, id.start) + renamed[id.name] + code.slice(id.end);
  return { code, renamed };
}
