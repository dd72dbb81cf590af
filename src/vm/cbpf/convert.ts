/**
 * Classic to eBPF, instruction for instruction as the kernel's bpf_convert_filter (and its
 * convert_bpf_extensions, convert_skb_access, convert_bpf_ld_abs) emits it, so that what runs
 * in Baton's engines is the program the kernel runs. Two differences, both invisible to the
 * program's result: skb fields are read at Baton's offsets (skb-layout.ts), and calls to
 * kernel-internal functions carry Baton's negative call ids instead of addresses.
 *
 * Registers as the kernel assigns them: A = r0, X = r7, ctx = r6, scratch tmp = r2,
 * cached skb->data = r8 and headlen (len - data_len) = r9, scratch memory M[k] at r10-(4k+4).
 */
import { insnOf, makeInsn, Op, type Insn } from "../isa.js";
import { ClassicCheckError } from "./errors.js";
import type { SockFilter } from "./filter.js";
import * as O from "./opcodes.js";
import * as L from "./skb-layout.js";

// register assignment (filter.c)
export const REG_A = 0;
export const REG_X = 7;
export const REG_TMP = 2;
export const REG_CTX = 6;
export const REG_D = 8;
export const REG_H = 9;
const REG_FP = 10;
const ARG1 = 1;
const ARG2 = 2;
const ARG3 = 3;
const ARG4 = 4;

/** An operation's instruction with an immediate and with a register operand. */
type KX = readonly [k: Op, x: Op];

const ALU_OP: ReadonlyMap<number, KX> = new Map<number, KX>([
  [O.A_ADD, [Op.ADD32_K, Op.ADD32_X]],
  [O.A_SUB, [Op.SUB32_K, Op.SUB32_X]],
  [O.A_MUL, [Op.MUL32_K, Op.MUL32_X]],
  [O.A_DIV, [Op.DIV32_K, Op.DIV32_X]],
  [O.A_OR, [Op.OR32_K, Op.OR32_X]],
  [O.A_AND, [Op.AND32_K, Op.AND32_X]],
  [O.A_LSH, [Op.LSH32_K, Op.LSH32_X]],
  [O.A_RSH, [Op.RSH32_K, Op.RSH32_X]],
  [O.A_NEG, [Op.NEG32, Op.NEG32]],
  [O.A_MOD, [Op.MOD32_K, Op.MOD32_X]],
  [O.A_XOR, [Op.XOR32_K, Op.XOR32_X]],
]);
/** A classic jump's eBPF jump, and the one taken when its condition fails (none for jset). */
const JMP_OP: ReadonlyMap<number, { readonly taken: KX; readonly inverse?: KX }> = new Map([
  [O.J_JEQ, { taken: [Op.JEQ_K, Op.JEQ_X], inverse: [Op.JNE_K, Op.JNE_X] }],
  [O.J_JGT, { taken: [Op.JGT_K, Op.JGT_X], inverse: [Op.JLE_K, Op.JLE_X] }],
  [O.J_JGE, { taken: [Op.JGE_K, Op.JGE_X], inverse: [Op.JLT_K, Op.JLT_X] }],
  [O.J_JSET, { taken: [Op.JSET_K, Op.JSET_X] }],
]);
/** A classic load size's eBPF load. */
const LDX: ReadonlyMap<number, Op> = new Map([
  [O.S_W, Op.LDX_W],
  [O.S_H, Op.LDX_H],
  [O.S_B, Op.LDX_B],
]);
const LOAD_CALL: ReadonlyMap<number, number> = new Map([
  [O.S_B, L.CALL_LOAD_8],
  [O.S_H, L.CALL_LOAD_16],
  [O.S_W, L.CALL_LOAD_32],
]);

const aluReg = (op: Op, dst: number, src: number): Insn => insnOf(op, dst, src);
const aluImm = (op: Op, dst: number, imm: number): Insn => insnOf(op, dst, 0, 0, imm);
const mov64Reg = (dst: number, src: number): Insn => insnOf(Op.MOV64_X, dst, src);
const mov32Imm = (dst: number, imm: number): Insn => insnOf(Op.MOV32_K, dst, 0, 0, imm);
const ldx = (op: Op, dst: number, src: number, off: number): Insn => insnOf(op, dst, src, off);
const jmpImm = (op: Op, dst: number, imm: number, off: number): Insn => insnOf(op, dst, 0, off, imm);
/** A 16- or 32-bit big-endian value to host order. */
const fromBe = (dst: number, bits: 16 | 32): Insn => insnOf(bits === 16 ? Op.BE16 : Op.BE32, dst);
const call = (id: number): Insn => insnOf(Op.CALL, 0, 0, 0, id);
const exit = (): Insn => insnOf(Op.EXIT);

