/**
 * The checker's results, shared with the code generator and the test runner: the type and
 * folded constant of every expression, what every name refers to, and the declared maps.
 * Deliberately absent: any code generation concern (storage, registers).
 */
import type { CompileError } from "../errors.js";
import type { Expr, FnDecl, MapDecl, OnDecl, TestDecl } from "./ast.js";
import type { MapKind } from "./builtins.js";
import type { IntTy, Ty } from "./types.js";

export interface MapInfo {
  readonly decl: MapDecl;
  readonly name: string;
  readonly kind: MapKind;
  readonly kindName: string;
  readonly keyTy: IntTy;
  /** null for socket maps (the value is a listener). */
  readonly valueTy: IntTy | null;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** The number `lddw src=1 imm=fd` uses; 1-based in declaration order. */
  readonly fd: number;
}

/** A local: `let`, parameter, loop variable or `if let` binding; `decl` is its identity. */
export interface VarSym {
  readonly k: "var";
  readonly decl: object;
  readonly name: string;
  readonly ty: Ty;
  readonly mut: boolean;
}

export type Sym =
  | VarSym
  | { readonly k: "const"; readonly value: bigint; readonly ty: Ty }
  | { readonly k: "map"; readonly info: MapInfo }
  | { readonly k: "fn"; readonly decl: FnDecl }
  | { readonly k: "ctx" | "listener" | "migrating" };

export interface Sema {
  /** Final (coerced) type of each expression node. */
  readonly types: Map<Expr, Ty>;
  /** Folded value of constant expressions (bool as 0/1), already wrapped to the final type. */
  readonly consts: Map<Expr, bigint>;
  readonly names: Map<Expr, Sym>;
  /** Variable symbol of each declaring node (let, param, for, if-let). */
  readonly vars: Map<object, VarSym>;
  readonly maps: MapInfo[];
  readonly fns: Map<string, FnDecl>;
  readonly entries: { select: OnDecl | null; migrate: OnDecl | null };
  readonly tests: TestDecl[];
  readonly errors: CompileError[];
}

export function newSema(): Sema {
  return {
    types: new Map(),
    consts: new Map(),
    names: new Map(),
    vars: new Map(),
    maps: [],
    fns: new Map(),
    entries: { select: null, migrate: null },
    tests: [],
    errors: [],
  };
}
