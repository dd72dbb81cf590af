/**
 * The helper calling convention shared by the interpreter, the JIT and every helper.
 *
 * Registers travel as u32 halves in one `Uint32Array` of 22 words: word 2*i is the low half
 * of r<i>, word 2*i+1 the high half. A helper reads r1-r5 from it and writes r0 back into
 * words 0 and 1; it leaves the rest alone. Keeping 64-bit values as halves keeps BigInt off the
 * hot path (a bigint per call costs more than most helpers do).
 */
import type { AddressSpace } from "./memory.js";

export type RegisterFile = Uint32Array;

export const REG_WORDS = 22;

/** A helper's implementation. It may throw a `VmTrap` (the caller adds the instruction index). */
export interface HelperFn {
  (regs: RegisterFile, mem: AddressSpace): void;
  /**
   * `false`: the helper only reads the memory its pointer arguments name. An engine may then
   * skip assuming that the stack changed under it (which costs a clear of the stack frame at
   * the next run). Absent: it may write there (e.g. skb_load_bytes), the safe default for
   * helpers that do not say.
   */
  readonly writesArgs?: boolean;
}

/** `fn`, marked as reading its pointer arguments only (`HelperFn.writesArgs` false). */
export function readsArgsOnly(fn: (regs: RegisterFile, mem: AddressSpace) => void): HelperFn {
  return Object.assign(fn, { writesArgs: false as const });
}

/** Helpers by id, as a VM instance sees them. */
export type HelperTable = ReadonlyMap<number, HelperFn>;

/** Set r0 to a signed 32-bit result sign-extended to 64 bits (helpers' `long` error codes). */
export function setR0Int(regs: RegisterFile, v: number): void {
  regs[0] = v >>> 0;
  regs[1] = v < 0 ? 0xffffffff : 0;
}

/**
 * Runs a BPF subprogram on behalf of a helper (bpf_loop's callback). `fnHi:fnLo` is the function
 * pointer the program passed (what a loader made of `lddw src=4`); `regs` holds r1-r5 on entry
 * and receives r0 in words 0-1. The engine runs the callee on its own stack frame, with its
 * instruction budget, and throws a `VmTrap` for faults inside it.
 */
export interface CallbackRunner {
  call(fnHi: number, fnLo: number, regs: RegisterFile, mem: AddressSpace): void;
}
