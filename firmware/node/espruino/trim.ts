// The bundle's dead-code pass: removes what the build proves unreachable, which
// esbuild's tree shaking leaves in (it never drops a class method, nor a function
// only a dropped method used). Repeated to a fixed point on the minified bundle:
// - a class method, getter or setter whose name is never used anywhere else in the
//   script: not as a property access (`a.m`, `a["m"]`), an object key, a string
//   literal or a word of one, a template's text, nor a name in `keep` (what is called
//   from outside: the inspection names of docs/espruino.md, the embedded
//   configuration's keys and strings), and not one the language or the interpreter
//   calls by itself (constructor, toString, toJSON, then, …);
// - a declaration of the bundle's own scope (the IIFE's body: function, class, or a
//   `var` whose value is a function, class, literal or a literal object/array of such)
//   whose name no identifier outside it uses.
// The script is parsed once: each round reads the tree without what the rounds before
// cut (the tree of the script with those cuts made), and the text is written at the end.
// Names are compared, not resolved: a name used anywhere keeps every declaration of
// it, so the pass errs towards keeping. A dynamic computed access (`o[k]` with k not
// a literal) is not followed: the bundle's sources keep to plain property names for
// methods (the same rule esbuild's property mangling relies on).

import * as walk from "acorn-walk";
import type * as acorn from "acorn";
import { parseScript } from "./ast.ts";
import type { Node } from "./ast.ts";

/** Methods the language or Espruino calls without naming them in the script. */
export const IMPLICIT = ["constructor", "toString", "toLocaleString", "valueOf", "toJSON", "then", "catch", "finally", "next", "return", "throw", "emit", "on", "write", "read", "pipe", "end", "close"];

export interface Removed {
  kind: "method" | "declaration";
  name: string;
  bytes: number;
}

export interface TrimResult {
  code: string;
  removed: Removed[];
}

/** Words that can name a property: the string itself and every identifier-like run of it. */
export function words(s: string, out: Set<string>): void {
  const m = s.match(/[A-Za-z_$][\w$]*/g);
  if (m) for (const w of m) out.add(w);
  out.add(s);
}

/** acorn-walk's visitors, but a node in `cut` is not entered (the callback still sees it, and none of its children). */
type Visit = (node: acorn.Node, state: unknown, c: walk.WalkerCallback<unknown>) => void;

function skipping(cut: Set<acorn.Node>): walk.RecursiveVisitors<unknown> {
  const base = walk.base as unknown as { [type: string]: Visit };
  const out: { [type: string]: Visit } = {};
  for (const type of Object.keys(base)) out[type] = (node, st, c) => {
    if (!cut.has(node)) base[type](node, st, c);
  };
  return out as walk.RecursiveVisitors<unknown>;
}

/** Every name the script uses as a property: accesses (unless `withAccesses` is false), object keys, strings and their words; what is in `cut` is not read. */
export function propertyNames(tree: acorn.Program, withAccesses = true, cut: Set<acorn.Node> = new Set()): Set<string> {
  const used = new Set<string>();
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "MemberExpression") {
      if (!node.computed && node.property.type === "Identifier" && withAccesses) used.add(node.property.name);
    } else if (node.type === "Property") {
      if (node.key.type === "Identifier") used.add(node.key.name);
      else if (node.key.type === "Literal") used.add(String(node.key.value));
    } else if (node.type === "Literal") {
      if (typeof node.value === "string") words(node.value, used);
      else if (typeof node.value === "number") used.add(String(node.value));
    } else if (node.type === "TemplateElement") {
      words(node.value.cooked || node.value.raw, used);
    }
  }, skipping(cut));
  return used;
}

