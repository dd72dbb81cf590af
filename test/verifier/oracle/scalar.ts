/**
 * TEST ORACLE: the BigInt scalar domain the verifier used until it moved to number pairs
 * (src/verifier/scalar.ts), kept unchanged as the reference the new one must equal
 * (domain.test.ts). It matched the kernel's verdicts on the whole corpus.
 *
 * Scalar abstract values: a tnum plus signed/unsigned 64-bit and 32-bit bounds, kept
 * consistent with each other as the kernel's `reg_bounds_sync` does (vm-anchors §2.1).
 * All fields are BigInt: u64 values in [0, 2^64), s64 in [-2^63, 2^63), 32-bit likewise.
 *
 * ALU transfer functions are deliberately no more precise than the kernel's: where the
 * kernel forgets (division, modulo, shifts by a register, byte swaps), so do we, so that
 * Baton never accepts a program the kernel would reject for lack of precision.
 */
import {
  TNUM_UNKNOWN,
  U32,
  U64,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumCast,
  tnumConst,
  tnumIntersect,
  tnumLshift,
  tnumMul,
  tnumOr,
  tnumRange,
  tnumRshift,
  tnumStep,
  tnumSub,
  tnumSubreg,
  tnumWithSubreg,
  tnumXor,
  isConst,
  type Tnum,
} from "./tnum.js";

export const S64_MIN = -(1n << 63n);
export const S64_MAX = (1n << 63n) - 1n;
export const S32_MIN = -(1n << 31n);
export const S32_MAX = (1n << 31n) - 1n;

export interface Scalar {
  readonly t: Tnum;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
}

type MScalar = { -readonly [K in keyof Scalar]: Scalar[K] };

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);

export const UNKNOWN: Scalar = {
  t: TNUM_UNKNOWN,
  smin: S64_MIN,
  smax: S64_MAX,
  umin: 0n,
  umax: U64,
  s32min: S32_MIN,
  s32max: S32_MAX,
  u32min: 0n,
  u32max: U32,
};

export function scalarConst(v: bigint): Scalar {
  const u = u64(v);
  const lo = u & U32;
  return {
    t: tnumConst(u),
    smin: s64(u),
    smax: s64(u),
    umin: u,
    umax: u,
    s32min: s32(lo),
    s32max: s32(lo),
    u32min: lo,
    u32max: lo,
  };
}

/** A scalar known to lie in the unsigned range [lo, hi]. */
export function scalarRange(lo: bigint, hi: bigint): Scalar {
  return sync({ ...UNKNOWN, umin: lo, umax: hi });
}

/** True when no concrete value satisfies the bounds (an infeasible branch). */
export function isEmpty(s: Scalar): boolean {
  if (s.smin > s.smax || s.umin > s.umax || s.s32min > s.s32max || s.u32min > s.u32max) return true;
  return false;
}

function fromTnum(r: MScalar): void {
  const t = r.t;
  r.smin = max(r.smin, s64(t.value | (t.mask & (1n << 63n))));
  r.smax = min(r.smax, s64(t.value | (t.mask & S64_MAX)));
  r.umin = max(r.umin, t.value);
  r.umax = min(r.umax, t.value | t.mask);
  const st = tnumSubreg(t);
  r.s32min = max(r.s32min, s32(st.value | (st.mask & 0x80000000n)));
  r.s32max = min(r.s32max, s32(st.value | (st.mask & 0x7fffffffn)));
  r.u32min = max(r.u32min, st.value);
  r.u32max = min(r.u32max, st.value | st.mask);
  // A tnum that meets [umin, umax] in one member makes the value that constant.
  const next = tnumStep(t, r.umin);
  const uminIn = (r.umin & ~t.mask) === t.value;
  const tmax = t.value | t.mask;
  let single: bigint | undefined;
  if (uminIn) single = next > r.umax ? r.umin : undefined;
  else if (next === tmax) single = tmax;
  else if (next <= r.umax && tnumStep(t, next) > r.umax) single = next;
  if (single !== undefined) {
    r.t = tnumConst(single);
    r.umin = r.umax = single;
    r.smin = r.smax = s64(single);
    r.u32min = r.u32max = single & U32;
    r.s32min = r.s32max = s32(single);
  }
}

