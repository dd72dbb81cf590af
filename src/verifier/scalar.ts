/**
 * Scalar abstract values: a tnum plus signed/unsigned 64-bit and 32-bit bounds, kept
 * consistent with each other as the kernel's `reg_bounds_sync` does (vm-anchors §2.1).
 *
 * Every 64-bit bound is a pair of int32 halves (pair.ts): exact 64-bit arithmetic on plain
 * numbers, so the verifier's hottest code allocates only the result objects (no BigInt).
 * 32-bit bounds are one int32 each (`u32min`/`u32max` hold the bits; read them with `>>> 0`).
 * test/verifier/domain.test.ts checks every operation against a BigInt reference
 * implementation (test/verifier/oracle/) and for soundness on concrete values.
 *
 * ALU transfer functions are deliberately no more precise than the kernel's: where the
 * kernel forgets (division, modulo, shifts by a register, byte swaps), so do we, so that
 * Baton never accepts a program the kernel would reject for lack of precision.
 */
import {
  add,
  addOverflowsSigned,
  fromNumber,
  mulOverflows,
  mulOverflowsSigned,
  mulWrap,
  out,
  sar,
  shl,
  shr,
  sle,
  slt,
  sub,
  subOverflowsSigned,
  toBigSigned,
  toBigUnsigned,
  toNumberSigned,
  toNumberUnsigned,
  ule,
  ult,
} from "./pair.js";
import {
  T,
  TNUM_UNKNOWN,
  Tnum,
  isConst,
  rangeRaw,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumConst,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumRshift,
  tnumSub,
  tnumStep,
  tnumSubreg,
  tnumXor,
} from "./tnum.js";

const S32_MIN = -0x80000000;
const S32_MAX = 0x7fffffff;

export class Scalar {
  constructor(
    readonly t: Tnum,
    readonly sminH: number,
    readonly sminL: number,
    readonly smaxH: number,
    readonly smaxL: number,
    readonly uminH: number,
    readonly uminL: number,
    readonly umaxH: number,
    readonly umaxL: number,
    readonly s32min: number,
    readonly s32max: number,
    /** Bits of the unsigned bound (as int32); compare with `>>> 0`. */
    readonly u32min: number,
    readonly u32max: number,
  ) {}
}

/** A scalar being computed (the kernel mutates its `bpf_reg_state` likewise); the tnum is flattened. */
class Work {
  vh = 0;
  vl = 0;
  mh = 0;
  ml = 0;
  sminH = 0;
  sminL = 0;
  smaxH = 0;
  smaxL = 0;
  uminH = 0;
  uminL = 0;
  umaxH = 0;
  umaxL = 0;
  s32min = 0;
  s32max = 0;
  u32min = 0;
  u32max = 0;
}

/** The one working value: every function below fills it and freezes it before calling another that does. */
const W = new Work();

export const UNKNOWN = new Scalar(TNUM_UNKNOWN, S32_MIN, 0, S32_MAX, -1, 0, 0, -1, -1, S32_MIN, S32_MAX, 0, -1);

/** W = unknown bounds with tnum `t`. */
function unknownWith(t: Tnum): Work {
  const w = W;
  w.vh = t.vh;
  w.vl = t.vl;
  w.mh = t.mh;
  w.ml = t.ml;
  w.sminH = S32_MIN;
  w.sminL = 0;
  w.smaxH = S32_MAX;
  w.smaxL = -1;
  w.uminH = 0;
  w.uminL = 0;
  w.umaxH = -1;
  w.umaxL = -1;
  w.s32min = S32_MIN;
  w.s32max = S32_MAX;
  w.u32min = 0;
  w.u32max = -1;
  return w;
}

function load(s: Scalar): Work {
  const w = W;
  const t = s.t;
  w.vh = t.vh;
  w.vl = t.vl;
  w.mh = t.mh;
  w.ml = t.ml;
  w.sminH = s.sminH;
  w.sminL = s.sminL;
  w.smaxH = s.smaxH;
  w.smaxL = s.smaxL;
  w.uminH = s.uminH;
  w.uminL = s.uminL;
  w.umaxH = s.umaxH;
  w.umaxL = s.umaxL;
  w.s32min = s.s32min;
  w.s32max = s.s32max;
  w.u32min = s.u32min;
  w.u32max = s.u32max;
  return w;
}

/** The working value as a Scalar; `t0` is reused when the tnum did not change. */
function freeze(w: Work, t0: Tnum | null): Scalar {
  const t =
    t0 !== null && t0.vh === w.vh && t0.vl === w.vl && t0.mh === w.mh && t0.ml === w.ml
      ? t0
      : new Tnum(w.vh, w.vl, w.mh, w.ml);
  return new Scalar(
    t,
    w.sminH,
    w.sminL,
    w.smaxH,
    w.smaxL,
    w.uminH,
    w.uminL,
    w.umaxH,
    w.umaxL,
    w.s32min,
    w.s32max,
    w.u32min,
    w.u32max,
  );
}

