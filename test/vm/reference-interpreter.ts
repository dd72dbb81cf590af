/**
 * A slow, obviously-correct BigInt model of straight-line eBPF: ALU and ALU64 (every operation,
 * K and X forms, sdiv/smod, movsx, le/be/bswap), lddw (src=0) and exit. It exists only to
 * cross-check the fast interpreter in property tests, so it favours transcribing RFC 9669 §4
 * literally over speed. No jumps, memory, calls.
 */
import {
  BPF_ADD,
  BPF_ALU,
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
  BPF_X,
  BPF_XOR,
  OP_EXIT,
  OP_LDDW,
  opClass,
  opCode,
  opSource,
  type Insn,
} from "../../src/vm/isa.js";

const M32 = (1n << 32n) - 1n;
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

function swapBytes(v: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function alu64(code: number, off: number, a: bigint, b: bigint): bigint {
  switch (code) {
    case BPF_ADD:
      return u64(a + b);
    case BPF_SUB:
      return u64(a - b);
    case BPF_MUL:
      return u64(a * b);
    case BPF_DIV:
      if (b === 0n) return 0n;
      return off === 1 ? u64(s64(a) / s64(b)) : a / b;
    case BPF_MOD:
      if (b === 0n) return a;
      return off === 1 ? u64(s64(a) % s64(b)) : a % b;
    case BPF_OR:
      return a | b;
    case BPF_AND:
      return a & b;
    case BPF_XOR:
      return a ^ b;
    case BPF_LSH:
      return u64(a << (b & 63n));
    case BPF_RSH:
      return a >> (b & 63n);
    case BPF_ARSH:
      return u64(s64(a) >> (b & 63n));
    case BPF_NEG:
      return u64(-a);
    case BPF_MOV:
      if (off === 8) return u64(BigInt.asIntN(8, b));
      if (off === 16) return u64(BigInt.asIntN(16, b));
      if (off === 32) return u64(s32(b));
      return b;
  }
  throw new Error(`reference: ALU64 code ${code} not modelled`);
}

function alu32(code: number, off: number, a: bigint, b: bigint): bigint {
  switch (code) {
    case BPF_ADD:
      return u32(a + b);
    case BPF_SUB:
      return u32(a - b);
    case BPF_MUL:
      return u32(a * b);
    case BPF_DIV:
      if (b === 0n) return 0n;
      return off === 1 ? u32(s32(a) / s32(b)) : a / b;
    case BPF_MOD:
      if (b === 0n) return a;
      return off === 1 ? u32(s32(a) % s32(b)) : a % b;
    case BPF_OR:
      return a | b;
    case BPF_AND:
      return a & b;
    case BPF_XOR:
      return a ^ b;
    case BPF_LSH:
      return u32(a << (b & 31n));
    case BPF_RSH:
      return a >> (b & 31n);
    case BPF_ARSH:
      return u32(s32(a) >> (b & 31n));
    case BPF_NEG:
      return u32(-a);
    case BPF_MOV:
      if (off === 8) return u32(BigInt.asIntN(8, b));
      if (off === 16) return u32(BigInt.asIntN(16, b));
      return b;
  }
  throw new Error(`reference: ALU code ${code} not modelled`);
}

/** Run a straight-line program (one Insn per slot); returns r0..r10 as u64. */
export function referenceRun(insns: readonly Insn[], init: readonly bigint[] = []): bigint[] {
  const r: bigint[] = Array.from({ length: 11 }, (_, i) => u64(init[i] ?? 0n));
  for (let pc = 0; pc < insns.length; pc++) {
    const ins = insns[pc]!;
    if (ins.opcode === OP_EXIT) return r;
    if (ins.opcode === OP_LDDW) {
      r[ins.dst] = (u32(BigInt(ins.imm2)) << 32n) | u32(BigInt(ins.imm));
      pc++;
      continue;
    }
    const cls = opClass(ins.opcode);
    const code = opCode(ins.opcode);
    const x = opSource(ins.opcode) === BPF_X;
    if (code === BPF_END) {
      const width = ins.imm;
      const v = r[ins.dst]!;
      const bswap = cls === BPF_ALU64 || x; // be on a little-endian host, or bswap
      const low = v & ((1n << BigInt(width)) - 1n);
      r[ins.dst] = bswap ? swapBytes(low, width / 8) : low;
      continue;
    }
    if (cls === BPF_ALU64) {
      const b = x ? r[ins.src]! : u64(BigInt(ins.imm)); // imm sign-extended to 64 bits
      r[ins.dst] = alu64(code, ins.off, r[ins.dst]!, b);
    } else if (cls === BPF_ALU) {
      const b = x ? r[ins.src]! & M32 : u32(BigInt(ins.imm));
      r[ins.dst] = alu32(code, ins.off, r[ins.dst]! & M32, b);
    } else {
      throw new Error(`reference: opcode 0x${ins.opcode.toString(16)} is not straight-line ALU`);
    }
  }
  return r;
}
