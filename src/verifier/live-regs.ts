/**
 * Registers live before each instruction: the kernel's static `compute_live_registers`
 * (Linux 6.15+), which pruning uses to compare only registers that are read later
 * (`func_states_equal`) and to forget dead ones in explored states (`clean_func_state`).
 * Per function: a call's successor is the next instruction, a helper call reads the
 * arguments of its prototype and a local call r1-r5, both write r0-r5; `exit` reads r0.
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
  BPF_ST,
  BPF_STX,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  opClass,
  opCode,
  opMode,
  opSource,
  type Insn,
} from "../vm/isa.js";
import type { ProgramType } from "../vm/program-type.js";

const b = (r: number): number => 1 << r;

/** Live registers before `x`, given those live after it. */
function liveIn(x: Insn, type: ProgramType, out: number): number {
  const cls = opClass(x.opcode);
  const srcReg = opSource(x.opcode) !== BPF_K;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const code = opCode(x.opcode);
      const use =
        code === BPF_MOV
          ? srcReg
            ? b(x.src)
            : 0
          : b(x.dst) | (srcReg && code !== BPF_NEG && code !== BPF_END ? b(x.src) : 0);
      return (out & ~b(x.dst)) | use;
    }
    case BPF_LD:
      return out & ~b(x.dst);
    case BPF_LDX:
      return (out & ~b(x.dst)) | b(x.src);
    case BPF_ST:
      return out | b(x.dst);
    case BPF_STX: {
      const atomic = opMode(x.opcode) === BPF_ATOMIC;
      const def = atomic && x.imm & BPF_FETCH ? (x.imm === BPF_CMPXCHG ? 1 : b(x.src)) : 0;
      return (out & ~def) | b(x.dst) | b(x.src) | (atomic && x.imm === BPF_CMPXCHG ? 1 : 0);
    }
    default: {
      if (x.opcode === OP_EXIT) return b(0);
      if (x.opcode === OP_JA || x.opcode === OP_JA32) return out;
      if (x.opcode === OP_CALL) {
        const n = x.src === 0 ? (type.helpers.get(x.imm)?.args.length ?? 5) : 5;
        let use = 0;
        for (let r = 1; r <= n; r++) use |= b(r);
        return (out & ~0x3f) | use;
      }
      return out | b(x.dst) | (srcReg ? b(x.src) : 0);
    }
  }
}

/** Backward fixpoint: bitmask of live registers before each instruction (r10 always). */
export function computeLiveRegs(
  insns: readonly Insn[],
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
