/**
 * Expression checking: name resolution, types with the widening rules of types.ts, constant
 * folding (exact for untyped constants, wrapping for typed ones), and the optional discipline:
 * a map lookup or packet load yields an optional that only `??` or `if let` can unwrap, so the
 * NULL check can never be forgotten. Statement and declaration checks live in checker.ts.
 */
import { CompileError } from "../errors.js";
import type { Expr, Span } from "./ast.js";
import { BUILTIN_CONSTS, BUILTIN_FNS, CTX_FIELDS, SOCK_FIELDS } from "./builtins.js";
import type { Sema, Sym } from "./sema.js";
import {
  BOOL,
  defaultIntTy,
  ERROR,
  fits,
  type IntTy,
  rangeOf,
  SCALAR_TYPES,
  suggest,
  type Ty,
  tyName,
  U64,
  unify,
  UNTYPED,
  VOID,
  widens,
  wrap,
  I64,
} from "./types.js";

export interface Ctx {
  readonly where: "entry" | "fn" | "test" | "decl";
  readonly entry: "select" | "migrate" | null;
  loops: number;
  readonly fn: string | null;
}

const ARITH = new Set(["+", "-", "*", "/", "%", "&", "|", "^"]);
const CMP = new Set(["==", "!=", "<", "<=", ">", ">="]);

export class ExprChecker {
  protected scopes: Map<string, Sym>[] = [];
  /** Functions called from each function (for the recursion check). */
  readonly calls = new Map<string, { callee: string; span: Span }[]>();

  constructor(
    readonly sema: Sema,
    protected readonly globals: Map<string, Sym>,
  ) {}

  error(code: string, msg: string, span: Span, hint?: string): void {
    this.sema.errors.push(new CompileError(code, msg, span, hint));
  }

