/**
 * Expression code generation. Every value sits in a register in canonical 64-bit form
 * (types.ts); after an operation that can leave the type's range it is renormalised
 * (mov32 for u32, a mask for u8/u16, lsh+arsh for signed). Constants are folded by the
 * checker and emitted as one `mov` (or `lddw`). Optionals are generated as two continuations
 * (found / not found) around the exact NULL-check shape the kernel tracks: `if r0 == 0 goto`.
 * Deliberately absent: common subexpression elimination.
 */
import { insnOf, Op } from "../vm/isa.js";
import { HELPER } from "../vm/program-type.js";
import { CompileError } from "../errors.js";
import type { Expr, Span } from "./ast.js";
import { BUILTIN_FNS, CTX_FIELDS, CTX_MIGRATING_OFFSET, CTX_SK_OFFSET, SOCK_FIELDS } from "./builtins.js";
import { type Emitter, type Label } from "./emitter.js";
import { loadMapPtr, mapInfo, mapMethod, optional, storeOnStack } from "./gen-maps.js";
import { Frame, type Storage, type Temp, Temps, VarPool } from "./regalloc.js";
import type { MapInfo, Sema } from "./sema.js";
import { type IntTy, type Ty, widens } from "./types.js";

export const CTX = 6;

/** An operation's 64-bit instruction with an immediate and with a register operand. */
type KX = readonly [k: Op, x: Op];

