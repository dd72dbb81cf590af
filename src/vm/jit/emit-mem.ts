/**
 * Code for loads, stores, atomics and `lddw`, on the region table `RG` of the address space
 * (address = region id in the high half, byte offset in the low half; `memory.ts`).
 *
 * Checked mode inlines the interpreter's bounds check: the fast path accepts an access only
 * when the offset did not carry into the high half, the region exists, `off + size <= size`
 * and (for writes) the region is writable; anything else goes to `addr()` in the engine, which
 * redoes the exact 64-bit address arithmetic and either finds the region (a carry into the
 * next region is legal) or throws the same `VmTrap` as `AddressSpace.resolve`.
 *
 * Accesses through r10 in a program where r10 never changes (no local calls, never written) hit
 * a stack offset known at compile time, so both modes check them while compiling and emit a
 * plain access to the stack's DataView (or, out of range, the path that traps).
 *
 * Trusted mode emits no check: the verifier proved every access in bounds and writable, and
 * the address is taken apart exactly even when the base lies below its object (a negative
 * register offset with a positive insn offset). The DataView still refuses offsets outside
 * its buffer and an unknown region id fails the lookup,
 * so a wrong proof becomes a generic trap (see `engine.ts`), never a read outside JS memory;
 * a write to a read-only region, however, would go through — which is why trusted mode is
 * only for verified programs. With `memRegion: "stack"` the stack's DataView is used directly.
 */
import {
  ATOMIC_OPS,
  BPF_ADD,
  BPF_AND,
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_OR,
  BPF_XCHG,
  BPF_XOR,
  OP_DESC,
  Op,
  R10,
  type Insn,
} from "../isa.js";
import { factsAt } from "./facts.js";
import { STACK_SIZE, hi, hiRead, lo, num, type EmitCtx } from "./source.js";

/**
 * Leave in `o` the byte offset and in `R` the region of the access [base + off, +size).
 * Returns the expression of the DataView to use.
 */
function address(ctx: EmitCtx, base: number, off: number, size: number, write: boolean): string {
  const { w, pc } = ctx;
  if (base === R10 && ctx.r10Const) {
    // r10 is the constant (stack id, STACK_SIZE): the offset is known now, so is the check.
    // In range: the stack's view directly, no run-time check (it is writable). Out of range:
    // the generic path below, whose slow path raises the interpreter's trap.
    const at = STACK_SIZE + off;
    if (at >= 0 && at + size <= STACK_SIZE) {
      w(`o = ${num(at, pc)};`);
      return "SV";
    }
  }
  const bl = lo(base, pc);
  const bh = hiRead(ctx, base);
  if (ctx.trusted) {
    // A verified access lies inside its region, so the base is the region's address plus a
    // signed offset s with |s| far below 2^31 (the insn offset is an int16 and regions are far
    // smaller than 2^31 bytes). The exact 64-bit base is (id - 1) << 32 | (s + 2^32) when
    // s < 0 — the borrow went into the region half, as `r0 += -8` on the first value of a
    // map's arena does — and id << 32 | s otherwise. So the low half as an int32 IS s, and the
    // region id is the high half plus the low half's sign bit: exact for every offset the
    // verifier allows, in int32 arithmetic V8 keeps in registers.
    // A wrong proof still only reaches VM memory: the view refuses offsets outside its buffer.
    w(`o = ${bl} + ${num(off, pc)};`);
    const f = factsAt(ctx.facts, pc);
    if (f?.memInBounds === true && f.memRegion === "stack") {
      w(`R = SR;`);
      return "SV";
    }
    // Ctx-specialised copy: the view is a constant of the factory, so V8 folds its buffer and
    // length into the code (a view loaded at run time is re-read at every access).
    if (ctx.ctxConst === true && f?.memInBounds === true && f.memRegion === "ctx") return "XV";
    // Cache the last region's view by id: a loop over one region does one compare per access
    // instead of an array load and a field load (reset per run and after helper calls). ch
    // starts at 0, the NULL id, with an empty view, so a NULL access still faults.
    // A base proven not below its region (memBaseInRegion) needs no sign correction.
    const id = f?.memBaseInRegion === true ? bh : bh === "0" ? `(-(${bl} >> 31))` : `(${bh} - (${bl} >> 31))`;
    w(`if (${id} !== ch) { ch = ${id}; R = RG[ch]; cv = R.view; }`);
    return "cv";
  }
  w(`o = (${bl} >>> 0) + ${num(off, pc)};`);
  // The region object is cached by id, keeping R === RG[ch] (size/view are read fresh: a rebind
  // changes them). ch starts at 0, the NULL id, with R undefined.
  w(`if (${bh} !== ch) { ch = ${bh}; R = RG[ch]; }`);
  const cond = `R === undefined || o < 0 || o > R.size - ${num(size, pc)}${write ? " || !R.writable" : ""}`;
  w(
    `if (${cond}) { R = addr(${bh}, ${bl}, ${num(off, pc)}, ${num(size, pc)}, ${write ? "true" : "false"}, ${num(pc)}); o = S[0] >>> 0; ch = R.id; }`,
  );
  return "R.view";
}

