/**
 * The kernel's classic checker as SO_ATTACH_FILTER / SO_ATTACH_REUSEPORT_CBPF apply it
 * (net/core/filter.c: bpf_check_basics_ok, bpf_check_classic with chk_code_allowed and the
 * ancillary check, check_load_and_stores), then the conversion's own refusal (a jump whose
 * eBPF offset does not fit in 16 bits, bpf_convert_filter). The kernel answers every one with
 * EINVAL and no reason; here each is a `VerifyError` naming the instruction and the rule, in
 * the order the kernel tests them, so the first one reported is the one the kernel hit.
 *
 * `reuseportAttachError` adds sk_reuseport_attach_filter's ENOMEM: the converted program's
 * size above net.core.optmem_max. Not modelled: EPERM on a socket with SO_LOCK_FILTER.
 */
import { ClassicCheckError, type CheckRule } from "./errors.js";
import type { SockFilter } from "./filter.js";
import * as O from "./opcodes.js";
import { convertClassic } from "./convert.js";

/** The codes chk_code_allowed accepts. */
export const ALLOWED_CODES: ReadonlySet<number> = new Set([
  ...O.ALU_OPS.flatMap(([, op]) => [O.C_ALU | op | O.SRC_K, O.C_ALU | op | O.SRC_X]),
  O.ALU_NEG,
  O.LD_W_ABS,
  O.LD_H_ABS,
  O.LD_B_ABS,
  O.LD_W_LEN,
  O.LD_W_IND,
  O.LD_H_IND,
  O.LD_B_IND,
  O.LD_IMM,
  O.LD_MEM,
  O.LDX_W_LEN,
  O.LDX_B_MSH,
  O.LDX_IMM,
  O.LDX_MEM,
  O.ST,
  O.STX,
  O.TAX,
  O.TXA,
  O.RET_K,
  O.RET_A,
  O.JA,
  ...O.COND_JUMPS.flatMap(([, op]) => [O.C_JMP | op | O.SRC_K, O.C_JMP | op | O.SRC_X]),
]);

export { ClassicCheckError } from "./errors.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(2, "0")}`;

/**
 * Check `prog` as the kernel does; returns the first rejection, or undefined when the kernel
 * accepts the program (checker and conversion).
 */
export function checkClassic(prog: readonly SockFilter[], file?: string): ClassicCheckError | undefined {
  const n = prog.length;
  const err = (rule: CheckRule, i: number, msg: string): ClassicCheckError => new ClassicCheckError(rule, msg, i, file);
  if (n === 0 || n > O.BPF_MAXINSNS)
    return err("length", 0, `a classic BPF program has 1 to ${O.BPF_MAXINSNS} instructions; this one has ${n}`);
  for (let pc = 0; pc < n; pc++) {
    const f = prog[pc]!;
    const c = f.code;
    const k = f.k >>> 0;
    if (!ALLOWED_CODES.has(c))
      return err("code", pc, `code ${hex(c)} is not an instruction the kernel accepts in a socket filter`);
    switch (c) {
      case O.C_ALU | O.A_DIV | O.SRC_K:
      case O.C_ALU | O.A_MOD | O.SRC_K:
        if (k === 0)
          return err("div-by-zero", pc, `${O.op(c) === O.A_DIV ? "div" : "mod"} #0: division by a constant zero`);
        break;
      case O.C_ALU | O.A_LSH | O.SRC_K:
      case O.C_ALU | O.A_RSH | O.SRC_K:
        if (k >= 32) return err("shift", pc, `shift by ${k}: a constant shift must be below 32`);
        break;
      case O.LD_MEM:
      case O.LDX_MEM:
      case O.ST:
      case O.STX:
        if (k >= O.BPF_MEMWORDS)
          return err("mem-index", pc, `M[${k}] is outside the scratch memory M[0]..M[${O.BPF_MEMWORDS - 1}]`);
        break;
      case O.JA:
        if (k >= n - pc - 1)
          return err("ja-range", pc, `ja +${k} lands at insn ${pc + 1 + k}, past the last instruction (${n - 1})`);
        break;
      case O.LD_W_ABS:
      case O.LD_H_ABS:
      case O.LD_B_ABS:
        if (k >= O.ancK(0) && !O.isKnownAncillary(k))
          return err(
            "ancillary",
            pc,
            `[${hex(k)}] is SKF_AD_OFF + ${(k | 0) - O.SKF_AD_OFF}, not an ancillary load the kernel knows`,
          );
        break;
      default:
        if (O.isCondJump(c) && (pc + f.jt + 1 >= n || pc + f.jf + 1 >= n)) {
          const bad = pc + f.jt + 1 >= n ? `jt +${f.jt}` : `jf +${f.jf}`;
          return err(
            "jump-range",
            pc,
            `${bad} lands at insn ${pc + 1 + (pc + f.jt + 1 >= n ? f.jt : f.jf)}, past the last instruction (${n - 1})`,
          );
        }
    }
  }
  const last = prog[n - 1]!.code;
  if (last !== O.RET_K && last !== O.RET_A)
    return err("last-not-ret", n - 1, `the last instruction must be 'ret #k' or 'ret a'; it is code ${hex(last)}`);
  return checkLoadsAfterStores(prog, err) ?? convertsOrError(prog, file);
}

