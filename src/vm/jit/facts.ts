/**
 * The JIT's reading of the facts contract (src/vm/facts.ts, where the types and the reasons
 * each fact holds on every path are): per-instruction queries the emitters ask.
 */
import type { InsnFacts, JitFacts } from "../facts.js";

export { NO_FACTS, type InsnFacts, type JitFacts } from "../facts.js";

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
