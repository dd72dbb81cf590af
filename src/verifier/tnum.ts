/**
 * Tristate numbers ("tnums"): a 64-bit value where each bit is known 0, known 1 or unknown.
 * `mask` bits are unknown; `value` holds the known 1 bits (value & mask == 0). This is the
 * kernel verifier's `var_off` domain (vm-anchors §2.1); the operations below are written
 * from the published definitions (Vishwanathan et al., "Sound, precise and fast abstract
 * interpretation with tristate numbers", CGO 2022), not ported.
 *
 * Each 64-bit word is two int32 halves (pair.ts): value (vh, vl), mask (mh, ml). The
 * verifier runs these on every instruction, so they are plain-number code; exactness is
 * checked against a BigInt reference in test/verifier/domain.test.ts. Deliberately absent:
 * tnum_sdiv and friends — division results are approximated by the caller from bounds.
 */
import { add, fls, mulWrap, out, sar, shl, shr, sub, toBigUnsigned } from "./pair.js";

export class Tnum {
  constructor(
    readonly vh: number,
    readonly vl: number,
    readonly mh: number,
    readonly ml: number,
  ) {}
}

/** A tnum from value and mask halves (value bits under the mask are dropped). */
export function tnum(vh: number, vl: number, mh: number, ml: number): Tnum {
  return new Tnum(vh & ~mh, vl & ~ml, mh | 0, ml | 0);
}

export const TNUM_UNKNOWN = new Tnum(0, 0, -1, -1);
const ZERO_T = new Tnum(0, 0, 0, 0);

export function tnumConst(h: number, l: number): Tnum {
  return h === 0 && l === 0 ? ZERO_T : new Tnum(h | 0, l | 0, 0, 0);
}

/** Results of the raw operations below (no allocation until a Tnum is wanted). */
export const T = { vh: 0, vl: 0, mh: 0, ml: 0 };

const setT = (vh: number, vl: number, mh: number, ml: number): void => {
  T.vh = vh & ~mh;
  T.vl = vl & ~ml;
  T.mh = mh;
  T.ml = ml;
};

export const fromT = (): Tnum => new Tnum(T.vh, T.vl, T.mh, T.ml);

/** T = the smallest tnum holding every value of [min, max] (unsigned; kernel tnum_range). */
export function rangeRaw(minH: number, minL: number, maxH: number, maxL: number): void {
  const bits = fls(minH ^ maxH, minL ^ maxL);
  if (bits > 63) {
    T.vh = 0;
    T.vl = 0;
    T.mh = -1;
    T.ml = -1;
    return;
  }
  const dh = bits > 32 ? ((1 << (bits - 32)) - 1) | 0 : 0;
  const dl = bits >= 32 ? -1 : ((1 << bits) - 1) | 0;
  T.vh = minH & ~dh;
  T.vl = minL & ~dl;
  T.mh = dh;
  T.ml = dl;
}

export function tnumRange(minH: number, minL: number, maxH: number, maxL: number): Tnum {
  rangeRaw(minH, minL, maxH, maxL);
  return fromT();
}

export const isConst = (t: Tnum): boolean => t.mh === 0 && t.ml === 0;
export const isUnknown = (t: Tnum): boolean => t.mh === -1 && t.ml === -1;

/** T = a + b (kernel tnum_add). */
export function addRaw(
  avh: number,
  avl: number,
  amh: number,
  aml: number,
  bvh: number,
  bvl: number,
  bmh: number,
  bml: number,
): void {
  add(amh, aml, bmh, bml);
  const smh = out.h;
  const sml = out.l;
  add(avh, avl, bvh, bvl);
  const svh = out.h;
  const svl = out.l;
  add(smh, sml, svh, svl);
  setT(svh, svl, (out.h ^ svh) | amh | bmh, (out.l ^ svl) | aml | bml);
}

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  addRaw(a.vh, a.vl, a.mh, a.ml, b.vh, b.vl, b.mh, b.ml);
  return fromT();
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  sub(a.vh, a.vl, b.vh, b.vl);
  const dvh = out.h;
  const dvl = out.l;
  add(dvh, dvl, a.mh, a.ml);
  const ah = out.h;
  const al = out.l;
  sub(dvh, dvl, b.mh, b.ml);
  setT(dvh, dvl, (ah ^ out.h) | a.mh | b.mh, (al ^ out.l) | a.ml | b.ml);
  return fromT();
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const vh = a.vh & b.vh;
  const vl = a.vl & b.vl;
  return new Tnum(vh, vl, (a.vh | a.mh) & (b.vh | b.mh) & ~vh, (a.vl | a.ml) & (b.vl | b.ml) & ~vl);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const vh = a.vh | b.vh;
  const vl = a.vl | b.vl;
  return new Tnum(vh, vl, (a.mh | b.mh) & ~vh, (a.ml | b.ml) & ~vl);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const mh = a.mh | b.mh;
  const ml = a.ml | b.ml;
  return new Tnum((a.vh ^ b.vh) & ~mh, (a.vl ^ b.vl) & ~ml, mh, ml);
}

// The shifts mirror tnum_lshift/tnum_rshift: value and mask shifted alike, one function each.
export function tnumLshift(a: Tnum, k: number): Tnum {
  shl(a.vh, a.vl, k);
  const vh = out.h;
  const vl = out.l;
  shl(a.mh, a.ml, k);
  return new Tnum(vh, vl, out.h, out.l);
}

