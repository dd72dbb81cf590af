/**
 * Code for ALU (32-bit) and ALU64 instructions, END (le/be/bswap) included, on int32 halves.
 *
 * Semantics (bpf-isa-summary §3.1, §4): ALU64 K sign-extends imm to 64 bits; ALU uses the low
 * 32 bits and zeroes the high half (rule 1); shifts mask their count (rule 7, and JS `<<`
 * already masks by 31); x/0 = 0, x%0 = x (rule 3); INT_MIN sdiv -1 wraps (rule 4).
 * 32-bit ops compile to `|0` arithmetic; 64-bit add/sub carry through an unsigned compare;
 * multiply, divide and register shifts call `arith64.ts` (result low half returned, high half
 * in `S[0]`). Returns false for an encoding with no defined meaning (the caller emits a trap).
 */
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_END,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_TO_BE,
  BPF_X,
  BPF_XOR,
  opClass,
  opCode,
  opSource,
  type Insn,
} from "../isa.js";
import { ptrKnown, u31Known } from "./facts.js";
import { hi, hiRead, lo, num, type EmitCtx } from "./source.js";

export function emitAlu(ctx: EmitCtx, insn: Insn): boolean {
  const is64 = opClass(insn.opcode) === BPF_ALU64;
  const code = opCode(insn.opcode);
  if (code === BPF_END) return emitEnd(ctx, insn, is64);
  const x = opSource(insn.opcode) === BPF_X;
  if (code === BPF_NEG && x) return false;
  return is64 ? alu64(ctx, insn, code, x) : alu32(ctx, insn, code, x);
}

function alu32(ctx: EmitCtx, insn: Insn, code: number, x: boolean): boolean {
  const { w, pc } = ctx;
  const d = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  const s = x ? lo(insn.src, pc) : num(insn.imm | 0, pc);
  // Like the interpreter, `off` selects the signed forms only for its exact values (sdiv/smod:
  // 1; movsx: 8/16 with a register source) and is otherwise ignored.
  const signedOp = insn.off === 1;
  const off = x ? insn.off : 0;
  switch (code) {
    case BPF_ADD:
      w(`${d} = (${d} + ${s}) | 0;`);
      break;
    case BPF_SUB:
      w(`${d} = (${d} - ${s}) | 0;`);
      break;
    case BPF_MUL:
      w(`${d} = Math.imul(${d}, ${s});`);
      break;
    case BPF_DIV:
      if (!x && insn.imm === 0) w(`${d} = 0;`);
      else if (signedOp) w(x ? `${d} = ${s} === 0 ? 0 : (${d} / ${s}) | 0;` : `${d} = (${d} / ${s}) | 0;`);
      else
        w(
          x
            ? `${d} = ${s} === 0 ? 0 : ((${d} >>> 0) / (${s} >>> 0)) | 0;`
            : `${d} = ((${d} >>> 0) / ${num(insn.imm >>> 0, pc)}) | 0;`,
        );
      break;
    case BPF_MOD:
      if (!x && insn.imm === 0) break; // dst keeps its low half; the high half is zeroed below
      if (signedOp) w(x ? `${d} = ${s} === 0 ? ${d} : (${d} % ${s}) | 0;` : `${d} = (${d} % ${s}) | 0;`);
      else
        w(
          x
            ? `${d} = ${s} === 0 ? ${d} : ((${d} >>> 0) % (${s} >>> 0)) | 0;`
            : `${d} = ((${d} >>> 0) % ${num(insn.imm >>> 0, pc)}) | 0;`,
        );
      break;
    case BPF_OR:
      w(`${d} = ${d} | ${s};`);
      break;
    case BPF_AND:
      w(`${d} = ${d} & ${s};`);
      break;
    case BPF_XOR:
      w(`${d} = ${d} ^ ${s};`);
      break;
    case BPF_LSH:
      w(`${d} = ${d} << ${s};`);
      break;
    case BPF_RSH:
      w(`${d} = (${d} >>> ${s}) | 0;`);
      break;
    case BPF_ARSH:
      w(`${d} = ${d} >> ${s};`);
      break;
    case BPF_NEG:
      w(`${d} = (-${d}) | 0;`);
      break;
    case BPF_MOV:
      if (x && off === 8) w(`${d} = (${s} << 24) >> 24;`);
      else if (x && off === 16) w(`${d} = (${s} << 16) >> 16;`);
      else w(`${d} = ${s};`);
      break;
    default:
      return false;
  }
  w(`${dh} = 0;`);
  return true;
}

