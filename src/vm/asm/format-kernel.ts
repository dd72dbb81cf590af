/**
 * Kernel-style (pseudo-C) text for one instruction, as the verifier log prints it
 * (kernel/bpf/disasm.c `print_bpf_insn`): `r0 = *(u32 *)(r1 +4)`, `w0 = 1`,
 * `if r1 > 0x5 goto pc+3`, `lock *(u64 *)(r10 -8) += r1`, `r0 = atomic64_cmpxchg(...)`.
 *
 * Differences from the kernel, on purpose: `lddw` prints its value (the kernel hides pointers)
 * with LLVM's ` ll` suffix and map operands as bpftool does (`map[fd:3]`); callx prints as
 * LLVM's `callx r2` (the kernel has no spelling); a helper without a known name prints `call 1`.
 * Reserved fields are ignored rather than refused, so any decodable instruction can be shown.
 */
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_FETCH,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_OR,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_SUB,
  BPF_X,
  BPF_XCHG,
  BPF_CMPXCHG,
  BPF_XOR,
  Op,
  OP_DESC,
  type Insn,
  type OpDesc,
} from "../isa.js";
import { isIndirectLoad, mnemonicOf } from "./syntax.js";

const ALU_OP: Readonly<Record<number, string>> = {
  [BPF_ADD]: "+=",
  [BPF_SUB]: "-=",
  [BPF_MUL]: "*=",
  [BPF_DIV]: "/=",
  [BPF_OR]: "|=",
  [BPF_AND]: "&=",
  [BPF_LSH]: "<<=",
  [BPF_RSH]: ">>=",
  [BPF_MOD]: "%=",
  [BPF_XOR]: "^=",
  [BPF_MOV]: "=",
  [BPF_ARSH]: "s>>=",
};

const JMP_OP: Readonly<Record<number, string>> = {
  [BPF_JEQ]: "==",
  [BPF_JGT]: ">",
  [BPF_JGE]: ">=",
  [BPF_JSET]: "&",
  [BPF_JNE]: "!=",
  [BPF_JSGT]: "s>",
  [BPF_JSGE]: "s>=",
  [BPF_JLT]: "<",
  [BPF_JLE]: "<=",
  [BPF_JSLT]: "s<",
  [BPF_JSLE]: "s<=",
};

const ATOMIC_FN: Readonly<Record<number, string>> = {
  [BPF_ADD]: "add",
  [BPF_AND]: "and",
  [BPF_OR]: "or",
  [BPF_XOR]: "xor",
};

/** `u8`/`u16`/`u32`/`u64` (or `s…` for sign-extending loads). */
const ctype = (d: OpDesc): string => `${d.kind === "ldxsx" ? "s" : "u"}${d.width * 8}`;

/**
 * The cast printed for a `mov` whose off selects no movsx (reserved-field slots are shown, not
 * refused): the kernel's `is_movsx` test takes 32 in either class, anything else is unknown.
 */
const strayCast = (off: number): string => (off === 8 || off === 16 || off === 32 ? `(s${off})` : "(unknown)");

/** `%+d` as printf writes it: `+0`, `+4`, `-8`. */
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const addr = (reg: number, off: number): string => `(r${reg} ${signed(off)})`;

function ldImm64(i: Insn): string {
  const value = `0x${((BigInt(i.imm2 >>> 0) << 32n) | BigInt(i.imm >>> 0)).toString(16)}`;
  switch (i.src) {
    case 0:
      return `${value} ll`;
    case BPF_PSEUDO_MAP_FD:
      return `map[fd:${i.imm}] ll`;
    case BPF_PSEUDO_MAP_VALUE:
      return `map[fd:${i.imm}][0]+${i.imm2 >>> 0} ll`;
    case BPF_PSEUDO_MAP_IDX:
      return `map[idx:${i.imm}] ll`;
    case BPF_PSEUDO_MAP_IDX_VALUE:
      return `map[idx:${i.imm}]+${i.imm2 >>> 0} ll`;
    case BPF_PSEUDO_BTF_ID:
      return `btf_id[${i.imm}] ll`;
    case BPF_PSEUDO_FUNC:
      return `subprog[${signed(i.imm)}] ll`;
    default:
      return `pseudo[src:${i.src}] ${value} ll`;
  }
}

