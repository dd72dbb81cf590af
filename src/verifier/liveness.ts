/**
 * Which stack slots may still be read: the kernel's path-insensitive stack liveness
 * (kernel/bpf/liveness.c, Linux 6.18), used to forget dead slots of fully explored states
 * before they are compared (`clean_func_state`).
 *
 * While paths are explored, every instruction records, per call chain (the call sites that led
 * to the function, plus its entry), the slots of each frame it may read (a union over visits)
 * and the slots it certainly overwrites whole (an intersection over visits). A backward
 * fixpoint over the function's instructions then gives, per instruction, the slots live before
 * it: live_before = (union of the successors' live_before minus must_write) plus may_read.
 * What a callee reads of, or always writes into, its callers' frames is carried to the call
 * instruction in the caller's chain. A slot of a caller frame is alive while the callee runs if
 * it is live after the call.
 *
 * Every state with no branch left has had all of its reads recorded (each path from it ran or
 * was pruned against a state whose own reads are recorded at the same instructions), so
 * querying such a state is sound.
 */
import { MAX_CALL_DEPTH, type Insn, jumpTarget } from "../vm/isa.js";
import { successors } from "../vm/cfg.js";
import type { VState } from "./state.js";

/**
 * Per frame, per instruction of one function in one call chain: slot masks (the kernel's u64),
 * as int32 halves, slots 0-31 at [2k] and 32-63 at [2k + 1].
 */
interface FrameMasks {
  readonly mayRead: Int32Array;
  readonly mustWrite: Int32Array;
  readonly mustWriteAcc: Int32Array;
  readonly liveBefore: Int32Array;
}

interface Instance {
  /** Call sites of the outer frames, then the function's entry. */
  readonly chain: readonly number[];
  readonly start: number;
  readonly end: number;
  readonly frames: (FrameMasks | undefined)[];
  readonly mustWriteSet: boolean[];
  updated: boolean;
  mustWriteDropped: boolean;
}

export class StackLiveness {
  private readonly instances = new Map<string, Instance>();
  /** Function [start, end) of each instruction. */
  private readonly fnStart: Int32Array;
  private readonly fnEnd: Int32Array;
  /** Whole-slot writes of the current instruction, per frame (halves as in FrameMasks). */
  private readonly writeAcc = new Int32Array(2 * MAX_CALL_DEPTH);
  private writeAccDirty = false;
  private writeInsn = -1;
  private writeInstance: Instance | undefined;

  constructor(
    private readonly insns: readonly Insn[],
    private readonly isStart: readonly boolean[],
    entries: readonly number[],
  ) {
    const n = insns.length;
    this.fnStart = new Int32Array(n);
    this.fnEnd = new Int32Array(n);
    const starts = [...new Set([0, ...entries])].sort((a, b) => a - b);
    starts.forEach((s, k) => {
      const e = k + 1 < starts.length ? starts[k + 1]! : n;
      for (let i = s; i < e; i++) {
        this.fnStart[i] = s;
        this.fnEnd[i] = e;
      }
    });
  }

  private root: Instance | undefined;

  private instance(st: VState, frame: number): Instance {
    // Most programs have no local functions: one instance, found without building a key.
    if (frame === 0 && this.root !== undefined) return this.root;
    const chain: number[] = [];
    for (let i = 0; i < frame; i++) chain.push(st.frames[i + 1]!.callsite);
    // The function a frame runs is the one containing its caller's call target, or insn 0.
    const callsite = frame === 0 ? -1 : st.frames[frame]!.callsite;
    const start = frame === 0 ? 0 : this.fnStart[jumpTarget(this.insns[callsite]!, callsite)!]!;
    chain.push(start);
    const inst = this.byChain(chain);
    if (frame === 0) this.root = inst;
    return inst;
  }

