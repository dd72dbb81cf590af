/**
 * The reference execution engine: a switch-dispatch interpreter over pre-decoded instructions.
 *
 * At construction every slot is mapped to a dense handler code (`H`, local to this file so that
 * the TypeScript/esbuild compilers inline the numbers and the switch becomes a jump table) and
 * its operands are unpacked into one strided Int32Array (4 words per slot: code and register
 * word indexes, the K operand as u32 halves already sign-extended for 64-bit forms per RFC 9669
 * §3.3, and the memory offset or the absolute target of a jump/local call). Measured: the
 * strided layout runs least_loaded ~1.2-1.5x faster than one typed array per field. Registers live in one `Uint32Array` of lo/hi halves (helper-abi.ts),
 * which helpers read and write in place; BigInt is used only for 64-bit division of operands
 * wider than 53 bits.
 *
 * Every load/store goes through `AddressSpace.resolve` (region by high word, bounds, write
 * permission). The stack is one region of 8 frames x 512 bytes; a local call moves r10 down one
 * frame and saves r6-r9 and r10 (bpf-isa-summary §3.4). Frames are zeroed lazily: only when the
 * previous run could have written them. Deliberately omitted: `lddw` pseudo sources other than
 * 0 (a loader must resolve map/func references first), legacy packet loads (rejected by the
 * structural check), tail calls. Input must have passed `checkStructure` (validate.ts): register
 * numbers and jump targets are trusted here.
 */
import { BytecodeError, VmTrap } from "../errors.js";
import { DEFAULT_BUDGET, type Engine, type EngineFactory, type EngineOptions } from "./engine.js";
import { REG_WORDS, type HelperFn, type RegisterFile } from "./helper-abi.js";
import { arsh64, atomic, bswap16, bswap32, lsh64, mul64, rsh64, scmp64, sdivmod64, ucmp64, udivmod64 } from "./interpreter-arith.js";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_DIV,
  BPF_DW,
  BPF_H,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_ATOMIC,
  BPF_END,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XOR,
  BPF_PSEUDO_CALL,
  MAX_CALL_DEPTH,
  OP_CALL,
  OP_CALLX,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  OP_LDDW,
  opClass,
  MAX_STACK,
  type Insn,
} from "./isa.js";
import type { AddressSpace, Region } from "./memory.js";

const STACK_SIZE = MAX_STACK * MAX_CALL_DEPTH;

/** Dense handler codes; local to this file so the numbers are inlined into the switch. */
const enum H {
  BAD, END_OF_PROGRAM, NOP,
  ADD64_K, ADD64_X, SUB64_K, SUB64_X, MUL64_K, MUL64_X, DIV64_K, DIV64_X, SDIV64_K, SDIV64_X,
  MOD64_K, MOD64_X, SMOD64_K, SMOD64_X, OR64_K, OR64_X, AND64_K, AND64_X, XOR64_K, XOR64_X,
  LSH64_K, LSH64_X, RSH64_K, RSH64_X, ARSH64_K, ARSH64_X, NEG64, MOV64_K, MOV64_X,
  MOVSX8_64, MOVSX16_64, MOVSX32_64,
  ADD32_K, ADD32_X, SUB32_K, SUB32_X, MUL32_K, MUL32_X, DIV32_K, DIV32_X, SDIV32_K, SDIV32_X,
  MOD32_K, MOD32_X, SMOD32_K, SMOD32_X, OR32_K, OR32_X, AND32_K, AND32_X, XOR32_K, XOR32_X,
  LSH32_K, LSH32_X, RSH32_K, RSH32_X, ARSH32_K, ARSH32_X, NEG32, MOV32_K, MOV32_X,
  MOVSX8_32, MOVSX16_32,
  TRUNC16, TRUNC32, SWAP16, SWAP32, SWAP64,
  JA, JEQ_K, JEQ_X, JNE_K, JNE_X, JSET_K, JSET_X, JGT_K, JGT_X, JGE_K, JGE_X, JLT_K, JLT_X,
  JLE_K, JLE_X, JSGT_K, JSGT_X, JSGE_K, JSGE_X, JSLT_K, JSLT_X, JSLE_K, JSLE_X,
  JEQ32_K, JEQ32_X, JNE32_K, JNE32_X, JSET32_K, JSET32_X, JGT32_K, JGT32_X, JGE32_K, JGE32_X,
  JLT32_K, JLT32_X, JLE32_K, JLE32_X, JSGT32_K, JSGT32_X, JSGE32_K, JSGE32_X, JSLT32_K, JSLT32_X,
  JSLE32_K, JSLE32_X,
  LDX_B, LDX_H, LDX_W, LDX_DW, LDXS_B, LDXS_H, LDXS_W,
  ST_B, ST_H, ST_W, ST_DW, STX_B, STX_H, STX_W, STX_DW, ATOMIC32, ATOMIC64,
  LDDW, CALL, CALLX, CALL_LOCAL, EXIT,
}

/** Opcode byte -> handler for everything whose handler depends on the opcode alone. */
const BY_OPCODE = new Map<number, H>();
/** (opcode, off) -> handler for the signed forms selected by `off` (RFC 9669 §4.1: sdiv, smod, movsx). */
const BY_OFFSET = new Map<number, H>();

