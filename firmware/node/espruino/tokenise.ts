// Espruino's pretokenised form of a script, as its own tokeniser writes it
// (src/jslex.c _jslNewTokenisedStringFromLexer, the form the Espruino IDE uploads
// with "pretokenise"): every reserved word and multi-character operator becomes one
// byte ≥ 0x80 (the LEX_TYPES order of src/jslex.h, fixed by Espruino because saved
// code depends on it), ASCII string literals become length-prefixed raw strings
// (0xD1 len bytes / 0xD2 lo hi bytes; Espruino keeps those longer than a variable's
// data in flash instead of copying them into variables), small integers become
// 0xD3 / 0xD4 v / 0xD5 lo hi, and whitespace goes, except where Espruino keeps it
// (between two names or numbers, `- -`, `+ +`, around a regex). Identifiers,
// floats, template literals and regexes stay as text. The interpreter runs the
// result from flash like the source text, in about 10 % fewer bytes of Storage.
// The input is the bundle esbuild writes (ASCII, minified).

import * as acorn from "acorn";

const FIRST_OPERATOR = 138; // _LEX_TOKENS_START: LEX_EQUAL
const OPERATORS = ["==", "===", "!=", "!==", "<=", "<<", "<<=", ">=", ">>", ">>>", ">>=", ">>>=", "+=", "-=", "++", "--", "*=", "/=", "%=", "&=", "&&", "|=", "||", "^=", "=>"];
const FIRST_WORD = 163; // _LEX_R_LIST_START: LEX_R_IF
const WORDS = ["if", "else", "do", "while", "for", "break", "continue", "function", "return", "var", "let", "const", "this", "throw", "try", "catch", "finally", "true", "false", "null", "undefined", "new", "in", "instanceof", "switch", "case", "default", "delete", "typeof", "void", "debugger", "class", "extends", "super", "static", "of"];
const NULLISH = 208; // _LEX_OPERATOR2_START = _LEX_R_LIST_END + 10
export const RAW_STRING8 = 209;
export const RAW_STRING16 = 210;
export const RAW_INT0 = 211;
export const RAW_INT8 = 212;
export const RAW_INT16 = 213;

const CODE: { [text: string]: number } = Object.create(null);
OPERATORS.forEach((op, i) => (CODE[op] = FIRST_OPERATOR + i));
WORDS.forEach((w, i) => (CODE[w] = FIRST_WORD + i));
CODE["??"] = NULLISH;

/** How Espruino's lexer classes a token, for the spaces it keeps (jslPreserveSpaceBetweenTokens). */
type Kind = "id" | "number" | "regex" | "-" | "+" | "/" | "other";

function kindOf(t: acorn.Token, text: string): Kind {
  if ((t.type.label === "name" || t.type.keyword !== undefined) && !/^[a-z]+$/.test(text)) return "id";
  if (t.type.label === "name" || t.type.keyword !== undefined) return CODE[text] === undefined ? "id" : "other";
  if (t.type.label === "num") return "number";
  if (t.type.label === "regexp") return "regex";
  if (text === "-" || text === "+" || text === "/") return text;
  return "other";
}

function keepSpace(last: Kind | null, next: Kind): boolean {
  if (last === null) return false;
  const word = (k: Kind) => k === "id" || k === "number";
  return (word(last) && word(next)) || (last === "-" && next === "-") || (last === "+" && next === "+") || (last === "/" && next === "regex") || (last === "regex" && (next === "/" || next === "id"));
}

/** The bytes Espruino stores for an integer literal, or null when it keeps the text. */
function rawInt(text: string): number[] | null {
  if (!/^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[1-9][0-9]*|0)$/.test(text)) return null;
  const v = Number(text);
  if (v === 0) return [RAW_INT0];
  if (v < 128) return [RAW_INT8, v];
  if (v < 32768) return [RAW_INT16, v & 255, v >> 8];
  return null;
}

/** The bytes of a string literal as a raw string, or null when Espruino keeps it as text (empty, or not ASCII). */
function rawString(value: string): number[] | null {
  if (value.length === 0 || value.length > 65535 || !/^[\x00-\x7f]*$/.test(value)) return null;
  const out = value.length < 256 ? [RAW_STRING8, value.length] : [RAW_STRING16, value.length & 255, value.length >> 8];
  for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i));
  return out;
}

export function tokenise(code: string): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(code)) throw new Error("tokenise: the script must be ASCII (bytes from 0x80 are Espruino's tokens)");
  const out: number[] = [];
  const text = (s: string) => {
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  };
  const tokens = Array.from(acorn.tokenizer(code, { ecmaVersion: "latest" }));
  let last: Kind | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === acorn.tokTypes.eof) break;
    if (t.type === acorn.tokTypes.backQuote) {
      // a template literal is one token to Espruino: copied as it is, to its closing backquote
      let depth = 0;
      let j = i + 1;
      for (; j < tokens.length; j++) {
        const u = tokens[j];
        if (u.type === acorn.tokTypes.dollarBraceL) depth++;
        else if (u.type === acorn.tokTypes.braceR && depth > 0) depth--;
        else if (u.type === acorn.tokTypes.backQuote && depth === 0) break;
      }
      if (keepSpace(last, "other")) out.push(32);
      text(code.slice(t.start, tokens[j].end));
      last = "other";
      i = j;
      continue;
    }
    const src = code.slice(t.start, t.end);
    const kind = kindOf(t, src);
    if (keepSpace(last, kind)) out.push(32);
    const word = t.type.label === "name" || t.type.keyword !== undefined ? CODE[src] : undefined;
    const raw = t.type.label === "num" ? rawInt(src) : t.type.label === "string" ? rawString((t as unknown as { value: string }).value) : null;
    if (word !== undefined && /^[a-z]+$/.test(src)) out.push(word);
    else if (raw) out.push(...raw);
    else if (t.type.label !== "name" && t.type.label !== "string" && t.type.label !== "num" && t.type.label !== "regexp" && CODE[src] !== undefined) out.push(CODE[src]);
    else text(src);
    // after a number kept as text, a following "." must not become its decimal point
    if (t.type.label === "num" && !raw && /^[0-9]+$/.test(src) && i + 1 < tokens.length && tokens[i + 1].type === acorn.tokTypes.dot) out.push(32);
    last = kind;
  }
  return new Uint8Array(out);
}