/** Small constants are shared (registers are immutable values). */
const SMALL: Scalar[] = [];
for (let v = 0; v < 256; v++) SMALL.push(new Scalar(tnumConst(0, v), 0, v, 0, v, 0, v, 0, v, v, v, v, v));

/** The constant with halves (hi, lo). */
export function scalarConstHL(h: number, l: number): Scalar {
  if (h === 0 && l >= 0 && l < 256) return SMALL[l]!;
  return new Scalar(
    tnumConst(h, l),
    h | 0,
    l | 0,
    h | 0,
    l | 0,
    h | 0,
    l | 0,
    h | 0,
    l | 0,
    l | 0,
    l | 0,
    l | 0,
    l | 0,
  );
}

/** The constant `v`, a safe integer (negative values are two's complement: -1 is 2^64 - 1). */
export function scalarConst(v: number): Scalar {
  fromNumber(v);
  return scalarConstHL(out.h, out.l);
}

export const isConstScalar = (s: Scalar): boolean => isConst(s.t);
/** Is `s` the constant 0? */
export const isConstZero = (s: Scalar): boolean => s.t.vh === 0 && s.t.vl === 0 && s.t.mh === 0 && s.t.ml === 0;

/** Bounds as numbers: exact below 2^53 in magnitude (enough for offsets and sizes), order-preserving beyond. */
export const sminNum = (s: Scalar): number => toNumberSigned(s.sminH, s.sminL);
export const smaxNum = (s: Scalar): number => toNumberSigned(s.smaxH, s.smaxL);
export const umaxNum = (s: Scalar): number => toNumberUnsigned(s.umaxH, s.umaxL);
/** Exact bounds, for messages and logs. */
export const smin64 = (s: Scalar): bigint => toBigSigned(s.sminH, s.sminL);
export const smax64 = (s: Scalar): bigint => toBigSigned(s.smaxH, s.smaxL);
export const umin64 = (s: Scalar): bigint => toBigUnsigned(s.uminH, s.uminL);
export const umax64 = (s: Scalar): bigint => toBigUnsigned(s.umaxH, s.umaxL);
/** smin is -2^63 (nothing is known of the lower end). */
export const sminUnbounded = (s: Scalar): boolean => s.sminH === S32_MIN && s.sminL === 0;
/** smax is 2^63 - 1. */
export const smaxUnbounded = (s: Scalar): boolean => s.smaxH === S32_MAX && s.smaxL === -1;

/** A scalar known to lie in the unsigned range [lo, hi] (safe non-negative integers). */
export function scalarRange(lo: number, hi: number): Scalar {
  const w = unknownWith(TNUM_UNKNOWN);
  fromNumber(lo);
  w.uminH = out.h;
  w.uminL = out.l;
  fromNumber(hi);
  w.umaxH = out.h;
  w.umaxL = out.l;
  return syncWork(w, TNUM_UNKNOWN);
}

/** True when no concrete value satisfies the bounds (an infeasible branch). */
export function isEmpty(s: Scalar): boolean {
  return (
    slt(s.smaxH, s.smaxL, s.sminH, s.sminL) ||
    ult(s.umaxH, s.umaxL, s.uminH, s.uminL) ||
    s.s32min > s.s32max ||
    s.u32min >>> 0 > s.u32max >>> 0
  );
}

// Bound updates: raise a minimum or lower a maximum to (h, l) when that is tighter.
function raiseUmin(w: Work, h: number, l: number): void {
  if (ult(w.uminH, w.uminL, h, l)) {
    w.uminH = h;
    w.uminL = l;
  }
}
function lowerUmax(w: Work, h: number, l: number): void {
  if (ult(h, l, w.umaxH, w.umaxL)) {
    w.umaxH = h;
    w.umaxL = l;
  }
}
function raiseSmin(w: Work, h: number, l: number): void {
  if (slt(w.sminH, w.sminL, h, l)) {
    w.sminH = h;
    w.sminL = l;
  }
}
function lowerSmax(w: Work, h: number, l: number): void {
  if (slt(h, l, w.smaxH, w.smaxL)) {
    w.smaxH = h;
    w.smaxL = l;
  }
}
function raiseU32min(w: Work, x: number): void {
  if (w.u32min >>> 0 < x >>> 0) w.u32min = x | 0;
}
function lowerU32max(w: Work, x: number): void {
  if (x >>> 0 < w.u32max >>> 0) w.u32max = x | 0;
}
function raiseS32min(w: Work, x: number): void {
  if (w.s32min < (x | 0)) w.s32min = x | 0;
}
function lowerS32max(w: Work, x: number): void {
  if ((x | 0) < w.s32max) w.s32max = x | 0;
}