function buildTables(): void {
  const alu: ReadonlyArray<readonly [number, H, H, H, H]> = [
    [BPF_ADD, H.ADD64_K, H.ADD64_X, H.ADD32_K, H.ADD32_X],
    [BPF_SUB, H.SUB64_K, H.SUB64_X, H.SUB32_K, H.SUB32_X],
    [BPF_MUL, H.MUL64_K, H.MUL64_X, H.MUL32_K, H.MUL32_X],
    [BPF_DIV, H.DIV64_K, H.DIV64_X, H.DIV32_K, H.DIV32_X],
    [BPF_MOD, H.MOD64_K, H.MOD64_X, H.MOD32_K, H.MOD32_X],
    [BPF_OR, H.OR64_K, H.OR64_X, H.OR32_K, H.OR32_X],
    [BPF_AND, H.AND64_K, H.AND64_X, H.AND32_K, H.AND32_X],
    [BPF_XOR, H.XOR64_K, H.XOR64_X, H.XOR32_K, H.XOR32_X],
    [BPF_LSH, H.LSH64_K, H.LSH64_X, H.LSH32_K, H.LSH32_X],
    [BPF_RSH, H.RSH64_K, H.RSH64_X, H.RSH32_K, H.RSH32_X],
    [BPF_ARSH, H.ARSH64_K, H.ARSH64_X, H.ARSH32_K, H.ARSH32_X],
    [BPF_MOV, H.MOV64_K, H.MOV64_X, H.MOV32_K, H.MOV32_X],
  ];
  for (const [op, k64, x64, k32, x32] of alu) {
    BY_OPCODE.set(BPF_ALU64 | op | BPF_K, k64);
    BY_OPCODE.set(BPF_ALU64 | op | BPF_X, x64);
    BY_OPCODE.set(BPF_ALU | op | BPF_K, k32);
    BY_OPCODE.set(BPF_ALU | op | BPF_X, x32);
  }
  BY_OPCODE.set(BPF_ALU64 | BPF_NEG | BPF_K, H.NEG64);
  BY_OPCODE.set(BPF_ALU | BPF_NEG | BPF_K, H.NEG32);
  const signed: ReadonlyArray<readonly [number, number, H]> = [
    [BPF_ALU64 | BPF_DIV | BPF_K, 1, H.SDIV64_K], [BPF_ALU64 | BPF_DIV | BPF_X, 1, H.SDIV64_X],
    [BPF_ALU | BPF_DIV | BPF_K, 1, H.SDIV32_K], [BPF_ALU | BPF_DIV | BPF_X, 1, H.SDIV32_X],
    [BPF_ALU64 | BPF_MOD | BPF_K, 1, H.SMOD64_K], [BPF_ALU64 | BPF_MOD | BPF_X, 1, H.SMOD64_X],
    [BPF_ALU | BPF_MOD | BPF_K, 1, H.SMOD32_K], [BPF_ALU | BPF_MOD | BPF_X, 1, H.SMOD32_X],
    [BPF_ALU64 | BPF_MOV | BPF_X, 8, H.MOVSX8_64], [BPF_ALU64 | BPF_MOV | BPF_X, 16, H.MOVSX16_64],
    [BPF_ALU64 | BPF_MOV | BPF_X, 32, H.MOVSX32_64],
    [BPF_ALU | BPF_MOV | BPF_X, 8, H.MOVSX8_32], [BPF_ALU | BPF_MOV | BPF_X, 16, H.MOVSX16_32],
  ];
  for (const [op, off, h] of signed) BY_OFFSET.set(op * 65536 + off, h);
  const jmp: ReadonlyArray<readonly [number, H, H, H, H]> = [
    [BPF_JEQ, H.JEQ_K, H.JEQ_X, H.JEQ32_K, H.JEQ32_X],
    [BPF_JNE, H.JNE_K, H.JNE_X, H.JNE32_K, H.JNE32_X],
    [BPF_JSET, H.JSET_K, H.JSET_X, H.JSET32_K, H.JSET32_X],
    [BPF_JGT, H.JGT_K, H.JGT_X, H.JGT32_K, H.JGT32_X],
    [BPF_JGE, H.JGE_K, H.JGE_X, H.JGE32_K, H.JGE32_X],
    [BPF_JLT, H.JLT_K, H.JLT_X, H.JLT32_K, H.JLT32_X],
    [BPF_JLE, H.JLE_K, H.JLE_X, H.JLE32_K, H.JLE32_X],
    [BPF_JSGT, H.JSGT_K, H.JSGT_X, H.JSGT32_K, H.JSGT32_X],
    [BPF_JSGE, H.JSGE_K, H.JSGE_X, H.JSGE32_K, H.JSGE32_X],
    [BPF_JSLT, H.JSLT_K, H.JSLT_X, H.JSLT32_K, H.JSLT32_X],
    [BPF_JSLE, H.JSLE_K, H.JSLE_X, H.JSLE32_K, H.JSLE32_X],
  ];
  for (const [op, k64, x64, k32, x32] of jmp) {
    BY_OPCODE.set(BPF_JMP | op | BPF_K, k64);
    BY_OPCODE.set(BPF_JMP | op | BPF_X, x64);
    BY_OPCODE.set(BPF_JMP32 | op | BPF_K, k32);
    BY_OPCODE.set(BPF_JMP32 | op | BPF_X, x32);
  }
  const sizes: ReadonlyArray<readonly [number, H, H, H, H | undefined]> = [
    [BPF_B, H.LDX_B, H.ST_B, H.STX_B, H.LDXS_B],
    [BPF_H, H.LDX_H, H.ST_H, H.STX_H, H.LDXS_H],
    [BPF_W, H.LDX_W, H.ST_W, H.STX_W, H.LDXS_W],
    [BPF_DW, H.LDX_DW, H.ST_DW, H.STX_DW, undefined],
  ];
  for (const [size, ldx, st, stx, ldxs] of sizes) {
    BY_OPCODE.set(BPF_LDX | BPF_MEM | size, ldx);
    BY_OPCODE.set(BPF_ST | BPF_MEM | size, st);
    BY_OPCODE.set(BPF_STX | BPF_MEM | size, stx);
    if (ldxs !== undefined) BY_OPCODE.set(BPF_LDX | BPF_MEMSX | size, ldxs);
  }
  BY_OPCODE.set(BPF_STX | BPF_ATOMIC | BPF_W, H.ATOMIC32);
  BY_OPCODE.set(BPF_STX | BPF_ATOMIC | BPF_DW, H.ATOMIC64);
  BY_OPCODE.set(OP_JA, H.JA);
  BY_OPCODE.set(OP_JA32, H.JA);
  BY_OPCODE.set(OP_LDDW, H.LDDW);
  BY_OPCODE.set(OP_CALLX, H.CALLX);
  BY_OPCODE.set(OP_EXIT, H.EXIT);
}
buildTables();

