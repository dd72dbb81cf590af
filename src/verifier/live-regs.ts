/**
 * Registers live before each instruction: the kernel's static `compute_live_registers`
 * (Linux 6.15+), which pruning uses to compare only registers that are read later
 * (`func_states_equal`) and to forget dead ones in explored states (`clean_func_state`).
 * Per function: a call's successor is the next instruction, a helper call reads the
 * arguments of its prototype and a local call r1-r5, both write r0-r5; `exit` reads r0.
 */
import { BPF_CMPXCHG, BPF_END, BPF_FETCH, BPF_MOV, BPF_NEG, BPF_X, OP_DESC, Op } from "../vm/isa.js";
import type { OwnInsn } from "./own-insns.js";
import type { ProgramType } from "../vm/program-type.js";

const b = (r: number): number => 1 << r;

/** Live registers before `x`, given those live after it. */
function liveIn(x: OwnInsn, type: ProgramType, out: number): number {
  const d = OP_DESC[x.op]!;
  const srcReg = d.source === BPF_X;
  switch (d.kind) {
    case "alu":
    case "end": {
      const code = d.code;
      const use =
        code === BPF_MOV
          ? srcReg
            ? b(x.src)
            : 0
          : b(x.dst) | (srcReg && code !== BPF_NEG && code !== BPF_END ? b(x.src) : 0);
      return (out & ~b(x.dst)) | use;
    }
    case "lddw":
    case "ldabs":
      return out & ~b(x.dst);
    case "ldx":
    case "ldxsx":
      return (out & ~b(x.dst)) | b(x.src);
    case "st":
      return out | b(x.dst);
    case "stx":
      return out | b(x.dst) | b(x.src);
    case "atomic": {
      const def = x.imm & BPF_FETCH ? (x.imm === BPF_CMPXCHG ? 1 : b(x.src)) : 0;
      return (out & ~def) | b(x.dst) | b(x.src) | (x.imm === BPF_CMPXCHG ? 1 : 0);
    }
    case "exit":
      return b(0);
    case "ja":
      return out;
    case "call": {
      const n = x.op === Op.CALL ? (type.helpers.get(x.imm)?.args.length ?? 5) : 5;
      let use = 0;
      for (let r = 1; r <= n; r++) use |= b(r);
      return (out & ~0x3f) | use;
    }
    default:
      // Conditional jumps, and callx (refused when reached).
      return out | b(x.dst) | (srcReg ? b(x.src) : 0);
  }
}

/** Backward fixpoint: bitmask of live registers before each instruction (r10 always). */
export function computeLiveRegs(
  insns: readonly OwnInsn[],
  isStart: readonly boolean[],
  succs: readonly (readonly number[])[],
  type: ProgramType,
): Int32Array {
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
  return live;
}