function deduce(r: MScalar): void {
  // 32-bit from 64-bit when the high halves agree.
  if (r.umin >> 32n === r.umax >> 32n) {
    r.u32min = max(r.u32min, r.umin & U32);
    r.u32max = min(r.u32max, r.umax & U32);
    if (s32(r.umin) <= s32(r.umax)) {
      r.s32min = max(r.s32min, s32(r.umin));
      r.s32max = min(r.s32max, s32(r.umax));
    }
  }
  if (r.smin >> 32n === r.smax >> 32n) {
    if (u32(r.smin) <= u32(r.smax)) {
      r.u32min = max(r.u32min, u32(r.smin));
      r.u32max = min(r.u32max, u32(r.smax));
    }
    if (s32(r.smin) <= s32(r.smax)) {
      r.s32min = max(r.s32min, s32(r.smin));
      r.s32max = min(r.s32max, s32(r.smax));
    }
  }
  // Consecutive high halves, low halves from negative to non-negative.
  if (u32((r.umin >> 32n) + 1n) === r.umax >> 32n && s32(r.umin) < 0n && s32(r.umax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.umin));
    r.s32max = min(r.s32max, s32(r.umax));
  }
  if (u32((r.smin >> 32n) + 1n) === u32(r.smax >> 32n) && s32(r.smin) < 0n && s32(r.smax) >= 0n) {
    r.s32min = max(r.s32min, s32(r.smin));
    r.s32max = min(r.s32max, s32(r.smax));
  }
  // 32-bit signed <-> unsigned.
  if (s32(r.u32min) <= s32(r.u32max)) {
    r.s32min = max(r.s32min, s32(r.u32min));
    r.s32max = min(r.s32max, s32(r.u32max));
  }
  if (u32(r.s32min) <= u32(r.s32max)) {
    r.u32min = max(r.u32min, u32(r.s32min));
    r.u32max = min(r.u32max, u32(r.s32max));
  } else if (r.u32max < u32(r.s32min)) {
    // A signed range across zero meets a unsigned range on one side only.
    r.s32min = s32(r.u32min);
    r.u32max = min(r.u32max, u32(r.s32max));
  } else if (u32(r.s32max) < r.u32min) {
    r.s32max = s32(r.u32max);
    r.u32min = max(r.u32min, u32(r.s32min));
  }
  // 64-bit signed <-> unsigned.
  if (s64(r.umin) <= s64(r.umax)) {
    r.smin = max(r.smin, s64(r.umin));
    r.smax = min(r.smax, s64(r.umax));
  }
  if (u64(r.smin) <= u64(r.smax)) {
    r.umin = max(r.umin, u64(r.smin));
    r.umax = min(r.umax, u64(r.smax));
  } else if (r.umax < u64(r.smin)) {
    r.smin = s64(r.umin);
    r.umax = min(r.umax, u64(r.smax));
  } else if (u64(r.smax) < r.umin) {
    r.smax = s64(r.umax);
    r.umin = max(r.umin, u64(r.smin));
  }
  // 64-bit from 32-bit: the low half lies in [u32min, u32max].
  if (r.umin >> 32n === r.umax >> 32n) {
    const hi = r.umin & ~U32;
    r.umin = max(r.umin, hi | r.u32min);
    r.umax = min(r.umax, hi | r.u32max);
  }
  // Kernel __reg_deduce_mixed_bounds: the 32-bit range also tightens the ends of a 64-bit
  // range that spans several 32-bit blocks (e.g. [15, 0x17fffffff] with u32 >= 15). Values
  // inside [0, 2^32) gain nothing from it (the step above covers them), and the verifier's 32-bit
  // path handles those: skipping them keeps both paths identical.
  if (r.umax <= U32 && r.smin >= 0n && r.smax <= U32 && (r.t.value | r.t.mask) <= U32) return;
  r.umin = max(r.umin, (r.umin & ~U32) | r.u32min);
  r.umax = min(r.umax, (r.umax & ~U32) | r.u32max);
  r.smin = max(r.smin, s64((r.smin & ~U32) | r.u32min));
  r.smax = min(r.smax, s64((r.smax & ~U32) | r.u32max));
  if (r.s32min >= 0n && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    r.smin = r.s32min;
    r.smax = r.s32max;
    // Changed from the original (which assigned the s32 values unconverted): for a
    // contradictory value (s32max < 0 <= s32min, reached only by REG INVARIANTS VIOLATION
    // narrowing) the kernel's C assignments convert s32 -> u64 and s64 -> u64, as here.
    r.umin = u64(r.s32min);
    r.umax = u64(r.s32max);
    r.t = tnumIntersect(r.t, tnumRange(u64(r.smin), u64(r.smax)));
  }
}

