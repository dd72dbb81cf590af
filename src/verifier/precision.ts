/**
 * Static liveness and precision, per instruction, for state pruning (our stand-in for the
 * kernel's REG_LIVE_READ marks and `mark_chain_precision` backtracking, vm-anchors §2.1).
 *
 * A register is *live* when it is read later before being written. A register or stack slot
 * is *precise* when its exact value can still influence a check: a memory address, a helper
 * argument, the return value, a conditional jump (only where some branch was decided by
 * values — the kernel marks precision only for decided branches), or the zero-ness of map
 * lookup key bytes (kernel 6.x `get_constant_map_key`). Values flow backwards through moves,
 * ALU operations and — unlike a register-only analysis — 8-byte spills and fills at fixed
 * frame-pointer offsets, so a scalar that is merely stored as a helper's key is not precise.
 * A 4-byte store (a narrow spill, mem.ts) makes its source precise when the slot is, but never
 * clears the slot's precision: the slot's other half survives it, and its value reaches a
 * later fill or a constant lookup key (map lookups make every slot precise).
 *
 * Deliberate approximations (all towards "more precise", i.e. sound): a load through a
 * register other than r10 may read any stack slot; a map lookup may read any slot; a store
 * through another register may write any slot (and kills none); caller frames are entirely
 * precise. Dead stack slots are not tracked (they are still compared when pruning).
 */
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_END,
  BPF_FETCH,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_ST,
  BPF_STX,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  opClass,
  opCode,
  opMode,
  opSize,
  opSource,
  sizeBytes,
  type Insn,
} from "../vm/isa.js";
import { HELPER, type ProgramType } from "../vm/program-type.js";

export interface Precision {
  /** Bitmask of live registers on entry to each instruction. */
  readonly live: Int32Array;
  /** Bitmask of registers whose exact value still matters on entry. */
  readonly precise: Int32Array;
  /** The same, not counting conditional jumps as uses (valid where no branch was decided). */
  readonly preciseNoJmp: Int32Array;
  /** Stack slots (bit spi) whose exact contents matter on entry, with and without jumps. */
  readonly preciseSlots: readonly bigint[];
  readonly preciseSlotsNoJmp: readonly bigint[];
}

const ALL_SLOTS = (1n << 64n) - 1n;
const b = (r: number): number => 1 << r;

/** Slots covered by the byte range [off, off+size) below r10, as a mask (0 when outside the stack). */
function slotMask(off: number, size: number): bigint {
  let m = 0n;
  for (let a = off; a < off + size; a++) {
    if (a >= 0 || a < -512) return ALL_SLOTS;
    m |= 1n << BigInt((-a - 1) >> 3);
  }
  return m;
}

interface Flow {
  regs: number;
  slots: bigint;
}

/** Backward transfer of the precision sets across instruction `x`. */
function preciseIn(x: Insn, type: ProgramType, out: Flow, withJmp: boolean, retPrecise: boolean): Flow {
  const cls = opClass(x.opcode);
  const srcReg = opSource(x.opcode) !== BPF_K;
  let regs = out.regs;
  let slots = out.slots;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const code = opCode(x.opcode);
      const dstPrecise = (regs & b(x.dst)) !== 0;
      regs &= ~b(x.dst);
      if (dstPrecise) {
        if (code === BPF_MOV) regs |= srcReg ? b(x.src) : 0;
        else if (code === BPF_NEG || code === BPF_END) regs |= b(x.dst);
        else regs |= b(x.dst) | (srcReg ? b(x.src) : 0);
      }
      return { regs, slots };
    }
    case BPF_LD:
      return { regs: regs & ~b(x.dst), slots };
    case BPF_LDX: {
      const dstPrecise = (regs & b(x.dst)) !== 0;
      regs = (regs & ~b(x.dst)) | b(x.src);
      if (dstPrecise) slots |= x.src === 10 ? slotMask(x.off, sizeBytes(opSize(x.opcode))) : ALL_SLOTS;
      return { regs, slots };
    }
    case BPF_ST:
    case BPF_STX: {
      regs |= b(x.dst);
      if (cls === BPF_STX && opMode(x.opcode) === BPF_ATOMIC) {
        // Atomics read and write memory and may write back into src (cmpxchg: r0).
        const def = x.imm & BPF_FETCH ? (x.imm === BPF_CMPXCHG ? 1 : b(x.src)) : 0;
        return { regs: (regs & ~def) | b(x.src) | (x.imm === BPF_CMPXCHG ? 1 : 0), slots: ALL_SLOTS };
      }
      const size = sizeBytes(opSize(x.opcode));
      const m = x.dst === 10 ? slotMask(x.off, size) : ALL_SLOTS;
      const needed = (slots & m) !== 0n;
      // An aligned 8-byte store at a fixed offset replaces the whole slot.
      if (x.dst === 10 && size === 8 && x.off % 8 === 0 && m !== ALL_SLOTS) slots &= ~m;
      if (cls === BPF_STX && needed) regs |= b(x.src);
      return { regs, slots };
    }
    default: {
      // r0 at exit matters where the return range is checked or warned about; a pointer r0
      // is compared exactly either way.
      if (x.opcode === OP_EXIT) return { regs: retPrecise ? b(0) : 0, slots: 0n };
      if (x.opcode === OP_JA || x.opcode === OP_JA32) return out;
      if (x.opcode === OP_CALL) {
        let n = 5;
        if (x.src === 0) n = type.helpers.get(x.imm)?.args.length ?? 5;
        regs &= ~0x3f;
        for (let r = 1; r <= n; r++) regs |= b(r);
        // A lookup's result depends on its key bytes being zero; a local function may read
        // (and decide branches on) anything its pointers reach.
        if (x.src === BPF_PSEUDO_CALL || (x.src === 0 && x.imm === HELPER.map_lookup_elem)) slots = ALL_SLOTS;
        return { regs, slots };
      }
      const u = b(x.dst) | (srcReg ? b(x.src) : 0);
      // Undecided branch: the operands are compared with each other, so if one is precise
      // the other is too (kernel backtrack_insn for BPF_X jumps).
      if (withJmp || (regs & u) !== 0) regs |= u;
      return { regs, slots };
    }
  }
}

