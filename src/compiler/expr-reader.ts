/**
 * The expression reader: operator-precedence parsing with an explicit stack, so neither deep
 * nesting nor long operator chains use the JavaScript call stack. The chevrotain grammar keeps a
 * description of expressions for its lookahead and error recovery (parser.ts); at parse time its
 * `expr` rule hands the token stream to this loop.
 *
 * Limits (README "Limits"): an expression nests at most MAX_EXPR_DEPTH levels. A level is an
 * open parenthesis, bracket or call, a prefix operator, a cast, a field access, or the right
 * operand of a binary operator; the left operand of a chain does not add one, so `a + b + c …`
 * of any length is depth 2. The checker and code generator walk left chains in loops and
 * recurse only into the other children, so their recursion depth is this depth.
 */
import type { IToken, TokenType } from "chevrotain";
import { ParseError } from "../errors.js";
import type { Expr, Span } from "./ast.js";

/** Deepest expression nesting accepted (see the module comment for what counts). */
export const MAX_EXPR_DEPTH = 1000;

/** What the reader needs from the parser: the token cursor, spans and syntax-error reporting. */
export interface TokenCursor {
  /** The next token (EOF at the end). */
  peek(): IToken;
  /** Consume the next token and return it. */
  next(): IToken;
  sp(t: IToken): Span;
  join(a: Span, b: Span): Span;
  /** Report "expected `what`" at the next token and abandon the expression (chevrotain re-syncs). */
  expected(what: string): never;
}

/** Token-type names the reader dispatches on, and each binary operator's precedence (loosest 0). */
export interface ExprTokens {
  readonly prefix: ReadonlySet<TokenType>;
  readonly binary: ReadonlyMap<TokenType, { readonly prec: number; readonly text: string }>;
  readonly int: TokenType;
  readonly ident: TokenType;
  readonly kwTrue: TokenType;
  readonly kwFalse: TokenType;
  readonly kwAs: TokenType;
  readonly lParen: TokenType;
  readonly rParen: TokenType;
  readonly lBracket: TokenType;
  readonly rBracket: TokenType;
  readonly dot: TokenType;
  readonly comma: TokenType;
}

type Frame =
  | { readonly k: "bin"; readonly op: string; readonly prec: number; readonly left: Expr; readonly tok: IToken }
  | { readonly k: "pre"; readonly op: string; readonly tok: IToken }
  | { readonly k: "paren"; readonly tok: IToken }
  | { readonly k: "index"; readonly obj: Expr; readonly tok: IToken }
  | { readonly k: "call"; readonly callee: Expr; readonly args: Expr[]; readonly tok: IToken };

function tooDeep(span: Span): ParseError {
  return new ParseError(
    "parse.too-deep",
    `expression nests more than ${MAX_EXPR_DEPTH} levels deep`,
    span,
    "split it with `let` bindings; chains like `a + b + c …` (left to right) do not count as nesting",
  );
}