  lookup(name: string): Sym | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i]!.get(name);
      if (s !== undefined) return s;
    }
    return this.globals.get(name);
  }

  visibleNames(): string[] {
    const out = new Set<string>([...this.globals.keys(), ...BUILTIN_CONSTS.keys(), ...BUILTIN_FNS.keys()]);
    for (const s of this.scopes) for (const k of s.keys()) out.add(k);
    return [...out];
  }

  resolveType(name: string, span: Span): Ty {
    const t = SCALAR_TYPES.get(name);
    if (t !== undefined) return t;
    this.error(
      "check.unknown-type",
      `unknown type \`${name}\``,
      span,
      suggest(name, SCALAR_TYPES.keys()) ?? "types are u8, u16, u32, u64, i8, i16, i32, i64 and bool",
    );
    return ERROR;
  }

  /** Record `e` as having final type `t`; untyped constants are range-checked and wrapped. */
  coerce(e: Expr, t: Ty, what: string): Ty {
    const have = this.sema.types.get(e) ?? ERROR;
    if (t.k === "error" || have.k === "error") {
      this.sema.types.set(e, t);
      return t;
    }
    if (have.k === "untyped") {
      const v = this.sema.consts.get(e)!;
      if (t.k !== "int") {
        this.error("check.type", `${what}: expected ${tyName(t)}, found integer constant ${v}`, e.span);
      } else if (!fits(v, t)) {
        const [lo, hi] = rangeOf(t);
        this.error(
          "check.range",
          `${what}: constant ${v} does not fit in ${tyName(t)} (${lo}..${hi})`,
          e.span,
          `write \`${v} as ${tyName(t)}\` to wrap it explicitly`,
        );
      }
      this.sema.types.set(e, t);
      return t;
    }
    if (have.k === "opt" && t.k !== "opt") {
      this.error(
        "check.optional",
        `${what}: expected ${tyName(t)}, found ${tyName(have)}`,
        e.span,
        "a lookup may find nothing: unwrap it with `?? default` or `if let v = …`",
      );
    } else if (!widens(have, t)) {
      const hint = have.k === "int" && t.k === "int" ? `convert explicitly: \`(…) as ${tyName(t)}\`` : undefined;
      this.error("check.type", `${what}: expected ${tyName(t)}, found ${tyName(have)}`, e.span, hint);
    }
    // The node keeps its own type: widening is free in canonical form, and codegen needs the
    // type the operation was done in (u32 addition wraps before it widens to u64).
    return t;
  }

  /** Give an expression of untyped type its default type (used where no context exists). */
  settle(e: Expr): Ty {
    const t = this.sema.types.get(e) ?? ERROR;
    if (t.k !== "untyped") return t;
    return this.coerce(e, defaultIntTy(this.sema.consts.get(e)!), "constant");
  }

  private set(e: Expr, t: Ty, value?: bigint): Ty {
    this.sema.types.set(e, t);
    if (value !== undefined) this.sema.consts.set(e, t.k === "int" ? wrap(value, t) : value);
    return t;
  }

  expr(e: Expr, cx: Ctx): Ty {
    switch (e.k) {
      case "int":
        return this.set(e, UNTYPED, e.value);
      case "bool":
        return this.set(e, BOOL, e.value ? 1n : 0n);
      case "name":
        return this.name(e, cx);
      case "field":
        return this.field(e, cx);
      case "index":
        return this.index(e, cx);
      case "call":
        return this.call(e, cx);
      case "unary":
        return this.unary(e, cx);
      case "binary":
        return this.binaryChain(e, cx);
      case "cast":
        return this.cast(e, cx);
    }
  }

  private name(e: Expr & { k: "name" }, cx: Ctx): Ty {
    const s = this.lookup(e.name);
    if (s !== undefined) this.sema.names.set(e, s);
    if (s === undefined) {
      const bc = BUILTIN_CONSTS.get(e.name);
      if (bc !== undefined) {
        this.sema.names.set(e, { k: "const", value: bc.value, ty: bc.ty });
        return this.set(e, bc.ty, bc.value);
      }
      this.error("check.unknown-name", `unknown name \`${e.name}\``, e.span, suggest(e.name, this.visibleNames()));
      return this.set(e, ERROR);
    }
    switch (s.k) {
      case "var":
        return this.set(e, s.ty);
      case "const":
        return this.set(e, s.ty, s.value);
      case "map":
        this.error("check.not-value", `map \`${e.name}\` is not a value`, e.span, `index it: \`${e.name}[key]\``);
        return this.set(e, ERROR);
      case "fn":
        this.error("check.not-value", `function \`${e.name}\` is not a value`, e.span, `call it: \`${e.name}(…)\``);
        return this.set(e, ERROR);
      default:
        this.error(
          "check.not-value",
          `\`${e.name}\` is not a value`,
          e.span,
          `read one of its fields, e.g. \`${e.name}.${s.k === "ctx" ? "hash" : "state"}\``,
        );
        void cx;
        return this.set(e, ERROR);
    }
  }

  private field(e: Expr & { k: "field" }, cx: Ctx): Ty {
    const obj = e.obj.k === "name" ? this.lookup(e.obj.name) : undefined;
    if (obj !== undefined && e.obj.k === "name") this.sema.names.set(e.obj, obj);
    if (obj?.k === "ctx") {
      const f = CTX_FIELDS.get(e.name);
      if (f === undefined) {
        this.error(
          "check.unknown-field",
          `\`ctx\` has no field \`${e.name}\``,
          e.span,
          suggest(e.name, CTX_FIELDS.keys()) ?? `fields: ${[...CTX_FIELDS.keys()].join(", ")}`,
        );
        return this.set(e, ERROR);
      }
      if (cx.where === "test" || cx.where === "decl")
        this.error("check.context", "`ctx` is only available in `on` blocks and functions", e.span);
      return this.set(e, f.ty);
    }
    if (obj?.k === "listener" || obj?.k === "migrating") {
      if (obj.k === "migrating" && cx.entry !== "migrate") {
        this.error(
          "check.context",
          "`migrating` is only available in `on migrate`",
          e.obj.span,
          cx.where === "fn"
            ? "pass the value as a parameter"
            : "a new connection has no migrating request; `on select` runs for new connections",
        );
        return this.set(e, ERROR);
      }
      if (cx.where !== "entry" && cx.where !== "fn")
        this.error("check.context", `\`${obj.k}\` is only available in \`on\` blocks and functions`, e.span);
      if (e.name === "cookie") return this.set(e, U64);
      const f = SOCK_FIELDS.get(e.name);
      if (f === undefined) {
        this.error(
          "check.unknown-field",
          `\`${obj.k}\` has no field \`${e.name}\``,
          e.span,
          suggest(e.name, [...SOCK_FIELDS.keys(), "cookie"]) ?? `fields: cookie, ${[...SOCK_FIELDS.keys()].join(", ")}`,
        );
        return this.set(e, ERROR);
      }
      if (obj.k === "migrating" && f.fullSockOnly) {
        this.error(
          "check.context",
          `\`migrating.${e.name}\` cannot be read: the migrating request is a sock_common`,
          e.span,
          "the kernel allows only family, state, addresses and ports there",
        );
        return this.set(e, ERROR);
      }
      return this.set(e, f.ty);
    }
    if (obj?.k === "map") {
      this.error(
        "check.not-value",
        `\`${e.obj.k === "name" ? e.obj.name : "map"}.${e.name}\` is a method; call it`,
        e.span,
        "maps have `update(key, value[, flags])` and `delete(key)`",
      );
      return this.set(e, ERROR);
    }
    this.expr(e.obj, cx);
    this.error("check.unknown-field", `only \`ctx\`, \`listener\` and \`migrating\` have fields`, e.span);
    return this.set(e, ERROR);
  }

  /** `m[k]`: a data map lookup, an optional of the value type. */
  private index(e: Expr & { k: "index" }, cx: Ctx): Ty {
    const s = e.obj.k === "name" ? this.lookup(e.obj.name) : undefined;
    if (s?.k !== "map") {
      this.expr(e.obj, cx);
      this.expr(e.index, cx);
      if (s !== undefined || e.obj.k !== "name") this.error("check.not-map", "only maps can be indexed", e.obj.span);
      return this.set(e, ERROR);
    }
    this.sema.names.set(e.obj, s);
    this.expr(e.index, cx);
    this.coerce(e.index, s.info.keyTy, `key of \`${s.info.name}\``);
    if (s.info.valueTy === null) {
      if (cx.where !== "test")
        this.error(
          "check.socket-map",
          `\`${s.info.name}\` holds listeners; a program can only \`select\` from it`,
          e.span,
          `write \`select ${s.info.name}[key] else pass\``,
        );
      return this.set(e, { k: "opt", inner: U64 });
    }
    return this.set(e, { k: "opt", inner: s.info.valueTy });
  }

  private call(e: Expr & { k: "call" }, cx: Ctx): Ty {
    const args = e.args;
    if (e.callee.k === "field" && e.callee.obj.k === "name") {
      const s = this.lookup(e.callee.obj.name);
      if (s?.k === "map") return this.method(e, s.info.name, e.callee.name, cx);
    }
    if (e.callee.k !== "name") {
      this.error("check.call", "only functions can be called", e.callee.span);
      for (const a of args) this.expr(a, cx);
      return this.set(e, ERROR);
    }
    const name = e.callee.name;
    const s = this.lookup(name);
    if (s?.k === "fn") {
      this.sema.names.set(e.callee, s);
      if (cx.where === "test" || cx.where === "decl")
        this.error("check.context", "functions can only be called from `on` blocks and functions", e.span);
      if (cx.fn !== null) {
        const list = this.calls.get(cx.fn) ?? [];
        list.push({ callee: name, span: e.callee.span });
        this.calls.set(cx.fn, list);
      }
      const ps = s.decl.params;
      if (args.length !== ps.length)
        this.error(
          "check.arity",
          `\`${name}\` takes ${ps.length} argument${ps.length === 1 ? "" : "s"}, found ${args.length}`,
          e.span,
        );
      args.forEach((a, i) => {
        this.expr(a, cx);
        const p = ps[i];
        if (p !== undefined) this.coerce(a, SCALAR_TYPES.get(p.type.name) ?? ERROR, `argument ${i + 1} of \`${name}\``);
        else this.settle(a);
      });
      return this.set(e, s.decl.ret === null ? VOID : (SCALAR_TYPES.get(s.decl.ret.name) ?? ERROR));
    }
    const b = s === undefined ? BUILTIN_FNS.get(name) : undefined;
    if (b === undefined) {
      if (s === undefined)
        this.error(
          "check.unknown-name",
          `unknown function \`${name}\``,
          e.callee.span,
          suggest(name, [...BUILTIN_FNS.keys(), ...[...this.globals].filter(([, v]) => v.k === "fn").map(([k]) => k)]),
        );
      else this.error("check.call", `\`${name}\` is not a function`, e.callee.span);
      for (const a of args) this.expr(a, cx);
      return this.set(e, ERROR);
    }
    if (cx.where === "test" || cx.where === "decl")
      this.error("check.context", `\`${name}()\` is only available in \`on\` blocks and functions`, e.span);
    if (args.length !== b.args.length)
      this.error(
        "check.arity",
        `\`${name}\` takes ${b.args.length} argument${b.args.length === 1 ? "" : "s"}, found ${args.length}`,
        e.span,
      );
    args.forEach((a, i) => {
      this.expr(a, cx);
      const t = b.args[i];
      if (t !== undefined) this.coerce(a, t, `argument ${i + 1} of \`${name}\``);
      else this.settle(a);
    });
    return this.set(e, b.ret);
  }

  /** `m.update(k, v[, flags])` → i64 (0 or -errno), `m.delete(k)` → i64. */
  private method(e: Expr & { k: "call" }, mapName: string, method: string, cx: Ctx): Ty {
    const s = this.lookup(mapName) as Sym & { k: "map" };
    this.sema.names.set((e.callee as Expr & { k: "field" }).obj, s);
    const info = s.info;
    if (cx.where === "test" || cx.where === "decl")
      this.error(
        "check.context",
        "map methods are only available in `on` blocks and functions",
        e.span,
        "in a test, set contents with `m[k] = v`",
      );
    if (info.valueTy === null) {
      this.error(
        "check.socket-map",
        `\`${mapName}\` holds listeners; the program cannot change it (R22: updates only from user space)`,
        e.span,
      );
      for (const a of e.args) this.expr(a, cx);
      return this.set(e, ERROR);
    }
    const want = method === "update" ? [info.keyTy, info.valueTy, U64] : method === "delete" ? [info.keyTy] : null;
    if (want === null) {
      this.error(
        "check.unknown-field",
        `maps have no method \`${method}\``,
        e.callee.span,
        suggest(method, ["update", "delete"]) ?? "maps have `update(key, value[, flags])` and `delete(key)`",
      );
      for (const a of e.args) this.expr(a, cx);
      return this.set(e, ERROR);
    }
    const min = method === "update" ? 2 : 1;
    if (e.args.length < min || e.args.length > want.length)
      this.error(
        "check.arity",
        `\`${method}\` takes ${min === want.length ? min : `${min} or ${want.length}`} arguments, found ${e.args.length}`,
        e.span,
      );
    e.args.forEach((a, i) => {
      this.expr(a, cx);
      const t = want[i];
      if (t === undefined) return void this.settle(a);
      this.coerce(a, t, `argument ${i + 1} of \`${method}\``);
      if (i === 2) {
        const v = this.sema.consts.get(a);
        if (v === undefined)
          this.error("check.const", "map update flags must be a constant", a.span, "use ANY, NOEXIST or EXIST");
        else if (v > 2n)
          this.error("check.range", `map update flags must be ANY (0), NOEXIST (1) or EXIST (2), found ${v}`, a.span);
      }
    });
    if (method === "delete" && info.kind.type === 2)
      this.error(
        "check.array-delete",
        `elements of array map \`${mapName}\` cannot be deleted (the kernel returns -EINVAL)`,
        e.span,
        "store a zero instead",
      );
    return this.set(e, I64);
  }

  private unary(e: Expr & { k: "unary" }, cx: Ctx): Ty {
    const t = this.expr(e.e, cx);
    const v = this.sema.consts.get(e.e);
    if (t.k === "error") return this.set(e, ERROR);
    if (e.op === "!") {
      this.coerce(e.e, BOOL, "operand of `!`");
      return this.set(e, BOOL, v === undefined ? undefined : v === 0n ? 1n : 0n);
    }
    if (t.k === "untyped") return this.set(e, UNTYPED, e.op === "-" ? -v! : ~v!);
    if (t.k !== "int") {
      this.error("check.type", `operand of \`${e.op}\`: expected an integer, found ${tyName(t)}`, e.e.span);
      return this.set(e, ERROR);
    }
    if (e.op === "-" && !t.signed) {
      this.error(
        "check.type",
        `cannot negate unsigned ${tyName(t)}`,
        e.span,
        `write \`0 - x\` for wrapping negation, or convert to a signed type with \`as\``,
      );
      return this.set(e, ERROR);
    }
    return this.set(e, t, v === undefined ? undefined : e.op === "-" ? -v : ~v);
  }

  private cast(e: Expr & { k: "cast" }, cx: Ctx): Ty {
    const from = this.expr(e.e, cx);
    const to = this.resolveType(e.type.name, e.type.span);
    if (from.k === "error" || to.k === "error") return this.set(e, ERROR);
    const v = this.sema.consts.get(e.e);
    if (to.k === "bool") {
      if (from.k !== "bool")
        this.error("check.cast", `cannot convert ${tyName(from)} to bool`, e.span, "compare instead: `x != 0`");
      return this.set(e, BOOL, v);
    }
    if (to.k !== "int") return this.set(e, ERROR);
    if (from.k === "untyped") {
      this.sema.types.set(e.e, from);
      return this.set(e, to, v);
    }
    if (from.k !== "int" && from.k !== "bool") {
      this.error(
        "check.cast",
        `cannot convert ${tyName(from)} to ${tyName(to)}`,
        e.span,
        from.k === "opt" ? "unwrap it first with `??` or `if let`" : undefined,
      );
      return this.set(e, ERROR);
    }
    return this.set(e, to, v);
  }

  /**
   * A left-leaning chain `a + b + c …` is checked in a loop from its innermost operand out, so a
   * chain of any length uses constant stack; only right operands recurse (bounded by the
   * parser's MAX_EXPR_DEPTH).
   */
  private binaryChain(e: Expr & { k: "binary" }, cx: Ctx): Ty {
    const spine: (Expr & { k: "binary" })[] = [];
    let x: Expr = e;
    while (x.k === "binary") {
      spine.push(x);
      x = x.l;
    }
    let lt = this.expr(x, cx);
    for (let i = spine.length - 1; i >= 0; i--) {
      const b = spine[i]!;
      lt = this.binary(b, lt, this.expr(b.r, cx), cx);
    }
    return lt;
  }

  private binary(e: Expr & { k: "binary" }, lt: Ty, rt: Ty, cx: Ctx): Ty {
    const op = e.op;
    if (lt.k === "error" || rt.k === "error")
      return this.set(e, op === "&&" || op === "||" || CMP.has(op) ? BOOL : ERROR);
    if (op === "??") {
      if (lt.k !== "opt") {
        this.error(
          "check.type",
          `left of \`??\`: expected an optional (a map lookup or packet load), found ${tyName(lt)}`,
          e.l.span,
        );
        return this.set(e, ERROR);
      }
      this.coerce(e.r, lt.inner, "right of `??`");
      return this.set(e, lt.inner);
    }
    if (op === "&&" || op === "||") {
      this.coerce(e.l, BOOL, `left of \`${op}\``);
      this.coerce(e.r, BOOL, `right of \`${op}\``);
      const a = this.sema.consts.get(e.l);
      const b = this.sema.consts.get(e.r);
      const v = a !== undefined && b !== undefined ? (op === "&&" ? a & b : a | b) : undefined;
      return this.set(e, BOOL, v);
    }
    if (op === "<<" || op === ">>") return this.shift(e, lt, rt);
    if ((op === "==" || op === "!=") && lt.k === "bool" && rt.k === "bool") {
      const a = this.sema.consts.get(e.l);
      const b = this.sema.consts.get(e.r);
      return this.set(e, BOOL, a !== undefined && b !== undefined ? BigInt((a === b) === (op === "==")) : undefined);
    }
    // In tests, `m[k] == v` compares an optional: nothing equals no value.
    const testCmp = cx.where === "test" && CMP.has(op);
    const ty = this.operandType(
      e,
      testCmp && lt.k === "opt" ? lt.inner : lt,
      testCmp && rt.k === "opt" ? rt.inner : rt,
    );
    if (ty === null) return this.set(e, CMP.has(op) ? BOOL : ERROR);
    const a = this.sema.consts.get(e.l);
    const b = this.sema.consts.get(e.r);
    if ((op === "/" || op === "%") && b === 0n) {
      this.error("check.div-zero", `division by constant zero`, e.r.span, "the kernel rejects a constant zero divisor");
      return this.set(e, ty);
    }
    if (CMP.has(op))
      return this.set(e, BOOL, a !== undefined && b !== undefined ? BigInt(compare(op, a, b)) : undefined);
    if (!ARITH.has(op)) return this.set(e, ERROR);
    return this.set(e, ty, a !== undefined && b !== undefined ? arith(op, a, b, ty) : undefined);
  }

  /** Common operand type for arithmetic and comparisons; coerces both sides. */
  private operandType(e: Expr & { k: "binary" }, lt: Ty, rt: Ty): Ty | null {
    const op = e.op;
    if (lt.k === "opt" || rt.k === "opt") {
      const side = lt.k === "opt" ? e.l : e.r;
      this.error(
        "check.optional",
        `operand of \`${op}\` is optional`,
        side.span,
        "a lookup may find nothing: unwrap it with `?? default` or `if let v = …`",
      );
      return null;
    }
    if ((lt.k !== "int" && lt.k !== "untyped") || (rt.k !== "int" && rt.k !== "untyped")) {
      const bad = lt.k !== "int" && lt.k !== "untyped" ? e.l : e.r;
      const badT = bad === e.l ? lt : rt;
      this.error("check.type", `operand of \`${op}\`: expected an integer, found ${tyName(badT)}`, bad.span);
      return null;
    }
    if (lt.k === "untyped" && rt.k === "untyped") return UNTYPED;
    // An optional side only reaches here in a test comparison; it keeps its type.
    const co = (x: Expr, t: Ty, w: string): Ty => (this.sema.types.get(x)?.k === "opt" ? t : this.coerce(x, t, w));
    if (lt.k === "untyped") return co(e.l, rt, `left of \`${op}\``);
    if (rt.k === "untyped") return co(e.r, lt, `right of \`${op}\``);
    const u = unify(lt as IntTy, rt as IntTy);
    if (u === null) {
      this.error(
        "check.mismatch",
        `mismatched types in \`${op}\`: ${tyName(lt)} and ${tyName(rt)}`,
        e.span,
        `neither widens to the other; convert one with \`as\``,
      );
      return null;
    }
    co(e.l, u, `left of \`${op}\``);
    co(e.r, u, `right of \`${op}\``);
    return u;
  }

  private shift(e: Expr & { k: "binary" }, lt: Ty, rt: Ty): Ty {
    if ((lt.k !== "int" && lt.k !== "untyped") || (rt.k !== "int" && rt.k !== "untyped")) {
      this.error(
        "check.type",
        `operands of \`${e.op}\` must be integers, found ${tyName(lt)} and ${tyName(rt)}`,
        e.span,
      );
      return this.set(e, ERROR);
    }
    const b = this.sema.consts.get(e.r);
    const a = this.sema.consts.get(e.l);
    if (lt.k === "untyped" && rt.k === "untyped") return this.set(e, UNTYPED, e.op === "<<" ? a! << b! : a! >> b!);
    const ty = lt.k === "untyped" ? this.settle(e.l) : lt;
    if (rt.k === "untyped") this.coerce(e.r, U64, `shift amount`);
    if (ty.k !== "int") return this.set(e, ERROR);
    if (b !== undefined && (b < 0n || b >= BigInt(ty.bits))) {
      this.error("check.shift", `shift by ${b} is out of range for ${tyName(ty)} (0..${ty.bits - 1})`, e.r.span);
      return this.set(e, ty);
    }
    return this.set(e, ty, a !== undefined && b !== undefined ? (e.op === "<<" ? a << b : a >> b) : undefined);
  }
}

function compare(op: string, a: bigint, b: bigint): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

/** Fold one arithmetic operation; division truncates toward zero like the ISA's sdiv/udiv. */
function arith(op: string, a: bigint, b: bigint, ty: Ty): bigint {
  const r = ((): bigint => {
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return a / b;
      case "%":
        return a % b;
      case "&":
        return a & b;
      case "|":
        return a | b;
      default:
        return a ^ b;
    }
  })();
  return ty.k === "int" ? wrap(r, ty) : r;
}
