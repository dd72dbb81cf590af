/**
 * Tokens of the `bpf_asm` language (the kernel's tools/bpf/bpf_exp.l): case-insensitive
 * mnemonics, `#len`/`len`, ancillary names (`#cpu` or `cpu`, ...), punctuation, `x`, `a`,
 * `M`, numbers (0x hex, 0b binary, 0 octal, signed decimal) and labels of two or more
 * characters. Comments: `;` to the end of the line, `/* ... *\/`, and lines starting with `#`.
 * As in flex, the longest match wins and keywords win ties against labels, so `ld` is a
 * mnemonic while `lda` is a label, and `cpu` cannot name a label.
 */
import { ParseError } from "../../errors.js";
import { ANCILLARY } from "./opcodes.js";

export const MNEMONICS = [
  "ldb",
  "ldh",
  "ld",
  "ldi",
  "ldx",
  "ldxi",
  "ldxb",
  "st",
  "stx",
  "jmp",
  "ja",
  "jeq",
  "jneq",
  "jne",
  "jlt",
  "jle",
  "jgt",
  "jge",
  "jset",
  "add",
  "sub",
  "mul",
  "div",
  "mod",
  "neg",
  "and",
  "xor",
  "or",
  "lsh",
  "rsh",
  "ret",
  "tax",
  "txa",
] as const;
export type Mnemonic = (typeof MNEMONICS)[number];

export type Token =
  | { readonly kind: "op"; readonly op: Mnemonic; readonly line: number; readonly col: number; readonly text: string }
  | { readonly kind: "len"; readonly line: number; readonly col: number; readonly text: string }
  | { readonly kind: "ext"; readonly ad: number; readonly line: number; readonly col: number; readonly text: string }
  | { readonly kind: "num"; readonly value: number; readonly line: number; readonly col: number; readonly text: string }
  | {
      readonly kind: "label";
      readonly name: string;
      readonly line: number;
      readonly col: number;
      readonly text: string;
    }
  | { readonly kind: "punct"; readonly ch: string; readonly line: number; readonly col: number; readonly text: string };

const MNEMONIC_SET: ReadonlySet<string> = new Set(MNEMONICS);
const EXTENSIONS: ReadonlyMap<string, number> = new Map([
  ...ANCILLARY,
  ["vlan_pr", ANCILLARY.find(([n]) => n === "vlan_avail")![1]] as const,
]);
// 'x', 'a' and 'M' are tokens of their own (single letters never lex as labels).
const PUNCT = new Set([":", ",", "#", "%", "[", "]", "(", ")", "+", "*", "&", "x", "a", "m"]);

const WORD = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const NUMBER = /0x[0-9a-f]+|0b[01]+|0[0-7]+|0|[-+]?[1-9][0-9]*/iy;

function numberValue(text: string): number {
  const t = text.toLowerCase();
  if (t.startsWith("0x")) return Number.parseInt(t.slice(2), 16);
  if (t.startsWith("0b")) return Number.parseInt(t.slice(2), 2);
  if (t.length > 1 && t.startsWith("0")) return Number.parseInt(t.slice(1), 8);
  return Number(t);
}

export function lex(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const at = (): { line: number; col: number } => ({ line, col: i - lineStart + 1 });
  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === ";" || (c === "#" && i === lineStart)) {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) throw new ParseError("cbpf.asm.comment", "unterminated /* comment", { file, ...at(), length: 2 });
      for (let j = i; j < end; j++) {
        if (text[j] === "\n") {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    const pos = at();
    // '#' directly followed by `len` or an ancillary name is one token (`#cpu`, `#len`).
    const hashed = c === "#";
    WORD.lastIndex = hashed ? i + 1 : i;
    const w = WORD.exec(text);
    if (w !== null && (hashed || !/[0-9]/.test(c))) {
      const word = w[0].toLowerCase();
      const isKeyword = word === "len" || EXTENSIONS.has(word);
      if (hashed && !isKeyword) {
        out.push({ kind: "punct", ch: "#", ...pos, text: "#" });
        i++;
        continue;
      }
      const text0 = text.slice(i, WORD.lastIndex);
      i = WORD.lastIndex;
      if (word === "len") out.push({ kind: "len", ...pos, text: text0 });
      else if (EXTENSIONS.has(word)) out.push({ kind: "ext", ad: EXTENSIONS.get(word)!, ...pos, text: text0 });
      else if (MNEMONIC_SET.has(word)) out.push({ kind: "op", op: word as Mnemonic, ...pos, text: text0 });
      else if (word.length === 1 && PUNCT.has(word)) out.push({ kind: "punct", ch: word, ...pos, text: text0 });
      else if (word.length >= 2) out.push({ kind: "label", name: w[0], ...pos, text: text0 });
      else
        throw new ParseError("cbpf.asm.char", `unexpected '${w[0]}' (a label needs at least two characters)`, {
          file,
          ...pos,
          length: 1,
        });
      continue;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m !== null && (/[0-9]/.test(c) || /[0-9]/.test(text[i + 1] ?? ""))) {
      const value = numberValue(m[0]);
      if (!Number.isSafeInteger(value) || value > 0xffffffff || value < -0x80000000) {
        throw new ParseError("cbpf.asm.number", `number ${m[0]} does not fit in 32 bits`, {
          file,
          ...pos,
          length: m[0].length,
        });
      }
      out.push({ kind: "num", value: value >>> 0, ...pos, text: m[0] });
      i += m[0].length;
      continue;
    }
    if (PUNCT.has(c)) {
      out.push({ kind: "punct", ch: c, ...pos, text: c });
      i++;
      continue;
    }
    throw new ParseError("cbpf.asm.char", `unexpected character '${c}'`, { file, ...pos, length: 1 });
  }
  return out;
}