/** One classic instruction's eBPF: its instructions and the jumps whose offsets name classic targets. */
interface Block {
  readonly insns: Insn[];
  readonly jumps: { readonly at: number; readonly target: number }[];
}

export interface Converted {
  /** One entry per eBPF slot (no lddw is ever emitted). */
  readonly insns: readonly Insn[];
  /** Where each classic instruction starts in `insns` (the kernel's addrs[]). */
  readonly addrs: readonly number[];
  /** Whether packet loads are used (the prologue then caches skb->data and headlen). */
  readonly seenLdAbs: boolean;
  /** Highest scratch word stored, as stack bytes (prog->aux->stack_depth). */
  readonly stackDepth: number;
}

/** convert_bpf_extensions: emit an ancillary load into `out`; false for any other k. */
function extension(k: number, out: Insn[]): boolean {
  const ad = (k | 0) - O.SKF_AD_OFF;
  if ((k | 0) < O.SKF_AD_OFF || !O.KNOWN_ANCILLARY.has(ad)) return false;
  switch (ad) {
    case O.SKF_AD_PROTOCOL:
      out.push(ldx(Op.LDX_H, REG_A, REG_CTX, L.SKB_PROTOCOL), fromBe(REG_A, 16));
      return true;
    case O.SKF_AD_PKTTYPE:
      out.push(ldx(Op.LDX_B, REG_A, REG_CTX, L.SKB_PKT_TYPE), aluImm(Op.AND32_K, REG_A, L.PKT_TYPE_MAX));
      return true;
    case O.SKF_AD_IFINDEX:
    case O.SKF_AD_HATYPE:
      out.push(ldx(Op.LDX_DW, REG_TMP, REG_CTX, L.SKB_DEV), jmpImm(Op.JNE_K, REG_TMP, 0, 1), exit());
      out.push(
        ad === O.SKF_AD_IFINDEX
          ? ldx(Op.LDX_W, REG_A, REG_TMP, L.NETDEV_IFINDEX)
          : ldx(Op.LDX_H, REG_A, REG_TMP, L.NETDEV_TYPE),
      );
      return true;
    case O.SKF_AD_MARK:
      out.push(ldx(Op.LDX_W, REG_A, REG_CTX, L.SKB_MARK));
      return true;
    case O.SKF_AD_RXHASH:
      out.push(ldx(Op.LDX_W, REG_A, REG_CTX, L.SKB_HASH));
      return true;
    case O.SKF_AD_QUEUE:
      out.push(ldx(Op.LDX_H, REG_A, REG_CTX, L.SKB_QUEUE_MAPPING));
      return true;
    case O.SKF_AD_VLAN_TAG:
      out.push(ldx(Op.LDX_H, REG_A, REG_CTX, L.SKB_VLAN_TCI));
      return true;
    case O.SKF_AD_VLAN_TAG_PRESENT:
      out.push(
        ldx(Op.LDX_W, REG_A, REG_CTX, L.SKB_VLAN_ALL),
        jmpImm(Op.JEQ_K, REG_A, 0, 1),
        aluImm(Op.MOV32_K, REG_A, 1),
      );
      return true;
    case O.SKF_AD_VLAN_TPID:
      out.push(ldx(Op.LDX_H, REG_A, REG_CTX, L.SKB_VLAN_PROTO), fromBe(REG_A, 16));
      return true;
    case O.SKF_AD_ALU_XOR_X:
      out.push(aluReg(Op.XOR32_X, REG_A, REG_X));
      return true;
    default: {
      const id =
        ad === O.SKF_AD_PAY_OFFSET
          ? L.CALL_PAY_OFFSET
          : ad === O.SKF_AD_NLATTR
            ? L.CALL_NLATTR
            : ad === O.SKF_AD_NLATTR_NEST
              ? L.CALL_NLATTR_NEST
              : ad === O.SKF_AD_CPU
                ? L.CALL_RAW_CPU_ID
                : L.CALL_USER_RND_U32;
      out.push(mov64Reg(ARG1, REG_CTX), mov64Reg(ARG2, REG_A), mov64Reg(ARG3, REG_X), call(id));
      return true;
    }
  }
}