  private masks(inst: Instance, frame: number): FrameMasks {
    let m = inst.frames[frame];
    if (m === undefined) {
      const n = inst.end - inst.start;
      m = {
        mayRead: new Int32Array(2 * n),
        mustWrite: new Int32Array(2 * n),
        mustWriteAcc: new Int32Array(2 * n),
        liveBefore: new Int32Array(2 * n),
      };
      inst.frames[frame] = m;
    }
    return m;
  }

  private markRead(inst: Instance, frame: number, insn: number, lo: number, hi: number): void {
    const m = this.masks(inst, frame);
    const k = 2 * (insn - inst.start);
    const nextLo = m.mayRead[k]! | lo;
    const nextHi = m.mayRead[k + 1]! | hi;
    if (
      (nextLo !== m.mayRead[k] || nextHi !== m.mayRead[k + 1]) &&
      ((nextLo | m.liveBefore[k]!) !== m.liveBefore[k] || (nextHi | m.liveBefore[k + 1]!) !== m.liveBefore[k + 1])
    )
      inst.updated = true;
    m.mayRead[k] = nextLo;
    m.mayRead[k + 1] = nextHi;
  }

  /** Instruction `insn` of the current state `st` may read the slots (lo: 0-31, hi: 32-63) of frame `frame`. */
  read(st: VState, insn: number, frame: number, lo: number, hi: number): void {
    this.markRead(this.instance(st, st.frames.length - 1), frame, insn, lo, hi);
  }

  /** Start collecting the whole-slot writes of instruction `insn` (kernel bpf_reset_stack_write_marks). */
  beginInsn(st: VState, insn: number): void {
    this.writeInstance = this.instance(st, st.frames.length - 1);
    this.writeInsn = insn;
    if (this.writeAccDirty) {
      this.writeAcc.fill(0);
      this.writeAccDirty = false;
    }
  }

  /** The current instruction overwrites slot `spi` of `frame` whole. */
  write(frame: number, spi: number): void {
    this.writeAccDirty = true;
    if (spi < 32) this.writeAcc[2 * frame]! |= 1 << spi;
    else this.writeAcc[2 * frame + 1]! |= 1 << (spi - 32);
  }

  /** Merge the current instruction's writes: must_write is the intersection over visits. */
  commitInsn(): void {
    const inst = this.writeInstance;
    if (inst === undefined) return;
    this.commit(inst, this.writeInsn, this.writeAcc);
    this.writeInstance = undefined;
  }

  /** `acc`: per frame, the halves of the slots written whole (as writeAcc). */
  private commit(inst: Instance, insn: number, acc: Int32Array): void {
    const i = insn - inst.start;
    const k = 2 * i;
    for (let frame = 0; frame < inst.chain.length; frame++) {
      let lo = acc[2 * frame]!;
      let hi = acc[2 * frame + 1]!;
      if ((lo | hi) === 0 && !inst.mustWriteSet[i]) continue;
      const m = this.masks(inst, frame);
      const oldLo = m.mustWrite[k]!;
      const oldHi = m.mustWrite[k + 1]!;
      if (inst.mustWriteSet[i]) {
        lo &= oldLo;
        hi &= oldHi;
      }
      if (oldLo !== lo || oldHi !== hi) {
        m.mustWrite[k] = lo;
        m.mustWrite[k + 1] = hi;
        inst.updated = true;
      }
      if ((oldLo & ~lo) !== 0 || (oldHi & ~hi) !== 0) inst.mustWriteDropped = true;
    }
    inst.mustWriteSet[i] = true;
  }

  private succCache: (readonly number[])[] = [];

  /** Successors of `i` within its function (computed once per instruction). */
  private successors(i: number): readonly number[] {
    return (this.succCache[i] ??= successors(this.insns, i));
  }

