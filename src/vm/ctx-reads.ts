/**
 * Which words of `struct sk_reuseport_md` a program can load, so the runtime fills only those
 * per run (context.ts). A forward may-analysis over the control-flow graph tracks the set of
 * registers that can hold the context pointer (r1 at entry); every `ldx [rC + off]` through
 * such a register marks the u32 words it overlaps. This is the same fact the kernel uses to
 * rewrite ctx loads at verification time (convert_ctx_access): fields nobody loads cost nothing.
 *
 * The same walk tracks the registers that can hold ctx `sk` or ctx `migrating_sk` (an 8-byte
 * load of ctx offset 40 or 48) and says whether the program can load through them
 * (`SK_VIEW_LOADED`, `MIG_VIEW_LOADED`): a program that only tests `migrating_sk` for NULL —
 * every compiled policy's select/migrate dispatch — needs the pointer word but never the
 * `struct bpf_sock` bytes behind it, so the runtime need not refresh them per run.
 *
 * Conservative by construction: anything the analysis does not model — pointer arithmetic on
 * the context, spilling it to memory, comparing it, 32-bit moves of it, stores through it,
 * BPF-to-BPF calls, legacy LD_ABS/LD_IND, callx, an out-of-range jump — gives ALL_CTX_WORDS
 * (which includes both view bits). A socket pointer spilled, used in arithmetic, stored through
 * or passed to a helper counts as loaded through, except a helper that only needs to know which
 * socket it names (get_socket_cookie). Helpers that take the context read the
 * ReuseportContext object, not these words, so passing the context in r1–r5 is fine.
 * Omitted: narrowing through branches (a may-set is enough: extra words only cost a store).
 */
import { BPF_MOV, BPF_X, Op, OP_DESC, opOf, type Insn, jumpTarget } from "./isa.js";
import { HELPER } from "./program-type.js";

/** struct sk_reuseport_md is 56 bytes = 14 u32 words; bit i = word i. */
export const CTX_WORDS = 14;
/** The program can load through ctx `sk` (the bpf_sock view's bytes must be current). */
export const SK_VIEW_LOADED = 1 << CTX_WORDS;
/** The program can load through ctx `migrating_sk`. */
export const MIG_VIEW_LOADED = 1 << (CTX_WORDS + 1);
/** Every word and both views: what "unsure" answers. */
export const ALL_CTX_WORDS = ((1 << CTX_WORDS) - 1) | SK_VIEW_LOADED | MIG_VIEW_LOADED;

const R1 = 1 << 1;
const CALLER_SAVED = 0b111111; // r0–r5 are clobbered by a helper call
const ARG_REGS = 0b111110; // r1–r5
/** Offsets of the two socket pointers in struct sk_reuseport_md (8-byte fields). */
const CTX_SK = 40;
const CTX_MIGRATING_SK = 48;
/** Helpers that take a socket pointer only to know which socket it is: no view bytes are read. */
const IDENTITY_ONLY_HELPERS: ReadonlySet<number> = new Set([HELPER.get_socket_cookie]);
/** Socket-pointer register sets share one int: ctx `sk` holders in bits 0–10, `migrating_sk` holders in bits 16–26. */
const MIG_SHIFT = 16;

/**
 * Bitmask of the context words `insns` may load, plus `SK_VIEW_LOADED` / `MIG_VIEW_LOADED`
 * when it may load through ctx `sk` / `migrating_sk` (ALL_CTX_WORDS when unsure).
 */
