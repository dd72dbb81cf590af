/**
 * Baton's eBPF verifier: `verify(insns, options)` checks a program the way the
 * kernel's verifier does for the program type, and reports the first root cause of a
 * rejection with the path and register states that led there.
 */
export { verify, type VerifyOptions, type VerifyResult } from "./verify.js";
