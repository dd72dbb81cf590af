/**
 * Code for ALU (32-bit) and ALU64 instructions, END (le/be/bswap) included, on int32 halves.
 *
 * Semantics (bpf-isa-summary §3.1, §4): ALU64 K sign-extends imm to 64 bits; ALU uses the low
 * 32 bits and zeroes the high half (rule 1); shifts mask their count (rule 7, and JS `<<`
 * already masks by 31); x/0 = 0, x%0 = x (rule 3); INT_MIN sdiv -1 wraps (rule 4).
 * 32-bit ops compile to `|0` arithmetic; 64-bit add/sub carry through an unsigned compare;
 * multiply, divide and register shifts call `arith64.ts` (result low half returned, high half
 * in `S[0]`). Returns false for an `Op` that is not an ALU or byte-order instruction.
 */
import { BPF_ALU64, BPF_X, OP_DESC, Op, type Insn } from "../isa.js";
import { ptrKnown, u31Known } from "./facts.js";
import { hi, hiRead, lo, num, type EmitCtx } from "./source.js";

/** Code for the ALU or byte-order instruction `op` (decoded from `insn` by the caller). */
export function emitAlu(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const d = OP_DESC[op]!;
  if (d.kind === "end") return emitEnd(ctx, op, insn);
  if (d.kind !== "alu") return false;
  const x = d.source === BPF_X;
  return d.cls === BPF_ALU64 ? alu64(ctx, op, insn, x) : alu32(ctx, op, insn, x);
}

function alu32(ctx: EmitCtx, op: Op, insn: Insn, x: boolean): boolean {
  const { w, pc } = ctx;
  const d = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  const s = x ? lo(insn.src, pc) : num(insn.imm | 0, pc);
  switch (op) {
    case Op.ADD32_K:
    case Op.ADD32_X:
      w(`${d} = (${d} + ${s}) | 0;`);
      break;
    case Op.SUB32_K:
    case Op.SUB32_X:
      w(`${d} = (${d} - ${s}) | 0;`);
      break;
    case Op.MUL32_K:
    case Op.MUL32_X:
      w(`${d} = Math.imul(${d}, ${s});`);
      break;
    case Op.DIV32_K:
    case Op.DIV32_X:
    case Op.SDIV32_K:
    case Op.SDIV32_X:
      if (!x && insn.imm === 0) w(`${d} = 0;`);
      else if (OP_DESC[op]!.signed) w(x ? `${d} = ${s} === 0 ? 0 : (${d} / ${s}) | 0;` : `${d} = (${d} / ${s}) | 0;`);
      else
        w(
          x
            ? `${d} = ${s} === 0 ? 0 : ((${d} >>> 0) / (${s} >>> 0)) | 0;`
            : `${d} = ((${d} >>> 0) / ${num(insn.imm >>> 0, pc)}) | 0;`,
        );
      break;
    case Op.MOD32_K:
    case Op.MOD32_X:
    case Op.SMOD32_K:
    case Op.SMOD32_X:
      if (!x && insn.imm === 0) break; // dst keeps its low half; the high half is zeroed below
      if (OP_DESC[op]!.signed) w(x ? `${d} = ${s} === 0 ? ${d} : (${d} % ${s}) | 0;` : `${d} = (${d} % ${s}) | 0;`);
      else
        w(
          x
            ? `${d} = ${s} === 0 ? ${d} : ((${d} >>> 0) % (${s} >>> 0)) | 0;`
            : `${d} = ((${d} >>> 0) % ${num(insn.imm >>> 0, pc)}) | 0;`,
        );
      break;
    case Op.OR32_K:
    case Op.OR32_X:
      w(`${d} = ${d} | ${s};`);
      break;
    case Op.AND32_K:
    case Op.AND32_X:
      w(`${d} = ${d} & ${s};`);
      break;
    case Op.XOR32_K:
    case Op.XOR32_X:
      w(`${d} = ${d} ^ ${s};`);
      break;
    case Op.LSH32_K:
    case Op.LSH32_X:
      w(`${d} = ${d} << ${s};`);
      break;
    case Op.RSH32_K:
    case Op.RSH32_X:
      w(`${d} = (${d} >>> ${s}) | 0;`);
      break;
    case Op.ARSH32_K:
    case Op.ARSH32_X:
      w(`${d} = ${d} >> ${s};`);
      break;
    case Op.NEG32:
      w(`${d} = (-${d}) | 0;`);
      break;
    case Op.MOVSX8_32:
      w(`${d} = (${s} << 24) >> 24;`);
      break;
    case Op.MOVSX16_32:
      w(`${d} = (${s} << 16) >> 16;`);
      break;
    case Op.MOV32_K:
    case Op.MOV32_X:
      w(`${d} = ${s};`);
      break;
    default:
      return false;
  }
  w(`${dh} = 0;`);
  return true;
}