function boundOffset(r: MScalar): void {
  const t64 = tnumIntersect(r.t, tnumRange(r.umin, r.umax));
  const t32 = tnumIntersect(tnumSubreg(t64), tnumRange(r.u32min, r.u32max));
  r.t = tnumWithSubreg(t64, t32);
}

/** Make the tnum and the eight bounds agree (kernel `reg_bounds_sync`). */
export function sync(s: Scalar): Scalar {
  return syncBig(s);
}

/** `sync` on BigInts, for any value (the verifier's scalar.ts has the exact number-only path for 32-bit values). */
export function syncBig(s: Scalar): Scalar {
  if (s.t.mask === 0n) {
    const c = scalarConst(s.t.value);
    // A constant tnum decides everything, unless the bounds exclude it (an empty value).
    return s.umin <= c.umin &&
      c.umax <= s.umax &&
      s.smin <= c.smin &&
      c.smax <= s.smax &&
      s.u32min <= c.u32min &&
      c.u32max <= s.u32max &&
      s.s32min <= c.s32min &&
      c.s32max <= s.s32max
      ? c
      : { ...s, umin: 1n, umax: 0n };
  }
  const r: MScalar = { ...s };
  fromTnum(r);
  deduce(r);
  deduce(r);
  boundOffset(r);
  fromTnum(r);
  return r;
}

/**
 * What the kernel keeps when a register's bounds contradict each other or its tnum after a
 * branch narrowed them (reg_bounds_sanity_check, 6.18): it logs "REG INVARIANTS VIOLATION",
 * resets every bound (__mark_reg_unbounded) and keeps the var_off that reg_bounds_sync
 * computed — it does not treat the branch as impossible. `raw` is the narrowed, unsynced value.
 */
export function violation(raw: Scalar): Scalar {
  const r: MScalar = { ...raw };
  fromTnum(r);
  deduce(r);
  deduce(r);
  boundOffset(r);
  return { ...UNKNOWN, t: r.t };
}

/** A 64-bit value from 64-bit bounds (32-bit views derived, or given by `b32`). */
function from64(t: Tnum, smin: bigint, smax: bigint, umin: bigint, umax: bigint, b32?: Bounds32): Scalar {
  return sync({ ...UNKNOWN, t, smin, smax, umin, umax, ...b32 });
}

type Bounds32 = Pick<Scalar, "s32min" | "s32max" | "u32min" | "u32max">;

/**
 * The low halves' bounds of a 64-bit add or subtract, as the kernel computes them alongside
 * the 64-bit ones (scalar32_min_max_add / _sub): signed bounds unless one end overflows,
 * unsigned bounds unless only some of the results wrap.
 */
function addSub32(a: Scalar, b: Scalar, sub: boolean): Bounds32 {
  let s32min = sub ? a.s32min - b.s32max : a.s32min + b.s32min;
  let s32max = sub ? a.s32max - b.s32min : a.s32max + b.s32max;
  if (s32min < S32_MIN || s32max > S32_MAX) {
    s32min = S32_MIN;
    s32max = S32_MAX;
  }
  let u32min = sub ? a.u32min - b.u32max : a.u32min + b.u32min;
  let u32max = sub ? a.u32max - b.u32min : a.u32max + b.u32max;
  const minWraps = u32min < 0n || u32min > U32;
  const maxWraps = u32max < 0n || u32max > U32;
  if (minWraps !== maxWraps) {
    u32min = 0n;
    u32max = U32;
  } else if (minWraps) {
    u32min &= U32;
    u32max &= U32;
  }
  return { s32min, s32max, u32min, u32max };
}

/** The zero-extended 32-bit view of `s` as a 64-bit scalar. */
export function zext32(s: Scalar): Scalar {
  return sync({
    ...UNKNOWN,
    t: tnumSubreg(s.t),
    umin: s.u32min,
    umax: s.u32max,
    smin: s.u32min,
    smax: s.u32max,
    s32min: s.s32min,
    s32max: s.s32max,
    u32min: s.u32min,
    u32max: s.u32max,
  });
}

