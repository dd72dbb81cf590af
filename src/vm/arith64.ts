/**
 * 64-bit arithmetic on register halves, shared by both engines: multiply, divide, modulo,
 * shifts and byte swaps. Values travel as int32 halves (the JIT's canonical form, which V8 keeps
 * unboxed; the interpreter passes its halves through `| 0`); a function returns the low half
 * and leaves the high half in `S[0]` (one preallocated scratch word, so no call allocates).
 *
 * Semantics: RFC 9669 §4.1 and bpf-isa-summary §4 — wrap-around, shift counts masked by the
 * caller, x/0 = 0, x%0 = x, INT64_MIN / -1 = INT64_MIN. Division uses doubles only when both
 * operands are below 2^32 (where the float quotient is exact) and BigInt beyond that; it is
 * never on a hot path of the policies Baton runs. The JIT calls these out of line from generated
 * code; the interpreter through `interpreter-arith.ts`, which writes the halves back in place.
 */

/** Scratch high-half output of the functions below. */
export const S = new Int32Array(1);

/** Low 64 bits of (ah:al) * (bh:bl). */
export function mul64(al: number, ah: number, bl: number, bh: number): number {
  // The low halves' full 64-bit product from 16-bit pieces; every partial product is < 2^32.
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  S[0] = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  return Math.imul(al, bl);
}

function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function fromBig(v: bigint): number {
  const w = BigInt.asUintN(64, v);
  S[0] = Number(w >> 32n) | 0;
  return Number(w & 0xffffffffn) | 0;
}

/** Unsigned 64-bit (ah:al) / (bh:bl), or % when `mod`; /0 = 0 and %0 = dst. */
export function udiv64(al: number, ah: number, bl: number, bh: number, mod: boolean): number {
  if (bl === 0 && bh === 0) {
    S[0] = mod ? ah : 0;
    return mod ? al : 0;
  }
  if (ah === 0 && bh === 0) {
    const a = al >>> 0;
    const b = bl >>> 0;
    S[0] = 0;
    return (mod ? a % b : Math.floor(a / b)) | 0;
  }
  const a = big(al, ah);
  const b = big(bl, bh);
  return fromBig(mod ? a % b : a / b);
}

/** Signed 64-bit division (truncating) or remainder (sign of the dividend). */
export function sdiv64(al: number, ah: number, bl: number, bh: number, mod: boolean): number {
  if (bl === 0 && bh === 0) {
    S[0] = mod ? ah : 0;
    return mod ? al : 0;
  }
  // Both operands sign-extended int32: exact in doubles, and -2^31 / -1 = 2^31 wraps below.
  if (ah === al >> 31 && bh === bl >> 31) {
    const q = mod ? al % bl : Math.trunc(al / bl);
    const lo = q | 0;
    // 2^31 (INT32_MIN / -1) is a positive 64-bit value: its high half is 0.
    S[0] = q < 0 ? -1 : 0;
    return lo;
  }
  const a = BigInt.asIntN(64, big(al, ah));
  const b = BigInt.asIntN(64, big(bl, bh));
  return fromBig(mod ? a % b : a / b);
}

/** (h:l) << n, n in 0..63. */
export function lsh64(l: number, h: number, n: number): number {
  if (n === 0) {
    S[0] = h;
    return l;
  }
  if (n < 32) {
    S[0] = (h << n) | (l >>> (32 - n));
    return l << n;
  }
  S[0] = l << (n - 32);
  return 0;
}

/** (h:l) >> n logical, n in 0..63. */
export function rsh64(l: number, h: number, n: number): number {
  if (n === 0) {
    S[0] = h;
    return l;
  }
  if (n < 32) {
    S[0] = h >>> n;
    return (l >>> n) | (h << (32 - n));
  }
  S[0] = 0;
  return (h >>> (n - 32)) | 0;
}

/** (h:l) >> n arithmetic, n in 0..63. */
export function arsh64(l: number, h: number, n: number): number {
  if (n === 0) {
    S[0] = h;
    return l;
  }
  if (n < 32) {
    S[0] = h >> n;
    return (l >>> n) | (h << (32 - n));
  }
  S[0] = h >> 31;
  return h >> (n - 32);
}

/** Byte-reverse a 32-bit value (int32 in, int32 out). */
export function bswap32(x: number): number {
  return (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}
