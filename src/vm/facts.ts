/**
 * The facts contract between the verifier and the trusted JIT: what may be assumed about one
 * instruction on EVERY execution that reaches it, so that trusted mode can drop checks and
 * hi/lo arithmetic the proof made unnecessary. Defined here, in the vm, so that the verifier
 * (which depends on the vm, never the reverse) fills this very type; the JIT reads it through
 * jit/facts.ts.
 *
 * Who fills what, and why it holds on paths the verifier pruned:
 * - `memInBounds`, `memRegion`: the verifier (src/verifier/facts-record.ts), joined over every
 *   state it walked at the instruction. A pruned path continues the way a walked one did, and
 *   pruning compares pointers exactly (type, fixed offset, map, frame; range containment of
 *   the variable part: the verifier's `regSafe`, the kernel's `regsafe`), so the
 *   base register of an access has on a pruned path the pointer type it had on the walked one.
 * - `callReadsOnly`: the verifier, from the kernel prototype of the helper a call names (a
 *   static property of the instruction, whatever path reaches it).
 * - `u32Regs`, `u31Regs`, `ptrRegs`: NOT from the verifier's states. Scalars that no check
 *   depends on are not compared when pruning (an imprecise scalar covers any scalar), so
 *   "below 2^32 on every walked state" says nothing about pruned paths, and neither does a
 *   pointer's offset range at an add that rests on such a scalar. They come from a
 *   path-insensitive analysis of the program itself (`jit/ranges.ts`) that joins every path at
 *   every merge point. For `ptrRegs` it takes the offset a pointer has from `memInBounds`
 *   (an access inside its object puts the base's offset below `MAX_REGION_SIZE`, memory.ts)
 *   and follows it through moves and adds whose low half provably does not wrap.
 *   `memBaseInRegion` comes from the same offsets.
 *
 * Every field is optional and every fact only ever REMOVES work: with no facts (`NO_FACTS`)
 * trusted mode is checked mode minus the inline bounds checks, which is still correct for any
 * program the verifier accepted. A fact nobody can back must be left out, never guessed: the
 * JIT believes it blindly in trusted mode and ignores it in checked mode.
 */

/** The kind of object a proven-in-bounds access hits (the verifier's pointer types). */
export type RegionKind = "stack" | "ctx" | "map_value" | "sock" | "pkt";

/** Facts that hold on every execution reaching one instruction, before it executes. */
export interface InsnFacts {
  /**
   * Bit i set: register r<i> is below 2^32 (its high half is zero). The JIT then reads the
   * high half as the constant 0, which lets V8 fold 64-bit compares and carries away.
   */
  readonly u32Regs?: number | undefined;
  /** Bit i set: register r<i> is below 2^31 (a non-negative int32; implies the u32 bit). */
  readonly u31Regs?: number | undefined;
  /**
   * Bit i set: r<i>, the destination of the 64-bit add/sub at this instruction, has its low half
   * (for a pointer: the offset in its region) in [0, 2^31) both before and after it, and the
   * operand is the immediate or a register below 2^32: the JIT adds the low halves without a
   * carry and leaves the high half alone. An offset that dips below 0 (a pointer moved below
   * its object) must not be marked: the exact 64-bit result then borrows from the region id.
   */
  readonly ptrRegs?: number | undefined;
  /** The load/store/atomic at this instruction is inside its object and, for writes, writable. */
  readonly memInBounds?: boolean | undefined;
  /**
   * The base register of that access has its low half in [0, 2^31): it is not below its region,
   * so its high half is the region's id (the JIT need not correct it by the low half's sign).
   * From the range analysis, like the register facts.
   */
  readonly memBaseInRegion?: boolean | undefined;
  /** The kind of object that access hits, when it is the same on every path (`stack` lets the JIT use the stack view
   * directly). */
  readonly memRegion?: RegionKind | undefined;
  /**
   * The helper this call names writes no memory through its arguments: its kernel prototype
   * has no MEM_WRITE/uninit argument and no callback. Values spilled to the stack survive it.
   */
  readonly callReadsOnly?: boolean | undefined;
}

export interface JitFacts {
  /** Indexed by slot (the same index as the decoded `Insn[]`); holes mean "nothing known". */
  readonly insns?: ReadonlyArray<InsnFacts | undefined>;
  /**
   * Every loop is proven to terminate within the instruction budget, so trusted mode may drop
   * the per-block budget comparison (it still counts instructions for `executed`).
   */
  readonly loopsBounded?: boolean;
}

export const NO_FACTS: JitFacts = {};
