/**
 * Baton's eBPF verifier: `verify(insns, options)` checks a program the way the
 * kernel's verifier does for the program type, and reports the first root cause of a
 * rejection with the path and register states that led there.
 */
export { verify, INSN_BUDGET, type VerifyOptions, type VerifyResult, type LoopBound, type InsnFacts, type RejectDetail, type RegionKind } from "./verify.js";
export { formatReg, formatScalar, formatState } from "./format.js";