function liveIn(x: Insn, type: ProgramType, out: number): number {
  const cls = opClass(x.opcode);
  const srcReg = opSource(x.opcode) !== BPF_K;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const code = opCode(x.opcode);
      const use = code === BPF_MOV ? (srcReg ? b(x.src) : 0) : b(x.dst) | (srcReg && code !== BPF_NEG && code !== BPF_END ? b(x.src) : 0);
      return (out & ~b(x.dst)) | use;
    }
    case BPF_LD:
      return out & ~b(x.dst);
    case BPF_LDX:
      return (out & ~b(x.dst)) | b(x.src);
    case BPF_ST:
      return out | b(x.dst);
    case BPF_STX: {
      const def = opMode(x.opcode) === BPF_ATOMIC && x.imm & BPF_FETCH ? (x.imm === BPF_CMPXCHG ? 1 : b(x.src)) : 0;
      return (out & ~def) | b(x.dst) | b(x.src) | (opMode(x.opcode) === BPF_ATOMIC && x.imm === BPF_CMPXCHG ? 1 : 0);
    }
    default: {
      if (x.opcode === OP_EXIT) return b(0);
      if (x.opcode === OP_JA || x.opcode === OP_JA32) return out;
      if (x.opcode === OP_CALL) {
        let n = 5;
        if (x.src === 0) n = type.helpers.get(x.imm)?.args.length ?? 5;
        let u = 0;
        for (let r = 1; r <= n; r++) u |= b(r);
        return (out & ~0x3f) | u;
      }
      return out | b(x.dst) | (srcReg ? b(x.src) : 0);
    }
  }
}

export interface PreciseSets {
  /** Bitmask of registers whose exact value still matters on entry to each instruction. */
  readonly regs: Int32Array;
  /** Stack slots (bit spi) of the current frame whose exact contents matter on entry. */
  readonly slots: readonly bigint[];
}

/**
 * Backward fixpoint for precision. `jmpUse[i]` says whether the conditional jump at i counts as
 * a use of its operands (the kernel: the jump was decided by their values on some path); null
 * means every conditional jump does.
 */
export function computePrecise(
  insns: readonly Insn[],
  isStart: readonly boolean[],
  succs: readonly (readonly number[])[],
  type: ProgramType,
  retPrecise: boolean,
  jmpUse: Uint8Array | null,
): PreciseSets {
  const n = insns.length;
  const regs = new Int32Array(n);
  const slots: bigint[] = new Array<bigint>(n).fill(0n);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (!isStart[i]) continue;
      let outR = 0;
      let outS = 0n;
      for (const s of succs[i]!) {
        outR |= regs[s]!;
        outS |= slots[s]!;
      }
      const inP = preciseIn(insns[i]!, type, { regs: outR, slots: outS }, jmpUse === null || jmpUse[i] === 1, retPrecise);
      const r = inP.regs | b(10);
      if (r !== regs[i] || inP.slots !== slots[i]) {
        regs[i] = r;
        slots[i] = inP.slots;
        changed = true;
      }
    }
  }
  return { regs, slots };
}

/** Backward fixpoint for liveness, and precision with all / no conditional jumps as uses. */
export function computePrecision(insns: readonly Insn[], isStart: readonly boolean[], succs: readonly (readonly number[])[], type: ProgramType, retPrecise: boolean): Precision {
  const n = insns.length;
  const live = new Int32Array(n);
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (!isStart[i]) continue;
      let out = 0;
      for (const s of succs[i]!) out |= live[s]!;
      const inL = liveIn(insns[i]!, type, out) | b(10);
      if (inL !== live[i]) {
        live[i] = inL;
        changed = true;
      }
    }
  }
  const all = computePrecise(insns, isStart, succs, type, retPrecise, null);
  const none = computePrecise(insns, isStart, succs, type, retPrecise, new Uint8Array(n));
  return { live, precise: all.regs, preciseNoJmp: none.regs, preciseSlots: all.slots, preciseSlotsNoJmp: none.slots };
}