const ALU_END_LE = BPF_ALU | BPF_END | BPF_TO_LE;
const ALU_END_BE = BPF_ALU | BPF_END | BPF_TO_BE;
const ALU64_BSWAP = BPF_ALU64 | BPF_END | BPF_TO_LE;

interface Mapped {
  code: H;
  kLo: number;
  kHi: number;
  target: number;
}

/** Map one (structurally valid) slot to its handler and pre-computed operands. */
function mapInsn(ins: Insn, i: number): Mapped {
  const op = ins.opcode;
  const cls = opClass(op);
  const sext = ins.imm < 0 ? 0xffffffff : 0;
  let code: H | undefined;
  const kLo = ins.imm >>> 0;
  // 64-bit forms (ALU64, JMP, stdw) sign-extend imm; 32-bit forms use it as is (RFC 9669 §3.3).
  let kHi = cls === BPF_ALU64 || cls === BPF_JMP || op === (BPF_ST | BPF_MEM | BPF_DW) ? sext : 0;
  let target = i + 1 + ins.off;
  if (op === OP_CALL) {
    if (ins.src === BPF_PSEUDO_CALL) {
      code = H.CALL_LOCAL;
      target = i + 1 + ins.imm;
    } else code = H.CALL;
  } else if (op === OP_JA32) {
    code = H.JA;
    target = i + 1 + ins.imm;
  } else if (op === OP_LDDW) {
    code = H.LDDW;
    kHi = ins.imm2 >>> 0;
  } else if (op === ALU_END_LE) {
    code = ins.imm === 16 ? H.TRUNC16 : ins.imm === 32 ? H.TRUNC32 : H.NOP;
  } else if (op === ALU_END_BE || op === ALU64_BSWAP) {
    code = ins.imm === 16 ? H.SWAP16 : ins.imm === 32 ? H.SWAP32 : H.SWAP64;
  } else if (ins.off !== 0 && BY_OFFSET.has(op * 65536 + ins.off)) {
    code = BY_OFFSET.get(op * 65536 + ins.off);
  } else {
    code = BY_OPCODE.get(op);
  }
  if (code === undefined) throw new BytecodeError("vm.unsupported", `opcode 0x${op.toString(16).padStart(2, "0")} cannot be executed (run checkStructure first)`, { insn: i });
  return { code, kLo, kHi, target };
}

export class Interpreter implements Engine {
  r0hi = 0;
  executed = 0;
  private readonly regs: RegisterFile = new Uint32Array(REG_WORDS);
  /**
   * Four int32 per slot, strided so one bounds check covers an instruction's operands:
   * [handler | dst word << 8 | src word << 16, K low half, K high half, offset or 4 * target].
   */
  private readonly P: Int32Array;
  /** The same words read as u32 (the K halves). */
  private readonly PU: Uint32Array;
  private readonly helperAt: (HelperFn | undefined)[];
  private readonly mem: AddressSpace;
  private readonly helpers: EngineOptions["helpers"];
  private readonly budget: number;
  private readonly unwind: number;
  private readonly stack: Region;
  /** Lowest stack offset the last run may have written (STACK_SIZE = nothing to clear). */
  private dirtyFrom = 0;
  /** Saved r6-r9, r10 (10 words) per frame, and return addresses. */
  private readonly saved = new Uint32Array(MAX_CALL_DEPTH * 10);
  private readonly ret = new Int32Array(MAX_CALL_DEPTH);

