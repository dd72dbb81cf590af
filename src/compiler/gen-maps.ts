/**
 * Map and packet access for the code generator: keys stored to initialized stack right before
 * the helper call (ARG_PTR_TO_MAP_KEY), lookups followed by the NULL check shape the kernel
 * tracks (`if r0 == 0 goto`), update/delete with the kernel's flags, and optional values
 * generated as two continuations. Deliberately absent: keeping map value pointers in
 * registers across statements (values are copied out right after the check).
 */
import { CompileError } from "../errors.js";
import { BPF_PSEUDO_MAP_FD, insnOf, Op, R10 } from "../vm/isa.js";
import { HELPER } from "../vm/program-type.js";
import type { Expr, Span } from "./ast.js";
import { BUILTIN_FNS } from "./builtins.js";
import { beOf, CTX, type GenExpr, ldxOf, stxOf } from "./gen-expr.js";
import type { Temp } from "./regalloc.js";
import type { MapInfo } from "./sema.js";

const bugAt = (e: { span: Span }, msg: string): CompileError =>
  new CompileError("codegen.internal", `internal compiler error: ${msg}`, e.span);

/** Store key (and value) on the stack, as ARG_PTR_TO_MAP_KEY needs initialized stack. */
export function storeOnStack(g: GenExpr, e: Expr, bytes: number): number {
  const t = g.gen(e);
  const r = g.temps.reg(t);
  const off = g.frame.alloc(g.em.span);
  g.em.stx(stxOf(bytes), R10, off, r);
  g.temps.free(t);
  return off;
}

export function mapInfo(g: GenExpr, e: Expr): MapInfo {
  const s = e.k === "name" ? g.sema.names.get(e) : undefined;
  if (s?.k !== "map") throw bugAt(e, "not a map");
  return s.info;
}

export function loadMapPtr(g: GenExpr, reg: number, m: MapInfo): void {
  g.em.emit(insnOf(Op.LDDW, reg, BPF_PSEUDO_MAP_FD, 0, m.fd, 0));
}

/** `r0 = &m[key]` or NULL; leaves the key slot allocated (returned) for the caller to release. */
export function lookup(g: GenExpr, m: MapInfo, key: Expr): number {
  const koff = storeOnStack(g, key, m.keySize);
  g.temps.spillAll();
  loadMapPtr(g, 1, m);
  g.em.mov(2, R10);
  g.em.aluImm(Op.ADD64_K, 2, koff);
  g.em.call(HELPER.map_lookup_elem);
  return koff;
}

export function mapMethod(g: GenExpr, e: Expr & { k: "call" }): Temp {
  const callee = e.callee as Expr & { k: "field" };
  const m = mapInfo(g, callee.obj);
  const koff = storeOnStack(g, e.args[0]!, m.keySize);
  let voff: number | null = null;
  if (callee.name === "update") voff = storeOnStack(g, e.args[1]!, m.valueSize);
  const flags = callee.name === "update" && e.args[2] !== undefined ? (g.sema.consts.get(e.args[2]) ?? 0n) : 0n;
  g.temps.spillAll();
  loadMapPtr(g, 1, m);
  g.em.mov(2, R10);
  g.em.aluImm(Op.ADD64_K, 2, koff);
  if (voff !== null) {
    g.em.mov(3, R10);
    g.em.aluImm(Op.ADD64_K, 3, voff);
    g.em.movImm(4, flags);
    g.em.call(HELPER.map_update_elem);
    g.frame.release(voff);
  } else g.em.call(HELPER.map_delete_elem);
  g.frame.release(koff);
  return g.temps.alloc([], 0);
}

/**
 * An optional expression with a continuation for each case; `some` gets the value in r0.
 * Every live temporary is spilled first, so both paths agree on where values are.
 */
export function optional(g: GenExpr, e: Expr, some: () => void, none: () => void): void {
  g.temps.spillAll();
  const noneL = g.em.label();
  const end = g.em.label();
  g.at(e.span, () => {
    if (e.k === "index") {
      const m = mapInfo(g, e.obj);
      const koff = lookup(g, m, e.index);
      g.frame.release(koff);
      g.em.jump(Op.JEQ_K, 0, 0, 0, noneL); // the NULL check the kernel tracks
      g.em.ldx(ldxOf(m.valueSize), 0, 0, 0);
    } else if (e.k === "call") {
      const b = BUILTIN_FNS.get(e.callee.k === "name" ? e.callee.name : "")!;
      const n = b.packetBytes!;
      const off = g.gen(e.args[0]!);
      const buf = g.frame.alloc(g.em.span);
      g.temps.spillAll([off]);
      g.em.mov(2, g.temps.reg(off));
      g.temps.free(off);
      g.em.mov(1, CTX);
      g.em.mov(3, R10);
      g.em.aluImm(Op.ADD64_K, 3, buf);
      g.em.movImm(4, BigInt(n));
      g.em.call(HELPER.skb_load_bytes);
      g.em.jump(Op.JNE_K, 0, 0, 0, noneL); // 0 or -EFAULT
      g.em.ldx(ldxOf(n), 0, R10, buf);
      if (n > 1) g.em.emit(insnOf(beOf(n), 0));
      g.frame.release(buf);
    } else throw bugAt(e, "not an optional");
  });
  some();
  g.em.goto(end);
  g.em.bind(noneL);
  none();
  g.em.bind(end);
}