/** Sign-extend the low `bytes` bytes (movsx / ldxs). */
export function sext(s: Scalar, bytes: 1 | 2 | 4): Scalar {
  const bits = BigInt(bytes * 8);
  if (isConst(s.t)) return scalarConst(BigInt.asIntN(bytes * 8, s.t.value));
  const lim = 1n << (bits - 1n);
  const low = s.umax < lim ? { lo: s.umin, hi: s.umax } : undefined;
  if (low !== undefined) return scalarRange(low.lo, low.hi);
  return sync({ ...UNKNOWN, smin: -lim, smax: lim - 1n });
}

/** Keep the low `bytes` bytes (zero-extending loads and casts). */
export function truncate(s: Scalar, bytes: number): Scalar {
  if (bytes >= 8) return s;
  const top = (1n << BigInt(bytes * 8)) - 1n;
  const t = tnumCast(s.t, bytes);
  if (s.umax <= top) return sync({ ...UNKNOWN, t, umin: s.umin, umax: s.umax });
  return sync({ ...UNKNOWN, t, umin: 0n, umax: top });
}

export type AluOp =
  "add" | "sub" | "mul" | "div" | "sdiv" | "mod" | "smod" | "or" | "and" | "lsh" | "rsh" | "arsh" | "xor";

function add64(a: Scalar, b: Scalar): Scalar {
  const t = tnumAdd(a.t, b.t);
  let smin = a.smin + b.smin;
  let smax = a.smax + b.smax;
  if (smin < S64_MIN || smax > S64_MAX) {
    smin = S64_MIN;
    smax = S64_MAX;
  }
  let umin = a.umin + b.umin;
  let umax = a.umax + b.umax;
  if (umax > U64) {
    umin = 0n;
    umax = U64;
  }
  return from64(t, smin, smax, umin, umax, addSub32(a, b, false));
}

function sub64(a: Scalar, b: Scalar): Scalar {
  const t = tnumSub(a.t, b.t);
  let smin = a.smin - b.smax;
  let smax = a.smax - b.smin;
  if (smin < S64_MIN || smax > S64_MAX) {
    smin = S64_MIN;
    smax = S64_MAX;
  }
  let umin = 0n;
  let umax = U64;
  if (a.umin >= b.umax) {
    umin = a.umin - b.umax;
    umax = a.umax - b.umin;
  }
  return from64(t, smin, smax, umin, umax, addSub32(a, b, true));
}

/**
 * kernel scalar_min_max_mul (6.14+): unsigned bounds from the bound products when they cannot
 * overflow, signed bounds from the four products of the signed bounds likewise.
 */
function mul64(a: Scalar, b: Scalar): Scalar {
  const t = tnumMul(a.t, b.t);
  const p = [a.smin * b.smin, a.smin * b.smax, a.smax * b.smin, a.smax * b.smax];
  const signedOk = p.every((x) => x >= S64_MIN && x <= S64_MAX);
  const smin = signedOk ? p.reduce((x, y) => (y < x ? y : x)) : S64_MIN;
  const smax = signedOk ? p.reduce((x, y) => (y > x ? y : x)) : S64_MAX;
  if (a.umax * b.umax <= U64) return from64(t, smin, smax, a.umin * b.umin, a.umax * b.umax);
  return from64(t, smin, smax, 0n, U64);
}

function bitwise64(op: "and" | "or" | "xor", a: Scalar, b: Scalar): Scalar {
  const t = op === "and" ? tnumAnd(a.t, b.t) : op === "or" ? tnumOr(a.t, b.t) : tnumXor(a.t, b.t);
  let umin = t.value;
  let umax = t.value | t.mask;
  if (op === "and") umax = min(umax, min(a.umax, b.umax));
  if (op === "or") umin = max(umin, max(a.umin, b.umin));
  const nonneg = a.smin >= 0n && b.smin >= 0n;
  return from64(t, nonneg ? 0n : S64_MIN, nonneg ? S64_MAX : S64_MAX, umin, umax);
}

function shift64(op: "lsh" | "rsh" | "arsh", a: Scalar, k: number, width: 32 | 64): Scalar {
  if (op === "lsh") {
    const t = tnumLshift(a.t, k);
    if (a.umax << BigInt(k) <= U64) return from64(t, S64_MIN, S64_MAX, a.umin << BigInt(k), a.umax << BigInt(k));
    return from64(t, S64_MIN, S64_MAX, 0n, U64);
  }
  if (op === "rsh") return from64(tnumRshift(a.t, k), S64_MIN, S64_MAX, a.umin >> BigInt(k), a.umax >> BigInt(k));
  // arsh on the 64-bit value (32-bit callers pass a sign-extended operand).
  const t = tnumArshift(a.t, k, width);
  return from64(t, a.smin >> BigInt(k), a.smax >> BigInt(k), 0n, U64);
}