/** Bounds implied by the tnum (kernel __update_reg_bounds). */
function fromTnum(w: Work): void {
  const vh = w.vh;
  const vl = w.vl;
  const mh = w.mh;
  const ml = w.ml;
  raiseSmin(w, vh | (mh & S32_MIN), vl);
  lowerSmax(w, vh | (mh & S32_MAX), vl | ml);
  raiseUmin(w, vh, vl);
  lowerUmax(w, vh | mh, vl | ml);
  raiseS32min(w, vl | (ml & S32_MIN));
  lowerS32max(w, vl | (ml & S32_MAX));
  raiseU32min(w, vl);
  lowerU32max(w, vl | ml);
  singleMember(w);
}

/**
 * kernel __update_reg64_bounds (6.18 stable): when [umin, umax] holds exactly one member of the
 * tnum (umin itself, the tnum's largest member, or the one member between), the value is that
 * constant. A tnum {0xe00, 0xf00} narrowed to [0xe01, 0xf00] is 0xf00.
 */
function singleMember(w: Work): void {
  const vh = w.vh;
  const vl = w.vl;
  const mh = w.mh;
  const ml = w.ml;
  tnumStep(vh, vl, mh, ml, w.uminH, w.uminL);
  const nh = out.h;
  const nl = out.l;
  const uminIn = (w.uminH & ~mh) === vh && (w.uminL & ~ml) === vl;
  if (uminIn) {
    if (ult(w.umaxH, w.umaxL, nh, nl)) known(w, w.uminH, w.uminL);
    return;
  }
  if (nh === (vh | mh) && nl === (vl | ml)) return known(w, nh, nl);
  if (ult(w.umaxH, w.umaxL, nh, nl)) return;
  tnumStep(vh, vl, mh, ml, nh, nl);
  if (ult(w.umaxH, w.umaxL, out.h, out.l)) known(w, nh, nl);
}

/** kernel ___mark_reg_known: every view is the constant (h, l). */
function known(w: Work, h: number, l: number): void {
  w.vh = h;
  w.vl = l;
  w.mh = 0;
  w.ml = 0;
  w.sminH = w.smaxH = w.uminH = w.umaxH = h;
  w.sminL = w.smaxL = w.uminL = w.umaxL = l;
  w.s32min = w.s32max = w.u32min = w.u32max = l | 0;
}

