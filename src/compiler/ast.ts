/**
 * The policy AST. Every node carries the source span it came from, so the checker, the code
 * generator's source map and the test runner can all point at policy lines.
 * Deliberately absent: structs, arrays as values, strings outside test names.
 */
import type { SourceSpan } from "../errors.js";

export type Span = SourceSpan;

export interface TypeRef {
  readonly name: string;
  readonly span: Span;
}

export type Expr =
  | { readonly k: "int"; readonly value: bigint; readonly span: Span }
  | { readonly k: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly k: "name"; readonly name: string; readonly span: Span }
  | { readonly k: "field"; readonly obj: Expr; readonly name: string; readonly span: Span }
  | { readonly k: "index"; readonly obj: Expr; readonly index: Expr; readonly span: Span }
  | { readonly k: "call"; readonly callee: Expr; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly k: "unary"; readonly op: string; readonly e: Expr; readonly span: Span }
  | { readonly k: "binary"; readonly op: string; readonly l: Expr; readonly r: Expr; readonly span: Span }
  | { readonly k: "cast"; readonly e: Expr; readonly type: TypeRef; readonly span: Span };

export interface Block {
  readonly stmts: readonly Stmt[];
  readonly span: Span;
  /** The closing brace (diagnostics: where a path falls off the end). */
  readonly end?: Span;
}

export type Else = { readonly k: "block"; readonly block: Block } | { readonly k: "if"; readonly stmt: IfStmt };

export interface IfStmt {
  readonly k: "if";
  /** `if let name = opt { … }` binds `name`; plain `if` has none. */
  readonly bind: { readonly name: string; readonly span: Span } | null;
  readonly cond: Expr;
  readonly then: Block;
  readonly orElse: Else | null;
  readonly span: Span;
}

export interface EventField {
  readonly name: string;
  readonly value: Expr;
  readonly span: Span;
}

export type Outcome =
  | { readonly k: "pass"; readonly span: Span }
  | { readonly k: "drop"; readonly span: Span }
  | { readonly k: "select"; readonly cookie: Expr; readonly span: Span };

export type Stmt =
  | {
      readonly k: "let";
      readonly name: string;
      readonly mut: boolean;
      readonly type: TypeRef | null;
      readonly init: Expr;
      readonly span: Span;
      readonly nameSpan: Span;
    }
  | { readonly k: "assign"; readonly target: Expr; readonly op: string; readonly value: Expr; readonly span: Span }
  | { readonly k: "expr"; readonly e: Expr; readonly span: Span }
  | IfStmt
  | {
      readonly k: "for";
      readonly name: string;
      readonly from: Expr;
      readonly to: Expr;
      readonly body: Block;
      readonly span: Span;
      readonly nameSpan: Span;
    }
  | { readonly k: "break" | "continue"; readonly span: Span }
  | { readonly k: "return"; readonly value: Expr | null; readonly span: Span }
  | { readonly k: "pass" | "drop"; readonly span: Span }
  | {
      readonly k: "select";
      readonly map: string;
      readonly mapSpan: Span;
      readonly key: Expr;
      readonly orElse: "pass" | "drop" | Block;
      readonly span: Span;
    }
  | { readonly k: "block"; readonly block: Block; readonly span: Span }
  | {
      readonly k: "expect";
      readonly event: "connect" | "migrate";
      readonly fields: readonly EventField[];
      readonly outcome: Outcome;
      readonly span: Span;
    }
  | { readonly k: "assert"; readonly cond: Expr; readonly span: Span };

export interface MapDecl {
  readonly k: "map";
  readonly name: string;
  readonly kind: TypeRef;
  readonly keyType: TypeRef;
  readonly valueType: TypeRef | null;
  readonly maxEntries: Expr;
  readonly span: Span;
  readonly nameSpan: Span;
}

export interface ConstDecl {
  readonly k: "const";
  readonly name: string;
  readonly type: TypeRef | null;
  readonly value: Expr;
  readonly span: Span;
  readonly nameSpan: Span;
}

export interface Param {
  readonly name: string;
  readonly type: TypeRef;
  readonly span: Span;
}

export interface FnDecl {
  readonly k: "fn";
  readonly name: string;
  readonly params: readonly Param[];
  readonly ret: TypeRef | null;
  readonly body: Block;
  readonly span: Span;
  readonly nameSpan: Span;
}

export interface OnDecl {
  readonly k: "on";
  readonly entry: "select" | "migrate";
  readonly body: Block;
  readonly span: Span;
}

export interface TestDecl {
  readonly k: "test";
  readonly name: string;
  readonly body: Block;
  readonly span: Span;
}

export type Item = MapDecl | ConstDecl | FnDecl | OnDecl | TestDecl;

export interface Program {
  readonly name: string | null;
  readonly items: readonly Item[];
  readonly file: string;
}