  constructor(insns: readonly Insn[], options: EngineOptions) {
    const n = insns.length;
    this.mem = options.mem;
    this.helpers = options.helpers;
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.unwind = options.unwindHelper ?? -1;
    // One extra slot: falling off the end lands on a trap instead of reading past the arrays.
    this.P = new Int32Array((n + 1) * 4);
    this.PU = new Uint32Array(this.P.buffer);
    this.helperAt = new Array<HelperFn | undefined>(n + 1).fill(undefined);
    for (let i = 0; i < n; i++) {
      const ins = insns[i]!;
      const m = mapInsn(ins, i);
      const jumps = m.code === H.CALL_LOCAL || (m.code >= H.JA && m.code <= H.JSLE32_X);
      this.P[4 * i] = m.code | ((ins.dst * 2) << 8) | ((ins.src * 2) << 16);
      this.PU[4 * i + 1] = m.kLo;
      this.PU[4 * i + 2] = m.kHi;
      this.P[4 * i + 3] = jumps ? 4 * m.target : ins.off;
      if (m.code === H.CALL) this.helperAt[i] = this.helpers.get(ins.imm);
      if (m.code === H.LDDW) {
        if (ins.src !== 0) throw new BytecodeError("vm.lddw-pseudo", `lddw with src=${ins.src} (a map or function reference) must be resolved by a loader before running; expected src=0`, { insn: i });
        this.P[4 * (i + 1)] = H.BAD;
        i++;
      }
    }
    this.P[4 * n] = H.END_OF_PROGRAM;
    this.stack = this.mem.add("stack", new Uint8Array(STACK_SIZE), true);
  }

