// TEST ORACLE: the BigInt version the verifier used before src/verifier/tnum.ts and branch.ts
// moved to number pairs; domain.test.ts checks that the new code gives exactly its results.
/**
 * Tristate numbers ("tnums"): a 64-bit value where each bit is known 0, known 1 or unknown.
 * `mask` bits are unknown; `value` holds the known 1 bits (value & mask == 0). This is the
 * kernel verifier's `var_off` domain (vm-anchors §2.1); the operations below are written
 * from the published definitions (Vishwanathan et al., "Sound, precise and fast abstract
 * interpretation with tristate numbers", CGO 2022), not ported.
 *
 * BigInt is used throughout: the verifier is not a hot path of the VM, and exact 64-bit
 * arithmetic keeps every rule easy to check. Deliberately absent: tnum_sdiv and friends —
 * division results are approximated by the caller from bounds.
 */

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64 = (1n << 64n) - 1n;
export const U32 = 0xffffffffn;

export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

export function tnum(value: bigint, mask: bigint): Tnum {
  return { value: value & U64 & ~mask, mask: mask & U64 };
}

export function tnumConst(v: bigint): Tnum {
  return { value: v & U64, mask: 0n };
}

/** Highest set bit position + 1 (fls64). */
const POW2: bigint[] = Array.from({ length: 65 }, (_, k) => 1n << BigInt(k));

/** Number of significant bits (binary search over powers of two; x < 2^64). */
function fls(x: bigint): number {
  let lo = 0;
  let hi = 64;
  // Invariant: x < 2^hi and x >= 2^lo when lo > 0.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= POW2[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest tnum holding every value of [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  const bits = fls(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(min & ~delta, delta);
}

export const isConst = (t: Tnum): boolean => t.mask === 0n;

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64;
  const sv = (a.value + b.value) & U64;
  const sigma = (sm + sv) & U64;
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return tnum(sv, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64;
  const alpha = (dv + a.mask) & U64;
  const beta = (dv - b.mask) & U64;
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return tnum(dv, mu);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum((a.value << s) & U64, (a.mask << s) & U64);
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value >> s, a.mask >> s);
}

/** Arithmetic right shift within `width` bits (32 or 64). */
export function tnumArshift(a: Tnum, shift: number, width: 32 | 64): Tnum {
  const w = BigInt(width);
  const s = BigInt(shift);
  const full = (1n << w) - 1n;
  const sx = (x: bigint): bigint => BigInt.asIntN(width, x & full) >> s;
  return tnum(sx(a.value) & full, sx(a.mask) & full);
}

/** Multiplication, by shift-and-add over the known and unknown bits of `a`. */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  const accV = (a.value * b.value) & U64;
  let accM: Tnum = tnumConst(0n);
  let x = a;
  let y = b;
  while (x.value !== 0n || x.mask !== 0n) {
    if ((x.value & 1n) === 1n) accM = tnumAdd(accM, tnum(0n, y.mask));
    else if ((x.mask & 1n) === 1n) accM = tnumAdd(accM, tnum(0n, y.value | y.mask));
    x = tnumRshift(x, 1);
    y = tnumLshift(y, 1);
  }
  return tnumAdd(tnumConst(accV), accM);
}

/** Bits known in either operand (they must agree where both know them). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return tnum(v & ~mu, mu);
}

/** Keep the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  const m = (1n << BigInt(size * 8)) - 1n;
  return tnum(a.value & m, a.mask & m);
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);

export function tnumClearSubreg(a: Tnum): Tnum {
  return tnum(a.value & ~U32, a.mask & ~U32);
}

/** High 32 bits of `a` with the low 32 bits taken from `lo` (a 32-bit tnum). */
export function tnumWithSubreg(a: Tnum, lo: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(a), tnumSubreg(lo));
}

/** Is every value of `b` also a value of `a`? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask & ~a.mask) !== 0n) return false;
  return (b.value & ~a.mask) === a.value;
}

/** Kernel-style `(0x0; 0xff)`. */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

/**
 * kernel `tnum_step` by another route than the verifier's: the smallest submask s of the mask above
 * d = z - value keeps d's bits above some position i (which must all be mask bits), has a 1 at i
 * where d has a 0 in a mask bit, and 0 below; the lowest such i gives the smallest s.
 */
export function tnumStep(t: Tnum, z: bigint): bigint {
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  const d = z - t.value;
  for (let i = 0n; i < 64n; i++) {
    const above = (d >> (i + 1n)) << (i + 1n);
    if (((t.mask >> i) & 1n) === 1n && ((d >> i) & 1n) === 0n && (above & ~t.mask) === 0n)
      return t.value | above | (1n << i);
  }
  throw new Error("tnumStep: no member above z although z < tmax");
}
