/**
 * The policy language's tokens, as data: one table of (name, pattern, flags). Keywords come
 * before `Ident` and use `longer_alt` so `passive` stays an identifier. Whitespace, newlines
 * and `//` comments are skipped; statements end at the next statement keyword or an optional `;`.
 * Deliberately absent: string escapes other than `\"` and `\\`, floating point literals.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

export const Ident = createToken({ name: "Ident", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

/** Keywords, in one list; each becomes a token named after its text. */
export const KEYWORDS = [
  "policy",
  "map",
  "const",
  "fn",
  "on",
  "test",
  "let",
  "mut",
  "if",
  "else",
  "for",
  "in",
  "break",
  "continue",
  "return",
  "pass",
  "drop",
  "select",
  "expect",
  "assert",
  "as",
  "true",
  "false",
] as const;
export type Keyword = (typeof KEYWORDS)[number];

export const KW: Readonly<Record<Keyword, TokenType>> = Object.fromEntries(
  KEYWORDS.map((k) => [
    k,
    createToken({ name: `Kw_${k}`, pattern: new RegExp(`${k}\\b`), longer_alt: Ident, label: `'${k}'` }),
  ]),
) as Record<Keyword, TokenType>;

/** Punctuation and operators: longest first where one is a prefix of another. */
const PUNCT: ReadonlyArray<readonly [string, string]> = [
  ["DotDot", ".."],
  ["Arrow", "->"],
  ["FatArrow", "=>"],
  ["QQ", "??"],
  ["ShlEq", "<<="],
  ["ShrEq", ">>="],
  ["Shl", "<<"],
  ["Shr", ">>"],
  ["EqEq", "=="],
  ["NotEq", "!="],
  ["LtEq", "<="],
  ["GtEq", ">="],
  ["AndAnd", "&&"],
  ["OrOr", "||"],
  ["PlusEq", "+="],
  ["MinusEq", "-="],
  ["StarEq", "*="],
  ["SlashEq", "/="],
  ["PercentEq", "%="],
  ["AmpEq", "&="],
  ["PipeEq", "|="],
  ["CaretEq", "^="],
  ["Lt", "<"],
  ["Gt", ">"],
  ["Eq", "="],
  ["Bang", "!"],
  ["Plus", "+"],
  ["Minus", "-"],
  ["Star", "*"],
  ["Slash", "/"],
  ["Percent", "%"],
  ["Amp", "&"],
  ["Pipe", "|"],
  ["Caret", "^"],
  ["Tilde", "~"],
  ["LParen", "("],
  ["RParen", ")"],
  ["LBrace", "{"],
  ["RBrace", "}"],
  ["LBracket", "["],
  ["RBracket", "]"],
  ["Comma", ","],
  ["Colon", ":"],
  ["Semi", ";"],
  ["Dot", "."],
];
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
export const P: Readonly<Record<string, TokenType>> = Object.fromEntries(
  PUNCT.map(([name, text]) => [name, createToken({ name, pattern: new RegExp(esc(text)), label: `'${text}'` })]),
);

export const IntLit = createToken({
  name: "IntLit",
  pattern: /0x[0-9a-fA-F_]+|0b[01_]+|[0-9][0-9_]*/,
  label: "an integer",
});
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/, label: "a string" });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });

/** Assignment operators and the binary operator each applies. */
export const COMPOUND_ASSIGN: Readonly<Record<string, string>> = {
  PlusEq: "+",
  MinusEq: "-",
  StarEq: "*",
  SlashEq: "/",
  PercentEq: "%",
  AmpEq: "&",
  PipeEq: "|",
  CaretEq: "^",
  ShlEq: "<<",
  ShrEq: ">>",
};

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLit,
  ...Object.values(KW),
  IntLit,
  Ident,
  ...PUNCT.map(([name]) => P[name]!),
];

export const policyLexer = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: false });
