/**
 * Precision tracking as the kernel does it (`__mark_chain_precision`, `backtrack_insn`,
 * `propagate_precision`, kernel/bpf/verifier.c).
 *
 * When a check relies on a scalar's exact value (a branch decided by it, an offset added to a
 * pointer, a size argument, a constant map key, a zero written to the stack), the instructions
 * that produced the value are walked backwards through the current path's history, and every
 * register or stack slot the value came from is marked precise in the checkpoint states the
 * path passed (never in the current state). Pruning compares only precise scalars by value
 * (states-equal.ts); an imprecise one matches any scalar.
 *
 * A path's history (`HistEntry`) records, since its last checkpoint, the instructions reached
 * out of sequence (jump targets, returns, callee entries: `prev` says where from), spills and
 * fills of stack slots (which slot), and the registers linked by id at an undecided branch.
 * Anything the walk cannot follow marks every scalar of every checkpoint on the path precise
 * (`mark_all_scalars_precise`), which is always safe.
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_END,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_NEG,
  BPF_ST,
  BPF_STX,
  BPF_X,
  MAX_CALL_DEPTH,
  OP_DESC,
  Op,
} from "../vm/isa.js";
import type { OwnInsn } from "./own-insns.js";
import { precised, type VState } from "./state.js";

/** A register (`spi` undefined) or a spilled stack slot of a frame, linked to others by id. */
export interface LinkedReg {
  readonly frame: number;
  readonly regno: number;
  /** Set for a stack slot (then `regno` is -1). */
  readonly spi?: number;
}

/** One entry of a path's instruction history (kernel `bpf_insn_hist_entry`). */
export interface HistEntry {
  readonly idx: number;
  readonly prev: number;
  /** The frame and slot a spill or fill at `idx` touched (kernel INSN_F_STACK_ACCESS), or -1. */
  stackFrame: number;
  stackSpi: number;
  /** Scalars sharing an id at an undecided branch (kernel `linked_regs`). */
  linked?: readonly LinkedReg[] | undefined;
}

/** A stretch of a path between two checkpoints: what backtracking walks. */
export interface Segment {
  /** The first instruction of the segment (the checkpoint's instruction it started from). */
  readonly firstInsn: number;
  /** The instruction processed last before the segment's end (kernel `last_insn_idx`). */
  readonly lastInsn: number;
  readonly history: readonly HistEntry[];
  /** The checkpoint at the start of this segment; its state gets the precision marks. */
  readonly parent: Checkpointed | null;
}

/** A checkpoint as backtracking sees it: its state and the segment that led to it. */
export interface Checkpointed extends Segment {
  readonly state: VState;
}

