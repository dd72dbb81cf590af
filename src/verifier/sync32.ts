/**
 * A number-only fast path for `sync` (kernel `reg_bounds_sync`, scalar.ts) when the whole
 * value is known to fit in 32 bits: tnum value and mask, umin/umax and smin/smax all in
 * [0, 2^32). Then every 64-bit step of the BigInt version reduces to a 32-bit one (the high
 * halves are zero, so the "high halves agree" tests always hold), and the work is done on
 * JavaScript numbers, which keeps BigInt allocation off the verifier's hottest path (branch
 * narrowing in loops, corpus 016). It must give exactly the BigInt result; test/verifier/
 * domain.test.ts checks that property. Anything else returns undefined (use the BigInt path).
 */
import type { Scalar } from "./scalar.js";

const U32 = 0xffffffffn;

/** Working registers of one syncSmall call (module-level: no closures on the hot path). */
interface W {
  v: number;
  m: number;
  umin: number;
  umax: number;
  smin: number;
  smax: number;
  s32min: number;
  s32max: number;
  u32min: number;
  u32max: number;
}

const empty = (w: W): boolean => w.smin > w.smax || w.umin > w.umax || w.s32min > w.s32max || w.u32min > w.u32max;

function out(w: W): Scalar {
  return {
    t: { value: BigInt(w.v), mask: BigInt(w.m) },
    smin: BigInt(w.smin),
    smax: BigInt(w.smax),
    umin: BigInt(w.umin),
    umax: BigInt(w.umax),
    s32min: BigInt(w.s32min),
    s32max: BigInt(w.s32max),
    u32min: BigInt(w.u32min),
    u32max: BigInt(w.u32max),
  };
}

function fromTnum(w: W): void {
  const v = w.v;
  const m = w.m;
  const hi = (v | m) >>> 0;
  w.smin = Math.max(w.smin, v);
  w.smax = Math.min(w.smax, hi);
  w.umin = Math.max(w.umin, v);
  w.umax = Math.min(w.umax, hi);
  w.s32min = Math.max(w.s32min, (v | (m & 0x80000000)) | 0);
  w.s32max = Math.min(w.s32max, (v | (m & 0x7fffffff)) | 0);
  w.u32min = Math.max(w.u32min, v);
  w.u32max = Math.min(w.u32max, hi);
}

function deduce(w: W): void {
  w.u32min = Math.max(w.u32min, w.umin);
  w.u32max = Math.min(w.u32max, w.umax);
  if ((w.umin | 0) <= (w.umax | 0)) {
    w.s32min = Math.max(w.s32min, w.umin | 0);
    w.s32max = Math.min(w.s32max, w.umax | 0);
  }
  if (w.smin <= w.smax) {
    w.u32min = Math.max(w.u32min, w.smin);
    w.u32max = Math.min(w.u32max, w.smax);
  }
  if ((w.smin | 0) <= (w.smax | 0)) {
    w.s32min = Math.max(w.s32min, w.smin | 0);
    w.s32max = Math.min(w.s32max, w.smax | 0);
  }
  if ((w.u32min | 0) <= (w.u32max | 0)) {
    w.s32min = Math.max(w.s32min, w.u32min | 0);
    w.s32max = Math.min(w.s32max, w.u32max | 0);
  }
  if (w.s32min >>> 0 <= w.s32max >>> 0) {
    w.u32min = Math.max(w.u32min, w.s32min >>> 0);
    w.u32max = Math.min(w.u32max, w.s32max >>> 0);
  }
  if (w.umin <= w.umax) {
    w.smin = Math.max(w.smin, w.umin);
    w.smax = Math.min(w.smax, w.umax);
  }
  if (w.smin <= w.smax) {
    w.umin = Math.max(w.umin, w.smin);
    w.umax = Math.min(w.umax, w.smax);
  }
  w.umin = Math.max(w.umin, w.u32min);
  w.umax = Math.min(w.umax, w.u32max);
}

/** Intersect the tnum with the smallest tnum holding [min, max] (kernel tnum_intersect + tnum_range). */
function intersectRange(w: W, min: number, max: number): void {
  const chi = (min ^ max) >>> 0;
  const bits = chi === 0 ? 0 : 32 - Math.clz32(chi);
  const delta = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const rv = (min & ~delta) >>> 0;
  const mu = (w.m & delta) >>> 0;
  w.v = ((w.v | rv) & ~mu) >>> 0;
  w.m = mu;
}

export function syncSmall(s: Scalar): Scalar | undefined {
  const t = s.t;
  if (t.mask > U32 || t.value > U32 || t.mask === 0n || s.umax > U32 || s.smin < 0n || s.smax > U32) return undefined;
  if (s.u32min < 0n || s.u32max > U32 || s.s32min < -0x80000000n || s.s32max > 0x7fffffffn) return undefined;
  const w: W = {
    v: Number(t.value),
    m: Number(t.mask),
    umin: Number(s.umin),
    umax: Number(s.umax),
    smin: Number(s.smin),
    smax: Number(s.smax),
    s32min: Number(s.s32min),
    s32max: Number(s.s32max),
    u32min: Number(s.u32min),
    u32max: Number(s.u32max),
  };
  if (empty(w)) return out(w);
  fromTnum(w);
  if (empty(w)) return out(w);
  deduce(w);
  if (empty(w)) return out(w);
  deduce(w);
  if (empty(w)) return out(w);
  // boundOffset: the 64-bit and 32-bit ranges coincide with the tnum's (high half zero).
  intersectRange(w, w.umin, w.umax);
  intersectRange(w, w.u32min, w.u32max);
  fromTnum(w);
  return out(w);
}
