/**
 * The engine a verified policy runs on. `jit` means the trusted JIT, fed with the verifier's
 * per-instruction facts (which registers fit in 32 bits, which region each access hits): the
 * checks the verifier proved unnecessary are left out. Only programs the verifier accepted
 * come here; anything else runs on the engine by name (checked JIT, interpreter).
 */
import { jitFactsFromVerifier } from "../vm/jit/verifier-facts.js";
import { trustedJit } from "../vm/jit/jit.js";
import type { EngineFactory } from "../vm/engine.js";
import { engineByName } from "../vm/engines.js";
import type { Insn } from "../vm/isa.js";
import type { VerifyResult } from "../verifier/index.js";

export function engineForVerified(name: string, insns: readonly Insn[], verdict: VerifyResult): EngineFactory {
  const byName = engineByName(name); // validates the name, whatever the verdict
  if (name !== "jit" || !verdict.accepted || verdict.facts === undefined) return byName;
  // An accepted program terminates: every loop was explored to its end within the budget.
  return trustedJit(jitFactsFromVerifier(insns, verdict.facts, true));
}
