/**
 * Policy parser: chevrotain 11 `EmbeddedActionsParser` building the AST directly, with error
 * recovery on (re-sync and single-token insertion/deletion), so one run reports several syntax
 * errors. Rules follow the grammar in the README's language reference; operator precedence levels are data.
 * Deliberately absent: statement separators are optional (`;` allowed), so a line starting with
 * `(` or `-` continues the previous expression, as in JavaScript without semicolons.
 */
import {
  EmbeddedActionsParser,
  MismatchedTokenException,
  NoViableAltException,
  type IToken,
  type TokenType,
} from "chevrotain";
import { ParseError } from "../errors.js";
import type {
  Block,
  Else,
  EventField,
  Expr,
  IfStmt,
  Item,
  Outcome,
  Param,
  Program,
  Span,
  Stmt,
  TypeRef,
} from "./ast.js";
import { readExpr, type ExprTokens, type TokenCursor } from "./expr-reader.js";
import { ALL_TOKENS, COMPOUND_ASSIGN, Ident, IntLit, KW, P, policyLexer, StringLit } from "./tokens.js";
import { suggest } from "./types.js";

/** Binary precedence levels, loosest first. `??` sits just above comparisons (see docs). */
const LEVELS: ReadonlyArray<readonly string[]> = [
  ["OrOr"],
  ["AndAnd"],
  ["EqEq", "NotEq", "Lt", "LtEq", "Gt", "GtEq"],
  ["QQ"],
  ["Pipe"],
  ["Caret"],
  ["Amp"],
  ["Shl", "Shr"],
  ["Plus", "Minus"],
  ["Star", "Slash", "Percent"],
];
const OP_TEXT: Readonly<Record<string, string>> = {
  OrOr: "||",
  AndAnd: "&&",
  EqEq: "==",
  NotEq: "!=",
  Lt: "<",
  LtEq: "<=",
  Gt: ">",
  GtEq: ">=",
  QQ: "??",
  Pipe: "|",
  Caret: "^",
  Amp: "&",
  Shl: "<<",
  Shr: ">>",
  Plus: "+",
  Minus: "-",
  Star: "*",
  Slash: "/",
  Percent: "%",
};

/** Longest policy source accepted, in UTF-16 characters (README "Limits"). */
export const MAX_SOURCE_CHARS = 4 * 1024 * 1024;

/** Deepest block nesting accepted (README "Limits"). */
export const MAX_STMT_DEPTH = 200;

const DUMMY: Span = { file: "", line: 1, col: 1, length: 1 };
/** What the grammar-description rules return while chevrotain records them (never used). */
const RECORDED: Expr = { k: "bool", value: false, span: DUMMY };
const RECORDED_IF: IfStmt = {
  k: "if",
  bind: null,
  cond: RECORDED,
  then: { stmts: [], span: DUMMY },
  orElse: null,
  span: DUMMY,
};

const BINARY_TOKENS: TokenType[] = LEVELS.flat().map((n) => P[n]!);
const EXPR_TOKENS: ExprTokens = {
  prefix: new Set([P.Minus!, P.Bang!, P.Tilde!]),
  binary: new Map(LEVELS.flatMap((names, prec) => names.map((n) => [P[n]!, { prec, text: OP_TEXT[n]! }] as const))),
  int: IntLit,
  ident: Ident,
  kwTrue: KW.true,
  kwFalse: KW.false,
  kwAs: KW.as,
  lParen: P.LParen!,
  rParen: P.RParen!,
  lBracket: P.LBracket!,
  rBracket: P.RBracket!,
  dot: P.Dot!,
  comma: P.Comma!,
};

class PolicyParser extends EmbeddedActionsParser {
  file = "";
  /** Errors found by grammar actions (kept, so recovery continues). */
  extra: ParseError[] = [];

  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  /** The span of one token (defensive: recording and recovery hand out partial tokens). */
  sp(t: IToken | undefined): Span {
    if (t === undefined || t.startLine === undefined || Number.isNaN(t.startLine)) return { ...DUMMY, file: this.file };
    return {
      file: this.file,
      line: t.startLine,
      col: t.startColumn ?? 1,
      length: Math.max(1, (t.endOffset ?? t.startOffset) - t.startOffset + 1),
    };
  }

  /** From the start of `a` to the end of `b` (clamped to `a`'s line). */
  join(a: Span | undefined, b: Span | undefined): Span {
    if (a === undefined) return b ?? { ...DUMMY, file: this.file };
    if (b === undefined || b.line !== a.line) return a;
    return { file: a.file, line: a.line, col: a.col, length: Math.max(1, b.col + (b.length ?? 1) - a.col) };
  }

