/**
 * The engine a policy runs on, chosen in one place for every command (`run`, `test`,
 * `simulate`, `bench --policy`, `demo`). `jit` on a program the verifier accepted means the
 * trusted JIT, fed with the verifier's per-instruction facts (which registers fit in 32 bits,
 * which region each access hits): the checks the verifier proved unnecessary are left out.
 * Anything else — a rejection, no verdict (`--no-verify`), `interp` — runs on the engine by
 * name, with every check on.
 */
import { jitFactsFromVerifier } from "../vm/jit/verifier-facts.js";
import { trustedJit } from "../vm/jit/jit.js";
import type { EngineFactory } from "../vm/engine.js";
import { engineByName } from "../vm/engines.js";
import type { Insn } from "../vm/isa.js";
import type { VerifyResult } from "../verifier/index.js";

export interface SelectedEngine {
  readonly factory: EngineFactory;
  /** What runs, for output: `interp`, `jit (trusted)` or `jit (checked)`. */
  readonly label: string;
}

export function selectEngine(name: string, insns: readonly Insn[], verdict: VerifyResult | null): SelectedEngine {
  const byName = engineByName(name); // validates the name, whatever the verdict
  if (name !== "jit") return { factory: byName, label: name };
  if (verdict === null || !verdict.accepted || verdict.facts === undefined)
    return { factory: byName, label: "jit (checked)" };
  // An accepted program terminates: every loop was explored to its end within the budget.
  return { factory: trustedJit(jitFactsFromVerifier(insns, verdict.facts, true)), label: "jit (trusted)" };
}

export function engineForVerified(name: string, insns: readonly Insn[], verdict: VerifyResult): EngineFactory {
  return selectEngine(name, insns, verdict).factory;
}
