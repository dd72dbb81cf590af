/**
 * 64-bit arithmetic on u32 register halves for the interpreter (and any engine using the same
 * register file layout: word d = low half, word d+1 = high half). Each function updates the
 * destination register in place.
 *
 * The arithmetic itself is `arith64.ts`, shared with the JIT; these adapters read and write the
 * register file. Semantics: RFC 9669 §4.1 and bpf-isa-summary §4.
 */

import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_OR, BPF_XCHG, BPF_XOR } from "./isa.js";
import type { Region } from "./memory.js";
import { badAtomicTrap } from "./traps.js";
import * as A from "./arith64.js";

/**
 * dst = dst * (bh:bl), low 64 bits, on the interpreter's int32 register words, in 32-bit integer
 * operations only (float products and divisions cost more than the whole dispatch). The low
 * halves' full product comes from 16-bit pieces: every partial sum below is < 2^32, so its
 * wrapped int32 bits are exact; the high halves only add to the high word, where wrapping is
 * what is wanted.
 */
export function mul64(M: Int32Array, d: number, bl: number, bh: number): void {
  const al = M[d]!;
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const t = Math.imul(a0, b0);
  const m1 = (Math.imul(a1, b0) + (t >>> 16)) | 0;
  const m2 = (Math.imul(a0, b1) + (m1 & 0xffff)) | 0;
  const carry = (Math.imul(a1, b1) + (m1 >>> 16) + (m2 >>> 16)) | 0;
  const hi = (carry + Math.imul(M[d + 1]!, bl) + Math.imul(al, bh)) | 0;
  M[d] = (m2 << 16) | (t & 0xffff);
  M[d + 1] = hi;
}

/** Unsigned 64-bit div (mod = false) or mod (mod = true). */
export function udivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  R[d] = A.udiv64(R[d]! | 0, R[d + 1]! | 0, bl | 0, bh | 0, mod);
  R[d + 1] = A.S[0]!;
}

/** Signed 64-bit div or mod: truncating, sign of the remainder follows the dividend. */
export function sdivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  R[d] = A.sdiv64(R[d]! | 0, R[d + 1]! | 0, bl | 0, bh | 0, mod);
  R[d + 1] = A.S[0]!;
}

/** dst <<= n (n already masked to 0..63), on int32 register words. */
export function lsh64(M: Int32Array, d: number, n: number): void {
  const lo = M[d]!;
  const hi = M[d + 1]!;
  if (n === 0) {
    M[d] = lo;
    M[d + 1] = hi;
  } else if (n < 32) {
    M[d + 1] = (hi << n) | (lo >>> (32 - n));
    M[d] = lo << n;
  } else {
    M[d + 1] = lo << (n - 32);
    M[d] = 0;
  }
}

/** dst >>= n, logical (n already masked); arsh64 below differs only in `>>` for the sign. */
export function rsh64(M: Int32Array, d: number, n: number): void {
  const lo = M[d]!;
  const hi = M[d + 1]!;
  if (n === 0) {
    M[d] = lo;
    M[d + 1] = hi;
  } else if (n < 32) {
    M[d] = (lo >>> n) | (hi << (32 - n));
    M[d + 1] = hi >>> n;
  } else {
    M[d] = hi >>> (n - 32);
    M[d + 1] = 0;
  }
}

/** dst >>= n, arithmetic (n already masked). */
export function arsh64(M: Int32Array, d: number, n: number): void {
  const lo = M[d]!;
  const hi = M[d + 1]!;
  if (n === 0) {
    M[d] = lo;
    M[d + 1] = hi;
  } else if (n < 32) {
    M[d] = (lo >>> n) | (hi << (32 - n));
    M[d + 1] = hi >> n;
  } else {
    M[d] = hi >> (n - 32);
    M[d + 1] = hi >> 31;
  }
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

export function bswap32(x: number): number {
  return A.bswap32(x) >>> 0;
}

/** One atomic read-modify-write at region `r`, offset `a` (single-threaded: trivially atomic). */
export function atomic(R: Uint32Array, r: Region, a: number, s: number, op: number, wide: boolean): void {
  const v = r.view;
  const mlo = v.getUint32(a, true);
  const mhi = wide ? v.getUint32(a + 4, true) : 0;
  const slo = R[s]!;
  const shi = wide ? R[s + 1]! : 0;
  let nlo: number;
  let nhi: number;
  switch (op & ~BPF_FETCH) {
    case BPF_ADD: {
      const lo = mlo + slo;
      nlo = lo >>> 0;
      nhi = (mhi + shi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
      break;
    }
    case BPF_OR:
      nlo = mlo | slo;
      nhi = mhi | shi;
      break;
    case BPF_AND:
      nlo = mlo & slo;
      nhi = mhi & shi;
      break;
    case BPF_XOR:
      nlo = mlo ^ slo;
      nhi = mhi ^ shi;
      break;
    default:
      if (op === BPF_XCHG) {
        nlo = slo;
        nhi = shi;
        break;
      }
      if (op === BPF_CMPXCHG) {
        // Compare with r0 (its low half only for the 32-bit form); r0 receives the old value.
        const eq = R[0] === mlo && (!wide || R[1] === mhi);
        nlo = eq ? slo : mlo;
        nhi = eq ? shi : mhi;
        R[0] = mlo;
        R[1] = mhi;
        writeBack(v, a, nlo, nhi, wide);
        return;
      }
      throw badAtomicTrap(op);
  }
  writeBack(v, a, nlo, nhi, wide);
  if ((op & BPF_FETCH) !== 0) {
    R[s] = mlo;
    R[s + 1] = mhi;
  }
}

function writeBack(v: DataView, a: number, lo: number, hi: number, wide: boolean): void {
  v.setUint32(a, lo >>> 0, true);
  if (wide) v.setUint32(a + 4, hi >>> 0, true);
}