  spanOf(x: { span?: Span } | undefined): Span | undefined {
    return x === undefined || x === null ? undefined : x.span;
  }

  program = this.RULE("program", (): { name: string | null; items: Item[] } => {
    let name: string | null = null;
    const items: Item[] = [];
    this.OPTION(() => {
      this.CONSUME(KW.policy);
      name = this.CONSUME(Ident).image;
      this.OPTION2(() => this.CONSUME(P.Semi!));
    });
    this.MANY(() => {
      const it = this.SUBRULE(this.item);
      this.ACTION(() => {
        if (it !== undefined) items.push(it);
      });
    });
    return { name, items };
  });

  item = this.RULE("item", (): Item =>
    this.OR([
      { ALT: () => this.SUBRULE(this.mapDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.onDecl) },
      { ALT: () => this.SUBRULE(this.testDecl) },
    ]),
  );

  typeRef = this.RULE("typeRef", (): TypeRef => {
    const t = this.CONSUME(Ident);
    return { name: t.image, span: this.sp(t) };
  });

  mapDecl = this.RULE("mapDecl", (): Item => {
    const kw = this.CONSUME(KW.map);
    const name = this.CONSUME(Ident);
    this.CONSUME(P.Colon!);
    const kind = this.SUBRULE(this.typeRef);
    this.CONSUME(P.Lt!);
    const keyType = this.SUBRULE2(this.typeRef);
    let valueType: TypeRef | null = null;
    this.OPTION(() => {
      this.CONSUME(P.Comma!);
      valueType = this.SUBRULE3(this.typeRef);
    });
    this.CONSUME(P.Gt!);
    this.CONSUME(P.LBracket!);
    const maxEntries = this.SUBRULE(this.expr);
    const end = this.CONSUME(P.RBracket!);
    this.OPTION2(() => this.CONSUME(P.Semi!));
    return {
      k: "map",
      name: name.image,
      kind,
      keyType,
      valueType,
      maxEntries,
      span: this.join(this.sp(kw), this.sp(end)),
      nameSpan: this.sp(name),
    };
  });

  constDecl = this.RULE("constDecl", (): Item => {
    const kw = this.CONSUME(KW.const);
    const name = this.CONSUME(Ident);
    let type: TypeRef | null = null;
    this.OPTION(() => {
      this.CONSUME(P.Colon!);
      type = this.SUBRULE(this.typeRef);
    });
    this.CONSUME(P.Eq!);
    const value = this.SUBRULE(this.expr);
    this.OPTION2(() => this.CONSUME(P.Semi!));
    return {
      k: "const",
      name: name.image,
      type,
      value,
      span: this.join(this.sp(kw), this.spanOf(value)),
      nameSpan: this.sp(name),
    };
  });

  fnDecl = this.RULE("fnDecl", (): Item => {
    const kw = this.CONSUME(KW.fn);
    const name = this.CONSUME(Ident);
    this.CONSUME(P.LParen!);
    const params: Param[] = [];
    this.MANY_SEP({
      SEP: P.Comma!,
      DEF: () => {
        const pn = this.CONSUME2(Ident);
        this.CONSUME2(P.Colon!);
        const type = this.SUBRULE(this.typeRef);
        this.ACTION(() => params.push({ name: pn.image, type, span: this.sp(pn) }));
      },
    });
    const close = this.CONSUME(P.RParen!);
    let ret: TypeRef | null = null;
    this.OPTION(() => {
      this.CONSUME(P.Arrow!);
      ret = this.SUBRULE2(this.typeRef);
    });
    const body = this.SUBRULE(this.block);
    return {
      k: "fn",
      name: name.image,
      params,
      ret,
      body,
      span: this.join(this.sp(kw), this.sp(close)),
      nameSpan: this.sp(name),
    };
  });

  onDecl = this.RULE("onDecl", (): Item => {
    const kw = this.CONSUME(KW.on);
    const which = this.OR([{ ALT: () => this.CONSUME(KW.select) }, { ALT: () => this.CONSUME(Ident) }]);
    const body = this.SUBRULE(this.block);
    const entry = which.image === "select" ? "select" : "migrate";
    this.ACTION(() => {
      if (which.image !== "select" && which.image !== "migrate") {
        this.extra.push(
          new ParseError(
            "parse.entry",
            `expected \`select\` or \`migrate\` after \`on\`, found \`${which.image}\``,
            this.sp(which),
            suggest(which.image, ["select", "migrate"]) ??
              "a policy has two entry points: `on select { … }` and `on migrate { … }`",
          ),
        );
      }
    });
    return { k: "on", entry, body, span: this.join(this.sp(kw), this.sp(which)) };
  });