/** Bounds of each view from the others (kernel __reg_deduce_bounds). */
function deduce(w: Work): void {
  // 32-bit from 64-bit when the high halves agree.
  if (w.uminH === w.umaxH) {
    raiseU32min(w, w.uminL);
    lowerU32max(w, w.umaxL);
    if ((w.uminL | 0) <= (w.umaxL | 0)) {
      raiseS32min(w, w.uminL);
      lowerS32max(w, w.umaxL);
    }
  }
  if (w.sminH === w.smaxH) {
    if (w.sminL >>> 0 <= w.smaxL >>> 0) {
      raiseU32min(w, w.sminL);
      lowerU32max(w, w.smaxL);
    }
    if ((w.sminL | 0) <= (w.smaxL | 0)) {
      raiseS32min(w, w.sminL);
      lowerS32max(w, w.smaxL);
    }
  }
  // High halves h and h+1 with low halves from negative to non-negative: the low halves still
  // form one s32 range (kernel __reg32_deduce_bounds, e.g. s64 [-1, 1] gives s32 [-1, 1]).
  if (((w.uminH + 1) | 0) === w.umaxH && (w.uminL | 0) < 0 && (w.umaxL | 0) >= 0) {
    raiseS32min(w, w.uminL);
    lowerS32max(w, w.umaxL);
  }
  if (((w.sminH + 1) | 0) === w.smaxH && (w.sminL | 0) < 0 && (w.smaxL | 0) >= 0) {
    raiseS32min(w, w.sminL);
    lowerS32max(w, w.smaxL);
  }
  // 32-bit signed <-> unsigned.
  if ((w.u32min | 0) <= (w.u32max | 0)) {
    raiseS32min(w, w.u32min);
    lowerS32max(w, w.u32max);
  }
  if (w.s32min >>> 0 <= w.s32max >>> 0) {
    raiseU32min(w, w.s32min);
    lowerU32max(w, w.s32max);
  } else if (w.u32max >>> 0 < w.s32min >>> 0) {
    // The s32 range crosses zero, so as u32 it is [0, s32max] and [s32min, U32_MAX]; a u32
    // range below the second part meets only the first (kernel __reg32_deduce_bounds).
    w.s32min = w.u32min | 0;
    lowerU32max(w, w.s32max);
  } else if (w.s32max >>> 0 < w.u32min >>> 0) {
    // ... and one above the first part meets only the second.
    w.s32max = w.u32max | 0;
    raiseU32min(w, w.s32min);
  }
  // 64-bit signed <-> unsigned (the same bits, compared the other way).
  if (sle(w.uminH, w.uminL, w.umaxH, w.umaxL)) {
    raiseSmin(w, w.uminH, w.uminL);
    lowerSmax(w, w.umaxH, w.umaxL);
  }
  if (ule(w.sminH, w.sminL, w.smaxH, w.smaxL)) {
    raiseUmin(w, w.sminH, w.sminL);
    lowerUmax(w, w.smaxH, w.smaxL);
  } else if (ult(w.umaxH, w.umaxL, w.sminH, w.sminL)) {
    // The same for a 64-bit signed range across zero (kernel __reg64_deduce_bounds).
    w.sminH = w.uminH;
    w.sminL = w.uminL;
    lowerUmax(w, w.smaxH, w.smaxL);
  } else if (ult(w.smaxH, w.smaxL, w.uminH, w.uminL)) {
    w.smaxH = w.umaxH;
    w.smaxL = w.umaxL;
    raiseUmin(w, w.sminH, w.sminL);
  }
  // 64-bit from 32-bit: the low half lies in [u32min, u32max].
  if (w.uminH === w.umaxH) {
    const hi = w.uminH;
    raiseUmin(w, hi, w.u32min);
    lowerUmax(w, hi, w.u32max);
  }
  // Kernel __reg_deduce_mixed_bounds: the 32-bit range also tightens the ends of a 64-bit
  // range that spans several 32-bit blocks (e.g. [15, 0x17fffffff] with u32 >= 15). Values
  // inside [0, 2^32) gain nothing from it (the step above covers them): skipped, as before.
  if (w.umaxH === 0 && w.sminH >= 0 && w.smaxH <= 0 && (w.vh | w.mh) === 0) return;
  raiseUmin(w, w.uminH, w.u32min);
  lowerUmax(w, w.umaxH, w.u32max);
  raiseSmin(w, w.sminH, w.u32min);
  lowerSmax(w, w.smaxH, w.u32max);
  if (w.s32min >= 0 && sle(-1, S32_MIN, w.sminH, w.sminL) && sle(w.smaxH, w.smaxL, 0, S32_MAX)) {
    const lo = w.s32min;
    const hi = w.s32max;
    w.sminH = 0;
    w.sminL = lo;
    w.smaxH = hi >> 31;
    w.smaxL = hi;
    w.uminH = 0;
    w.uminL = lo;
    w.umaxH = hi >> 31;
    w.umaxL = hi;
    rangeRaw(0, lo, hi >> 31, hi);
    intersectT(w);
  }
}

/** w.t = w.t ∩ T (kernel tnum_intersect). */
function intersectT(w: Work): void {
  const mh = w.mh & T.mh;
  const ml = w.ml & T.ml;
  w.vh = (w.vh | T.vh) & ~mh;
  w.vl = (w.vl | T.vl) & ~ml;
  w.mh = mh;
  w.ml = ml;
}

/** Bits implied by the bounds (kernel __reg_bound_offset): 64-bit range, then the low half's 32-bit range. */
function boundOffset(w: Work): void {
  rangeRaw(w.uminH, w.uminL, w.umaxH, w.umaxL);
  intersectT(w);
  rangeRaw(0, w.u32min, 0, w.u32max);
  const ml = w.ml & T.ml;
  w.vl = (w.vl | T.vl) & ~ml;
  w.ml = ml;
}

/** Make the tnum and the eight bounds of W agree (kernel `reg_bounds_sync`); `t0` is reused if unchanged. */
function syncWork(w: Work, t0: Tnum | null): Scalar {
  if ((w.mh | w.ml) === 0) {
    // A constant tnum decides everything, unless the bounds exclude it (an empty value).
    const h = w.vh;
    const l = w.vl;
    const inside =
      ule(w.uminH, w.uminL, h, l) &&
      ule(h, l, w.umaxH, w.umaxL) &&
      sle(w.sminH, w.sminL, h, l) &&
      sle(h, l, w.smaxH, w.smaxL) &&
      w.u32min >>> 0 <= l >>> 0 &&
      l >>> 0 <= w.u32max >>> 0 &&
      w.s32min <= l &&
      l <= w.s32max;
    if (inside) return scalarConstHL(h, l);
    w.uminH = 0;
    w.uminL = 1;
    w.umaxH = 0;
    w.umaxL = 0;
    return freeze(w, t0);
  }
  // Every step even on contradictory bounds, as the kernel does: a range that meets the tnum in
  // one member becomes that constant (fromTnum) however the other views disagree.
  fromTnum(w);
  deduce(w);
  deduce(w);
  boundOffset(w);
  fromTnum(w);
  return freeze(w, t0);
}

