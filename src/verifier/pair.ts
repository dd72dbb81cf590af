/**
 * Exact 64-bit integer arithmetic on JavaScript numbers: a 64-bit value is two halves
 * (hi, lo), each stored as an int32 (`x | 0`). Kept as int32 so that objects holding halves
 * keep small-integer fields (no boxed doubles, no BigInt allocation on the verifier's hot
 * paths). A half is read as unsigned with `x >>> 0`; the same bits are a u64 or an s64
 * depending only on how the high half is compared.
 *
 * Results of arithmetic land in `out` (one shared register pair: no allocation); callers
 * copy them before the next call.
 */

/** The result register of the arithmetic below. */
export const out = { h: 0, l: 0 };

const TWO32 = 4294967296;

/** a < b, unsigned. */
export function ult(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? ah >>> 0 < bh >>> 0 : al >>> 0 < bl >>> 0;
}

/** a <= b, unsigned. */
export function ule(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? ah >>> 0 < bh >>> 0 : al >>> 0 <= bl >>> 0;
}

/** a < b, signed (the high halves compare as int32). */
export function slt(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? ah < bh : al >>> 0 < bl >>> 0;
}

/** a <= b, signed. */
export function sle(ah: number, al: number, bh: number, bl: number): boolean {
  return ah !== bh ? ah < bh : al >>> 0 <= bl >>> 0;
}

/** out = a + b (mod 2^64); returns true on unsigned overflow (a carry out of bit 63). */
export function add(ah: number, al: number, bh: number, bl: number): boolean {
  const lo = (al >>> 0) + (bl >>> 0);
  const hi = (ah >>> 0) + (bh >>> 0) + (lo > 0xffffffff ? 1 : 0);
  out.l = lo | 0;
  out.h = hi | 0;
  return hi > 0xffffffff;
}

/** out = a - b (mod 2^64); returns true on unsigned underflow (a borrow out of bit 63). */
export function sub(ah: number, al: number, bh: number, bl: number): boolean {
  const lo = (al >>> 0) - (bl >>> 0);
  const hi = (ah >>> 0) - (bh >>> 0) - (lo < 0 ? 1 : 0);
  out.l = lo | 0;
  out.h = hi | 0;
  return hi < 0;
}

/** Did the last `add` of a and b overflow as signed numbers? (operands' signs agree, result's differs) */
export const addOverflowsSigned = (ah: number, bh: number): boolean => ((ah ^ out.h) & (bh ^ out.h)) < 0;

/** Did the last `sub` of a and b overflow as signed numbers? */
export const subOverflowsSigned = (ah: number, bh: number): boolean => ((ah ^ bh) & (ah ^ out.h)) < 0;

/** out = a * b exactly, for two uint32 halves (16-bit limbs keep every partial product exact). */
export function mul32(a: number, b: number): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1 + (p00 >>> 16); // < 2^34: exact
  const midLo = mid % 65536;
  out.l = (midLo * 65536 + (p00 & 0xffff)) | 0;
  out.h = (a1 * b1 + (mid - midLo) / 65536) | 0;
}

/** out = a * b (mod 2^64). */
export function mulWrap(ah: number, al: number, bh: number, bl: number): void {
  mul32(al >>> 0, bl >>> 0);
  out.h = (out.h + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
}

/** out = a * b, unsigned; returns true when the product does not fit in 64 bits. */
export function mulOverflows(ah: number, al: number, bh: number, bl: number): boolean {
  if (ah !== 0 && bh !== 0) return true;
  // One high half is 0: the product is al*bl + (ah*bl + al*bh) * 2^32.
  const crossA = ah === 0 ? 0 : ah >>> 0;
  const crossB = bh === 0 ? 0 : bh >>> 0;
  mul32(crossA, bl >>> 0);
  if (out.h !== 0) return true;
  const c1 = out.l >>> 0;
  mul32(al >>> 0, crossB);
  if (out.h !== 0) return true;
  const c2 = out.l >>> 0;
  mul32(al >>> 0, bl >>> 0);
  const hi = (out.h >>> 0) + c1 + c2;
  if (hi > 0xffffffff) return true;
  out.h = hi | 0;
  return false;
}

/**
 * out = a * b as signed 64-bit numbers; returns true when the product is outside
 * [-2^63, 2^63). Magnitudes are multiplied unsigned.
 */
export function mulOverflowsSigned(ah: number, al: number, bh: number, bl: number): boolean {
  const negA = ah < 0;
  const negB = bh < 0;
  let xh = ah;
  let xl = al;
  let yh = bh;
  let yl = bl;
  if (negA) {
    sub(0, 0, ah, al);
    xh = out.h;
    xl = out.l;
  }
  if (negB) {
    sub(0, 0, bh, bl);
    yh = out.h;
    yl = out.l;
  }
  if (mulOverflows(xh, xl, yh, yl)) return true;
  const neg = negA !== negB;
  // |product| <= 2^63 when negative, < 2^63 when not.
  if (out.h < 0 && !(neg && out.h === -0x80000000 && out.l === 0)) return true;
  if (neg) sub(0, 0, out.h, out.l);
  return false;
}

/** out = a << k (0 <= k < 64). */
export function shl(h: number, l: number, k: number): void {
  if (k === 0) {
    out.h = h;
    out.l = l;
  } else if (k < 32) {
    out.h = (h << k) | (l >>> (32 - k));
    out.l = l << k;
  } else {
    out.h = l << (k - 32);
    out.l = 0;
  }
}

/** out = a >> k, logical (0 <= k < 64). */
export function shr(h: number, l: number, k: number): void {
  if (k === 0) {
    out.h = h;
    out.l = l;
  } else if (k < 32) {
    out.l = (l >>> k) | (h << (32 - k));
    out.h = (h >>> k) | 0;
  } else {
    out.l = (h >>> (k - 32)) | 0;
    out.h = 0;
  }
}

/** out = a >> k, arithmetic (0 <= k < 64). */
export function sar(h: number, l: number, k: number): void {
  if (k === 0) {
    out.h = h;
    out.l = l;
  } else if (k < 32) {
    out.l = (l >>> k) | (h << (32 - k));
    out.h = h >> k;
  } else {
    out.l = h >> (k - 32);
    out.h = h >> 31;
  }
}

/** Number of significant bits (kernel fls64): 0 for 0, 64 when bit 63 is set. */
export function fls(h: number, l: number): number {
  if (h !== 0) return 64 - Math.clz32(h);
  return l !== 0 ? 32 - Math.clz32(l) : 0;
}

/** The halves of a safe integer (|v| < 2^53), e.g. a constant from an instruction. */
export function fromNumber(v: number): void {
  out.h = Math.floor(v / TWO32) | 0;
  out.l = v | 0;
}

/** The value as a number, signed (exact while |v| < 2^53; rounded, order kept, beyond). */
export const toNumberSigned = (h: number, l: number): number => h * TWO32 + (l >>> 0);

/** The value as a number, unsigned (exact below 2^53). */
export const toNumberUnsigned = (h: number, l: number): number => (h >>> 0) * TWO32 + (l >>> 0);

/** The exact value, signed, for messages. */
export const toBigSigned = (h: number, l: number): bigint => (BigInt(h) << 32n) | BigInt(l >>> 0);

/** The exact value, unsigned, for messages. */
export const toBigUnsigned = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
