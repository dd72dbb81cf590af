// Property tests of the abstract domain: every abstract result contains the concrete result
// (tnum + bounds ALU transfer functions, branch decisions and narrowing).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alu32, alu64, scalarConst, sync, syncBig, UNKNOWN, type AluOp, type Scalar } from "../../src/verifier/scalar.js";
import { syncSmall } from "../../src/verifier/sync32.js";
import { branchTaken, narrow, type CmpOp } from "../../src/verifier/branch.js";
import { tnum, tnumRange, tnumIn, tnumConst, tnumAdd, tnumMul } from "../../src/verifier/tnum.js";

// Fixed seed: the same cases on every run (change it locally to explore more).
fc.configureGlobal({ seed: 20261201 });

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;
const uN = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

function contains(s: Scalar, v: bigint): boolean {
  const u = v & M64;
  const sv = BigInt.asIntN(64, u);
  const lo = u & M32;
  return (
    s.umin <= u && u <= s.umax && s.smin <= sv && sv <= s.smax &&
    s.u32min <= lo && lo <= s.u32max && s.s32min <= BigInt.asIntN(32, lo) && BigInt.asIntN(32, lo) <= s.s32max &&
    (u & ~s.t.mask) === s.t.value
  );
}

/** An abstract value containing `v`: unknown bits from `mask`, plus a range around it. */
const absArb = fc.tuple(uN(64), uN(64), uN(8), fc.boolean()).map(([v, mask, spread, useRange]) => {
  let s: Scalar = sync({ ...UNKNOWN, t: tnum(v & ~mask, mask) });
  if (useRange) s = sync({ ...s, umin: v >= spread ? v - spread : 0n, umax: v + spread > M64 ? M64 : v + spread });
  return { v, s };
});

const smallAbs = fc.tuple(uN(8), uN(8), fc.boolean()).map(([v, mask, k]) => ({ v, s: k ? scalarConst(v) : sync({ ...UNKNOWN, t: tnum(v & ~mask, mask) }) }));

function concrete(op: AluOp, a: bigint, b: bigint, w: 32 | 64): bigint | undefined {
  const m = w === 64 ? M64 : M32;
  const x = a & m;
  const y = b & m;
  switch (op) {
    case "add": return (x + y) & m;
    case "sub": return (x - y) & m;
    case "mul": return (x * y) & m;
    case "and": return x & y;
    case "or": return x | y;
    case "xor": return x ^ y;
    case "lsh": return y < BigInt(w) ? (x << y) & m : undefined;
    case "rsh": return y < BigInt(w) ? x >> y : undefined;
    case "arsh": return y < BigInt(w) ? BigInt.asUintN(w, BigInt.asIntN(w, x) >> y) : undefined;
    case "div": return y === 0n ? 0n : x / y;
    case "mod": return y === 0n ? x : x % y;
    default: return undefined;
  }
}

const OPS: AluOp[] = ["add", "sub", "mul", "and", "or", "xor", "lsh", "rsh", "arsh", "div", "mod"];
const CMPS: CmpOp[] = ["eq", "ne", "gt", "ge", "lt", "le", "sgt", "sge", "slt", "sle", "set", "nset"];

function cmp(op: CmpOp, a: bigint, b: bigint, w32: boolean): boolean {
  const m = w32 ? M32 : M64;
  const x = a & m, y = b & m;
  const sx = w32 ? BigInt.asIntN(32, x) : BigInt.asIntN(64, x);
  const sy = w32 ? BigInt.asIntN(32, y) : BigInt.asIntN(64, y);
  switch (op) {
    case "eq": return x === y;
    case "ne": return x !== y;
    case "gt": return x > y;
    case "ge": return x >= y;
    case "lt": return x < y;
    case "le": return x <= y;
    case "sgt": return sx > sy;
    case "sge": return sx >= sy;
    case "slt": return sx < sy;
    case "sle": return sx <= sy;
    case "set": return (x & y) !== 0n;
    case "nset": return (x & y) === 0n;
  }
}