/** Kernel text of `insns[index]`, whose `op` (selector included) and atomic imm were validated by the caller. */
export function formatKernel(
  insns: readonly Insn[],
  index: number,
  op: Op,
  helperName?: (id: number) => string | undefined,
): string {
  const i = insns[index]!;
  const d = OP_DESC[op]!;
  const x = d.source === BPF_X;
  switch (d.kind) {
    case "alu": {
      const r = d.cls === BPF_ALU64 ? "r" : "w";
      if (op === Op.NEG64 || op === Op.NEG32) return `${r}${i.dst} = -${r}${i.dst}`;
      // Signed division and modulo print `s/=`, `s%=`; movsx prints its cast on the source.
      const sym = d.signed && d.code !== BPF_MOV ? `s${ALU_OP[d.code]!}` : ALU_OP[d.code]!;
      if (!x) return `${r}${i.dst} ${sym} ${i.imm}`;
      const sx = d.code !== BPF_MOV ? "" : d.signed ? `(s${d.width * 8})` : i.off !== 0 ? strayCast(i.off) : "";
      return `${r}${i.dst} ${sym} ${sx}${r}${i.src}`;
    }
    case "end":
      return `r${i.dst} = ${mnemonicOf(op)} r${i.dst}`;
    case "jmp": {
      const r = d.cls === BPF_JMP32 ? "w" : "r";
      const rhs = x ? `${r}${i.src}` : `0x${(i.imm >>> 0).toString(16)}`;
      return `if ${r}${i.dst} ${JMP_OP[d.code]!} ${rhs} goto pc${signed(i.off)}`;
    }
    case "ja":
      return op === Op.JA32 ? `gotol pc${signed(i.imm)}` : `goto pc${signed(i.off)}`;
    case "call": {
      if (op === Op.CALL_LOCAL) return `call pc${signed(i.imm)}`;
      if (op === Op.CALL_KFUNC) return `call kernel-function#${i.imm}`;
      const name = helperName?.(i.imm);
      return name !== undefined ? `call ${name}#${i.imm}` : `call ${i.imm}`;
    }
    case "callx":
      return `callx r${i.dst}`;
    case "exit":
      return "exit";
    case "lddw":
      return `r${i.dst} = ${ldImm64(i)}`;
    case "ldx":
    case "ldxsx":
      return `r${i.dst} = *(${ctype(d)} *)${addr(i.src, i.off)}`;
    case "st":
      return `*(${ctype(d)} *)${addr(i.dst, i.off)} = ${i.imm}`;
    case "stx":
      return `*(${ctype(d)} *)${addr(i.dst, i.off)} = r${i.src}`;
    case "atomic": {
      const t = ctype(d);
      const bits = op === Op.ATOMIC64 ? "64" : "";
      const where = `(${t} *)${addr(i.dst, i.off)}`;
      if (i.imm === BPF_CMPXCHG) return `r0 = atomic${bits}_cmpxchg(${where}, r0, r${i.src})`;
      if (i.imm === BPF_XCHG) return `r${i.src} = atomic${bits}_xchg(${where}, r${i.src})`;
      const base = i.imm & ~BPF_FETCH;
      if ((i.imm & BPF_FETCH) !== 0) return `r${i.src} = atomic${bits}_fetch_${ATOMIC_FN[base]!}(${where}, r${i.src})`;
      return `lock *(${t} *)${addr(i.dst, i.off)} ${ALU_OP[base]!} r${i.src}`;
    }
    case "ldabs":
      return isIndirectLoad(op)
        ? `r0 = *(${ctype(d)} *)skb[r${i.src} + ${i.imm}]`
        : `r0 = *(${ctype(d)} *)skb[${i.imm}]`;
  }
}