/** bpf_convert_filter's own refusal (a jump too long for eBPF's 16-bit offset). */
function convertsOrError(prog: readonly SockFilter[], file: string | undefined): ClassicCheckError | undefined {
  try {
    convertClassic(prog, file);
    return undefined;
  } catch (e) {
    if (e instanceof ClassicCheckError) return e;
    throw e;
  }
}

/**
 * check_load_and_stores: a scratch word may be read only where every path so far has written
 * it. One pass in program order (jumps go forward only): a jump target keeps the intersection
 * of what is written on the edges into it; after a jump the fall-through state is "all" (the
 * next instruction is reached only through its recorded incoming edges).
 */
function checkLoadsAfterStores(
  prog: readonly SockFilter[],
  err: (rule: CheckRule, i: number, msg: string) => ClassicCheckError,
): ClassicCheckError | undefined {
  const n = prog.length;
  const masks = new Uint16Array(n).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < n; pc++) {
    valid &= masks[pc]!;
    const f = prog[pc]!;
    const c = f.code;
    if (c === O.ST || c === O.STX) valid |= 1 << f.k;
    else if (c === O.LD_MEM || c === O.LDX_MEM) {
      if ((valid & (1 << f.k)) === 0)
        return err("mem-uninit", pc, `M[${f.k}] is read before it is written on some path to insn ${pc}`);
    } else if (c === O.JA) {
      masks[pc + 1 + f.k]! &= valid;
      valid = 0xffff;
    } else if (O.isCondJump(c)) {
      masks[pc + 1 + f.jt]! &= valid;
      masks[pc + 1 + f.jf]! &= valid;
      valid = 0xffff;
    }
  }
  return undefined;
}

/**
 * offsetof(struct bpf_prog, insns) on Linux 6.18 x86-64, measured with the kernel oracle
 * (test/vm/cbpf/kernel.test.ts): the largest program attached under optmem_max 131072 bytes.
 */
export const BPF_PROG_HEADER_BYTES = 96;
/** net.core.optmem_max's default on Linux 6.18. */
export const DEFAULT_OPTMEM_MAX = 131072;

/** bpf_prog_size: what the attach compares with optmem_max. */
export const bpfProgSize = (ebpfLen: number): number => BPF_PROG_HEADER_BYTES + 8 * ebpfLen;

/**
 * SO_ATTACH_REUSEPORT_CBPF's verdict: the checker's, then ENOMEM (rule `optmem`) when the
 * converted program does not fit in `optmemMax` bytes.
 */
export function reuseportAttachError(
  prog: readonly SockFilter[],
  optmemMax = DEFAULT_OPTMEM_MAX,
  file?: string,
): ClassicCheckError | undefined {
  const e = checkClassic(prog, file);
  if (e !== undefined) return e;
  const len = convertClassic(prog, file).insns.length;
  const size = bpfProgSize(len);
  if (size > optmemMax)
    return new ClassicCheckError(
      "optmem",
      `the converted program needs ${size} bytes (${len} eBPF instructions), above net.core.optmem_max ${optmemMax}: the kernel answers ENOMEM`,
      0,
      file,
    );
  return undefined;
}