/** Make the tnum and the eight bounds agree (kernel `reg_bounds_sync`). */
export function sync(s: Scalar): Scalar {
  return syncWork(load(s), s.t);
}

/** An unknown value with tnum `t`, synced (its bounds are the tnum's). */
export function unknownWithTnum(t: Tnum): Scalar {
  return syncWork(unknownWith(t), t);
}

/**
 * What the kernel keeps when a register's bounds contradict each other or its tnum after a
 * branch narrowed them (reg_bounds_sanity_check, 6.18): it logs "REG INVARIANTS VIOLATION",
 * resets every bound (__mark_reg_unbounded) and keeps the var_off that reg_bounds_sync
 * computed — it does not treat the branch as impossible. `raw` is the narrowed, unsynced value.
 */
export function violation(raw: Scalar): Scalar {
  const w = load(raw);
  fromTnum(w);
  deduce(w);
  deduce(w);
  boundOffset(w);
  return new Scalar(new Tnum(w.vh, w.vl, w.mh, w.ml), S32_MIN, 0, S32_MAX, -1, 0, 0, -1, -1, S32_MIN, S32_MAX, 0, -1);
}

/** A scalar from explicit fields (tests and narrowing; not synced). */
export function scalarOf(
  t: Tnum,
  smin: readonly [number, number],
  smax: readonly [number, number],
  umin: readonly [number, number],
  umax: readonly [number, number],
  s32: readonly [number, number],
  u32: readonly [number, number],
): Scalar {
  return new Scalar(
    t,
    smin[0] | 0,
    smin[1] | 0,
    smax[0] | 0,
    smax[1] | 0,
    umin[0] | 0,
    umin[1] | 0,
    umax[0] | 0,
    umax[1] | 0,
    s32[0] | 0,
    s32[1] | 0,
    u32[0] | 0,
    u32[1] | 0,
  );
}

/** The 32-bit bounds of a 64-bit add or subtract (scalar32_min_max_add / _sub), into W. */
function addSub32(w: Work, a: Scalar, b: Scalar, isSub: boolean): void {
  let s32min = isSub ? a.s32min - b.s32max : a.s32min + b.s32min;
  let s32max = isSub ? a.s32max - b.s32min : a.s32max + b.s32max;
  if (s32min < S32_MIN || s32max > S32_MAX) {
    s32min = S32_MIN;
    s32max = S32_MAX;
  }
  let u32min = isSub ? (a.u32min >>> 0) - (b.u32max >>> 0) : (a.u32min >>> 0) + (b.u32min >>> 0);
  let u32max = isSub ? (a.u32max >>> 0) - (b.u32min >>> 0) : (a.u32max >>> 0) + (b.u32max >>> 0);
  const minWraps = u32min < 0 || u32min > 0xffffffff;
  const maxWraps = u32max < 0 || u32max > 0xffffffff;
  if (minWraps !== maxWraps) {
    u32min = 0;
    u32max = -1;
  }
  w.s32min = s32min;
  w.s32max = s32max;
  w.u32min = u32min | 0;
  w.u32max = u32max | 0;
}

/** The zero-extended 32-bit view of `s` as a 64-bit scalar. */
export function zext32(s: Scalar): Scalar {
  const t = tnumSubreg(s.t);
  const w = unknownWith(t);
  w.uminL = s.u32min;
  w.umaxH = 0;
  w.umaxL = s.u32max;
  w.sminH = 0;
  w.sminL = s.u32min;
  w.smaxH = 0;
  w.smaxL = s.u32max;
  w.s32min = s.s32min;
  w.s32max = s.s32max;
  w.u32min = s.u32min;
  w.u32max = s.u32max;
  return syncWork(w, t);
}

/** Sign-extend the low `bytes` bytes (movsx / ldxs). */
export function sext(s: Scalar, bytes: 1 | 2 | 4): Scalar {
  const shift = 32 - bytes * 8;
  if (isConst(s.t)) {
    const v = (s.t.vl << shift) >> shift;
    return scalarConstHL(v >> 31, v);
  }
  const lim = 2 ** (bytes * 8 - 1);
  if (s.umaxH === 0 && s.umaxL >>> 0 < lim) return scalarRange(s.uminL >>> 0, s.umaxL >>> 0);
  const w = unknownWith(TNUM_UNKNOWN);
  w.sminH = -1;
  w.sminL = -lim | 0;
  w.smaxH = 0;
  w.smaxL = lim - 1;
  return syncWork(w, TNUM_UNKNOWN);
}