/** Identifier references by name, with their positions (declaring names are not references), outside what is in `cut`. */
function identifierUses(tree: acorn.Program, cut: Set<acorn.Node>): Map<string, number[]> {
  const uses = new Map<string, number[]>();
  walk.fullAncestor(tree, (n, _st, ancestors) => {
    const node = n as Node;
    if (node.type !== "Identifier") return;
    const parent = ancestors[ancestors.length - 2] as Node | undefined;
    // the name a function, class or variable declaration declares
    if (parent && (parent.type === "FunctionDeclaration" || parent.type === "ClassDeclaration" || parent.type === "VariableDeclarator") && parent.id === node) return;
    if (parent && parent.type === "MemberExpression" && parent.property === node && !parent.computed) return;
    if (parent && (parent.type === "Property" || parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") && parent.key === node && !parent.computed && !(parent.type === "Property" && parent.shorthand)) return;
    const list = uses.get(node.name) || [];
    list.push(node.start);
    uses.set(node.name, list);
  }, skipping(cut));
  return uses;
}

/** Whether evaluating the expression has no effect but making its value. */
function pure(e: acorn.Expression | null | undefined): boolean {
  if (!e) return true;
  switch (e.type) {
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "Literal":
      return true;
    case "ClassExpression":
      return (!e.superClass || e.superClass.type === "Identifier") && e.body.body.every((m) => m.type === "MethodDefinition" && !m.computed && !m.static);
    case "ArrayExpression":
      return e.elements.every((x) => x === null || (x.type !== "SpreadElement" && pure(x)));
    case "ObjectExpression":
      return e.properties.every((p) => p.type === "Property" && !p.computed && pure(p.value as acorn.Expression));
    case "UnaryExpression":
      return e.operator !== "delete" && pure(e.argument);
    default:
      return false;
  }
}

/** The IIFE's statements (the bundle's own scope), or the program's for a plain script. */
function scopeBody(tree: acorn.Program): acorn.Statement[] {
  const s = tree.body[0];
  if (tree.body.length === 1 && s.type === "ExpressionStatement" && s.expression.type === "CallExpression") {
    const f = s.expression.callee;
    if ((f.type === "FunctionExpression" || f.type === "ArrowFunctionExpression") && f.body.type === "BlockStatement") return f.body.body;
  }
  return tree.body as acorn.Statement[];
}

/** A cut of one round: the nodes it removes (a method, a declaration, or a `var`'s dead declarators) and what it removed, by name and size. */
interface Cut {
  node: acorn.Node;
  nodes: acorn.Node[];
  removed: Removed[];
}

function usedOutside(uses: Map<string, number[]>, name: string, within: acorn.Node): boolean {
  return (uses.get(name) || []).some((p) => p < within.start || p >= within.end);
}

/**
 * The script parsed once, and the cuts taken so far: each round reads the tree without what
 * is cut, which is the tree of the script with the cuts made (a `var` that lost declarators
 * is written again from the ones it kept), so no round parses the script again.
 */
class Script {
  readonly code: string;
  readonly tree: acorn.Program;
  /** Removed nodes: methods, declarations, declarators. */
  readonly cut = new Set<acorn.Node>();
  /** `var`, `let` and `const` statements some of whose declarators are cut. */
  private readonly thinned = new Set<acorn.VariableDeclaration>();

  constructor(code: string) {
    this.code = code;
    this.tree = parseScript(code);
  }

  /** Makes a round's cut. */
  take(c: Cut): void {
    for (const n of c.nodes) this.cut.add(n);
    if (c.node.type === "VariableDeclaration") {
      const s = c.node as acorn.VariableDeclaration;
      if (s.declarations.every((d) => this.cut.has(d))) this.cut.add(s);
      else this.thinned.add(s);
    }
  }

  /** The text of the range [from, to) with every cut inside it made. */
  text(from: number, to: number): string {
    const edits: acorn.Node[] = [];
    for (const n of this.cut) if (n.start >= from && n.end <= to) edits.push(n);
    for (const n of this.thinned) if (n.start >= from && n.end <= to && !this.cut.has(n)) edits.push(n);
    edits.sort((a, b) => a.start - b.start || b.end - a.end);
    let out = "";
    let at = from;
    for (const n of edits) {
      if (n.start < at) continue; // inside an edit already made
      out += this.code.slice(at, n.start) + (this.cut.has(n) ? "" : this.written(n as acorn.VariableDeclaration));
      at = n.end;
    }
    return out + this.code.slice(at, to);
  }

  /** A node's text as the script now has it. */
  nodeText(n: acorn.Node): string {
    return this.text(n.start, n.end);
  }

  /** A declaration statement written from the declarators it keeps. */
  private written(s: acorn.VariableDeclaration): string {
    const semi = this.code[s.end - 1] === ";" ? ";" : "";
    return s.kind + " " + s.declarations.filter((d) => !this.cut.has(d)).map((d) => this.nodeText(d)).join(",") + semi;
  }
}

/** One round: the cuts for every method and declaration found dead in the script as the cuts so far left it. */
function deadCuts(script: Script, keep: Set<string>): Cut[] {
  const tree = script.tree;
  const cut = script.cut;
  const props = propertyNames(tree, true, cut);
  const uses = identifierUses(tree, cut);
  const cuts: Cut[] = [];
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type !== "ClassBody") return;
    for (const m of node.body) {
      if (cut.has(m) || m.type !== "MethodDefinition" || m.computed || m.kind === "constructor" || m.key.type !== "Identifier") continue;
      const name = m.key.name;
      if (props.has(name) || keep.has(name) || IMPLICIT.indexOf(name) >= 0) continue;
      cuts.push({ node: m, nodes: [m], removed: [{ kind: "method", name, bytes: script.nodeText(m).length }] });
    }
  }, skipping(cut));
  for (const s of scopeBody(tree)) {
    if (cut.has(s)) continue;
    if ((s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id) {
      if (s.type === "ClassDeclaration" && !pure({ type: "ClassExpression", superClass: s.superClass, body: s.body } as acorn.ClassExpression)) continue;
      if (usedOutside(uses, s.id.name, s) || keep.has(s.id.name)) continue;
      cuts.push({ node: s, nodes: [s], removed: [{ kind: "declaration", name: s.id.name, bytes: script.nodeText(s).length }] });
    } else if (s.type === "VariableDeclaration") {
      const dead = s.declarations.filter((d) => !cut.has(d) && d.id.type === "Identifier" && pure(d.init) && !usedOutside(uses, d.id.name, d) && !keep.has(d.id.name));
      if (dead.length === 0) continue;
      cuts.push({ node: s, nodes: dead, removed: dead.map((d) => ({ kind: "declaration" as const, name: (d.id as acorn.Identifier).name, bytes: script.nodeText(d).length })) });
    }
  }
  return cuts;
}

