/**
 * Which words of `struct sk_reuseport_md` a program can load, so the runtime fills only those
 * per run (context.ts). A forward may-analysis over the control-flow graph tracks the set of
 * registers that can hold the context pointer (r1 at entry); every `ldx [rC + off]` through
 * such a register marks the u32 words it overlaps. This is the same fact the kernel uses to
 * rewrite ctx loads at verification time (convert_ctx_access): fields nobody loads cost nothing.
 *
 * Conservative by construction: anything the analysis does not model — pointer arithmetic on
 * the context, spilling it to memory, comparing it, 32-bit moves of it, stores through it,
 * BPF-to-BPF calls, legacy LD_ABS/LD_IND, callx, an out-of-range jump — gives ALL_CTX_WORDS.
 * Helpers that take the context read the ReuseportContext object, not these words, so passing
 * it in r1–r5 is fine.
 * Omitted: narrowing through branches (a may-set is enough: extra words only cost a store).
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_ST,
  BPF_STX,
  BPF_X,
  OP_LDDW,
  opClass,
  opCode,
  opMode,
  opSize,
  opSource,
  sizeBytes,
  type Insn,
} from "./isa.js";

/** struct sk_reuseport_md is 56 bytes = 14 u32 words; bit i = word i. */
export const CTX_WORDS = 14;
export const ALL_CTX_WORDS = (1 << CTX_WORDS) - 1;

const R1 = 1 << 1;
const CALLER_SAVED = 0b111111; // r0–r5 are clobbered by a helper call

/** Bitmask of the context words `insns` may load (ALL_CTX_WORDS when unsure). */
export function ctxReadWords(insns: readonly Insn[]): number {
  const n = insns.length;
  if (n === 0) return 0;
  // in[i]: registers that may hold the ctx pointer before insn i; -1 = not reached yet.
  const inSet = new Int32Array(n).fill(-1);
  inSet[0] = R1;
  const work: number[] = [0];
  let words = 0;
  const flow = (to: number, s: number): boolean => {
    if (to < 0 || to >= n) return false;
    const old = inSet[to]!;
    const merged = old < 0 ? s : old | s;
    if (merged !== old) {
      inSet[to] = merged;
      work.push(to);
    }
    return true;
  };
  while (work.length > 0) {
    const i = work.pop()!;
    const insn = insns[i]!;
    let s = inSet[i]!;
    const op = insn.opcode;
    const cls = opClass(op);
    const dstBit = 1 << insn.dst;
    const srcBit = 1 << insn.src;
    let next = i + 1;
    switch (cls) {
      case BPF_LD:
        if (op !== OP_LDDW) return ALL_CTX_WORDS; // LD_ABS / LD_IND use r6 as an implicit skb
        s &= ~dstBit;
        next = i + 2;
        break;
      case BPF_LDX: {
        const mode = opMode(op);
        if (mode !== BPF_MEM && mode !== BPF_MEMSX) return ALL_CTX_WORDS;
        if ((s & srcBit) !== 0) {
          const off = insn.off;
          const size = sizeBytes(opSize(op));
          if (off < 0 || off + size > CTX_WORDS * 4) return ALL_CTX_WORDS;
          for (let w = off >> 2; w <= (off + size - 1) >> 2; w++) words |= 1 << w;
        }
        s &= ~dstBit;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        // A store through the ctx (rejected by the verifier) or of the ctx itself (a spill).
        if ((s & dstBit) !== 0 || (cls === BPF_STX && (s & srcBit) !== 0)) return ALL_CTX_WORDS;
        break;
      case BPF_ALU:
      case BPF_ALU64: {
        const x = opSource(op) === BPF_X;
        if (cls === BPF_ALU64 && opCode(op) === BPF_MOV && x && insn.off === 0) {
          s = (s & srcBit) !== 0 ? s | dstBit : s & ~dstBit; // plain 64-bit register copy
          break;
        }
        const reads = (opCode(op) === BPF_MOV ? 0 : dstBit) | (x ? srcBit : 0);
        if ((s & reads) !== 0) return ALL_CTX_WORDS; // arithmetic on or with the ctx pointer
        s &= ~dstBit;
        break;
      }
      case BPF_JMP:
      case BPF_JMP32: {
        const code = opCode(op);
        if (code === BPF_EXIT && cls === BPF_JMP) {
          next = -1;
          break;
        }
        if (code === BPF_CALL && cls === BPF_JMP) {
          if (insn.src === BPF_PSEUDO_CALL || opSource(op) === BPF_X) return ALL_CTX_WORDS;
          s &= ~CALLER_SAVED;
          break;
        }
        if (code === BPF_JA) {
          const target = cls === BPF_JMP32 ? i + 1 + insn.imm : i + 1 + insn.off;
          if (!flow(target, s)) return ALL_CTX_WORDS;
          next = -1;
          break;
        }
        if ((s & (dstBit | (opSource(op) === BPF_X ? srcBit : 0))) !== 0) return ALL_CTX_WORDS; // comparing the ctx pointer
        if (!flow(i + 1 + insn.off, s)) return ALL_CTX_WORDS;
        break;
      }
      default:
        return ALL_CTX_WORDS;
    }
    if (next >= 0 && !flow(next, s)) return ALL_CTX_WORDS; // falling off the end
  }
  return words;
}