/** Keep the low `bytes` bytes (zero-extending loads and casts). */
export function truncate(s: Scalar, bytes: number): Scalar {
  if (bytes >= 8) return s;
  const top = 2 ** (bytes * 8) - 1;
  const t = tnumCast(s.t, bytes);
  const w = unknownWith(t);
  if (s.umaxH === 0 && s.umaxL >>> 0 <= top) {
    w.uminH = s.uminH;
    w.uminL = s.uminL;
    w.umaxH = s.umaxH;
    w.umaxL = s.umaxL;
  } else {
    w.umaxH = 0;
    w.umaxL = top | 0;
  }
  return syncWork(w, t);
}

export type AluOp =
  "add" | "sub" | "mul" | "div" | "sdiv" | "mod" | "smod" | "or" | "and" | "lsh" | "rsh" | "arsh" | "xor";

// add64/sub64 (and their 32-bit halves) mirror scalar_min_max_add/sub one by one: the same
// steps with the operation swapped, kept apart like the kernel's so each can be read against it.
function add64(a: Scalar, b: Scalar): Scalar {
  const t = tnumAdd(a.t, b.t);
  const w = unknownWith(t);
  add(a.sminH, a.sminL, b.sminH, b.sminL);
  const sminOvf = addOverflowsSigned(a.sminH, b.sminH);
  const sminH = out.h;
  const sminL = out.l;
  add(a.smaxH, a.smaxL, b.smaxH, b.smaxL);
  if (!sminOvf && !addOverflowsSigned(a.smaxH, b.smaxH)) {
    w.sminH = sminH;
    w.sminL = sminL;
    w.smaxH = out.h;
    w.smaxL = out.l;
  }
  add(a.uminH, a.uminL, b.uminH, b.uminL);
  const uminH = out.h;
  const uminL = out.l;
  if (!add(a.umaxH, a.umaxL, b.umaxH, b.umaxL)) {
    w.uminH = uminH;
    w.uminL = uminL;
    w.umaxH = out.h;
    w.umaxL = out.l;
  }
  addSub32(w, a, b, false);
  return syncWork(w, t);
}

function sub64(a: Scalar, b: Scalar): Scalar {
  const t = tnumSub(a.t, b.t);
  const w = unknownWith(t);
  sub(a.sminH, a.sminL, b.smaxH, b.smaxL);
  const sminOvf = subOverflowsSigned(a.sminH, b.smaxH);
  const sminH = out.h;
  const sminL = out.l;
  sub(a.smaxH, a.smaxL, b.sminH, b.sminL);
  if (!sminOvf && !subOverflowsSigned(a.smaxH, b.sminH)) {
    w.sminH = sminH;
    w.sminL = sminL;
    w.smaxH = out.h;
    w.smaxL = out.l;
  }
  if (ule(b.umaxH, b.umaxL, a.uminH, a.uminL)) {
    sub(a.uminH, a.uminL, b.umaxH, b.umaxL);
    w.uminH = out.h;
    w.uminL = out.l;
    sub(a.umaxH, a.umaxL, b.uminH, b.uminL);
    w.umaxH = out.h;
    w.umaxL = out.l;
  }
  addSub32(w, a, b, true);
  return syncWork(w, t);
}

/**
 * kernel scalar_min_max_mul (6.14+): unsigned bounds from the bound products when they cannot
 * overflow, signed bounds from the four products of the signed bounds likewise.
 */
function mul64(a: Scalar, b: Scalar): Scalar {
  const t = tnumMul(a.t, b.t);
  // Signed: all four products must fit; then their minimum and maximum.
  let ok = true;
  let loH = 0;
  let loL = 0;
  let hiH = 0;
  let hiL = 0;
  for (let k = 0; k < 4 && ok; k++) {
    const xh = k < 2 ? a.sminH : a.smaxH;
    const xl = k < 2 ? a.sminL : a.smaxL;
    const yh = (k & 1) === 0 ? b.sminH : b.smaxH;
    const yl = (k & 1) === 0 ? b.sminL : b.smaxL;
    if (mulOverflowsSigned(xh, xl, yh, yl)) ok = false;
    else if (k === 0) {
      loH = hiH = out.h;
      loL = hiL = out.l;
    } else {
      if (slt(out.h, out.l, loH, loL)) {
        loH = out.h;
        loL = out.l;
      }
      if (slt(hiH, hiL, out.h, out.l)) {
        hiH = out.h;
        hiL = out.l;
      }
    }
  }
  const w = unknownWith(t);
  if (ok) {
    w.sminH = loH;
    w.sminL = loL;
    w.smaxH = hiH;
    w.smaxL = hiL;
  }
  if (!mulOverflows(a.umaxH, a.umaxL, b.umaxH, b.umaxL)) {
    const umaxH = out.h;
    const umaxL = out.l;
    mulOverflows(a.uminH, a.uminL, b.uminH, b.uminL); // no larger than the max product
    w.uminH = out.h;
    w.uminL = out.l;
    w.umaxH = umaxH;
    w.umaxL = umaxL;
  }
  return syncWork(w, t);
}