/** Removes every dead method and declaration, round after round, until a round finds none. */
export function trimDeadCode(code: string, keep: Iterable<string>): TrimResult {
  const keepSet = new Set(keep);
  const removed: Removed[] = [];
  const script = new Script(code);
  for (;;) {
    // methods first: a cut that overlaps one already taken waits for the next round (it reads what that one changes)
    const taken: Cut[] = [];
    for (const c of deadCuts(script, keepSet)) if (taken.every((o) => c.node.end <= o.node.start || c.node.start >= o.node.end)) taken.push(c);
    if (taken.length === 0) return { code: script.text(0, code.length), removed };
    taken.sort((a, b) => b.node.start - a.node.start);
    for (const c of taken) {
      script.take(c);
      removed.push(...c.removed);
    }
  }
}

/** Every key and string of a JSON value: names the embedded configuration may reach a method by. */
export function jsonNames(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) jsonNames(x, out);
  else if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      out.push(k);
      jsonNames((v as { [k: string]: unknown })[k], out);
    }
  }
  return out;
}

/** `name` replaced by `null` wherever the function `within` of the bundle's scope uses it; throws when there is no such use (a renamed source must not go unnoticed). */
export function nullReferences(code: string, within: string, name: string): string {
  const tree = parseScript(code);
  const f = scopeBody(tree).find((s) => s.type === "FunctionDeclaration" && s.id && s.id.name === within) as acorn.FunctionDeclaration | undefined;
  if (!f) throw new Error("trim: no function " + within + " in the bundle's scope");
  const uses = (identifierUses(tree, new Set()).get(name) || []).filter((p) => p >= f.start && p < f.end).sort((a, b) => b - a);
  if (uses.length === 0) throw new Error("trim: " + within + " does not use " + name);
  for (const p of uses) code = code.slice(0, p) + "null" + code.slice(p + name.length);
  return code;
}

/**
 * Every read of `this.F` (F in `fields`) inside the class `className` of the bundle's
 * scope replaced by `null`, for fields the build knows are null: assigned once, in
 * the constructor, from what the app hands the assembly (no journal in a build
 * without one). Assignments stay; any other write to the field throws (the
 * substitution would no longer be exact), as does a class or field that is not there.
 */
export function nullFields(code: string, className: string, fields: string[]): string {
  const tree = parseScript(code);
  let body: acorn.ClassBody | null = null;
  walk.full(tree, (n) => {
    const node = n as Node;
    if (node.type === "ClassDeclaration" && node.id && node.id.name === className) body = node.body;
    else if (node.type === "VariableDeclarator" && node.id.type === "Identifier" && node.id.name === className && node.init && node.init.type === "ClassExpression") body = node.init.body;
  });
  if (!body) throw new Error("trim: no class " + className + " in the bundle");
  const cls = body as acorn.ClassBody;
  const isField = (e: Node): e is acorn.MemberExpression =>
    e.type === "MemberExpression" && !e.computed && e.object.type === "ThisExpression" && e.property.type === "Identifier" && fields.indexOf(e.property.name) >= 0;
  const writes: acorn.MemberExpression[] = [];
  const reads: acorn.MemberExpression[] = [];
  walk.ancestor(cls, {
    MemberExpression(n: acorn.MemberExpression, _s: unknown, anc: Node[]) {
      if (!isField(n)) return;
      const parent = anc[anc.length - 2];
      const written = (parent.type === "AssignmentExpression" && parent.left === n) || parent.type === "UpdateExpression" || (parent.type === "UnaryExpression" && parent.operator === "delete");
      (written ? writes : reads).push(n);
    },
  } as walk.AncestorVisitors<unknown>);
  const ctor = cls.body.find((m) => m.type === "MethodDefinition" && m.kind === "constructor");
  for (const f of fields) {
    const w = writes.filter((e) => (e.property as acorn.Identifier).name === f);
    if (w.length !== 1 || !ctor || w[0].start < ctor.start || w[0].end > ctor.end) throw new Error("trim: " + className + "." + f + " is not written exactly once, in the constructor");
  }
  for (const e of reads.sort((a, b) => b.start - a.start)) code = code.slice(0, e.start) + "null" + code.slice(e.end);
  return code;
}