function alu64(ctx: EmitCtx, op: Op, insn: Insn, x: boolean): boolean {
  const { w, pc } = ctx;
  const dl = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  const imm = insn.imm | 0;
  // K operands: imm sign-extended to 64 bits, as literals V8 can fold.
  const sl = x ? lo(insn.src, pc) : num(imm, pc);
  const sh = x ? hiRead(ctx, insn.src) : num(imm >> 31, pc);
  const dhr = hiRead(ctx, insn.dst);
  // Trusted facts that rule out a carry: a pointer whose offset stays in [0, 2^31) before and
  // after (never one that dips below its region: that borrows from the id), or two values below 2^31.
  const ptr = ctx.trusted && ptrKnown(ctx.facts, pc, insn.dst);
  const small = ctx.trusted && u31Known(ctx.facts, pc, insn.dst) && (x ? u31Known(ctx.facts, pc, insn.src) : imm >= 0);
  switch (op) {
    case Op.ADD64_K:
    case Op.ADD64_X:
    case Op.SUB64_K:
    case Op.SUB64_X: {
      const add = op === Op.ADD64_K || op === Op.ADD64_X;
      if (ptr || (small && add)) {
        w(`${dl} = (${dl} ${add ? "+" : "-"} ${sl}) | 0;`);
        if (!ptr) w(`${dh} = 0;`);
        break;
      }
      if (!add) {
        w(`t = (${dl} >>> 0) - ${x ? `(${sl} >>> 0)` : num(imm >>> 0, pc)};`);
        w(`${dh} = (${dhr} - ${sh} - (t < 0 ? 1 : 0)) | 0;`);
        w(`${dl} = t | 0;`);
        break;
      }
      w(`t = (${dl} >>> 0) + ${x ? `(${sl} >>> 0)` : num(imm >>> 0, pc)};`);
      w(`${dh} = (${dhr} + ${sh} + (t > 4294967295 ? 1 : 0)) | 0;`);
      w(`${dl} = t | 0;`);
      break;
    }
    case Op.MUL64_K:
    case Op.MUL64_X:
      w(`${dl} = mul64(${dl}, ${dhr}, ${sl}, ${sh});`);
      w(`${dh} = S[0];`);
      break;
    case Op.DIV64_K:
    case Op.DIV64_X:
    case Op.SDIV64_K:
    case Op.SDIV64_X:
    case Op.MOD64_K:
    case Op.MOD64_X:
    case Op.SMOD64_K:
    case Op.SMOD64_X: {
      const div = op === Op.DIV64_K || op === Op.DIV64_X || op === Op.SDIV64_K || op === Op.SDIV64_X;
      const signed = OP_DESC[op]!.signed;
      if (!signed && dhr === "0" && sh === "0") {
        // Trusted facts put both operands below 2^32: the unsigned 64-bit result is the 32-bit
        // one (as alu32 computes it), with no call. Division by zero: 0; modulo: dst unchanged.
        const s32 = x ? `(${sl} >>> 0)` : num(imm >>> 0, pc);
        if (div)
          w(
            !x && imm === 0
              ? `${dl} = 0;`
              : x
                ? `${dl} = ${sl} === 0 ? 0 : ((${dl} >>> 0) / ${s32}) | 0;`
                : `${dl} = ((${dl} >>> 0) / ${s32}) | 0;`,
          );
        else if (x) w(`${dl} = ${sl} === 0 ? ${dl} : ((${dl} >>> 0) % ${s32}) | 0;`);
        else if (imm !== 0) w(`${dl} = ((${dl} >>> 0) % ${s32}) | 0;`);
        w(`${dh} = 0;`);
        break;
      }
      w(`${dl} = ${signed ? "sdiv64" : "udiv64"}(${dl}, ${dhr}, ${sl}, ${sh}, ${div ? "false" : "true"});`);
      w(`${dh} = S[0];`);
      break;
    }
    case Op.OR64_K:
    case Op.OR64_X:
      w(`${dl} = ${dl} | ${sl};`);
      w(`${dh} = ${dhr} | ${sh};`);
      break;
    case Op.AND64_K:
    case Op.AND64_X:
      w(`${dl} = ${dl} & ${sl};`);
      w(`${dh} = ${dhr} & ${sh};`);
      break;
    case Op.XOR64_K:
    case Op.XOR64_X:
      w(`${dl} = ${dl} ^ ${sl};`);
      w(`${dh} = ${dhr} ^ ${sh};`);
      break;
    case Op.LSH64_K:
    case Op.RSH64_K:
    case Op.ARSH64_K:
      shiftConst(ctx, dl, dh, dhr, op, imm & 63);
      break;
    case Op.LSH64_X:
    case Op.RSH64_X:
    case Op.ARSH64_X: {
      const fn = op === Op.LSH64_X ? "lsh64" : op === Op.RSH64_X ? "rsh64" : "arsh64";
      w(`${dl} = ${fn}(${dl}, ${dhr}, ${sl} & 63);`);
      w(`${dh} = S[0];`);
      break;
    }
    case Op.NEG64:
      w(`${dh} = (${dl} === 0 ? -${dhr} : ~${dhr}) | 0;`);
      w(`${dl} = (-${dl}) | 0;`);
      break;
    case Op.MOV64_K:
      w(`${dl} = ${sl};`);
      w(`${dh} = ${num(imm >> 31, pc)};`);
      break;
    case Op.MOV64_X:
      w(`${dl} = ${sl};`);
      w(`${dh} = ${sh};`);
      break;
    case Op.MOVSX8_64:
    case Op.MOVSX16_64:
    case Op.MOVSX32_64:
      if (op === Op.MOVSX8_64) w(`${dl} = (${sl} << 24) >> 24;`);
      else if (op === Op.MOVSX16_64) w(`${dl} = (${sl} << 16) >> 16;`);
      else w(`${dl} = ${sl};`);
      w(`${dh} = ${dl} >> 31;`);
      break;
    default:
      return false;
  }
  return true;
}