const ALU_OP: Readonly<Record<string, KX>> = {
  "+": [Op.ADD64_K, Op.ADD64_X],
  "-": [Op.SUB64_K, Op.SUB64_X],
  "*": [Op.MUL64_K, Op.MUL64_X],
  "/": [Op.DIV64_K, Op.DIV64_X],
  "%": [Op.MOD64_K, Op.MOD64_X],
  "&": [Op.AND64_K, Op.AND64_X],
  "|": [Op.OR64_K, Op.OR64_X],
  "^": [Op.XOR64_K, Op.XOR64_X],
  "<<": [Op.LSH64_K, Op.LSH64_X],
  ">>": [Op.RSH64_K, Op.RSH64_X],
};
/** The operators whose instruction differs for signed operands. */
const SIGNED_ALU_OP: Readonly<Record<string, KX>> = {
  "/": [Op.SDIV64_K, Op.SDIV64_X],
  "%": [Op.SMOD64_K, Op.SMOD64_X],
  ">>": [Op.ARSH64_K, Op.ARSH64_X],
};
/** Comparison → [unsigned jump, signed jump] taken when the comparison holds. */
const CMP_JMP: Readonly<Record<string, readonly [KX, KX]>> = {
  "==": [
    [Op.JEQ_K, Op.JEQ_X],
    [Op.JEQ_K, Op.JEQ_X],
  ],
  "!=": [
    [Op.JNE_K, Op.JNE_X],
    [Op.JNE_K, Op.JNE_X],
  ],
  "<": [
    [Op.JLT_K, Op.JLT_X],
    [Op.JSLT_K, Op.JSLT_X],
  ],
  "<=": [
    [Op.JLE_K, Op.JLE_X],
    [Op.JSLE_K, Op.JSLE_X],
  ],
  ">": [
    [Op.JGT_K, Op.JGT_X],
    [Op.JSGT_K, Op.JSGT_X],
  ],
  ">=": [
    [Op.JGE_K, Op.JGE_X],
    [Op.JSGE_K, Op.JSGE_X],
  ],
};
const NEGATE: Readonly<Record<string, string>> = { "==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

const LDX: Readonly<Record<number, Op>> = { 1: Op.LDX_B, 2: Op.LDX_H, 4: Op.LDX_W, 8: Op.LDX_DW };
const STX: Readonly<Record<number, Op>> = { 1: Op.STX_B, 2: Op.STX_H, 4: Op.STX_W, 8: Op.STX_DW };
const BE: Readonly<Record<number, Op>> = { 2: Op.BE16, 4: Op.BE32, 8: Op.BE64 };
/** The load of `bytes` bytes (zero-extending). */
export const ldxOf = (bytes: number): Op => LDX[bytes]!;
/** The register store of `bytes` bytes. */
export const stxOf = (bytes: number): Op => STX[bytes]!;
/** The conversion of a `bytes`-byte big-endian value to host order. */
export const beOf = (bytes: number): Op => BE[bytes]!;

export interface InlineFrame {
  readonly result: Storage | null;
  readonly end: Label;
}

export class GenExpr {
  readonly frame = new Frame();
  readonly temps: Temps;
  readonly vars: VarPool;
  /** Storage of each variable declaration in the current inline instance. */
  protected storage = new Map<object, Storage>();
  protected inline: InlineFrame[] = [];

  constructor(
    readonly em: Emitter,
    readonly sema: Sema,
  ) {
    this.temps = new Temps(em, this.frame);
    this.vars = new VarPool(this.frame);
  }

  ty(e: Expr): Ty {
    return this.sema.types.get(e) ?? { k: "error" };
  }

  at<T>(span: Span | undefined, f: () => T): T {
    const prev = this.em.span;
    if (span !== undefined) this.em.span = span;
    try {
      return f();
    } finally {
      this.em.span = prev;
    }
  }

  normalize(r: number, t: Ty): void {
    if (t.k !== "int" || t.bits === 64) return;
    if (!t.signed) {
      if (t.bits === 32) this.em.emit(insnOf(Op.MOV32_X, r, r));
      else this.em.aluImm(Op.AND64_K, r, t.bits === 8 ? 0xff : 0xffff);
    } else {
      this.em.aluImm(Op.LSH64_K, r, 64 - t.bits);
      this.em.aluImm(Op.ARSH64_K, r, 64 - t.bits);
    }
  }

  readVar(s: Storage, dst: number): void {
    if (s.k === "reg") this.em.mov(dst, s.r);
    else this.em.fill(dst, s.off);
  }

  writeVar(s: Storage, src: number): void {
    if (s.k === "reg") this.em.mov(s.r, src);
    else this.em.spill(s.off, src);
  }

  /** A register already holding `e` (a variable kept in r7-r9), so reading it needs no copy. */
  protected varReg(e: Expr): number | null {
    if (e.k !== "name" || this.sema.consts.has(e)) return null;
    const sym = this.sema.names.get(e);
    const s = sym?.k === "var" ? this.storage.get(sym.decl) : undefined;
    return s?.k === "reg" ? s.r : null;
  }

  /** Evaluate `e` into a temporary. */
  gen(e: Expr): Temp {
    // `at` inlined: nested operands recurse through here, and two frames fewer per level keep
    // MAX_EXPR_DEPTH (expr-reader.ts) well inside the JS stack even for cold, unoptimised code.
    const prev = this.em.span;
    this.em.span = e.span;
    this.enter(e.span);
    try {
      return this.genInner(e);
    } finally {
      this.em.span = prev;
      this.depth--;
    }
  }

  /** Expression and block levels open in the generator (inlined calls add their body's). */
  protected depth = 0;
  /** The deepest level reached and where: a stack overflow is reported there (generate()). */
  deepest: { readonly depth: number; readonly span: Span | undefined } = { depth: 0, span: undefined };

  /**
   * One generator level deeper. The parser bounds each function's nesting, but inlining adds a
   * callee's depth to its caller's, so a chain of deep functions can still exhaust the JS stack;
   * generate() turns that into `codegen.too-deep` at the deepest span. Callers decrement
   * `depth` when they leave.
   */
  protected enter(span: Span): void {
    if (++this.depth > this.deepest.depth) this.deepest = { depth: this.depth, span };
  }

  private genInner(e: Expr): Temp {
    const c = this.sema.consts.get(e);
    if (c !== undefined) {
      const t = this.temps.alloc();
      this.em.movImm(t.reg, c);
      return t;
    }
    switch (e.k) {
      case "name": {
        const sym = this.sema.names.get(e);
        if (sym?.k !== "var") throw this.bug(e, "name without storage");
        const s = this.storage.get(sym.decl);
        if (s === undefined) throw this.bug(e, `variable \`${e.name}\` has no storage`);
        const t = this.temps.alloc();
        this.readVar(s, t.reg);
        return t;
      }
      case "field":
        return this.field(e);
      case "call":
        return this.call(e);
      case "cast": {
        const t = this.gen(e.e);
        const from = this.ty(e.e);
        const to = this.ty(e);
        if (!widens(from.k === "bool" ? { k: "int", bits: 8, signed: false } : from, to))
          this.normalize(this.temps.reg(t), to);
        return t;
      }
      case "unary": {
        const t = this.gen(e.e);
        const r = this.temps.reg(t);
        if (e.op === "!") this.em.aluImm(Op.XOR64_K, r, 1);
        else if (e.op === "-") {
          this.em.aluImm(Op.MUL64_K, r, -1);
          this.normalize(r, this.ty(e));
        } else {
          this.em.aluImm(Op.XOR64_K, r, -1);
          this.normalize(r, this.ty(e));
        }
        return t;
      }
      case "binary":
        return this.binary(e);
      case "index":
        return this.coalesce(e, null);
      default:
        throw this.bug(e, `cannot generate ${e.k}`);
    }
  }

  protected bug(e: { span: Span }, msg: string): CompileError {
    return new CompileError("codegen.internal", `internal compiler error: ${msg}`, e.span);
  }

  private binary(e: Expr & { k: "binary" }): Temp {
    const op = e.op;
    if (op === "??") return this.coalesce(e.l, e.r);
    if (op === "&&" || op === "||" || NEGATE[op] !== undefined) return this.boolValue(e);
    // A left-leaning chain `a + b + c …` is generated in a loop (constant stack for any length):
    // the innermost non-arithmetic operand first, then each operation under its own span.
    const spine: (Expr & { k: "binary" })[] = [];
    let x: Expr = e;
    while (x.k === "binary" && ALU_OP[x.op] !== undefined && !this.sema.consts.has(x)) {
      spine.push(x);
      x = x.l;
    }
    const l = this.gen(x);
    for (let i = spine.length - 1; i >= 0; i--) {
      const b = spine[i]!;
      if (i === 0) this.arith(b, l);
      else this.at(b.span, () => this.arith(b, l));
    }
    return l;
  }

  /** `l op e.r` into `l`'s register, `l` already holding the left operand. */
  private arith(e: Expr & { k: "binary" }, l: Temp): void {
    const op = e.op;
    const ty = this.ty(e) as IntTy;
    const rc = this.sema.consts.get(e.r);
    const [k, x] = (ty.signed ? SIGNED_ALU_OP[op] : undefined) ?? ALU_OP[op]!;
    if (rc !== undefined && rc >= -(1n << 31n) && rc < 1n << 31n) {
      this.em.aluImm(k, this.temps.reg(l), Number(rc));
    } else if (this.varReg(e.r) !== null) {
      this.em.alu(x, this.temps.reg(l), this.varReg(e.r)!);
    } else {
      const r = this.gen(e.r);
      const rr = this.temps.reg(r, [l]);
      const lr = this.temps.reg(l, [r]);
      this.em.alu(x, lr, rr);
      this.temps.free(r);
    }
    // &, |, >> of canonical operands stay in range; so do unsigned / and %.
    const inRange = op === "&" || op === "|" || op === ">>" || ((op === "/" || op === "%") && !ty.signed);
    if (!inRange) this.normalize(this.temps.reg(l), ty);
  }

  /** A boolean expression as a 0/1 value. */
  private boolValue(e: Expr): Temp {
    this.temps.spillAll();
    const f = this.em.label();
    const end = this.em.label();
    this.branchFalse(e, f);
    const t = this.temps.alloc();
    this.em.movImm(t.reg, 1n);
    this.em.goto(end);
    this.em.bind(f);
    this.em.movImm(t.reg, 0n);
    this.em.bind(end);
    return t;
  }

  /** Jump to `f` when `e` is false; fall through when true. */
  branchFalse(e: Expr, f: Label): void {
    this.at(e.span, () => this.branch(e, f, false));
  }

  /**
   * Jump to `l` when `e` equals `when`; fall through otherwise. `!`, `&&` and `||` go through a
   * work list rather than recursion, so a condition chain of any length uses constant stack.
   */
  branch(e0: Expr, l0: Label, when0: boolean): void {
    const work: ({ readonly e: Expr; readonly l: Label; readonly when: boolean } | { readonly bind: Label })[] = [
      { e: e0, l: l0, when: when0 },
    ];
    while (work.length > 0) {
      const w = work.pop()!;
      if ("bind" in w) {
        this.em.bind(w.bind);
        continue;
      }
      const { e, l, when } = w;
      const c = this.sema.consts.get(e);
      if (c !== undefined) {
        if ((c !== 0n) === when) this.em.goto(l);
      } else if (e.k === "unary" && e.op === "!") {
        work.push({ e: e.e, l, when: !when });
      } else if (e.k === "binary" && (e.op === "&&" || e.op === "||")) {
        // `a && b` is false if a is false or b is false; `a || b` is true if either is true.
        // Pushed in reverse: the left side is generated first.
        if ((e.op === "||") === when) {
          work.push({ e: e.r, l, when }, { e: e.l, l, when });
        } else {
          const skip = this.em.label();
          work.push({ bind: skip }, { e: e.r, l, when }, { e: e.l, l: skip, when: !when });
        }
      } else this.branchLeaf(e, l, when);
    }
  }

  /** A condition that is neither constant nor `!`, `&&`, `||`. */
  private branchLeaf(e: Expr, l: Label, when: boolean): void {
    if (e.k === "binary" && NEGATE[e.op] !== undefined) {
      // The operands were unified to one type, which is signed iff either side is (types.ts).
      const lt = this.ty(e.l);
      const rt = this.ty(e.r);
      const signed = (lt.k === "int" && lt.signed) || (rt.k === "int" && rt.signed);
      const cmp = when ? e.op : NEGATE[e.op]!;
      const [k, x] = CMP_JMP[cmp]![signed ? 1 : 0]!;
      const rc = this.sema.consts.get(e.r);
      const lv = this.varReg(e.l);
      const rv = this.varReg(e.r);
      if (lv !== null && (rv !== null || (rc !== undefined && rc >= -(1n << 31n) && rc < 1n << 31n))) {
        // Variables in registers are compared in place: no copies.
        if (rv !== null) this.em.jump(x, lv, rv, 0, l);
        else this.em.jump(k, lv, 0, Number(rc), l);
        return;
      }
      const a = this.gen(e.l);
      if (rc !== undefined && rc >= -(1n << 31n) && rc < 1n << 31n) {
        const ar = this.temps.reg(a);
        this.temps.free(a);
        this.em.jump(k, ar, 0, Number(rc), l);
      } else if (rv !== null) {
        const ar = this.temps.reg(a);
        this.temps.free(a);
        this.em.jump(x, ar, rv, 0, l);
      } else {
        const b = this.gen(e.r);
        const br = this.temps.reg(b, [a]);
        const ar = this.temps.reg(a, [b]);
        this.temps.free(a);
        this.temps.free(b);
        this.em.jump(x, ar, br, 0, l);
      }
      return;
    }
    const t = this.gen(e);
    const r = this.temps.reg(t);
    this.temps.free(t);
    this.em.jump(when ? Op.JNE_K : Op.JEQ_K, r, 0, 0, l);
  }

  private field(e: Expr & { k: "field" }): Temp {
    const obj = e.obj.k === "name" ? this.sema.names.get(e.obj) : undefined;
    if (obj?.k === "ctx") {
      const f = CTX_FIELDS.get(e.name)!;
      const t = this.temps.alloc();
      this.em.ldx(ldxOf(f.size), t.reg, CTX, f.offset);
      if (f.be) this.em.emit(insnOf(beOf(f.size), t.reg));
      return t;
    }
    const migrating = obj?.k === "migrating";
    const off = migrating ? CTX_MIGRATING_OFFSET : CTX_SK_OFFSET;
    if (e.name === "cookie") {
      // bpf_get_socket_cookie takes the socket pointer (R20); a NULL migrating_sk reads as 0.
      this.temps.spillAll();
      const none = this.em.label();
      const end = this.em.label();
      this.em.ldx(Op.LDX_DW, 1, CTX, off);
      if (migrating) this.em.jump(Op.JEQ_K, 1, 0, 0, none);
      this.em.call(HELPER.get_socket_cookie);
      if (migrating) {
        this.em.goto(end);
        this.em.bind(none);
        this.em.movImm(0, 0n);
        this.em.bind(end);
      }
      return this.temps.alloc([], 0);
    }
    const f = SOCK_FIELDS.get(e.name)!;
    const t = this.temps.alloc();
    this.em.ldx(Op.LDX_DW, t.reg, CTX, off);
    if (migrating) {
      this.temps.spillAll([t]);
      const none = this.em.label();
      const end = this.em.label();
      this.em.jump(Op.JEQ_K, t.reg, 0, 0, none);
      this.em.ldx(Op.LDX_W, t.reg, t.reg, f.offset);
      this.em.goto(end);
      this.em.bind(none);
      this.em.movImm(t.reg, 0n);
      this.em.bind(end);
    } else this.em.ldx(Op.LDX_W, t.reg, t.reg, f.offset);
    return t;
  }

  protected call(e: Expr & { k: "call" }): Temp {
    if (e.callee.k === "field") return this.mapMethod(e);
    const name = e.callee.k === "name" ? e.callee.name : "";
    const sym = this.sema.names.get(e.callee);
    if (sym?.k === "fn") {
      const r = this.inlineCall(e, sym.decl);
      if (r === null) throw this.bug(e, "void function used as a value");
      return r;
    }
    const b = BUILTIN_FNS.get(name)!;
    if (b.packetBytes !== undefined) return this.coalesce(e, null);
    this.temps.spillAll();
    this.em.call(b.helper);
    const t = this.temps.alloc([], 0);
    this.normalize(0, b.ret);
    return t;
  }

  /** Inline a user function; returns its result temporary (null for void functions). */
  inlineCall(e: Expr & { k: "call" }, decl: import("./ast.js").FnDecl): Temp | null {
    throw this.bug(e, `inlining \`${decl.name}\` is not available here`);
  }

  storeOnStack(e: Expr, bytes: number): number {
    return storeOnStack(this, e, bytes);
  }

  mapInfo(e: Expr): MapInfo {
    return mapInfo(this, e);
  }

  loadMapPtr(reg: number, m: MapInfo): void {
    loadMapPtr(this, reg, m);
  }

  private mapMethod(e: Expr & { k: "call" }): Temp {
    return mapMethod(this, e);
  }

  optional(e: Expr, some: () => void, none: () => void): void {
    optional(this, e, some, none);
  }

  /** `opt ?? fallback` (fallback null: used only where the checker proved unreachable). */
  private coalesce(opt: Expr, fallback: Expr | null): Temp {
    this.optional(
      opt,
      () => {},
      () => {
        const c = fallback === null ? 0n : this.sema.consts.get(fallback);
        if (c !== undefined) this.em.movImm(0, c);
        else if (fallback !== null) {
          const t = this.gen(fallback);
          const r = this.temps.reg(t);
          this.temps.free(t);
          this.em.mov(0, r);
        }
      },
    );
    return this.temps.alloc([], 0);
  }
}