function op64(op: AluOp, a: Scalar, b: Scalar, width: 32 | 64): Scalar {
  // The kernel (6.18) forgets everything about quotients and remainders, even of constants;
  // so do we, or we would accept programs it rejects.
  if (op === "div" || op === "mod" || op === "sdiv" || op === "smod") return UNKNOWN;
  if (isConst(a.t) && isConst(b.t)) {
    const c = constFold(op, a.t.value, b.t.value, width);
    if (c !== undefined) return scalarConst(c);
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
      if (isConst(b.t) && b.t.value < BigInt(width)) return shift64(op, a, Number(b.t.value), width);
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
}

/** Exact result of a constant operation (division by zero as the ISA defines it). */
function constFold(op: AluOp, x: bigint, y: bigint, width: 32 | 64): bigint | undefined {
  const w = width;
  const mask = w === 64 ? U64 : U32;
  const ux = x & mask;
  const uy = y & mask;
  const sx = BigInt.asIntN(w, ux);
  const sy = BigInt.asIntN(w, uy);
  switch (op) {
    case "add":
      return (ux + uy) & mask;
    case "sub":
      return (ux - uy) & mask;
    case "mul":
      return (ux * uy) & mask;
    case "div":
      return uy === 0n ? 0n : ux / uy;
    case "mod":
      return uy === 0n ? ux : ux % uy;
    case "sdiv":
      return uy === 0n ? 0n : BigInt.asUintN(w, sx / sy);
    case "smod":
      return uy === 0n ? ux : BigInt.asUintN(w, sx % sy);
    case "and":
      return ux & uy;
    case "or":
      return ux | uy;
    case "xor":
      return ux ^ uy;
    case "lsh":
      return uy >= BigInt(w) ? undefined : (ux << uy) & mask;
    case "rsh":
      return uy >= BigInt(w) ? undefined : ux >> uy;
    case "arsh":
      return uy >= BigInt(w) ? undefined : BigInt.asUintN(w, sx >> uy);
  }
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
      const c = constFold(op, za.t.value, zb.t.value, 32);
      r = c !== undefined ? scalarConst(c) : UNKNOWN;
    } else if (isConst(zb.t) && zb.t.value < 32n) {
      const k = zb.t.value;
      const t = tnumArshift(tnumSubreg(a.t), Number(k), 32);
      r = sync({ ...UNKNOWN, t, umax: U32, smin: 0n, smax: BigInt(U32), s32min: a.s32min >> k, s32max: a.s32max >> k });
    } else r = UNKNOWN;
  } else r = op64(op, za, zb, 32);
  return zext32(truncate32(r));
}

/** The low 32 bits of a 64-bit result, keeping bounds when the high half is fixed. */
function truncate32(r: Scalar): Scalar {
  const t = tnumCast(r.t, 4);
  if (r.umin >> 32n === r.umax >> 32n)
    return sync({ ...UNKNOWN, t, u32min: r.umin & U32, u32max: r.umax & U32, s32min: r.s32min, s32max: r.s32max });
  return sync({ ...UNKNOWN, t, s32min: r.s32min, s32max: r.s32max, u32min: r.u32min, u32max: r.u32max });
}

export function neg(s: Scalar, width: 32 | 64): Scalar {
  return width === 64 ? alu64("sub", scalarConst(0n), s) : alu32("sub", scalarConst(0n), s);
}

/** Is every value of `cur` a value of `old`? (kernel `range_within` + `tnum_in`) */
export function scalarWithin(old: Scalar, cur: Scalar): boolean {
  return (
    old.umin <= cur.umin &&
    old.umax >= cur.umax &&
    old.smin <= cur.smin &&
    old.smax >= cur.smax &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max &&
    (cur.t.mask & ~old.t.mask) === 0n &&
    (cur.t.value & ~old.t.mask) === old.t.value
  );
}

export function scalarEq(a: Scalar, b: Scalar): boolean {
  return (
    a.t.value === b.t.value &&
    a.t.mask === b.t.mask &&
    a.smin === b.smin &&
    a.smax === b.smax &&
    a.umin === b.umin &&
    a.umax === b.umax &&
    a.s32min === b.s32min &&
    a.s32max === b.s32max &&
    a.u32min === b.u32min &&
    a.u32max === b.u32max
  );
}