/** 64-bit shift by a constant count k (0..63): straight-line code, no call. */
function shiftConst(ctx: EmitCtx, dl: string, dh: string, dhr: string, op: Op, k: number): void {
  const { w, pc } = ctx;
  if (k === 0) return;
  const n = (v: number): string => num(v, pc);
  if (op === Op.LSH64_K) {
    if (k < 32) {
      w(`${dh} = (${dhr} << ${n(k)}) | (${dl} >>> ${n(32 - k)});`);
      w(`${dl} = ${dl} << ${n(k)};`);
    } else {
      w(`${dh} = ${dl} << ${n(k - 32)};`);
      w(`${dl} = 0;`);
    }
  } else if (op === Op.RSH64_K) {
    if (k < 32) {
      w(`${dl} = (${dl} >>> ${n(k)}) | (${dhr} << ${n(32 - k)});`);
      w(`${dh} = (${dhr} >>> ${n(k)}) | 0;`);
    } else {
      w(`${dl} = (${dhr} >>> ${n(k - 32)}) | 0;`);
      w(`${dh} = 0;`);
    }
  } else {
    if (k < 32) {
      w(`${dl} = (${dl} >>> ${n(k)}) | (${dhr} << ${n(32 - k)});`);
      w(`${dh} = ${dhr} >> ${n(k)};`);
    } else {
      w(`${dl} = ${dhr} >> ${n(k - 32)};`);
      w(`${dh} = ${dhr} >> 31;`);
    }
  }
}

/**
 * le, be and bswap. As in the interpreter: `le` truncates to 16 or 32 bits and is a no-op for
 * 64; `be`/`bswap` swap 16, 32 or 64 bits (`opOf` names an imm outside 16/32/64 as the 64-bit
 * form; the structural check rejects it before this matters).
 */
function emitEnd(ctx: EmitCtx, op: Op, insn: Insn): boolean {
  const { w, pc } = ctx;
  const dl = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  switch (op) {
    // To little-endian on a little-endian machine: truncate only.
    case Op.LE16:
      w(`${dl} = ${dl} & 65535;`);
      w(`${dh} = 0;`);
      break;
    case Op.LE32:
      w(`${dh} = 0;`);
      break;
    case Op.LE64:
      break;
    case Op.BE16:
    case Op.BSWAP16:
      w(`${dl} = ((${dl} & 255) << 8) | ((${dl} >>> 8) & 255);`);
      w(`${dh} = 0;`);
      break;
    case Op.BE32:
    case Op.BSWAP32:
      w(`${dl} = bswap32(${dl});`);
      w(`${dh} = 0;`);
      break;
    case Op.BE64:
    case Op.BSWAP64:
      w(`t = ${dl};`);
      w(`${dl} = bswap32(${dh});`);
      w(`${dh} = bswap32(t);`);
      break;
    default:
      return false;
  }
  return true;
}