describe("tnum", () => {
  it("range contains its ends", () => {
    fc.assert(fc.property(uN(64), uN(64), (a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const t = tnumRange(lo, hi);
      return tnumIn(t, tnumConst(lo)) && tnumIn(t, tnumConst(hi));
    }));
  });
  it("add and mul are sound", () => {
    fc.assert(fc.property(uN(64), uN(64), uN(64), uN(64), (a, ma, b, mb) => {
      const ta = tnum(a & ~ma, ma), tb = tnum(b & ~mb, mb);
      return tnumIn(tnumAdd(ta, tb), tnumConst((a + b) & M64)) && tnumIn(tnumMul(ta, tb), tnumConst((a * b) & M64));
    }));
  });
});

describe("scalar ALU", () => {
  it.each(OPS)("%s (64 and 32 bit) contains the concrete result", (op) => {
    fc.assert(fc.property(fc.oneof(absArb, smallAbs), fc.oneof(absArb, smallAbs), ({ v: a, s: A }, { v: b, s: B }) => {
      expect(contains(A, a)).toBe(true);
      for (const w of [64, 32] as const) {
        const c = concrete(op, a, b, w);
        if (c === undefined) continue;
        const r = w === 64 ? alu64(op, A, B) : alu32(op, A, B);
        if (!contains(r, c)) throw new Error(`${op}/${w}: ${a} ${b} -> ${c} not in ${JSON.stringify(r, (_k, x) => (typeof x === "bigint" ? x.toString() : x))}`);
      }
    }), { numRuns: 1000 });
  });
});

describe("branches", () => {
  it.each(CMPS)("%s: decisions agree and narrowing keeps the concrete values", (op) => {
    fc.assert(fc.property(fc.oneof(absArb, smallAbs), fc.oneof(absArb, smallAbs), fc.boolean(), ({ v: a, s: A }, { v: b, s: B }, w32) => {
      const truth = cmp(op, a, b, w32);
      const t = branchTaken(op, A, B, w32);
      if (t !== -1 && (t === 1) !== truth) throw new Error(`branchTaken ${op} wrong for ${a}, ${b}`);
      const n = narrow(op, A, B, w32, truth);
      if (n === null || !contains(n[0], a) || !contains(n[1], b)) throw new Error(`narrow ${op} lost ${a}, ${b}`);
    }), { numRuns: 1000 });
  });
});

describe("sync32: the number-only sync equals the BigInt one", () => {
  // Bounds anywhere in their domains (consistent or not, empty included), tnum in 32 bits.
  const u32 = uN(32);
  const s32 = fc.bigInt({ min: -(1n << 31n), max: (1n << 31n) - 1n });
  const edge = fc.constantFrom(0n, 1n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn);
  const b32 = fc.oneof(u32, edge, uN(4));
  const arb = fc.record({ v: b32, m: b32, umin: b32, umax: b32, smin: b32, smax: b32, u32min: b32, u32max: b32, s32min: fc.oneof(s32, fc.constantFrom(-(1n << 31n), -1n, 0n)), s32max: fc.oneof(s32, fc.constantFrom((1n << 31n) - 1n, -1n, 0n)) });
  it("gives the same scalar on every 32-bit input", () => {
    fc.assert(
      fc.property(arb, (a) => {
        const s: Scalar = { t: tnum(a.v & ~a.m, a.m), umin: a.umin, umax: a.umax, smin: a.smin, smax: a.smax, u32min: a.u32min, u32max: a.u32max, s32min: a.s32min, s32max: a.s32max };
        const fast = syncSmall(s);
        if (s.t.mask === 0n) return fast === undefined;
        expect(fast).toEqual(syncBig(s));
        return true;
      }),
      { numRuns: 20000 },
    );
  });
  it("declines values that do not fit in 32 bits", () => {
    expect(syncSmall(UNKNOWN)).toBeUndefined();
    expect(syncSmall({ ...UNKNOWN, t: tnum(0n, 0xffn), umin: 0n, umax: 1n << 32n, smin: 0n, smax: 1n << 32n })).toBeUndefined();
    expect(syncSmall({ ...UNKNOWN, t: tnum(0n, 0xffn), umin: 0n, umax: 0xffn, smin: -1n, smax: 0xffn })).toBeUndefined();
  });
});