  /** r0-r10 after the last run, as unsigned 64-bit values. */
  registers(): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < 11; i++) out.push((BigInt(this.regs[2 * i + 1]!) << 32n) | BigInt(this.regs[2 * i]!));
    return out;
  }

  run(r1hi: number, r1lo: number, r2: number): number {
    const R = this.regs;
    // Every register but r1, r2 and r10 starts at 0 (unrolled: cheaper than fill() per run).
    R[0] = 0; R[1] = 0; R[2] = r1lo; R[3] = r1hi; R[4] = r2; R[5] = 0;
    R[6] = 0; R[7] = 0; R[8] = 0; R[9] = 0; R[10] = 0; R[11] = 0;
    R[12] = 0; R[13] = 0; R[14] = 0; R[15] = 0; R[16] = 0; R[17] = 0;
    R[18] = 0; R[19] = 0; R[20] = STACK_SIZE; R[21] = this.stack.id;
    if (this.dirtyFrom < STACK_SIZE) {
      this.stack.bytes.fill(0, this.dirtyFrom);
      this.dirtyFrom = STACK_SIZE;
    }
    const stackId = this.stack.id;
    const { P, PU, mem, budget } = this;
    let p = 0;
    let count = 0;
    let depth = 0;
    let r: Region;
    let a = 0;
    let h = 0;
    for (;;) {
      if (++count > budget) {
        this.executed = count - 1;
        throw new VmTrap("vm.budget", `instruction budget of ${budget} exhausted`, { insn: p >> 2 });
      }
      const w = P[p]!;
      const d = (w >>> 8) & 0xff;
      switch (w & 0xff) {
        // ---- ALU64 ----
        case H.ADD64_K: { const lo = R[d]! + PU[p + 1]!; R[d] = lo; R[d + 1] = R[d + 1]! + PU[p + 2]! + (lo > 0xffffffff ? 1 : 0); break; }
        case H.ADD64_X: { const s = (w >>> 16); const lo = R[d]! + R[s]!; R[d + 1] = R[d + 1]! + R[s + 1]! + (lo > 0xffffffff ? 1 : 0); R[d] = lo; break; }
        case H.SUB64_K: { const lo = R[d]! - PU[p + 1]!; R[d] = lo; R[d + 1] = R[d + 1]! - PU[p + 2]! - (lo < 0 ? 1 : 0); break; }
        case H.SUB64_X: { const s = (w >>> 16); const lo = R[d]! - R[s]!; R[d + 1] = R[d + 1]! - R[s + 1]! - (lo < 0 ? 1 : 0); R[d] = lo; break; }
        case H.MUL64_K: mul64(R, d, PU[p + 1]!, PU[p + 2]!); break;
        case H.MUL64_X: { const s = (w >>> 16); mul64(R, d, R[s]!, R[s + 1]!); break; }
        case H.DIV64_K: udivmod64(R, d, PU[p + 1]!, PU[p + 2]!, false); break;
        case H.DIV64_X: { const s = (w >>> 16); udivmod64(R, d, R[s]!, R[s + 1]!, false); break; }
        case H.SDIV64_K: sdivmod64(R, d, PU[p + 1]!, PU[p + 2]!, false); break;
        case H.SDIV64_X: { const s = (w >>> 16); sdivmod64(R, d, R[s]!, R[s + 1]!, false); break; }
        case H.MOD64_K: udivmod64(R, d, PU[p + 1]!, PU[p + 2]!, true); break;
        case H.MOD64_X: { const s = (w >>> 16); udivmod64(R, d, R[s]!, R[s + 1]!, true); break; }
        case H.SMOD64_K: sdivmod64(R, d, PU[p + 1]!, PU[p + 2]!, true); break;
        case H.SMOD64_X: { const s = (w >>> 16); sdivmod64(R, d, R[s]!, R[s + 1]!, true); break; }
        case H.OR64_K: R[d] = R[d]! | PU[p + 1]!; R[d + 1] = R[d + 1]! | PU[p + 2]!; break;
        case H.OR64_X: { const s = (w >>> 16); R[d] = R[d]! | R[s]!; R[d + 1] = R[d + 1]! | R[s + 1]!; break; }
        case H.AND64_K: R[d] = R[d]! & PU[p + 1]!; R[d + 1] = R[d + 1]! & PU[p + 2]!; break;
        case H.AND64_X: { const s = (w >>> 16); R[d] = R[d]! & R[s]!; R[d + 1] = R[d + 1]! & R[s + 1]!; break; }
        case H.XOR64_K: R[d] = R[d]! ^ PU[p + 1]!; R[d + 1] = R[d + 1]! ^ PU[p + 2]!; break;
        case H.XOR64_X: { const s = (w >>> 16); R[d] = R[d]! ^ R[s]!; R[d + 1] = R[d + 1]! ^ R[s + 1]!; break; }
        case H.LSH64_K: lsh64(R, d, PU[p + 1]! & 63); break;
        case H.LSH64_X: lsh64(R, d, R[(w >>> 16)]! & 63); break;
        case H.RSH64_K: rsh64(R, d, PU[p + 1]! & 63); break;
        case H.RSH64_X: rsh64(R, d, R[(w >>> 16)]! & 63); break;
        case H.ARSH64_K: arsh64(R, d, PU[p + 1]! & 63); break;
        case H.ARSH64_X: arsh64(R, d, R[(w >>> 16)]! & 63); break;
        case H.NEG64: { const lo = R[d]!; R[d] = -lo; R[d + 1] = -R[d + 1]! - (lo !== 0 ? 1 : 0); break; }
        case H.MOV64_K: R[d] = PU[p + 1]!; R[d + 1] = PU[p + 2]!; break;
        case H.MOV64_X: { const s = (w >>> 16); R[d] = R[s]!; R[d + 1] = R[s + 1]!; break; }
        case H.MOVSX8_64: { const v = (R[(w >>> 16)]! << 24) >> 24; R[d] = v; R[d + 1] = v >> 31; break; }
        case H.MOVSX16_64: { const v = (R[(w >>> 16)]! << 16) >> 16; R[d] = v; R[d + 1] = v >> 31; break; }
        case H.MOVSX32_64: { const v = R[(w >>> 16)]! | 0; R[d] = v; R[d + 1] = v >> 31; break; }
        // ---- ALU (32-bit: the result is zero-extended, bpf-isa-summary §4.1) ----
        case H.ADD32_K: R[d] = R[d]! + PU[p + 1]!; R[d + 1] = 0; break;
        case H.ADD32_X: R[d] = R[d]! + R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.SUB32_K: R[d] = R[d]! - PU[p + 1]!; R[d + 1] = 0; break;
        case H.SUB32_X: R[d] = R[d]! - R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.MUL32_K: R[d] = Math.imul(R[d]!, PU[p + 1]!); R[d + 1] = 0; break;
        case H.MUL32_X: R[d] = Math.imul(R[d]!, R[(w >>> 16)]!); R[d + 1] = 0; break;
        case H.DIV32_K: { const b = PU[p + 1]!; R[d] = b === 0 ? 0 : Math.floor(R[d]! / b); R[d + 1] = 0; break; }
        case H.DIV32_X: { const b = R[(w >>> 16)]!; R[d] = b === 0 ? 0 : Math.floor(R[d]! / b); R[d + 1] = 0; break; }
        case H.SDIV32_K: { const b = PU[p + 1]! | 0; R[d] = b === 0 ? 0 : Math.trunc((R[d]! | 0) / b); R[d + 1] = 0; break; }
        case H.SDIV32_X: { const b = R[(w >>> 16)]! | 0; R[d] = b === 0 ? 0 : Math.trunc((R[d]! | 0) / b); R[d + 1] = 0; break; }
        case H.MOD32_K: { const b = PU[p + 1]!; if (b !== 0) R[d] = R[d]! % b; R[d + 1] = 0; break; }
        case H.MOD32_X: { const b = R[(w >>> 16)]!; if (b !== 0) R[d] = R[d]! % b; R[d + 1] = 0; break; }
        case H.SMOD32_K: { const b = PU[p + 1]! | 0; if (b !== 0) R[d] = (R[d]! | 0) % b; R[d + 1] = 0; break; }
        case H.SMOD32_X: { const b = R[(w >>> 16)]! | 0; if (b !== 0) R[d] = (R[d]! | 0) % b; R[d + 1] = 0; break; }
        case H.OR32_K: R[d] = R[d]! | PU[p + 1]!; R[d + 1] = 0; break;
        case H.OR32_X: R[d] = R[d]! | R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.AND32_K: R[d] = R[d]! & PU[p + 1]!; R[d + 1] = 0; break;
        case H.AND32_X: R[d] = R[d]! & R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.XOR32_K: R[d] = R[d]! ^ PU[p + 1]!; R[d + 1] = 0; break;
        case H.XOR32_X: R[d] = R[d]! ^ R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.LSH32_K: R[d] = R[d]! << (PU[p + 1]! & 31); R[d + 1] = 0; break;
        case H.LSH32_X: R[d] = R[d]! << (R[(w >>> 16)]! & 31); R[d + 1] = 0; break;
        case H.RSH32_K: R[d] = R[d]! >>> (PU[p + 1]! & 31); R[d + 1] = 0; break;
        case H.RSH32_X: R[d] = R[d]! >>> (R[(w >>> 16)]! & 31); R[d + 1] = 0; break;
        case H.ARSH32_K: R[d] = (R[d]! | 0) >> (PU[p + 1]! & 31); R[d + 1] = 0; break;
        case H.ARSH32_X: R[d] = (R[d]! | 0) >> (R[(w >>> 16)]! & 31); R[d + 1] = 0; break;
        case H.NEG32: R[d] = -R[d]!; R[d + 1] = 0; break;
        case H.MOV32_K: R[d] = PU[p + 1]!; R[d + 1] = 0; break;
        case H.MOV32_X: R[d] = R[(w >>> 16)]!; R[d + 1] = 0; break;
        case H.MOVSX8_32: R[d] = (R[(w >>> 16)]! << 24) >> 24; R[d + 1] = 0; break;
        case H.MOVSX16_32: R[d] = (R[(w >>> 16)]! << 16) >> 16; R[d + 1] = 0; break;
        // ---- byte order (little-endian host: le = truncate, be = swap) ----
        case H.TRUNC16: R[d] = R[d]! & 0xffff; R[d + 1] = 0; break;
        case H.TRUNC32: R[d + 1] = 0; break;
        case H.NOP: break;
        case H.SWAP16: R[d] = bswap16(R[d]!); R[d + 1] = 0; break;
        case H.SWAP32: R[d] = bswap32(R[d]!); R[d + 1] = 0; break;
        case H.SWAP64: { const lo = R[d]!; R[d] = bswap32(R[d + 1]!); R[d + 1] = bswap32(lo); break; }
        // ---- jumps (tgt = absolute target) ----
        case H.JA: p = P[p + 3]!; continue;
        case H.JEQ_K: if (R[d] === PU[p + 1] && R[d + 1] === PU[p + 2]) { p = P[p + 3]!; continue; } break;
        case H.JEQ_X: { const s = (w >>> 16); if (R[d] === R[s] && R[d + 1] === R[s + 1]) { p = P[p + 3]!; continue; } break; }
        case H.JNE_K: if (R[d] !== PU[p + 1] || R[d + 1] !== PU[p + 2]) { p = P[p + 3]!; continue; } break;
        case H.JNE_X: { const s = (w >>> 16); if (R[d] !== R[s] || R[d + 1] !== R[s + 1]) { p = P[p + 3]!; continue; } break; }
        case H.JSET_K: if ((R[d]! & PU[p + 1]!) !== 0 || (R[d + 1]! & PU[p + 2]!) !== 0) { p = P[p + 3]!; continue; } break;
        case H.JSET_X: { const s = (w >>> 16); if ((R[d]! & R[s]!) !== 0 || (R[d + 1]! & R[s + 1]!) !== 0) { p = P[p + 3]!; continue; } break; }
        case H.JGT_K: if (ucmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) > 0) { p = P[p + 3]!; continue; } break;
        case H.JGT_X: { const s = (w >>> 16); if (ucmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) > 0) { p = P[p + 3]!; continue; } break; }
        case H.JGE_K: if (ucmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) >= 0) { p = P[p + 3]!; continue; } break;
        case H.JGE_X: { const s = (w >>> 16); if (ucmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) >= 0) { p = P[p + 3]!; continue; } break; }
        case H.JLT_K: if (ucmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) < 0) { p = P[p + 3]!; continue; } break;
        case H.JLT_X: { const s = (w >>> 16); if (ucmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) < 0) { p = P[p + 3]!; continue; } break; }
        case H.JLE_K: if (ucmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) <= 0) { p = P[p + 3]!; continue; } break;
        case H.JLE_X: { const s = (w >>> 16); if (ucmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) <= 0) { p = P[p + 3]!; continue; } break; }
        case H.JSGT_K: if (scmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) > 0) { p = P[p + 3]!; continue; } break;
        case H.JSGT_X: { const s = (w >>> 16); if (scmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) > 0) { p = P[p + 3]!; continue; } break; }
        case H.JSGE_K: if (scmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) >= 0) { p = P[p + 3]!; continue; } break;
        case H.JSGE_X: { const s = (w >>> 16); if (scmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) >= 0) { p = P[p + 3]!; continue; } break; }
        case H.JSLT_K: if (scmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) < 0) { p = P[p + 3]!; continue; } break;
        case H.JSLT_X: { const s = (w >>> 16); if (scmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) < 0) { p = P[p + 3]!; continue; } break; }
        case H.JSLE_K: if (scmp64(R[d]!, R[d + 1]!, PU[p + 1]!, PU[p + 2]!) <= 0) { p = P[p + 3]!; continue; } break;
        case H.JSLE_X: { const s = (w >>> 16); if (scmp64(R[d]!, R[d + 1]!, R[s]!, R[s + 1]!) <= 0) { p = P[p + 3]!; continue; } break; }
        // ---- JMP32: low halves only ----
        case H.JEQ32_K: if (R[d] === PU[p + 1]) { p = P[p + 3]!; continue; } break;
        case H.JEQ32_X: if (R[d] === R[(w >>> 16)]) { p = P[p + 3]!; continue; } break;
        case H.JNE32_K: if (R[d] !== PU[p + 1]) { p = P[p + 3]!; continue; } break;
        case H.JNE32_X: if (R[d] !== R[(w >>> 16)]) { p = P[p + 3]!; continue; } break;
        case H.JSET32_K: if ((R[d]! & PU[p + 1]!) !== 0) { p = P[p + 3]!; continue; } break;
        case H.JSET32_X: if ((R[d]! & R[(w >>> 16)]!) !== 0) { p = P[p + 3]!; continue; } break;
        case H.JGT32_K: if (R[d]! > PU[p + 1]!) { p = P[p + 3]!; continue; } break;
        case H.JGT32_X: if (R[d]! > R[(w >>> 16)]!) { p = P[p + 3]!; continue; } break;
        case H.JGE32_K: if (R[d]! >= PU[p + 1]!) { p = P[p + 3]!; continue; } break;
        case H.JGE32_X: if (R[d]! >= R[(w >>> 16)]!) { p = P[p + 3]!; continue; } break;
        case H.JLT32_K: if (R[d]! < PU[p + 1]!) { p = P[p + 3]!; continue; } break;
        case H.JLT32_X: if (R[d]! < R[(w >>> 16)]!) { p = P[p + 3]!; continue; } break;
        case H.JLE32_K: if (R[d]! <= PU[p + 1]!) { p = P[p + 3]!; continue; } break;
        case H.JLE32_X: if (R[d]! <= R[(w >>> 16)]!) { p = P[p + 3]!; continue; } break;
        case H.JSGT32_K: if ((R[d]! | 0) > (PU[p + 1]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSGT32_X: if ((R[d]! | 0) > (R[(w >>> 16)]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSGE32_K: if ((R[d]! | 0) >= (PU[p + 1]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSGE32_X: if ((R[d]! | 0) >= (R[(w >>> 16)]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSLT32_K: if ((R[d]! | 0) < (PU[p + 1]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSLT32_X: if ((R[d]! | 0) < (R[(w >>> 16)]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSLE32_K: if ((R[d]! | 0) <= (PU[p + 1]! | 0)) { p = P[p + 3]!; continue; } break;
        case H.JSLE32_X: if ((R[d]! | 0) <= (R[(w >>> 16)]! | 0)) { p = P[p + 3]!; continue; } break;
        // ---- loads: effective address = src + off; a carry/borrow moves to the next/previous region ----
        case H.LDX_DW: {
          const s = w >>> 16;
          a = R[s]! + P[p + 3]!;
          h = R[s + 1]!;
          if (a > 0xffffffff || a < 0) { h = (h + (a < 0 ? -1 : 1)) >>> 0; a = a >>> 0; }
          r = mem.resolve(h, a, 8, false, p >> 2);
          R[d] = r.view.getUint32(a, true);
          R[d + 1] = r.view.getUint32(a + 4, true);
          break;
        }
        case H.LDX_B: case H.LDX_H: case H.LDX_W:
        case H.LDXS_B: case H.LDXS_H: case H.LDXS_W: {
          const s = (w >>> 16);
          a = R[s]! + P[p + 3]!;
          h = R[s + 1]!;
          if (a > 0xffffffff || a < 0) { h = (h + (a < 0 ? -1 : 1)) >>> 0; a = a >>> 0; }
          const c = (w & 0xff)!;
          if (c === H.LDX_W) { r = mem.resolve(h, a, 4, false, p >> 2); R[d] = r.view.getUint32(a, true); R[d + 1] = 0; }
          else if (c === H.LDX_B) { r = mem.resolve(h, a, 1, false, p >> 2); R[d] = r.bytes[a]!; R[d + 1] = 0; }
          else if (c === H.LDX_H) { r = mem.resolve(h, a, 2, false, p >> 2); R[d] = r.view.getUint16(a, true); R[d + 1] = 0; }
          else {
            const v = c === H.LDXS_B ? mem.resolve(h, a, 1, false, p >> 2).view.getInt8(a)
              : c === H.LDXS_H ? mem.resolve(h, a, 2, false, p >> 2).view.getInt16(a, true)
              : mem.resolve(h, a, 4, false, p >> 2).view.getInt32(a, true);
            R[d] = v;
            R[d + 1] = v >> 31;
          }
          break;
        }
        // ---- stores: address = dst + off; ST stores kLo(:kHi), STX stores src ----
        case H.ST_B: case H.ST_H: case H.ST_W: case H.ST_DW:
        case H.STX_B: case H.STX_H: case H.STX_W: case H.STX_DW: {
          a = R[d]! + P[p + 3]!;
          h = R[d + 1]!;
          if (a > 0xffffffff || a < 0) { h = (h + (a < 0 ? -1 : 1)) >>> 0; a = a >>> 0; }
          const c = (w & 0xff)!;
          let lo: number;
          let hi: number;
          if (c >= H.STX_B) { const s = (w >>> 16); lo = R[s]!; hi = R[s + 1]!; } else { lo = PU[p + 1]!; hi = PU[p + 2]!; }
          if (h === stackId && a < this.dirtyFrom) this.dirtyFrom = a;
          if (c === H.ST_DW || c === H.STX_DW) {
            r = mem.resolve(h, a, 8, true, p >> 2);
            r.view.setUint32(a, lo, true);
            r.view.setUint32(a + 4, hi, true);
          } else if (c === H.ST_W || c === H.STX_W) { mem.resolve(h, a, 4, true, p >> 2).view.setUint32(a, lo, true); }
          else if (c === H.ST_H || c === H.STX_H) { mem.resolve(h, a, 2, true, p >> 2).view.setUint16(a, lo, true); }
          else { mem.resolve(h, a, 1, true, p >> 2).bytes[a] = lo; }
          break;
        }
        case H.ATOMIC32: case H.ATOMIC64: {
          a = R[d]! + P[p + 3]!;
          h = R[d + 1]!;
          if (a > 0xffffffff || a < 0) { h = (h + (a < 0 ? -1 : 1)) >>> 0; a = a >>> 0; }
          if (h === stackId && a < this.dirtyFrom) this.dirtyFrom = a;
          atomic(R, mem.resolve(h, a, (w & 0xff) === H.ATOMIC64 ? 8 : 4, true, p >> 2), a, (w >>> 16), PU[p + 1]!, (w & 0xff) === H.ATOMIC64);
          break;
        }
        case H.LDDW: R[d] = PU[p + 1]!; R[d + 1] = PU[p + 2]!; p += 8; continue;
        // ---- calls ----
        case H.CALL:
        case H.CALLX: {
          let id: number;
          let fn: HelperFn | undefined;
          if ((w & 0xff) === H.CALL) {
            id = PU[p + 1]! | 0;
            fn = this.helperAt[p >> 2] ?? this.helpers.get(id);
          } else {
            id = R[d]!;
            fn = R[d + 1] === 0 ? this.helpers.get(id) : undefined;
            if (fn === undefined) {
              this.executed = count;
              throw new VmTrap("vm.bad-callx", `callx target r${d / 2} = 0x${R[d + 1]!.toString(16)}${R[d]!.toString(16).padStart(8, "0")} is not a registered helper id`, { insn: p >> 2 });
            }
          }
          if (fn === undefined) {
            this.executed = count;
            throw new VmTrap("vm.unknown-helper", `call to helper ${id}, which is not available here (expected one of: ${[...this.helpers.keys()].join(", ") || "none"})`, { insn: p >> 2 });
          }
          // A helper may write to the stack only through a pointer argument (r1-r5 naming the
          // stack region); then any active frame may change, so the next run clears them all.
          if (R[3] === stackId || R[5] === stackId || R[7] === stackId || R[9] === stackId || R[11] === stackId) {
            const low = STACK_SIZE - (depth + 1) * MAX_STACK;
            if (low < this.dirtyFrom) this.dirtyFrom = low;
          }
          try {
            fn(R, mem);
          } catch (e) {
            this.executed = count;
            throw e instanceof VmTrap ? e.at(p >> 2) : e;
          }
          if (id === this.unwind && R[0] === 0 && R[1] === 0) {
            this.executed = count;
            this.r0hi = 0;
            return 0;
          }
          break;
        }
        case H.CALL_LOCAL: {
          if (depth + 1 >= MAX_CALL_DEPTH) {
            this.executed = count;
            throw new VmTrap("vm.call-depth", `call depth limit of ${MAX_CALL_DEPTH} frames exceeded`, { insn: p >> 2 });
          }
          const sv = depth * 10;
          const S = this.saved;
          for (let k = 0; k < 10; k++) S[sv + k] = R[12 + k]!;
          this.ret[depth] = p + 4;
          depth++;
          // The callee's frame must read as zero, whatever an earlier call left there.
          const top = STACK_SIZE - depth * MAX_STACK;
          this.stack.bytes.fill(0, top - MAX_STACK, top);
          R[20] = top;
          p = P[p + 3]!;
          continue;
        }
        case H.EXIT: {
          if (depth === 0) {
            this.executed = count;
            this.r0hi = R[1]!;
            return R[0]!;
          }
          depth--;
          const sv = depth * 10;
          const S = this.saved;
          for (let k = 0; k < 10; k++) R[12 + k] = S[sv + k]!;
          p = this.ret[depth]!;
          continue;
        }
        case H.END_OF_PROGRAM:
          this.executed = count - 1;
          throw new VmTrap("vm.fell-off", `execution ran past the last instruction (${(p >> 2) - 1}); expected an exit or a jump`, { insn: (p >> 2) - 1 });
        default:
          this.executed = count - 1;
          throw new VmTrap("vm.bad-insn", `slot ${p >> 2} is not an executable instruction`, { insn: p >> 2 });
      }
      p += 4;
    }
  }
}

export const createInterpreter: EngineFactory = (insns, options) => new Interpreter(insns, options);