export function emitLoad(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const { w, pc } = ctx;
  const d = OP_DESC[op]!;
  if (d.kind !== "ldx" && d.kind !== "ldxsx") return false;
  const v = address(ctx, insn.src, insn.off, d.width, false);
  const dl = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  switch (op) {
    case Op.LDX_B:
      w(`${dl} = ${v}.getUint8(o);`);
      break;
    case Op.LDXS_B:
      w(`${dl} = ${v}.getInt8(o);`);
      break;
    case Op.LDX_H:
      w(`${dl} = ${v}.getUint16(o, true);`);
      break;
    case Op.LDXS_H:
      w(`${dl} = ${v}.getInt16(o, true);`);
      break;
    case Op.LDX_W:
    case Op.LDXS_W:
      w(`${dl} = ${v}.getInt32(o, true);`);
      break;
    case Op.LDX_DW:
      w(`${dh} = ${v}.getInt32(o + 4, true);`);
      w(`${dl} = ${v}.getInt32(o, true);`);
      return true;
  }
  w(d.signed ? `${dh} = ${dl} >> 31;` : `${dh} = 0;`);
  return true;
}

export function emitStore(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const { w, pc } = ctx;
  const d = OP_DESC[op]!;
  if (d.kind !== "st" && d.kind !== "stx") return false;
  const v = address(ctx, insn.dst, insn.off, d.width, true);
  // ST stores imm (sign-extended for stdw); STX stores the source register, truncated.
  const imm = d.kind === "st";
  const vl = imm ? num(insn.imm | 0, pc) : lo(insn.src, pc);
  const vh = imm ? num((insn.imm | 0) >> 31, pc) : hiRead(ctx, insn.src);
  switch (d.width) {
    case 1:
      w(`${v}.setInt8(o, ${vl});`);
      break;
    case 2:
      w(`${v}.setInt16(o, ${vl}, true);`);
      break;
    case 4:
      w(`${v}.setInt32(o, ${vl}, true);`);
      break;
    case 8:
      w(`${v}.setInt32(o, ${vl}, true);`);
      w(`${v}.setInt32(o + 4, ${vh}, true);`);
      break;
  }
  return true;
}

/** lock add/or/and/xor [fetch], xchg, cmpxchg — 32-bit (fetched values zero-extended) or 64-bit. */
export function emitAtomic(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const { w, pc } = ctx;
  if (op !== Op.ATOMIC32 && op !== Op.ATOMIC64) return false;
  // The operation is the instruction's imm (ATOMIC_OPS): one Op per width covers them all.
  const aop = insn.imm;
  const wide = op === Op.ATOMIC64;
  const v = address(ctx, insn.dst, insn.off, wide ? 8 : 4, true);
  if (!ATOMIC_OPS.has(aop)) {
    // The interpreter checks the address first, then rejects the operation.
    w(`throw badAtomic(${num(aop | 0, pc)});`);
    return true;
  }
  const sl = lo(insn.src, pc);
  const sh = hi(insn.src, pc);
  // Old value into t (low) and u (high).
  w(`t = ${v}.getInt32(o, true);`);
  w(wide ? `u = ${v}.getInt32(o + 4, true);` : `u = 0;`);
  const put = (l: string, h: string): void => {
    w(`${v}.setInt32(o, ${l}, true);`);
    if (wide) w(`${v}.setInt32(o + 4, ${h}, true);`);
  };
  const base = aop & ~BPF_FETCH;
  if (aop === BPF_CMPXCHG) {
    const cmp = wide ? `t === r0l && u === r0h` : `t === r0l`;
    w(`if (${cmp}) {`);
    put(sl, sh);
    w(`}`);
    w(`r0l = t;`);
    w(`r0h = u;`);
    return true;
  }
  if (aop === BPF_XCHG) {
    put(sl, sh);
  } else if (base === BPF_ADD) {
    if (wide) {
      w(`c = (t >>> 0) + (${sl} >>> 0);`);
      put(`c | 0`, `(u + ${sh} + (c > 4294967295 ? 1 : 0)) | 0`);
    } else {
      put(`(t + ${sl}) | 0`, "0");
    }
  } else if (base === BPF_OR) {
    put(`t | ${sl}`, `u | ${sh}`);
  } else if (base === BPF_AND) {
    put(`t & ${sl}`, `u & ${sh}`);
  } else if (base === BPF_XOR) {
    put(`t ^ ${sl}`, `u ^ ${sh}`);
  } else {
    return false;
  }
  if ((aop & BPF_FETCH) !== 0) {
    w(`${sl} = t;`);
    w(`${sh} = u;`);
  }
  return true;
}

/** lddw with src 0: the 64-bit constant; other pseudo sources must be resolved before the JIT. */
export function emitLddw(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const { w, pc } = ctx;
  if (op !== Op.LDDW || insn.src !== 0) return false;
  w(`${lo(insn.dst, pc)} = ${num(insn.imm | 0, pc)};`);
  w(`${hi(insn.dst, pc)} = ${num(insn.imm2 | 0, pc)};`);
  return true;
}
