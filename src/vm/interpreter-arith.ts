/**
 * 64-bit arithmetic on u32 register halves for the interpreter (and any engine using the same
 * register file layout: word d = low half, word d+1 = high half). Each function updates the
 * destination register in place.
 *
 * Semantics follow RFC 9669 §4.1 and bpf-isa-summary §4: wrap-around, shift counts masked to
 * 6 bits, division by zero gives 0 and modulo by zero keeps dst, INT64_MIN sdiv -1 wraps.
 * Multiplication is exact with 16-bit partial products; division uses doubles when both
 * operands fit in 53 bits (where floor(a/b) is exact) and BigInt only beyond that.
 */

import { VmTrap } from "../errors.js";
import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_OR, BPF_XCHG, BPF_XOR } from "./isa.js";
import type { Region } from "./memory.js";

const TWO32 = 4294967296;
const FIT53 = 0x200000; // high word below this => value < 2^53

/** dst = dst * (bh:bl), low 64 bits. */
export function mul64(R: Uint32Array, d: number, bl: number, bh: number): void {
  const al = R[d]!;
  const ah = R[d + 1]!;
  // Full 64-bit product of the low halves from 16-bit pieces (every partial product < 2^32).
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const hiLow = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  R[d] = Math.imul(al, bl);
  R[d + 1] = hiLow + Math.imul(ah, bl) + Math.imul(al, bh);
}

function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function setBig(R: Uint32Array, d: number, v: bigint): void {
  const w = BigInt.asUintN(64, v);
  R[d] = Number(w & 0xffffffffn);
  R[d + 1] = Number(w >> 32n);
}

/** Store an exact integer |v| < 2^53 (possibly negative) as a 64-bit two's complement value. */
function setNum(R: Uint32Array, d: number, v: number): void {
  R[d] = v >>> 0;
  R[d + 1] = Math.floor(v / TWO32) >>> 0;
}

/** Unsigned 64-bit div (mod = false) or mod (mod = true). */
export function udivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  if (bl === 0 && bh === 0) {
    if (!mod) {
      R[d] = 0;
      R[d + 1] = 0;
    }
    return;
  }
  const al = R[d]!;
  const ah = R[d + 1]!;
  if (ah < FIT53 && bh < FIT53) {
    const a = ah * TWO32 + al;
    const b = bh * TWO32 + bl;
    const q = Math.floor(a / b);
    setNum(R, d, mod ? a - q * b : q);
    return;
  }
  const a = toBig(al, ah);
  const b = toBig(bl, bh);
  setBig(R, d, mod ? a % b : a / b);
}

/** Signed 64-bit div or mod: truncating, sign of the remainder follows the dividend. */
export function sdivmod64(R: Uint32Array, d: number, bl: number, bh: number, mod: boolean): void {
  if (bl === 0 && bh === 0) {
    if (!mod) {
      R[d] = 0;
      R[d + 1] = 0;
    }
    return;
  }
  const al = R[d]!;
  const ah = R[d + 1]!;
  // |x| < 2^53 when the high word is within ±2^21 (as a signed value).
  const ahs = ah | 0;
  const bhs = bh | 0;
  if (ahs >= -FIT53 && ahs < FIT53 && bhs >= -FIT53 && bhs < FIT53 && ahs !== -FIT53 && bhs !== -FIT53) {
    const a = ahs * TWO32 + al;
    const b = bhs * TWO32 + bl;
    const q = Math.trunc(a / b);
    const v = mod ? a - q * b : q;
    setNum(R, d, v === 0 ? 0 : v); // normalise -0
    return;
  }
  const a = BigInt.asIntN(64, toBig(al, ah));
  const b = BigInt.asIntN(64, toBig(bl, bh));
  setBig(R, d, mod ? a % b : a / b);
}

/** dst <<= n (n already masked to 0..63). */
export function lsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = R[d]!;
  if (n < 32) {
    R[d + 1] = (R[d + 1]! << n) | (lo >>> (32 - n));
    R[d] = lo << n;
  } else {
    R[d + 1] = lo << (n - 32);
    R[d] = 0;
  }
}

/** dst >>= n, logical (n already masked). */
export function rsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1]!;
  if (n < 32) {
    R[d] = (R[d]! >>> n) | (hi << (32 - n));
    R[d + 1] = hi >>> n;
  } else {
    R[d] = hi >>> (n - 32);
    R[d + 1] = 0;
  }
}

/** dst >>= n, arithmetic (n already masked). */
export function arsh64(R: Uint32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = R[d + 1]! | 0;
  if (n < 32) {
    R[d] = (R[d]! >>> n) | (hi << (32 - n));
    R[d + 1] = hi >> n;
  } else {
    R[d] = hi >> (n - 32);
    R[d + 1] = hi >> 31;
  }
}

export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

export function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** Unsigned 64-bit compare of (ah:al) with (bh:bl): -1, 0 or 1. */
export function ucmp64(al: number, ah: number, bl: number, bh: number): number {
  if (ah !== bh) return ah > bh ? 1 : -1;
  return al === bl ? 0 : al > bl ? 1 : -1;
}

/** Signed 64-bit compare. */
export function scmp64(al: number, ah: number, bl: number, bh: number): number {
  const sa = ah | 0;
  const sb = bh | 0;
  if (sa !== sb) return sa > sb ? 1 : -1;
  return al === bl ? 0 : al > bl ? 1 : -1;
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
    case BPF_OR: nlo = mlo | slo; nhi = mhi | shi; break;
    case BPF_AND: nlo = mlo & slo; nhi = mhi & shi; break;
    case BPF_XOR: nlo = mlo ^ slo; nhi = mhi ^ shi; break;
    default:
      if (op === BPF_XCHG) { nlo = slo; nhi = shi; break; }
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
      throw new VmTrap("vm.bad-atomic", `atomic operation 0x${op.toString(16)} is not valid`);
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

