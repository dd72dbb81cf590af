/**
 * Tokens of one assembly line (conformance dialect, FORMAT.md §2). Everything from `#` on is a
 * comment. Unlike the upstream assembler, which splits on whitespace, this lexer splits on
 * punctuation too, so `[%r1 + 2]` and `add %r1,2` read like `[%r1+2]` and `add %r1, 2`.
 * Numbers are lexed unsigned; the parser applies a leading `+`/`-`.
 */
import { ParseError } from "../../errors.js";

export type TokenKind = "word" | "reg" | "num" | "punct";

export interface Token {
  readonly kind: TokenKind;
  /** The text as written (`%r1`, `0x1f`, `[`). */
  readonly text: string;
  /** 1-based column of the first character. */
  readonly col: number;
  /** For `num`: the unsigned value. */
  readonly value?: bigint;
}

const PUNCT = new Set(["[", "]", "+", "-", ",", ":", "(", ")"]);
const WORD_START = /[A-Za-z_.]/;
const WORD_CHAR = /[A-Za-z0-9_.]/;

/** Where a token sits, as a `SourceSpan`. */
export interface LineRef {
  readonly file: string;
  readonly line: number;
}

export function spanOf(
  ref: LineRef,
  col: number,
  length: number,
): { file: string; line: number; col: number; length: number } {
  return { file: ref.file, line: ref.line, col, length: Math.max(1, length) };
}

/** Split one source line into tokens; comments and whitespace are dropped. */
export function tokenize(text: string, ref: LineRef): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "#") break;
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
      continue;
    }
    const col = i + 1;
    if (PUNCT.has(c)) {
      out.push({ kind: "punct", text: c, col });
      i++;
      continue;
    }
    if (c === "%" || WORD_START.test(c) || /[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (c === "%") out.push({ kind: "reg", text: word, col });
      else if (WORD_START.test(c)) out.push({ kind: "word", text: word, col });
      else out.push({ kind: "num", text: word, col, value: parseNumber(word, ref, col) });
      i = j;
      continue;
    }
    throw new ParseError("asm.unexpected-char", `unexpected character '${c}'`, spanOf(ref, col, 1));
  }
  return out;
}

function parseNumber(word: string, ref: LineRef, col: number): bigint {
  if (/^0x[0-9a-f]+$/i.test(word) || /^[0-9]+$/.test(word)) return BigInt(word);
  throw new ParseError(
    "asm.bad-number",
    `malformed number '${word}'; expected decimal digits or 0x followed by hex digits`,
    spanOf(ref, col, word.length),
  );
}