function alu64(ctx: EmitCtx, insn: Insn, code: number, x: boolean): boolean {
  const { w, pc } = ctx;
  const dl = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  const imm = insn.imm | 0;
  // K operands: imm sign-extended to 64 bits, as literals V8 can fold.
  const sl = x ? lo(insn.src, pc) : num(imm, pc);
  const sh = x ? hiRead(ctx, insn.src) : num(imm >> 31, pc);
  const dhr = hiRead(ctx, insn.dst);
  const off = insn.off;
  const movOff = x && (off === 8 || off === 16 || off === 32) ? off : 0;
  // Trusted facts that rule out a carry: a pointer whose offset stays in [0, 2^31) before and
  // after (never one that dips below its region: that borrows from the id), or two values below 2^31.
  const ptr = ctx.trusted && ptrKnown(ctx.facts, pc, insn.dst);
  const small = ctx.trusted && u31Known(ctx.facts, pc, insn.dst) && (x ? u31Known(ctx.facts, pc, insn.src) : imm >= 0);
  switch (code) {
    case BPF_ADD:
    case BPF_SUB:
      if (ptr || (small && code === BPF_ADD)) {
        w(`${dl} = (${dl} ${code === BPF_ADD ? "+" : "-"} ${sl}) | 0;`);
        if (!ptr) w(`${dh} = 0;`);
        break;
      }
      if (code === BPF_SUB) {
        w(`t = (${dl} >>> 0) - ${x ? `(${sl} >>> 0)` : num(imm >>> 0, pc)};`);
        w(`${dh} = (${dhr} - ${sh} - (t < 0 ? 1 : 0)) | 0;`);
        w(`${dl} = t | 0;`);
        break;
      }
      w(`t = (${dl} >>> 0) + ${x ? `(${sl} >>> 0)` : num(imm >>> 0, pc)};`);
      w(`${dh} = (${dhr} + ${sh} + (t > 4294967295 ? 1 : 0)) | 0;`);
      w(`${dl} = t | 0;`);
      break;
    case BPF_MUL:
      w(`${dl} = mul64(${dl}, ${dhr}, ${sl}, ${sh});`);
      w(`${dh} = S[0];`);
      break;
    case BPF_DIV:
    case BPF_MOD:
      if (off !== 1 && dhr === "0" && sh === "0") {
        // Trusted facts put both operands below 2^32: the unsigned 64-bit result is the 32-bit
        // one (as alu32 computes it), with no call. Division by zero: 0; modulo: dst unchanged.
        const s32 = x ? `(${sl} >>> 0)` : num(imm >>> 0, pc);
        if (code === BPF_DIV)
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
      w(
        `${dl} = ${off === 1 ? "sdiv64" : "udiv64"}(${dl}, ${dhr}, ${sl}, ${sh}, ${code === BPF_MOD ? "true" : "false"});`,
      );
      w(`${dh} = S[0];`);
      break;
    case BPF_OR:
      w(`${dl} = ${dl} | ${sl};`);
      w(`${dh} = ${dhr} | ${sh};`);
      break;
    case BPF_AND:
      w(`${dl} = ${dl} & ${sl};`);
      w(`${dh} = ${dhr} & ${sh};`);
      break;
    case BPF_XOR:
      w(`${dl} = ${dl} ^ ${sl};`);
      w(`${dh} = ${dhr} ^ ${sh};`);
      break;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH:
      if (x) {
        const fn = code === BPF_LSH ? "lsh64" : code === BPF_RSH ? "rsh64" : "arsh64";
        w(`${dl} = ${fn}(${dl}, ${dhr}, ${sl} & 63);`);
        w(`${dh} = S[0];`);
      } else {
        shiftConst(ctx, dl, dh, dhr, code, imm & 63);
      }
      break;
    case BPF_NEG:
      w(`${dh} = (${dl} === 0 ? -${dhr} : ~${dhr}) | 0;`);
      w(`${dl} = (-${dl}) | 0;`);
      break;
    case BPF_MOV:
      if (movOff === 8) w(`${dl} = (${sl} << 24) >> 24;`);
      else if (movOff === 16) w(`${dl} = (${sl} << 16) >> 16;`);
      else if (movOff === 32 || !x) w(`${dl} = ${sl};`);
      if (!x) {
        w(`${dh} = ${num(imm >> 31, pc)};`);
      } else if (movOff !== 0) {
        w(`${dh} = ${dl} >> 31;`);
      } else {
        w(`${dl} = ${sl};`);
        w(`${dh} = ${sh};`);
      }
      break;
    default:
      return false;
  }
  return true;
}

/** 64-bit shift by a constant count k (0..63): straight-line code, no call. */
function shiftConst(ctx: EmitCtx, dl: string, dh: string, dhr: string, code: number, k: number): void {
  const { w, pc } = ctx;
  if (k === 0) return;
  const n = (v: number): string => num(v, pc);
  if (code === BPF_LSH) {
    if (k < 32) {
      w(`${dh} = (${dhr} << ${n(k)}) | (${dl} >>> ${n(32 - k)});`);
      w(`${dl} = ${dl} << ${n(k)};`);
    } else {
      w(`${dh} = ${dl} << ${n(k - 32)};`);
      w(`${dl} = 0;`);
    }
  } else if (code === BPF_RSH) {
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
 * le (ALU, TO_LE), be (ALU, TO_BE) and bswap (ALU64). As in the interpreter: `le` truncates to
 * 16 or 32 bits and is a no-op for any other imm; `be`/`bswap` swap 16 or 32 bits, and 64 for
 * any other imm (the structural check rejects widths outside 16/32/64 before this matters).
 */
function emitEnd(ctx: EmitCtx, insn: Insn, is64: boolean): boolean {
  const { w, pc } = ctx;
  if (is64 && opSource(insn.opcode) === BPF_X) return false;
  const width = insn.imm;
  const dl = lo(insn.dst, pc);
  const dh = hi(insn.dst, pc);
  const swap = is64 || opSource(insn.opcode) === BPF_TO_BE;
  if (!swap) {
    // To little-endian on a little-endian machine: truncate only.
    if (width === 16) w(`${dl} = ${dl} & 65535;`);
    if (width === 16 || width === 32) w(`${dh} = 0;`);
    return true;
  }
  if (width === 16) {
    w(`${dl} = ((${dl} & 255) << 8) | ((${dl} >>> 8) & 255);`);
    w(`${dh} = 0;`);
  } else if (width === 32) {
    w(`${dl} = bswap32(${dl});`);
    w(`${dh} = 0;`);
  } else {
    w(`t = ${dl};`);
    w(`${dl} = bswap32(${dh});`);
    w(`${dh} = bswap32(t);`);
  }
  return true;
}