/** Registers and slots still to be explained, per frame (kernel `backtrack_state`). */
export class Backtrack {
  frame: number;
  /** Per frame: a bit per register. */
  readonly regs: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Per frame: a bit per stack slot, slots 0-31 and 32-63 (int32 halves of the kernel's u64 mask). */
  readonly slotsLo: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  readonly slotsHi: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

  constructor(frame: number) {
    this.frame = frame;
  }
  setReg(r: number, frame = this.frame): void {
    this.regs[frame]! |= 1 << r;
  }
  clearReg(r: number, frame = this.frame): void {
    this.regs[frame]! &= ~(1 << r);
  }
  isReg(r: number, frame = this.frame): boolean {
    return ((this.regs[frame]! >> r) & 1) === 1;
  }
  setSlot(frame: number, spi: number): void {
    if (spi < 32) this.slotsLo[frame]! |= 1 << spi;
    else this.slotsHi[frame]! |= 1 << (spi - 32);
  }
  clearSlot(frame: number, spi: number): void {
    if (spi < 32) this.slotsLo[frame]! &= ~(1 << spi);
    else this.slotsHi[frame]! &= ~(1 << (spi - 32));
  }
  isSlot(frame: number, spi: number): boolean {
    return spi < 32 ? ((this.slotsLo[frame]! >>> spi) & 1) === 1 : ((this.slotsHi[frame]! >>> (spi - 32)) & 1) === 1;
  }
  hasSlots(frame: number): boolean {
    return (this.slotsLo[frame]! | this.slotsHi[frame]!) !== 0;
  }
  empty(): boolean {
    for (let f = 0; f <= this.frame; f++) if (this.regs[f] !== 0 || this.hasSlots(f)) return false;
    return true;
  }
}

/** Thrown where the walk meets something it cannot follow (kernel -ENOTSUPP). */
class NotSupported extends Error {}

/** Thrown as one shared value: a new Error would record a stack trace on every unexplained walk. */
const NOT_SUPPORTED = new NotSupported("backtracking cannot follow this instruction");

const ARGS = 0x3e; // r1-r5

/** kernel `bt_sync_linked_regs`: if one of the linked scalars is tracked, all are. */
function syncLinked(bt: Backtrack, h: HistEntry | undefined): void {
  if (h?.linked === undefined) return;
  let some = false;
  for (const e of h.linked)
    if (e.spi === undefined ? bt.isReg(e.regno, e.frame) : bt.isSlot(e.frame, e.spi)) some = true;
  if (!some) return;
  for (const e of h.linked) {
    if (e.spi === undefined) bt.setReg(e.regno, e.frame);
    else bt.setSlot(e.frame, e.spi);
  }
}

/**
 * kernel `backtrack_insn`: what must be precise before instruction `idx` for `bt` to hold after it.
 * `cls`, `code` and the source are the kernel's BPF_CLASS, BPF_OP and BPF_SRC (the `Op`'s desc).
 */
function backtrackInsn(
  insns: readonly OwnInsn[],
  idx: number,
  subseqIdx: number,
  h: HistEntry | undefined,
  bt: Backtrack,
  isStart: readonly boolean[],
): void {
  if (!isStart[idx]) return; // the second slot of an lddw
  const x = insns[idx]!;
  const d = OP_DESC[x.op]!;
  const cls = d.cls;
  const dreg = x.dst;
  const sreg = x.src;
  const stack = h !== undefined && h.stackFrame >= 0;
  syncLinked(bt, h);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!bt.isReg(dreg)) return;
    const code = d.code;
    if (code === BPF_END || code === BPF_NEG) return;
    if (code === BPF_MOV) {
      bt.clearReg(dreg);
      if (d.source === BPF_X && sreg !== 10) bt.setReg(sreg);
    } else if (d.source === BPF_X && sreg !== 10) bt.setReg(sreg);
  } else if (cls === BPF_LDX) {
    if (!bt.isReg(dreg)) return;
    bt.clearReg(dreg);
    // Only a fill from a stack slot carries a scalar's precision further back.
    if (!stack) return;
    bt.setSlot(h.stackFrame, h.stackSpi);
  } else if (cls === BPF_STX || cls === BPF_ST) {
    // A scalar used as a store's address: pointer subtraction the walk cannot follow.
    if (bt.isReg(dreg)) throw NOT_SUPPORTED;
    if (!stack) return;
    if (!bt.isSlot(h.stackFrame, h.stackSpi)) return;
    bt.clearSlot(h.stackFrame, h.stackSpi);
    if (cls === BPF_STX) bt.setReg(sreg);
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (x.op === Op.CALL_LOCAL) {
      // Walking back out of a callee into its caller: only the arguments can still be wanted.
      if ((bt.regs[bt.frame]! & ~ARGS) !== 0 || bt.hasSlots(bt.frame)) throw NOT_SUPPORTED;
      for (let r = 1; r <= 5; r++) {
        if (!bt.isReg(r)) continue;
        bt.clearReg(r);
        bt.setReg(r, bt.frame - 1);
      }
      if (bt.frame === 0) throw NOT_SUPPORTED;
      bt.frame--;
      return;
    }
    if (d.kind === "call") {
      bt.clearReg(0);
      if ((bt.regs[bt.frame]! & ARGS) !== 0) throw NOT_SUPPORTED;
    } else if (x.op === Op.EXIT) {
      // Walking back into a callee from its return: r0 carries the result.
      if ((bt.regs[bt.frame]! & ARGS) !== 0) throw NOT_SUPPORTED;
      const r0 = subseqIdx - 1 >= 0 && insns[subseqIdx - 1]!.op === Op.CALL_LOCAL && bt.isReg(0);
      bt.clearReg(0);
      if (bt.frame + 1 >= MAX_CALL_DEPTH) throw NOT_SUPPORTED;
      bt.frame++;
      if (r0) bt.setReg(0);
      return;
    } else if (d.source === BPF_X) {
      // dst <cond> src: if either is wanted, both are.
      if (!bt.isReg(dreg) && !bt.isReg(sreg)) return;
      bt.setReg(sreg);
      bt.setReg(dreg);
    }
  } else if (cls === BPF_LD) {
    if (!bt.isReg(dreg)) return;
    bt.clearReg(dreg);
  }
  syncLinked(bt, h);
}