/** convert_bpf_ld_abs (x86-64: efficient unaligned access, so the fast path needs offset >= 0). */
function ldAbs(code: number, k: number, out: Insn[]): void {
  const sz = O.size(code);
  const size = O.sizeBytes(sz);
  const endian = sz === O.S_H || sz === O.S_W;
  const indirect = O.mode(code) === O.M_IND;
  const offset = k | 0;
  if (!indirect && offset >= 0) {
    const ldxOffOk = offset <= 0x7fff;
    out.push(mov64Reg(REG_TMP, REG_H));
    if (offset !== 0) out.push(aluImm(Op.SUB64_K, REG_TMP, offset));
    out.push(jmpImm(Op.JSLT_K, REG_TMP, size, 2 + (endian ? 1 : 0) + (ldxOffOk ? 0 : 2)));
    if (ldxOffOk) out.push(ldx(LDX.get(sz)!, REG_A, REG_D, offset));
    else out.push(mov64Reg(REG_TMP, REG_D), aluImm(Op.ADD64_K, REG_TMP, offset), ldx(LDX.get(sz)!, REG_A, REG_TMP, 0));
    if (endian) out.push(fromBe(REG_A, size === 2 ? 16 : 32));
    out.push(insnOf(Op.JA, 0, 0, 8));
  }
  out.push(mov64Reg(ARG1, REG_CTX), mov64Reg(ARG2, REG_D), mov64Reg(ARG3, REG_H));
  if (!indirect) out.push(insnOf(Op.MOV64_K, ARG4, 0, 0, offset));
  else {
    out.push(mov64Reg(ARG4, REG_X));
    if (k !== 0) out.push(aluImm(Op.ADD64_K, ARG4, offset));
  }
  out.push(call(LOAD_CALL.get(sz)!), jmpImm(Op.JSGE_K, REG_A, 0, 2), aluReg(Op.XOR32_X, REG_A, REG_A), exit());
}

function block(f: SockFilter, i: number, seen: { ldAbs: boolean; stack: number }): Block {
  const out: Insn[] = [];
  const jumps: { at: number; target: number }[] = [];
  const c = f.code;
  const k = f.k >>> 0;
  switch (c) {
    case O.LD_W_ABS:
    case O.LD_H_ABS:
    case O.LD_B_ABS:
    case O.LD_W_IND:
    case O.LD_H_IND:
    case O.LD_B_IND:
      if (O.mode(c) === O.M_ABS && extension(k, out)) break;
      ldAbs(c, k, out);
      seen.ldAbs = true;
      break;
    case O.JA:
      jumps.push({ at: out.length, target: i + k + 1 });
      out.push(insnOf(Op.JA));
      break;
    case O.LDX_B_MSH:
      seen.ldAbs = true;
      out.push(mov64Reg(REG_X, REG_A));
      ldAbs(O.LD_B_ABS, k, out);
      out.push(
        aluImm(Op.AND32_K, REG_A, 0xf),
        aluImm(Op.LSH32_K, REG_A, 2),
        mov64Reg(REG_TMP, REG_X),
        mov64Reg(REG_X, REG_A),
        mov64Reg(REG_A, REG_TMP),
      );
      break;
    case O.RET_K:
    case O.RET_A:
      if (c === O.RET_K) out.push(mov32Imm(REG_A, k));
      out.push(exit());
      break;
    case O.ST:
    case O.STX: {
      const off = k * 4 + 4;
      out.push(insnOf(Op.STX_W, REG_FP, c === O.ST ? REG_A : REG_X, -off));
      if (off > seen.stack) seen.stack = off;
      break;
    }
    case O.LD_MEM:
    case O.LDX_MEM:
      out.push(ldx(Op.LDX_W, c === O.LD_MEM ? REG_A : REG_X, REG_FP, -(k * 4 + 4)));
      break;
    case O.LD_IMM:
    case O.LDX_IMM:
      out.push(mov32Imm(c === O.LD_IMM ? REG_A : REG_X, k));
      break;
    case O.TAX:
      out.push(mov64Reg(REG_X, REG_A));
      break;
    case O.TXA:
      out.push(mov64Reg(REG_A, REG_X));
      break;
    case O.LD_W_LEN:
    case O.LDX_W_LEN:
      out.push(ldx(Op.LDX_W, c === O.LD_W_LEN ? REG_A : REG_X, REG_CTX, L.SKB_LEN));
      break;
    default:
      if (O.cls(c) === O.C_ALU && ALU_OP.has(O.op(c)) && c <= 0xff) {
        if (c === (O.C_ALU | O.A_DIV | O.SRC_X) || c === (O.C_ALU | O.A_MOD | O.SRC_X)) {
          // div/mod by X = 0 ends the filter with 0 (the cBPF rule), before the eBPF op.
          out.push(
            aluReg(Op.MOV32_X, REG_X, REG_X),
            jmpImm(Op.JNE_K, REG_X, 0, 2),
            aluReg(Op.XOR32_X, REG_A, REG_A),
            exit(),
          );
        }
        const [opK, opX] = ALU_OP.get(O.op(c))!;
        // Both operands' fields are filled whatever the source, as the kernel's conversion does.
        out.push(insnOf(O.src(c) === O.SRC_X ? opX : opK, REG_A, REG_X, 0, k));
        break;
      }
      if (O.isCondJump(c)) {
        condJump(f, i, out, jumps);
        break;
      }
      throw new ClassicCheckError("code", `code 0x${c.toString(16).padStart(2, "0")} has no eBPF conversion`, i);
  }
  return { insns: out, jumps };
}

