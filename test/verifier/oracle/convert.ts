// Conversions between the verifier's number-pair scalars (src/verifier/scalar.ts) and the
// BigInt oracle's (oracle/scalar.ts), and generators of oracle values for property tests.
import fc from "fast-check";
import { Scalar } from "../../../src/verifier/scalar.js";
import { Tnum } from "../../../src/verifier/tnum.js";
import * as O from "./scalar.js";
import * as OT from "./tnum.js";

const M32 = 0xffffffffn;

const hi = (v: bigint): number => Number(BigInt.asUintN(64, v) >> 32n) | 0;
const lo = (v: bigint): number => Number(BigInt.asUintN(64, v) & M32) | 0;
const big = (h: number, l: number, signed: boolean): bigint => {
  const u = (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
  return signed ? BigInt.asIntN(64, u) : u;
};

export function tnumFromOracle(t: OT.Tnum): Tnum {
  return new Tnum(hi(t.value), lo(t.value), hi(t.mask), lo(t.mask));
}

export function tnumToOracle(t: Tnum): OT.Tnum {
  return { value: big(t.vh, t.vl, false), mask: big(t.mh, t.ml, false) };
}

/** Fields must be in their canonical ranges (u64 in [0, 2^64), s64 in [-2^63, 2^63), ...). */
export function fromOracle(s: O.Scalar): Scalar {
  return new Scalar(
    tnumFromOracle(s.t),
    hi(s.smin),
    lo(s.smin),
    hi(s.smax),
    lo(s.smax),
    hi(s.umin),
    lo(s.umin),
    hi(s.umax),
    lo(s.umax),
    Number(s.s32min) | 0,
    Number(s.s32max) | 0,
    Number(s.u32min) | 0,
    Number(s.u32max) | 0,
  );
}

export function toOracle(s: Scalar): O.Scalar {
  return {
    t: tnumToOracle(s.t),
    smin: big(s.sminH, s.sminL, true),
    smax: big(s.smaxH, s.smaxL, true),
    umin: big(s.uminH, s.uminL, false),
    umax: big(s.umaxH, s.umaxL, false),
    s32min: BigInt(s.s32min),
    s32max: BigInt(s.s32max),
    u32min: BigInt(s.u32min >>> 0),
    u32max: BigInt(s.u32max >>> 0),
  };
}

/** Values with the edges of every view well represented (ends of u32, s32, u64, s64 ranges and their neighbours). */
const EDGES: bigint[] = [
  0n,
  1n,
  2n,
  7n,
  8n,
  0xffn,
  0x100n,
  0x7fffn,
  0x7ffffffen,
  0x7fffffffn,
  0x80000000n,
  0x80000001n,
  0xfffffffen,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  0x1ffffffffn,
  0x7ffffffffffffffen,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0x8000000000000001n,
  0xfffffffeffffffffn,
  0xffffffff00000000n,
  0xffffffff7fffffffn,
  0xffffffff80000000n,
  0xfffffffffffffffen,
  0xffffffffffffffffn,
];

export const u64Arb: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGES) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 0x1ffn }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 0x1ffn }).map((v) => BigInt.asUintN(64, -v)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...EDGES), fc.bigInt({ min: -3n, max: 3n }))
      .map(([e, d]) => BigInt.asUintN(64, e + d)),
  },
);

/** A mask: none, a few low bits, a random one, or all. */
const maskArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 0xffn }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  u64Arb,
  fc.constantFrom((1n << 64n) - 1n, 0xffffffffn, 0xffffffff00000000n, 0x8000000000000000n, 0x80000000n),
);

const sx = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

/**
 * A synced oracle scalar containing `v`: a tnum around it, then optionally a range in some
 * view around it (so that bounds and tnum interact), synced by the oracle.
 */
export const oracleScalarArb: fc.Arbitrary<{ v: bigint; s: O.Scalar }> = fc
  .tuple(u64Arb, maskArb, fc.nat(5), u64Arb, u64Arb, fc.boolean())
  .map(([v, mask, view, a, b, konst]) => {
    if (konst) return { v, s: O.scalarConst(v) };
    let s: O.Scalar = O.sync({ ...O.UNKNOWN, t: OT.tnum(v & ~mask, mask) });
    // A range in one view holding v: [v - a', v + b'] clamped, with the spread from a and b.
    const spreadLo = a & 0xffffn;
    const spreadHi = b & 0xffffn;
    const u = v;
    const sv = sx(v, 64);
    const l = v & M32;
    const sl = sx(l, 32);
    const clamp = (x: bigint, min: bigint, max: bigint) => (x < min ? min : x > max ? max : x);
    if (view === 1) s = { ...s, umin: clamp(u - spreadLo, 0n, u), umax: clamp(u + spreadHi, u, (1n << 64n) - 1n) };
    if (view === 2)
      s = { ...s, smin: clamp(sv - spreadLo, -(1n << 63n), sv), smax: clamp(sv + spreadHi, sv, (1n << 63n) - 1n) };
    if (view === 3) s = { ...s, u32min: clamp(l - spreadLo, 0n, l), u32max: clamp(l + spreadHi, l, M32) };
    if (view === 4)
      s = { ...s, s32min: clamp(sl - spreadLo, -(1n << 31n), sl), s32max: clamp(sl + spreadHi, sl, (1n << 31n) - 1n) };
    return { v, s: O.sync(s) };
  });

/** Raw (unsynced, possibly inconsistent or empty) oracle scalars with canonical fields. */
export const rawOracleScalarArb: fc.Arbitrary<O.Scalar> = fc
  .tuple(u64Arb, maskArb, u64Arb, u64Arb, u64Arb, u64Arb, u64Arb, u64Arb, u64Arb, u64Arb)
  .map(([v, m, a, b, c, d, e, f, g, h]) => ({
    t: OT.tnum(v & ~m, m),
    umin: a,
    umax: b,
    smin: sx(c, 64),
    smax: sx(d, 64),
    u32min: e & M32,
    u32max: f & M32,
    s32min: sx(g & M32, 32),
    s32max: sx(h & M32, 32),
  }));