/** kernel `get_prev_insn_idx`: the instruction before `i` in the segment, or -1 at its start. */
function prevInsn(seg: Segment, i: number, cursor: { n: number }): number {
  const h = seg.history;
  const cnt = cursor.n;
  if (i === seg.firstInsn) {
    if (cnt === 0) return -1;
    if (cnt === 1 && h[0]!.idx === i) return -1;
  }
  if (cnt > 0 && h[cnt - 1]!.idx === i) {
    cursor.n--;
    return h[cnt - 1]!.prev;
  }
  return i - 1;
}

/** kernel `mark_all_scalars_precise`: every scalar of every checkpoint on the path. */
function markAllPrecise(start: Segment): void {
  for (let st = start.parent; st !== null; st = st.parent) {
    for (const f of st.state.frames) {
      for (let r = 0; r < 10; r++) {
        const reg = f.regs[r]!;
        if (reg.type === "scalar" && reg.precise !== true) f.regs[r] = precised(reg);
      }
      for (let spi = 0; spi < f.stack.length; spi++) {
        const slot = f.stack[spi];
        if (slot?.spill?.type === "scalar" && slot.spill.precise !== true)
          f.stack[spi] = { kinds: slot.kinds, spill: precised(slot.spill) };
      }
    }
  }
}

/**
 * kernel `__mark_chain_precision`: explain `bt` backwards from instruction `last` of the
 * current segment (not walking through `last` itself) and mark what it needs precise in the
 * checkpoints on the way. Returns true when some mark changed.
 */
export function markChainPrecision(
  insns: readonly OwnInsn[],
  isStart: readonly boolean[],
  start: Segment,
  last: number,
  bt: Backtrack,
): boolean {
  let changed = false;
  if (bt.empty()) return false;
  let seg: Segment = start;
  let lastIdx = last;
  let firstIdx = start.firstInsn;
  let subseq = -1;
  let skipFirst = true;
  try {
    for (;;) {
      const cursor = { n: seg.history.length };
      for (let i = lastIdx; ;) {
        if (skipFirst) skipFirst = false;
        else {
          const h = cursor.n > 0 && seg.history[cursor.n - 1]!.idx === i ? seg.history[cursor.n - 1] : undefined;
          backtrackInsn(insns, i, subseq, h, bt, isStart);
        }
        if (bt.empty()) return changed;
        subseq = i;
        i = prevInsn(seg, i, cursor);
        if (i < 0) break;
      }
      const st = seg.parent;
      if (st === null) break;
      for (let fr = bt.frame; fr >= 0; fr--) {
        const f = st.state.frames[fr];
        if (f === undefined) throw NOT_SUPPORTED;
        for (let r = 0; r < 11; r++) {
          if (!bt.isReg(r, fr)) continue;
          const reg = f.regs[r]!;
          if (reg.type !== "scalar" || reg.precise === true) bt.clearReg(r, fr);
          else {
            f.regs[r] = precised(reg);
            changed = true;
          }
        }
        for (let spi = 0; spi < 64 && bt.hasSlots(fr); spi++) {
          if (!bt.isSlot(fr, spi)) continue;
          const slot = f.stack[spi];
          const sp = slot?.spill;
          if (
            slot === undefined ||
            sp === undefined ||
            sp.type !== "scalar" ||
            slot.kinds[7] !== "r" ||
            sp.precise === true
          )
            bt.clearSlot(fr, spi);
          else {
            f.stack[spi] = { kinds: slot.kinds, spill: precised(sp) };
            changed = true;
          }
        }
      }
      if (bt.empty()) return changed;
      subseq = firstIdx;
      lastIdx = st.lastInsn;
      firstIdx = st.firstInsn;
      seg = st;
    }
  } catch (e) {
    if (!(e instanceof NotSupported)) throw e;
  }
  // Something was not explained by the walk (e.g. reached the program start): be safe.
  markAllPrecise(start);
  return true;
}

/** The precise scalars of `old` (registers live per `live`, spilled slots) as a backtracking request. */
export function precisionRequest(old: VState, live: (frame: number) => number): Backtrack {
  const bt = new Backtrack(old.frames.length - 1);
  old.frames.forEach((f, fr) => {
    const mask = live(fr);
    for (let r = 0; r < 10; r++) {
      const reg = f.regs[r]!;
      if (reg.type === "scalar" && reg.precise === true && ((mask >> r) & 1) === 1) bt.setReg(r, fr);
    }
    for (let spi = 0; spi < f.stack.length; spi++) {
      const slot = f.stack[spi];
      if (slot?.spill?.type === "scalar" && slot.spill.precise === true) bt.setSlot(fr, spi);
    }
  });
  return bt;
}
