/**
 * What the verifier tells the JIT about a program it accepted, so that trusted mode can drop
 * checks and hi/lo arithmetic that the proof made unnecessary.
 *
 * Every field is optional and every fact only ever REMOVES work: with no facts at all
 * (`NO_FACTS`), trusted mode is checked mode minus the inline bounds checks, which is still
 * correct for any program the verifier accepted (the verifier proved every access in bounds and
 * writable). A fact the verifier cannot back must be left out, never guessed: the JIT believes
 * it blindly in trusted mode and ignores it in checked mode.
 *
 * Deliberately not here: value ranges beyond "fits in 32 bits" (the JIT has no use for them yet)
 * and per-path facts (facts hold on every path reaching the instruction).
 */

/** Where a proven-in-bounds memory access lands. */
export type RegionKind = "stack" | "ctx" | "map_value" | "packet" | "socket" | "other";

/** Facts that hold on every path reaching one instruction, before it executes. */
export interface InsnFacts {
  /**
   * Bit i set: register r<i> is below 2^32 (its high half is zero). The JIT then reads the
   * high half as the constant 0, which lets V8 fold 64-bit compares and carries away.
   */
  readonly u32Regs?: number;
  /** Bit i set: register r<i> is below 2^31 (a non-negative int32; implies the u32 bit). */
  readonly u31Regs?: number;
  /**
   * Bit i set: r<i> is a pointer (high half = region id, low half = offset) and an add/sub at
   * this instruction keeps the offset inside [0, 2^32) — the kernel bounds pointer offsets far
   * below that — so the JIT adds the low halves without a carry and leaves the high half alone.
   */
  readonly ptrRegs?: number;
  /** The load/store/atomic at this instruction is inside its region and, for writes, writable. */
  readonly memInBounds?: boolean;
  /** Which kind of region that access hits (informational; `stack` lets the JIT use the stack view directly). */
  readonly memRegion?: RegionKind;
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

/** Facts at slot `pc`, or undefined. */
export function factsAt(facts: JitFacts, pc: number): InsnFacts | undefined {
  const a = facts.insns;
  return a === undefined ? undefined : a[pc];
}

/** Is r<reg> known to be below 2^31 before slot `pc`? */
export function u31Known(facts: JitFacts, pc: number, reg: number): boolean {
  const f = factsAt(facts, pc);
  return f !== undefined && ((f.u31Regs ?? 0) & (1 << reg)) !== 0;
}

/** Is r<reg> a pointer whose add/sub at slot `pc` cannot carry into the high half? */
export function ptrKnown(facts: JitFacts, pc: number, reg: number): boolean {
  const f = factsAt(facts, pc);
  return f !== undefined && ((f.ptrRegs ?? 0) & (1 << reg)) !== 0;
}

/** Is r<reg> known to have a zero high half before slot `pc`? */
export function hiKnownZero(facts: JitFacts, pc: number, reg: number): boolean {
  const f = factsAt(facts, pc);
  if (f === undefined) return false;
  const bit = 1 << reg;
  return ((f.u32Regs ?? 0) & bit) !== 0 || ((f.u31Regs ?? 0) & bit) !== 0;
}