/** A conditional jump: one eBPF jump when a branch falls through, else a jump and a `ja`. */
function condJump(f: SockFilter, i: number, out: Insn[], jumps: { at: number; target: number }[]): void {
  const k = f.k >>> 0;
  let x = O.src(f.code) === O.SRC_X;
  let srcReg = x ? REG_X : 0;
  let imm = k | 0;
  if (!x && (k | 0) < 0) {
    // eBPF immediates sign-extend; compare against the zero-extended constant in tmp.
    out.push(mov32Imm(REG_TMP, k));
    x = true;
    srcReg = REG_TMP;
    imm = 0;
  }
  const { taken, inverse } = JMP_OP.get(O.op(f.code))!;
  const jump = ([opK, opX]: KX, target: number): void => {
    jumps.push({ at: out.length, target });
    out.push(insnOf(x ? opX : opK, REG_A, srcReg, 0, imm));
  };
  if (f.jf === 0) return jump(taken, i + f.jt + 1);
  if (f.jt === 0 && inverse !== undefined) return jump(inverse, i + f.jf + 1);
  jump(taken, i + f.jt + 1);
  jumps.push({ at: out.length, target: i + f.jf + 1 });
  out.push(insnOf(Op.JA));
}

/**
 * Convert a checked program (checkClassic passed). Throws `ClassicCheckError` (rule
 * `convert-range`) where the kernel's conversion fails: a target outside the program, or an
 * eBPF jump offset outside -32768..32767.
 */
export function convertClassic(prog: readonly SockFilter[], file?: string): Converted {
  const seen = { ldAbs: false, stack: 0 };
  const blocks = prog.map((f, i) => block(f, i, seen));
  const prologue: Insn[] = [
    aluReg(Op.XOR32_X, REG_A, REG_A),
    aluReg(Op.XOR32_X, REG_X, REG_X),
    mov64Reg(REG_CTX, ARG1),
  ];
  if (seen.ldAbs) {
    prologue.push(
      ldx(Op.LDX_DW, REG_D, REG_CTX, L.SKB_DATA),
      ldx(Op.LDX_W, REG_H, REG_CTX, L.SKB_LEN),
      ldx(Op.LDX_W, REG_TMP, REG_CTX, L.SKB_DATA_LEN),
      aluReg(Op.SUB32_X, REG_H, REG_TMP),
    );
  }
  const addrs: number[] = [];
  let at = prologue.length;
  for (const b of blocks) {
    addrs.push(at);
    at += b.insns.length;
  }
  const insns: Insn[] = [...prologue];
  blocks.forEach((b, i) => {
    const fixed = b.insns.slice();
    for (const j of b.jumps) {
      if (j.target < 0 || j.target >= prog.length)
        throw new ClassicCheckError(
          "jump-range",
          `jump from insn ${i} to insn ${j.target} is outside the program`,
          i,
          file,
        );
      const off = addrs[j.target]! - (addrs[i]! + j.at) - 1;
      if (off < -0x8000 || off > 0x7fff) {
        throw new ClassicCheckError(
          "convert-range",
          `jump from insn ${i} to insn ${j.target} spans ${off} eBPF instructions after conversion; the kernel's conversion allows at most 32767`,
          i,
          file,
        );
      }
      const ins = fixed[j.at]!;
      fixed[j.at] = makeInsn(ins.opcode, ins.dst, ins.src, off, ins.imm);
    }
    insns.push(...fixed);
  });
  return { insns, addrs, seenLdAbs: seen.ldAbs, stackDepth: seen.stack };
}
