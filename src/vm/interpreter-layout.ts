/**
 * The interpreter's pre-decoded program image and the bookkeeping that lets it count
 * instructions per straight-line run instead of per instruction.
 *
 * Layout: one Int32Array holds the register file (words 0-21, the helper ABI's lo/hi halves,
 * helper-abi.ts), the local-call frames (FRAMES: per call depth, the caller's r6-r9 halves,
 * its return record and whether r6-r9 were saved) and then one 8-word record per instruction
 * slot, so the hot loop touches a single typed array (V8 re-checks map, length and detach
 * state per distinct array). Record
 * words: the handler word (see `word`), the K operand's low and high halves, the memory offset
 * or the absolute record index of a jump target, the run length (see below), the unfused
 * handler word, and the distance to the next instruction's record (two records for an lddw);
 * word 7 holds, in a jump record, the run length at the jump's target (TLEN) and, in the first
 * record of a fused group, the fused comparison kind.
 *
 * Run length of a slot = instructions from it up to and including the next control transfer
 * (jump, exit, local call, or the end-of-program / bad-slot pseudo records, which count as one
 * like the old per-instruction check did). The interpreter adds it when control arrives at a
 * slot by a transfer, so `executed` is exact at every transfer; inside a run the exact count at
 * slot j is `count - len[j] + 1`. When the addition crosses the budget, `armBudget` marks the
 * slot of instruction budget+1 so that it traps exactly there, as the per-instruction check
 * did (same trap, same instruction index, `executed` = budget). Deliberately omitted: any
 * reuse of the mark across runs — it is undone before the next run starts.
 */
import { MAX_CALL_DEPTH } from "./isa.js";

/** Local-call frames after the register words (22 used, rounded up to 24). */
export const FRAMES = 24;
/** Words per frame: the caller's r6-r9 (lo, hi), its return record, whether r6-r9 were saved. */
export const FRAME = 10;
/** First slot record: after the frames. */
export const CODE = FRAMES + MAX_CALL_DEPTH * FRAME;
/** Words per slot record. */
export const STRIDE = 8;
export const W = 0;
export const KLO = 1;
export const KHI = 2;
export const OFF = 3;
export const LEN = 4;
export const PLAIN = 5;
export const NEXT = 6;
/** Jump records: run length at the target. First record of a fused group: comparison kind. */
export const TLEN = 7;

/** A handler word: the handler code, the destination's register word << 8, the source's << 16. */
export function word(code: number, d: number, s: number): number {
  return code | (d << 8) | (s << 16);
}

/** Record index of slot i. */
export const rec = (i: number): number => CODE + i * STRIDE;

/**
 * Fill the LEN word of every record. `ends[i]` is true where slot i transfers control (or is a
 * pseudo record); `next[i]` is the slot after i in straight-line order (i + 2 after an lddw).
 * Slots never reached by falling through still get a length (they may be jump targets).
 */
export function fillRunLengths(M: Int32Array, n: number, ends: Uint8Array): void {
  // Slot n is the end-of-program record: a terminator of length 1.
  for (let i = n; i >= 0; i--) {
    const p = rec(i);
    if (ends[i] === 1) {
      M[p + LEN] = 1;
      continue;
    }
    const nx = i + M[p + NEXT]! / STRIDE;
    M[p + LEN] = 1 + M[rec(nx) + LEN]!;
  }
}

/**
 * Instruction budget+1 lies inside the run entered at record `p` (with `count` already
 * including the whole run): restore plain handlers along the run (a fused pair must not jump
 * over the mark) and overwrite the handler of that instruction with `budgetCode`. Returns the
 * saved (index, word) pairs appended to `saved`, which `restore` puts back.
 */
export function armBudget(
  M: Int32Array,
  p: number,
  count: number,
  budget: number,
  budgetCode: number,
  saved: number[],
): void {
  const before = count - M[p + LEN]!;
  let q = p;
  for (let k = budget - before; ; k--) {
    if (M[q + W] !== M[q + PLAIN]) {
      saved.push(q, M[q + W]!);
      M[q + W] = M[q + PLAIN]!;
    }
    if (k === 0) break;
    q += M[q + NEXT]!;
  }
  saved.push(q, M[q + W]!);
  M[q + W] = (M[q + W]! & ~0xff) | budgetCode;
}

/** Undo `armBudget` (newest first, so a slot saved twice ends with its original word). */
export function restore(M: Int32Array, saved: number[]): void {
  for (let i = saved.length - 2; i >= 0; i -= 2) M[saved[i]!] = saved[i + 1]!;
  saved.length = 0;
}