function bitwise64(op: "and" | "or" | "xor", a: Scalar, b: Scalar): Scalar {
  const t = op === "and" ? tnumAnd(a.t, b.t) : op === "or" ? tnumOr(a.t, b.t) : tnumXor(a.t, b.t);
  const w = unknownWith(t);
  w.uminH = t.vh;
  w.uminL = t.vl;
  w.umaxH = t.vh | t.mh;
  w.umaxL = t.vl | t.ml;
  if (op === "and") {
    lowerUmax(w, a.umaxH, a.umaxL);
    lowerUmax(w, b.umaxH, b.umaxL);
  }
  if (op === "or") {
    raiseUmin(w, a.uminH, a.uminL);
    raiseUmin(w, b.uminH, b.uminL);
  }
  if (a.sminH >= 0 && b.sminH >= 0) {
    w.sminH = 0;
    w.sminL = 0;
  }
  return syncWork(w, t);
}

function shift64(op: "lsh" | "rsh" | "arsh", a: Scalar, k: number, width: 32 | 64): Scalar {
  if (op === "lsh") {
    const t = tnumLshift(a.t, k);
    const w = unknownWith(t);
    // The bounds shift along unless a bit of umax would be shifted out.
    if (k === 0 || (k < 32 ? a.umaxH >>> (32 - k) === 0 : a.umaxH === 0 && (k === 32 || a.umaxL >>> (64 - k) === 0))) {
      shl(a.uminH, a.uminL, k);
      w.uminH = out.h;
      w.uminL = out.l;
      shl(a.umaxH, a.umaxL, k);
      w.umaxH = out.h;
      w.umaxL = out.l;
    }
    return syncWork(w, t);
  }
  if (op === "rsh") {
    const t = tnumRshift(a.t, k);
    const w = unknownWith(t);
    shr(a.uminH, a.uminL, k);
    w.uminH = out.h;
    w.uminL = out.l;
    shr(a.umaxH, a.umaxL, k);
    w.umaxH = out.h;
    w.umaxL = out.l;
    return syncWork(w, t);
  }
  // arsh on the 64-bit value (32-bit callers pass a sign-extended operand).
  const t = tnumArshift(a.t, k, width);
  const w = unknownWith(t);
  sar(a.sminH, a.sminL, k);
  w.sminH = out.h;
  w.sminL = out.l;
  sar(a.smaxH, a.smaxL, k);
  w.smaxH = out.h;
  w.smaxL = out.l;
  return syncWork(w, t);
}