  testDecl = this.RULE("testDecl", (): Item => {
    const kw = this.CONSUME(KW.test);
    const name = this.CONSUME(StringLit);
    const body = this.SUBRULE(this.block);
    return {
      k: "test",
      name: (name.image ?? '""').slice(1, -1).replace(/\\(.)/g, "$1"),
      body,
      span: this.join(this.sp(kw), this.sp(name)),
    };
  });

  block = this.RULE("block", (): Block => {
    const open = this.CONSUME(P.LBrace!);
    const stmts: Stmt[] = [];
    return this.nested(open, () => {
      this.MANY(() => {
        const s = this.SUBRULE(this.stmt);
        this.ACTION(() => {
          if (s !== undefined) stmts.push(s);
        });
      });
      const close = this.CONSUME(P.RBrace!);
      return { stmts, span: this.sp(open), ...(close.image === "}" ? { end: this.sp(close) } : {}) };
    });
  });

  /** Statement nesting so far: blocks. */
  private depth = 0;

  /**
   * Run `body` one statement level deeper, refusing past MAX_STMT_DEPTH: the grammar rules,
   * the checker and the code generator recurse once per level.
   */
  private nested<T>(at: IToken, body: () => T): T {
    if (this.RECORDING_PHASE) return body();
    if (this.depth >= MAX_STMT_DEPTH) {
      throw new ParseError(
        "parse.too-deep",
        `statements nest more than ${MAX_STMT_DEPTH} levels deep`,
        this.sp(at),
        "each `{ … }` block inside another adds a level (`else if` arms do not); move inner logic into functions",
      );
    }
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
    }
  }

  stmt = this.RULE("stmt", (): Stmt => {
    const s = this.OR([
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.selectStmt) },
      { ALT: () => this.SUBRULE(this.expectStmt) },
      {
        ALT: () => {
          const t = this.CONSUME(KW.assert);
          const cond = this.SUBRULE(this.expr);
          return { k: "assert", cond, span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.break);
          return { k: "break", span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.continue);
          return { k: "continue", span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.pass);
          return { k: "pass", span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.drop);
          return { k: "drop", span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.return);
          let value: Expr | null = null;
          this.OPTION(() => {
            value = this.SUBRULE2(this.expr);
          });
          return { k: "return", value, span: this.sp(t) } as Stmt;
        },
      },
      {
        ALT: () => {
          const block = this.SUBRULE(this.block);
          return { k: "block", block, span: this.spanOf(block) ?? DUMMY } as Stmt;
        },
      },
      { ALT: () => this.SUBRULE(this.exprStmt) },
    ]);
    this.OPTION2(() => this.CONSUME(P.Semi!));
    return s;
  });

  letStmt = this.RULE("letStmt", (): Stmt => {
    const kw = this.CONSUME(KW.let);
    let mut = false;
    this.OPTION(() => {
      this.CONSUME(KW.mut);
      mut = true;
    });
    const name = this.CONSUME(Ident);
    let type: TypeRef | null = null;
    this.OPTION2(() => {
      this.CONSUME(P.Colon!);
      type = this.SUBRULE(this.typeRef);
    });
    this.CONSUME(P.Eq!);
    const init = this.SUBRULE(this.expr);
    return {
      k: "let",
      name: name.image,
      mut,
      type,
      init,
      span: this.join(this.sp(kw), this.spanOf(init)),
      nameSpan: this.sp(name),
    };
  });

  /**
   * `if … { } else if … { } … else { }`: the `else if` arms are read in a loop, not by
   * recursion, so a generated table of thousands of arms parses in constant stack; the AST
   * still nests them (IfStmt.orElse), and the checker and code generator walk it in loops too.
   */
  ifStmt = this.RULE("ifStmt", (): IfStmt => {
    const arms: { kw: IToken; bind: { name: string; span: Span } | null; cond: Expr; then: Block }[] = [];
    const kw = this.CONSUME(KW.if);
    const first = this.SUBRULE(this.ifArm);
    this.ACTION(() => arms.push({ kw, ...first }));
    let last: Block | null = null;
    this.MANY(() => {
      this.CONSUME(KW.else);
      const k = this.CONSUME2(KW.if);
      const arm = this.SUBRULE2(this.ifArm);
      this.ACTION(() => arms.push({ kw: k, ...arm }));
    });
    this.OPTION(() => {
      this.CONSUME2(KW.else);
      last = this.SUBRULE(this.block);
    });
    let orElse: Else | null = last === null ? null : { k: "block", block: last };
    let stmt: IfStmt | undefined;
    for (let i = arms.length - 1; i >= 0; i--) {
      const a = arms[i]!;
      stmt = {
        k: "if",
        bind: a.bind,
        cond: a.cond,
        then: a.then,
        orElse,
        span: this.join(this.sp(a.kw), this.spanOf(a.cond)),
      };
      orElse = { k: "if", stmt };
    }
    return stmt ?? (RECORDED_IF as IfStmt);
  });

  /** One arm after its `if`: `[let NAME =] cond { … }`. */
  ifArm = this.RULE("ifArm", (): { bind: { name: string; span: Span } | null; cond: Expr; then: Block } => {
    let bind: { name: string; span: Span } | null = null;
    this.OPTION(() => {
      this.CONSUME(KW.let);
      const n = this.CONSUME(Ident);
      this.CONSUME(P.Eq!);
      this.ACTION(() => {
        bind = { name: n.image, span: this.sp(n) };
      });
    });
    const cond = this.SUBRULE(this.expr);
    const then = this.SUBRULE(this.block);
    return { bind, cond, then };
  });

  forStmt = this.RULE("forStmt", (): Stmt => {
    const kw = this.CONSUME(KW.for);
    const name = this.CONSUME(Ident);
    this.CONSUME(KW.in);
    const from = this.SUBRULE(this.expr);
    this.CONSUME(P.DotDot!);
    const to = this.SUBRULE2(this.expr);
    const body = this.SUBRULE(this.block);
    return {
      k: "for",
      name: name.image,
      from,
      to,
      body,
      span: this.join(this.sp(kw), this.spanOf(to)),
      nameSpan: this.sp(name),
    };
  });

  selectStmt = this.RULE("selectStmt", (): Stmt => {
    const kw = this.CONSUME(KW.select);
    const map = this.CONSUME(Ident);
    this.CONSUME(P.LBracket!);
    const key = this.SUBRULE(this.expr);
    const close = this.CONSUME(P.RBracket!);
    this.CONSUME(KW.else);
    const orElse = this.OR([
      {
        ALT: (): "pass" => {
          this.CONSUME(KW.pass);
          return "pass";
        },
      },
      {
        ALT: (): "drop" => {
          this.CONSUME(KW.drop);
          return "drop";
        },
      },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
    return {
      k: "select",
      map: map.image,
      mapSpan: this.sp(map),
      key,
      orElse,
      span: this.join(this.sp(kw), this.sp(close)),
    };
  });

  expectStmt = this.RULE("expectStmt", (): Stmt => {
    const kw = this.CONSUME(KW.expect);
    const ev = this.CONSUME(Ident);
    const fields: EventField[] = [];
    this.OPTION(() => {
      this.CONSUME(P.LBrace!);
      this.MANY_SEP({
        SEP: P.Comma!,
        DEF: () => {
          const n = this.CONSUME2(Ident);
          this.CONSUME(P.Colon!);
          const value = this.SUBRULE(this.expr);
          this.ACTION(() => fields.push({ name: n.image, value, span: this.sp(n) }));
        },
      });
      this.CONSUME(P.RBrace!);
    });
    this.CONSUME(P.FatArrow!);
    const outcome = this.OR([
      { ALT: (): Outcome => ({ k: "pass", span: this.sp(this.CONSUME(KW.pass)) }) },
      { ALT: (): Outcome => ({ k: "drop", span: this.sp(this.CONSUME(KW.drop)) }) },
      {
        ALT: (): Outcome => {
          const t = this.CONSUME(KW.select);
          const cookie = this.SUBRULE2(this.expr);
          return { k: "select", cookie, span: this.sp(t) };
        },
      },
    ]);
    this.ACTION(() => {
      if (ev.image !== "connect" && ev.image !== "migrate") {
        this.extra.push(
          new ParseError(
            "parse.event",
            `expected \`connect\` or \`migrate\` after \`expect\`, found \`${ev.image}\``,
            this.sp(ev),
            suggest(ev.image, ["connect", "migrate"]),
          ),
        );
      }
    });
    return {
      k: "expect",
      event: ev.image === "migrate" ? "migrate" : "connect",
      fields,
      outcome,
      span: this.join(this.sp(kw), this.sp(ev)),
    };
  });

  exprStmt = this.RULE("exprStmt", (): Stmt => {
    const e = this.SUBRULE(this.expr);
    let result: Stmt = { k: "expr", e, span: this.spanOf(e) ?? DUMMY };
    this.OPTION(() => {
      const op = this.OR([
        { ALT: () => this.CONSUME(P.Eq!) },
        ...Object.keys(COMPOUND_ASSIGN).map((n) => ({ ALT: () => this.CONSUME(P[n]!) })),
      ]);
      const value = this.SUBRULE2(this.expr);
      this.ACTION(() => {
        result = { k: "assign", target: e, op: op.image, value, span: this.join(this.spanOf(e), this.sp(op)) };
      });
    });
    return result;
  });

  // ---- expressions ----
  // At parse time `expr` reads with an explicit stack (expr-reader.ts): chevrotain's recursive
  // rules cost several KB of JS stack per nesting level, so ~100 nested parentheses overflowed.
  // The rules below only describe the grammar while chevrotain records it, so lookahead sets,
  // "expected an expression" messages and re-sync points stay what they were.
  expr = this.RULE("expr", (): Expr => {
    if (!this.RECORDING_PHASE) return readExpr(this.cursor, EXPR_TOKENS);
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.OR(BINARY_TOKENS.map((t) => ({ ALT: () => this.CONSUME(t) })));
      this.SUBRULE2(this.operand);
    });
    return RECORDED;
  });

  operand = this.RULE("operand", (): Expr => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(P.Minus!) },
        { ALT: () => this.CONSUME(P.Bang!) },
        { ALT: () => this.CONSUME(P.Tilde!) },
      ]),
    );
    this.OR2([
      { ALT: () => this.CONSUME(IntLit) },
      { ALT: () => this.CONSUME(KW.true) },
      { ALT: () => this.CONSUME(KW.false) },
      { ALT: () => this.CONSUME(Ident) },
      {
        ALT: () => {
          this.CONSUME(P.LParen!);
          this.SUBRULE(this.expr);
          this.CONSUME(P.RParen!);
        },
      },
    ]);
    this.MANY2(() =>
      this.OR3([
        {
          ALT: () => {
            this.CONSUME(P.LBracket!);
            this.SUBRULE2(this.expr);
            this.CONSUME(P.RBracket!);
          },
        },
        {
          ALT: () => {
            this.CONSUME(P.Dot!);
            this.CONSUME2(Ident);
          },
        },
        {
          ALT: () => {
            this.CONSUME2(P.LParen!);
            this.MANY_SEP({ SEP: P.Comma!, DEF: () => this.SUBRULE3(this.expr) });
            this.CONSUME2(P.RParen!);
          },
        },
      ]),
    );
    this.MANY3(() => {
      this.CONSUME(KW.as);
      this.SUBRULE(this.typeRef);
    });
    return RECORDED;
  });

  /** The token cursor the expression reader drives (chevrotain's own error list and re-sync). */
  private readonly cursor: TokenCursor = {
    peek: () => this.LA(1),
    next: () => {
      const t = this.LA(1);
      (this as unknown as { consumeToken(): void }).consumeToken();
      return t;
    },
    sp: (t) => this.sp(t),
    join: (a, b) => this.join(a, b),
    expected: (what) => {
      const t = this.LA(1);
      const found = t.tokenType?.name === "EOF" ? "EOF" : `'${t.image}'`;
      const save = (this as unknown as { SAVE_ERROR(e: Error): Error }).SAVE_ERROR.bind(this);
      if (what === "an expression")
        throw save(
          new NoViableAltException(
            `Expecting: one of these possible Token sequences: [${what}] but found: ${found}`,
            t,
            this.LA(0),
          ),
        );
      throw save(
        new MismatchedTokenException(
          `Expecting token of type --> ${what} <-- but found --> ${found} <--`,
          t,
          this.LA(0),
        ),
      );
    },
  };
}

