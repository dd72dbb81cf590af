/**
 * The trusted JIT's facts for a program the verifier accepted: the verifier's own facts
 * (`VerifyResult.facts`, the contract type of `facts.ts`: which object each access hits, in
 * bounds on every path) completed with the register facts ("below 2^32 / 2^31 before this
 * instruction", "this add or sub keeps the high half") of the path-insensitive range analysis
 * (`ranges.ts`), which holds on every path whatever the verifier pruned. Register facts the
 * verifier may have put there are replaced, never trusted: only the analysis speaks for
 * register values.
 */
import type { Insn } from "../isa.js";
import type { InsnFacts, JitFacts } from "./facts.js";
import { narrowRegisters } from "./ranges.js";

/** r10 is the frame pointer, never a narrow value. */
const NOT_R10 = ~(1 << 10);

/**
 * JIT facts from the verifier's facts (indexed by slot). `loopsBounded`: the caller asserts
 * the verifier proved every loop bounded (it accepted the program).
 */
export function jitFactsFromVerifier(
  insns: readonly Insn[],
  vf: ReadonlyArray<InsnFacts | undefined>,
  loopsBounded: boolean,
): JitFacts {
  // Helper calls the verifier knows to only read through their arguments keep spilled values;
  // accesses it proved inside their object bound their base pointer's offset (and say whether
  // that base may lie below its region).
  const { u32, u31, ptr, baseInRegion } = narrowRegisters(insns, {
    readsOnly: (pc) => vf[pc]?.callReadsOnly === true,
    inBounds: (pc) => vf[pc]?.memInBounds === true,
  });
  const out: InsnFacts[] = new Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    const f = vf[pc];
    const regs = {
      u32Regs: u32[pc]! & NOT_R10,
      u31Regs: u31[pc]! & NOT_R10,
      ptrRegs: ptr[pc]! & NOT_R10,
      memBaseInRegion: baseInRegion[pc] === 1,
    };
    out[pc] = f === undefined ? regs : { ...f, ...regs };
  }
  return { insns: out, loopsBounded };
}