export function tnumRshift(a: Tnum, k: number): Tnum {
  shr(a.vh, a.vl, k);
  const vh = out.h;
  const vl = out.l;
  shr(a.mh, a.ml, k);
  return new Tnum(vh, vl, out.h, out.l);
}

/** Arithmetic right shift within `width` bits (32: the low half, bit 31 as the sign; the result is zero-extended). */
export function tnumArshift(a: Tnum, k: number, width: 32 | 64): Tnum {
  if (width === 32) return tnum(0, a.vl >> k, 0, a.ml >> k);
  sar(a.vh, a.vl, k);
  const vh = out.h;
  const vl = out.l;
  sar(a.mh, a.ml, k);
  return tnum(vh, vl, out.h, out.l);
}

/** Multiplication, by shift-and-add over the known and unknown bits of `a` (kernel tnum_mul). */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  mulWrap(a.vh, a.vl, b.vh, b.vl);
  const pvh = out.h;
  const pvl = out.l;
  let cvh = 0;
  let cvl = 0;
  let cmh = 0;
  let cml = 0;
  let xvh = a.vh;
  let xvl = a.vl;
  let xmh = a.mh;
  let xml = a.ml;
  let yvh = b.vh;
  let yvl = b.vl;
  let ymh = b.mh;
  let yml = b.ml;
  while ((xvh | xvl | xmh | xml) !== 0) {
    if ((xvl & 1) !== 0) {
      addRaw(cvh, cvl, cmh, cml, 0, 0, ymh, yml);
      ({ vh: cvh, vl: cvl, mh: cmh, ml: cml } = T);
    } else if ((xml & 1) !== 0) {
      addRaw(cvh, cvl, cmh, cml, 0, 0, yvh | ymh, yvl | yml);
      ({ vh: cvh, vl: cvl, mh: cmh, ml: cml } = T);
    }
    // x >>= 1, y <<= 1 (value and mask alike).
    xvl = (xvl >>> 1) | (xvh << 31);
    xvh = xvh >>> 1;
    xml = (xml >>> 1) | (xmh << 31);
    xmh = xmh >>> 1;
    yvh = (yvh << 1) | (yvl >>> 31);
    yvl = yvl << 1;
    ymh = (ymh << 1) | (yml >>> 31);
    yml = yml << 1;
  }
  addRaw(pvh, pvl, 0, 0, cvh, cvl, cmh, cml);
  return fromT();
}

/** Bits known in either operand (they must agree where both know them). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const mh = a.mh & b.mh;
  const ml = a.ml & b.ml;
  return new Tnum((a.vh | b.vh) & ~mh, (a.vl | b.vl) & ~ml, mh, ml);
}

/** Keep the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  if (size >= 8) return a;
  if (size === 4) return a.vh === 0 && a.mh === 0 ? a : new Tnum(0, a.vl, 0, a.ml);
  const m = (1 << (size * 8)) - 1;
  return new Tnum(0, a.vl & m, 0, a.ml & m);
}

export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);

/** High 32 bits of `a` with the low 32 bits taken from `lo` (a 32-bit tnum). */
export function tnumWithSubreg(a: Tnum, lo: Tnum): Tnum {
  return new Tnum(a.vh, lo.vl, a.mh, lo.ml);
}

/** Is every value of `b` also a value of `a`? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mh & ~a.mh) !== 0 || (b.ml & ~a.ml) !== 0) return false;
  return (b.vh & ~a.mh) === a.vh && (b.vl & ~a.ml) === a.vl;
}

/** Kernel-style `(0x0; 0xff)`. */
export function tnumStr(a: Tnum): string {
  return `(0x${toBigUnsigned(a.vh, a.vl).toString(16)}; 0x${toBigUnsigned(a.mh, a.ml).toString(16)})`;
}

/**
 * kernel `tnum_step`: the smallest member of the tnum (vh:vl, mh:ml) above z, into `out`; t's
 * largest member when z is at or above it, its smallest when z is below it. Members are
 * value + s for the submasks s of mask, so this is the smallest submask above d = z - value:
 * d incremented "within the mask" (every non-mask bit set so that the +1 carries through them,
 * and every bit below d's highest non-mask bit set so that it carries past that bit too).
 */
export function tnumStep(vh: number, vl: number, mh: number, ml: number, zh: number, zl: number): void {
  const th = vh | mh;
  const tl = vl | ml;
  if (!(zh >>> 0 < th >>> 0 || (zh === th && zl >>> 0 < tl >>> 0))) {
    out.h = th;
    out.l = tl;
    return;
  }
  if (zh >>> 0 < vh >>> 0 || (zh === vh && zl >>> 0 < vl >>> 0)) {
    out.h = vh;
    out.l = vl;
    return;
  }
  sub(zh, zl, vh, vl);
  const dh = out.h;
  const dl = out.l;
  // fls of d's non-mask bits is at most 63: d < mask, so a set bit 63 of d is a mask bit.
  const k = fls(dh & ~mh, dl & ~ml);
  const ch = k > 32 ? (1 << (k - 32)) - 1 : 0;
  const cl = k >= 32 ? -1 : k === 0 ? 0 : (1 << k) - 1;
  add(dh | ch | ~mh, dl | cl | ~ml, 0, 1);
  out.h = vh | (out.h & mh);
  out.l = vl | (out.l & ml);
}
