/** Test support: a register file and pointer packing for calling helpers directly. */
import { REG_WORDS, type RegisterFile } from "../../../src/vm/helper-abi.js";

export type RegValue = number | { hi: number; lo: number };

/** A register file with r1.. set from `args` (numbers are u32 low halves). */
export function regs(...args: RegValue[]): RegisterFile {
  const r = new Uint32Array(REG_WORDS);
  args.forEach((a, i) => {
    const n = i + 1;
    if (typeof a === "number") {
      r[2 * n] = a >>> 0;
      r[2 * n + 1] = a < 0 ? 0xffffffff : 0;
    } else {
      r[2 * n] = a.lo >>> 0;
      r[2 * n + 1] = a.hi >>> 0;
    }
  });
  return r;
}

export const ptr = (hi: number, lo = 0): RegValue => ({ hi, lo });

/** r0 as a signed number (errno results) — valid for values that fit 53 bits. */
export function r0(r: RegisterFile): number {
  return r[1] === 0xffffffff ? r[0]! | 0 : r[1]! * 0x1_0000_0000 + r[0]!;
}

export const r0Big = (r: RegisterFile): bigint => (BigInt(r[1]!) << 32n) | BigInt(r[0]!);