  private update(inst: Instance): void {
    const n = inst.end - inst.start;
    if (inst.mustWriteDropped) for (const m of inst.frames) if (m !== undefined) m.mustWriteAcc.fill(0);
    let changed = true;
    while (changed) {
      changed = false;
      for (let frame = 0; frame < inst.chain.length; frame++) {
        const m = inst.frames[frame];
        if (m === undefined) continue;
        for (let k = n - 1; k >= 0; k--) {
          const i = inst.start + k;
          if (!this.isStart[i]) continue;
          const succ = this.successors(i);
          if (succ.length === 0) continue;
          // Both halves alike: live_before = (after & ~must_write) | may_read.
          for (let h = 0; h < 2; h++) {
            let after = 0;
            let acc = -1;
            for (const s of succ) {
              const j = s - inst.start;
              if (j < 0 || j >= n) continue;
              after |= m.liveBefore[2 * j + h]!;
              acc &= m.mustWriteAcc[2 * j + h]!;
            }
            const x = 2 * k + h;
            acc |= m.mustWrite[x]!;
            const before = (after & ~m.mustWrite[x]!) | m.mayRead[x]!;
            if (before !== m.liveBefore[x] || acc !== m.mustWriteAcc[x]) {
              m.liveBefore[x] = before;
              m.mustWriteAcc[x] = acc;
              changed = true;
            }
          }
        }
      }
    }
    const depth = inst.chain.length - 1;
    if (depth === 0) return;
    // Carry what the callee reads of, and always writes into, outer frames to its call.
    const outerChain = inst.chain.slice(0, depth - 1);
    const callsite = inst.chain[depth - 1]!;
    const outer = this.byChain([...outerChain, this.fnStart[callsite]!]);
    const acc = new Int32Array(2 * MAX_CALL_DEPTH);
    for (let frame = 0; frame < depth; frame++) {
      const m = inst.frames[frame];
      if (m === undefined) continue;
      acc[2 * frame] = m.mustWriteAcc[0]!;
      acc[2 * frame + 1] = m.mustWriteAcc[1]!;
      this.markRead(outer, frame, callsite, m.liveBefore[0]!, m.liveBefore[1]!);
    }
    this.commit(outer, callsite, acc);
  }

  private byChain(chain: number[]): Instance {
    const key = chain.join(",");
    let inst = this.instances.get(key);
    if (inst === undefined) {
      const start = chain[chain.length - 1]!;
      inst = {
        chain,
        start,
        end: this.fnEnd[start]!,
        frames: [],
        mustWriteSet: new Array<boolean>(this.fnEnd[start]! - start).fill(false),
        updated: false,
        mustWriteDropped: false,
      };
      this.instances.set(key, inst);
    }
    return inst;
  }

  /** Bring the fixpoint up to date for the chains of `st` (after a path ends or a function returns). */
  refresh(st: VState): void {
    for (let frame = st.frames.length - 1; frame >= 0; frame--) {
      const inst = this.instance(st, frame);
      if (!inst.updated) continue;
      this.update(inst);
      inst.updated = false;
      inst.mustWriteDropped = false;
    }
  }

  private liveBefore(inst: Instance, insn: number, frame: number, spi: number): boolean {
    const m = inst.frames[frame];
    if (m === undefined) return false;
    const k = insn - inst.start;
    if (k < 0 || 2 * k >= m.liveBefore.length) return false;
    return spi < 32
      ? ((m.liveBefore[2 * k]! >>> spi) & 1) === 1
      : ((m.liveBefore[2 * k + 1]! >>> (spi - 32)) & 1) === 1;
  }

  /** kernel `bpf_stack_slot_alive` for a state at `insn`. */
  alive(st: VState, insn: number, frame: number, spi: number): boolean {
    const cur = st.frames.length - 1;
    if (this.liveBefore(this.instance(st, cur), insn, frame, spi)) return true;
    for (let i = frame; i < cur; i++) {
      const callsite = st.frames[i + 1]!.callsite;
      if (this.liveBefore(this.instance(st, i), callsite + 1, frame, spi)) return true;
    }
    return false;
  }
}