let shared: PolicyParser | undefined;

/** Tokens that can start an expression: a list containing them all reads "an expression". */
const EXPR_START = ["'-'", "'!'", "'~'", "an integer", "'true'", "'false'", "a name", "'('"];

/** Top-level words, for "did you mean" after "expected a declaration". */
const DECLARATION_WORDS = ["policy", "map", "const", "fn", "on", "test"];

/**
 * "did you mean" for a word found where keywords were expected (`select l[0] else dorp`,
 * `=> pas`, `polcy p`): the closest keyword among those the parser would have accepted.
 */
function keywordHint(e: { message: string; token: IToken }): string | undefined {
  if (e.token.tokenType?.name !== "Ident") return undefined;
  const expected =
    /Expecting (?:token of type )?--> (.*?) <-- but found/.exec(e.message)?.[1] === "EOF"
      ? DECLARATION_WORDS
      : [...e.message.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
  return suggest(e.token.image, expected);
}

/** Describe a chevrotain recognition error as expected-vs-found. */
function describe(e: { message: string; token: IToken; name: string }): string {
  const found = e.token.tokenType?.name === "EOF" ? "end of file" : `\`${e.token.image}\``;
  const single = /Expecting (?:token of type )?--> (.*?) <-- but found/.exec(e.message);
  if (single !== null && single[1] === "EOF")
    return `expected a declaration (map, const, fn, on or test), found ${found}`;
  if (single !== null) return `expected ${single[1]}, found ${found}`;
  const many =
    /Expecting: (?:one of these possible Token sequences:|expecting at least one iteration which starts with one of these possible Token sequences::)?\s*([\s\S]*?)\s*but found/i.exec(
      e.message,
    );
  if (many !== null) {
    let alts = [...new Set([...many[1]!.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!.trim()))];
    if (EXPR_START.every((t) => alts.includes(t)))
      alts = ["an expression", ...alts.filter((a) => !EXPR_START.includes(a))];
    const list =
      alts.length <= 1 ? (alts[0] ?? "something else") : `${alts.slice(0, -1).join(", ")} or ${alts[alts.length - 1]}`;
    return `expected ${list}, found ${found}`;
  }
  return e.message.replace(/\s+/g, " ");
}

export interface ParseResult {
  readonly program: Program;
  readonly errors: ParseError[];
}

/** Lex and parse; every lexical and syntax error is collected (recovery continues after each). */
export function parsePolicy(source: string, file: string): ParseResult {
  if (source.length > MAX_SOURCE_CHARS) {
    // Every token is an object: a huge file would cost gigabytes before any error showed.
    const before = source.slice(0, MAX_SOURCE_CHARS);
    const line = before.split("\n").length;
    const col = MAX_SOURCE_CHARS - before.lastIndexOf("\n");
    const err = new ParseError(
      "parse.too-large",
      `the policy is ${source.length.toLocaleString("en-US")} characters; the limit is ${MAX_SOURCE_CHARS.toLocaleString("en-US")}`,
      { file, line, col },
      "a policy compiles to at most 1,000,000 instructions; generate tables into maps instead of code",
    );
    return { program: { name: null, items: [], file }, errors: [err] };
  }
  shared ??= new PolicyParser();
  const parser = shared;
  parser.file = file;
  parser.extra = [];
  const errors: ParseError[] = [];
  const lex = policyLexer.tokenize(source);
  for (const le of lex.errors) {
    const ch = source.slice(le.offset, le.offset + le.length);
    errors.push(
      new ParseError("parse.char", `unexpected character \`${ch}\``, {
        file,
        line: le.line ?? 1,
        col: le.column ?? 1,
        length: le.length,
      }),
    );
  }
  parser.input = lex.tokens;
  let result: { name: string | null; items: Item[] } = { name: null, items: [] };
  try {
    result = parser.program() ?? result;
  } catch (e) {
    if (e instanceof ParseError) errors.push(e);
    else throw e;
  }
  errors.push(...parser.extra);
  for (const pe of parser.errors) {
    const t = pe.token;
    const eof = t.tokenType?.name === "EOF";
    const prev = eof ? lex.tokens[lex.tokens.length - 1] : undefined;
    const span =
      eof && prev !== undefined
        ? { ...parser.sp(prev), col: prev.startColumn! + prev.image.length, length: 1 }
        : parser.sp(t);
    errors.push(new ParseError("parse.syntax", describe(pe), span, keywordHint(pe)));
  }
  errors.sort((a, b) => {
    const la = a.location as Span | undefined;
    const lb = b.location as Span | undefined;
    return (la?.line ?? 0) - (lb?.line ?? 0) || (la?.col ?? 0) - (lb?.col ?? 0);
  });
  return { program: { name: result.name, items: result.items, file }, errors };
}