/** Read one expression from the cursor (throws ParseError `parse.too-deep` past the limit). */
export function readExpr(c: TokenCursor, T: ExprTokens): Expr {
  const frames: Frame[] = [];
  const depth = new Map<Expr, number>();
  let open = 0; // frames other than `bin` (each one level)
  const d = (e: Expr): number => depth.get(e) ?? 1;
  const made = (e: Expr, level: number, at: Span): Expr => {
    if (level > MAX_EXPR_DEPTH) throw tooDeep(at);
    if (level > 1) depth.set(e, level);
    return e;
  };
  const push = (f: Frame): void => {
    frames.push(f);
    if (f.k !== "bin" && ++open > MAX_EXPR_DEPTH) throw tooDeep(c.sp(f.tok));
  };
  const pop = (): Frame => {
    const f = frames.pop()!;
    if (f.k !== "bin") open--;
    return f;
  };
  const top = (): Frame | undefined => frames[frames.length - 1];

  let cur: Expr | null = null;
  let postfixOk = false;

  /** Apply pending prefix operators (they bind tighter than `as` and every binary operator). */
  const reducePrefix = (): void => {
    for (let f = top(); f?.k === "pre"; f = top()) {
      pop();
      const e = cur!;
      cur = made({ k: "unary", op: f.op, e, span: c.join(c.sp(f.tok), e.span) }, d(e) + 1, c.sp(f.tok));
    }
  };
  /** Fold binary operators of precedence >= `prec` (all operators are left-associative). */
  const reduceBinary = (prec: number): void => {
    for (let f = top(); f?.k === "bin" && f.prec >= prec; f = top()) {
      pop();
      const r = cur!;
      cur = made(
        { k: "binary", op: f.op, l: f.left, r, span: c.join(f.left.span, r.span) },
        Math.max(d(f.left), d(r) + 1),
        c.sp(f.tok),
      );
    }
  };
  const reduceAll = (): Frame | undefined => {
    for (;;) {
      reducePrefix();
      reduceBinary(0);
      const f = top();
      if (f === undefined || (f.k !== "pre" && f.k !== "bin")) return f;
    }
  };
  const closer = (f: Frame): string => (f.k === "index" ? "']'" : "')'");

  for (;;) {
    const t = c.peek();
    const tt = t.tokenType;
    if (cur === null) {
      // Expecting an operand.
      if (T.prefix.has(tt)) {
        push({ k: "pre", op: c.next().image, tok: t });
      } else if (tt === T.lParen) {
        push({ k: "paren", tok: c.next() });
      } else if (tt === T.int) {
        c.next();
        cur = { k: "int", value: BigInt(t.image.replace(/_/g, "")), span: c.sp(t) };
        postfixOk = true;
      } else if (tt === T.kwTrue || tt === T.kwFalse) {
        c.next();
        cur = { k: "bool", value: tt === T.kwTrue, span: c.sp(t) };
        postfixOk = true;
      } else if (tt === T.ident) {
        c.next();
        cur = { k: "name", name: t.image, span: c.sp(t) };
        postfixOk = true;
      } else {
        c.expected("an expression");
      }
      continue;
    }
    // After an operand: postfix, cast, binary operator, a closer, or the end.
    if (postfixOk && tt === T.lBracket) {
      push({ k: "index", obj: cur, tok: c.next() });
      cur = null;
    } else if (postfixOk && tt === T.dot) {
      c.next();
      if (c.peek().tokenType !== T.ident) c.expected("a name");
      const n = c.next();
      const obj: Expr = cur;
      cur = made({ k: "field", obj, name: n.image, span: c.join(obj.span, c.sp(n)) }, d(obj) + 1, c.sp(n));
    } else if (postfixOk && tt === T.lParen) {
      const callee = cur;
      push({ k: "call", callee, args: [], tok: c.next() });
      cur = null;
      if (c.peek().tokenType === T.rParen) {
        const close = c.next();
        pop();
        cur = made({ k: "call", callee, args: [], span: c.join(callee.span, c.sp(close)) }, d(callee) + 1, c.sp(t));
      }
    } else if (tt === T.kwAs) {
      reducePrefix();
      c.next();
      if (c.peek().tokenType !== T.ident) c.expected("a name");
      const n = c.next();
      const e: Expr = cur!;
      const type = { name: n.image, span: c.sp(n) };
      cur = made({ k: "cast", e, type, span: c.join(e.span, type.span) }, d(e) + 1, c.sp(t));
      postfixOk = false;
    } else if (T.binary.has(tt)) {
      const b = T.binary.get(tt)!;
      reducePrefix();
      reduceBinary(b.prec);
      push({ k: "bin", op: b.text, prec: b.prec, left: cur!, tok: c.next() });
      cur = null;
    } else {
      const g = reduceAll();
      if (g === undefined) return cur!;
      if (tt === T.rParen && g.k === "paren") {
        c.next();
        pop();
        postfixOk = true;
      } else if ((tt === T.rParen || tt === T.comma) && g.k === "call") {
        const close = c.next();
        g.args.push(cur!);
        if (tt === T.comma) {
          cur = null;
          continue;
        }
        pop();
        let level = d(g.callee);
        for (const a of g.args) level = Math.max(level, d(a));
        level += 1;
        cur = made(
          { k: "call", callee: g.callee, args: g.args, span: c.join(g.callee.span, c.sp(close)) },
          level,
          c.sp(g.tok),
        );
        postfixOk = true;
      } else if (tt === T.rBracket && g.k === "index") {
        const close = c.next();
        pop();
        const index: Expr = cur!;
        cur = made(
          { k: "index", obj: g.obj, index, span: c.join(g.obj.span, c.sp(close)) },
          Math.max(d(g.obj), d(index)) + 1,
          c.sp(g.tok),
        );
        postfixOk = true;
      } else {
        c.expected(closer(g));
      }
    }
  }
}