function op64(op: AluOp, a: Scalar, b: Scalar, width: 32 | 64): Scalar {
  // The kernel (6.18) forgets everything about quotients and remainders, even of constants;
  // so do we, or we would accept programs it rejects.
  if (op === "div" || op === "mod" || op === "sdiv" || op === "smod") return UNKNOWN;
  if (isConst(a.t) && isConst(b.t)) {
    const c = constFold(op, a.t, b.t, width);
    if (c !== undefined) return c;
  }
  switch (op) {
    case "add":
      return add64(a, b);
    case "sub":
      return sub64(a, b);
    case "mul":
      return mul64(a, b);
    case "and":
    case "or":
    case "xor":
      return bitwise64(op, a, b);
    case "lsh":
    case "rsh":
    case "arsh":
      if (isConst(b.t) && b.t.vh === 0 && b.t.vl >>> 0 < width) return shift64(op, a, b.t.vl, width);
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Exact result of a constant operation (division and modulo are never folded: see op64). */
function constFold(op: AluOp, x: Tnum, y: Tnum, width: 32 | 64): Scalar | undefined {
  const w32 = width === 32;
  const xh = w32 ? 0 : x.vh;
  const yh = w32 ? 0 : y.vh;
  const xl = x.vl;
  const yl = y.vl;
  switch (op) {
    case "add":
      add(xh, xl, yh, yl);
      break;
    case "sub":
      sub(xh, xl, yh, yl);
      break;
    case "mul":
      mulWrap(xh, xl, yh, yl);
      break;
    case "and":
      out.h = xh & yh;
      out.l = xl & yl;
      break;
    case "or":
      out.h = xh | yh;
      out.l = xl | yl;
      break;
    case "xor":
      out.h = xh ^ yh;
      out.l = xl ^ yl;
      break;
    case "lsh":
    case "rsh":
    case "arsh": {
      if (yh !== 0 || yl >>> 0 >= width) return undefined;
      const k = yl >>> 0;
      if (w32) {
        out.h = 0;
        out.l = op === "lsh" ? xl << k : op === "rsh" ? xl >>> k : xl >> k;
      } else if (op === "lsh") shl(xh, xl, k);
      else if (op === "rsh") shr(xh, xl, k);
      else sar(xh, xl, k);
      break;
    }
    default:
      return undefined;
  }
  return scalarConstHL(w32 ? 0 : out.h, out.l);
}

/** dst = dst OP src on 64-bit registers. */
export function alu64(op: AluOp, a: Scalar, b: Scalar): Scalar {
  return op64(op, a, b, 64);
}

/** dst = (u32)(dst OP src) on 32-bit subregisters, zero-extended to 64 bits. */
export function alu32(op: AluOp, a: Scalar, b: Scalar): Scalar {
  const za = zext32(a);
  const zb = zext32(b);
  let r: Scalar;
  if (op === "arsh") {
    // Work on the low 32 bits with bit 31 as the sign; the 64-bit view is the zero-extension.
    if (isConst(za.t) && isConst(zb.t)) {
      r = constFold(op, za.t, zb.t, 32) ?? UNKNOWN;
    } else if (isConst(zb.t) && zb.t.vl >>> 0 < 32) {
      const k = zb.t.vl >>> 0;
      const t = tnumArshift(tnumSubreg(a.t), k, 32);
      const w = unknownWith(t);
      w.umaxH = 0;
      w.umaxL = -1;
      w.sminH = 0;
      w.sminL = 0;
      w.smaxH = 0;
      w.smaxL = -1;
      w.s32min = a.s32min >> k;
      w.s32max = a.s32max >> k;
      r = syncWork(w, t);
    } else r = UNKNOWN;
  } else r = op64(op, za, zb, 32);
  return zext32(truncate32(r));
}

/** The low 32 bits of a 64-bit result, keeping bounds when the high half is fixed. */
function truncate32(r: Scalar): Scalar {
  const t = tnumCast(r.t, 4);
  const w = unknownWith(t);
  w.s32min = r.s32min;
  w.s32max = r.s32max;
  if (r.uminH === r.umaxH) {
    w.u32min = r.uminL;
    w.u32max = r.umaxL;
  } else {
    w.u32min = r.u32min;
    w.u32max = r.u32max;
  }
  return syncWork(w, t);
}

const ZERO = scalarConstHL(0, 0);

export function neg(s: Scalar, width: 32 | 64): Scalar {
  return width === 64 ? alu64("sub", ZERO, s) : alu32("sub", ZERO, s);
}

/** Is every value of `cur` a value of `old`? (kernel `range_within` + `tnum_in`) */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  const ot = old.t;
  const ct = cur.t;
  return (
    ule(old.uminH, old.uminL, cur.uminH, cur.uminL) &&
    ule(cur.umaxH, cur.umaxL, old.umaxH, old.umaxL) &&
    sle(old.sminH, old.sminL, cur.sminH, cur.sminL) &&
    sle(cur.smaxH, cur.smaxL, old.smaxH, old.smaxL) &&
    old.u32min >>> 0 <= cur.u32min >>> 0 &&
    old.u32max >>> 0 >= cur.u32max >>> 0 &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    (ct.mh & ~ot.mh) === 0 &&
    (ct.ml & ~ot.ml) === 0 &&
    (ct.vh & ~ot.mh) === ot.vh &&
    (ct.vl & ~ot.ml) === ot.vl
  );
}

export function scalarEq(a: Scalar, b: Scalar): boolean {
  if (a === b) return true;
  const at = a.t;
  const bt = b.t;
  return (
    at.vh === bt.vh &&
    at.vl === bt.vl &&
    at.mh === bt.mh &&
    at.ml === bt.ml &&
    a.sminH === b.sminH &&
    a.sminL === b.sminL &&
    a.smaxH === b.smaxH &&
    a.smaxL === b.smaxL &&
    a.uminH === b.uminH &&
    a.uminL === b.uminL &&
    a.umaxH === b.umaxH &&
    a.umaxL === b.umaxL &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max
  );
}