export function ctxReadWords(insns: readonly Insn[]): number {
  const n = insns.length;
  if (n === 0) return 0;
  // ctxIn[i]: registers that may hold the ctx pointer before insn i; -1 = not reached yet.
  // skIn[i]: registers that may hold ctx `sk` (low bits) or ctx `migrating_sk` (<< MIG_SHIFT).
  const ctxIn = new Int32Array(n).fill(-1);
  const skIn = new Int32Array(n);
  ctxIn[0] = R1;
  const work: number[] = [0];
  let words = 0;
  const flow = (to: number, c: number, k: number): boolean => {
    if (to < 0 || to >= n) return false;
    const oldC = ctxIn[to]!;
    const oldK = skIn[to]!;
    const mergedC = oldC < 0 ? c : oldC | c;
    const mergedK = oldC < 0 ? k : oldK | k;
    if (mergedC !== oldC || mergedK !== oldK) {
      ctxIn[to] = mergedC;
      skIn[to] = mergedK;
      work.push(to);
    }
    return true;
  };
  /** The socket pointers in `bits` (registers) count as loaded through. */
  const loadedThrough = (k: number, bits: number): void => {
    if ((k & bits) !== 0) words |= SK_VIEW_LOADED;
    if (((k >>> MIG_SHIFT) & bits) !== 0) words |= MIG_VIEW_LOADED;
  };
  while (work.length > 0) {
    const i = work.pop()!;
    const insn = insns[i]!;
    let s = ctxIn[i]!;
    let k = skIn[i]!;
    const op = opOf(insn);
    if (op === Op.INVALID) return ALL_CTX_WORDS;
    const d = OP_DESC[op]!;
    const dstBit = 1 << insn.dst;
    const srcBit = 1 << insn.src;
    const notDst = ~(dstBit | (dstBit << MIG_SHIFT));
    let next = i + 1;
    switch (d.kind) {
      case "lddw":
        s &= ~dstBit;
        k &= notDst;
        next = i + 2;
        break;
      case "ldx":
      case "ldxsx": {
        loadedThrough(k, srcBit);
        const off = insn.off;
        const size = d.width;
        let got = 0;
        if ((s & srcBit) !== 0) {
          if (off < 0 || off + size > CTX_WORDS * 4) return ALL_CTX_WORDS;
          for (let w = off >> 2; w <= (off + size - 1) >> 2; w++) words |= 1 << w;
          // The verifier allows the socket pointers only as whole 8-byte loads.
          if (size === 8 && off === CTX_SK) got = dstBit;
          else if (size === 8 && off === CTX_MIGRATING_SK) got = dstBit << MIG_SHIFT;
        }
        s &= ~dstBit;
        k = (k & notDst) | got;
        break;
      }
      case "st":
      case "stx":
      case "atomic": {
        const stx = d.kind !== "st";
        // A store through the ctx (rejected by the verifier) or of the ctx itself (a spill).
        if ((s & dstBit) !== 0 || (stx && (s & srcBit) !== 0)) return ALL_CTX_WORDS;
        // Through a socket pointer, or a spill of one (it may be reloaded and loaded through).
        loadedThrough(k, dstBit | (stx ? srcBit : 0));
        break;
      }
      case "alu":
      case "end": {
        if (op === Op.MOV64_X) {
          s = (s & srcBit) !== 0 ? s | dstBit : s & ~dstBit; // plain 64-bit register copy
          k = (k & notDst) | (k & srcBit ? dstBit : 0) | ((k >>> MIG_SHIFT) & srcBit ? dstBit << MIG_SHIFT : 0);
          break;
        }
        const reads = (d.code === BPF_MOV ? 0 : dstBit) | (d.source === BPF_X ? srcBit : 0);
        if ((s & reads) !== 0) return ALL_CTX_WORDS; // arithmetic on or with the ctx pointer
        loadedThrough(k, reads); // arithmetic on a socket pointer: its result is not tracked
        s &= ~dstBit;
        k &= notDst;
        break;
      }
      case "exit":
        next = -1;
        break;
      case "call":
        if (op !== Op.CALL) return ALL_CTX_WORDS; // local and kfunc calls
        // A helper given a socket pointer may read through it, unless it only uses the
        // pointer to name the socket (get_socket_cookie: the cookie, never the view's bytes).
        if (!IDENTITY_ONLY_HELPERS.has(insn.imm)) loadedThrough(k, ARG_REGS);
        s &= ~CALLER_SAVED;
        k &= ~(CALLER_SAVED | (CALLER_SAVED << MIG_SHIFT));
        break;
      case "ja":
        if (!flow(jumpTarget(insn, i)!, s, k)) return ALL_CTX_WORDS;
        next = -1;
        break;
      case "jmp":
        // Comparing a socket pointer (the NULL test) reads no socket bytes; comparing the ctx pointer
        // gives up.
        if ((s & (dstBit | (d.source === BPF_X ? srcBit : 0))) !== 0) return ALL_CTX_WORDS;
        if (!flow(jumpTarget(insn, i)!, s, k)) return ALL_CTX_WORDS;
        break;
      // callx, legacy packet loads (LD_ABS / LD_IND use r6 as an implicit skb)
      default:
        return ALL_CTX_WORDS;
    }
    if (next >= 0 && !flow(next, s, k)) return ALL_CTX_WORDS; // falling off the end
  }
  return words;
}
