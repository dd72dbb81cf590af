// The abstract domain (src/verifier/scalar.ts, tnum.ts, branch.ts, on number pairs):
// 1. exactly the results of the BigInt reference (test/verifier/oracle/, the domain the
//    verifier used before, which matched the kernel on the whole corpus), for every operation;
// 2. sound: every abstract result contains the concrete result (ALU transfer functions,
//    branch decisions and narrowing).
// DOMAIN_RUNS=200000 npx vitest run test/verifier/domain.test.ts runs many more cases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alu32,
  alu64,
  isEmpty,
  neg,
  scalarConst,
  scalarEq,
  scalarWithin,
  sext,
  sync,
  truncate,
  violation,
  zext32,
  type AluOp,
  type Scalar,
} from "../../src/verifier/scalar.js";
import { branchTaken, narrow, type CmpOp } from "../../src/verifier/branch.js";
import * as P from "../../src/verifier/pair.js";
import * as N from "../../src/verifier/tnum.js";
import { alignedAfterAdd } from "../../src/verifier/mem.js";
import * as O from "./oracle/scalar.js";
import * as OB from "./oracle/branch.js";
import * as OT from "./oracle/tnum.js";
import {
  fromOracle,
  oracleScalarArb,
  rawOracleScalarArb,
  tnumFromOracle,
  tnumToOracle,
  toOracle,
  u64Arb,
} from "./oracle/convert.js";
import { runs } from "../support/runs.js";

// Fixed seed: the same cases on every run (change it locally to explore more).
fc.configureGlobal({ seed: 20261207 });
const RUNS = Number(process.env.DOMAIN_RUNS ?? 250);

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

const show = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));

/** The fields in a fixed order. */
const norm = (s: O.Scalar): string =>
  show([s.t.value, s.t.mask, s.smin, s.smax, s.umin, s.umax, s.s32min, s.s32max, s.u32min, s.u32max]);

/** The new result equals the oracle's (an empty oracle result only needs an empty new one). */
function same(got: Scalar, want: O.Scalar, what: string): void {
  if (O.isEmpty(want)) {
    if (!isEmpty(got)) throw new Error(`${what}: oracle empty, got ${show(toOracle(got))}`);
    return;
  }
  const g = norm(toOracle(got));
  if (g !== norm(want)) throw new Error(`${what}:\n got  ${g}\n want ${norm(want)}`);
}

const OPS: AluOp[] = ["add", "sub", "mul", "and", "or", "xor", "lsh", "rsh", "arsh", "div", "mod", "sdiv", "smod"];
const CMPS: CmpOp[] = ["eq", "ne", "gt", "ge", "lt", "le", "sgt", "sge", "slt", "sle", "set", "nset"];

/** A shift operand: mostly in range for the width, sometimes not. */
const shiftArb = fc.oneof(
  oracleScalarArb,
  fc.nat(70).map((k) => ({ v: BigInt(k), s: O.scalarConst(BigInt(k)) })),
);

describe("pair arithmetic", () => {
  const pairOf = (v: bigint): [number, number] => [Number(v >> 32n) | 0, Number(v & M32) | 0];
  const val = (h: number, l: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
  it("add, sub, mul, shifts and comparisons are exact", () => {
    fc.assert(
      fc.property(u64Arb, u64Arb, fc.nat(63), (a, b, k) => {
        const [ah, al] = pairOf(a);
        const [bh, bl] = pairOf(b);
        const sa = BigInt.asIntN(64, a);
        const sb = BigInt.asIntN(64, b);
        expect(P.add(ah, al, bh, bl)).toBe(a + b > M64);
        expect(val(P.out.h, P.out.l)).toBe((a + b) & M64);
        expect(P.sub(ah, al, bh, bl)).toBe(a < b);
        expect(val(P.out.h, P.out.l)).toBe((a - b) & M64);
        P.mulWrap(ah, al, bh, bl);
        expect(val(P.out.h, P.out.l)).toBe((a * b) & M64);
        const ovf = P.mulOverflows(ah, al, bh, bl);
        expect(ovf).toBe(a * b > M64);
        if (!ovf) expect(val(P.out.h, P.out.l)).toBe(a * b);
        const sovf = P.mulOverflowsSigned(ah, al, bh, bl);
        expect(sovf).toBe(sa * sb < -(1n << 63n) || sa * sb >= 1n << 63n);
        if (!sovf) expect(val(P.out.h, P.out.l)).toBe(BigInt.asUintN(64, sa * sb));
        P.shl(ah, al, k);
        expect(val(P.out.h, P.out.l)).toBe((a << BigInt(k)) & M64);
        P.shr(ah, al, k);
        expect(val(P.out.h, P.out.l)).toBe(a >> BigInt(k));
        P.sar(ah, al, k);
        expect(val(P.out.h, P.out.l)).toBe(BigInt.asUintN(64, sa >> BigInt(k)));
        expect(P.ult(ah, al, bh, bl)).toBe(a < b);
        expect(P.ule(ah, al, bh, bl)).toBe(a <= b);
        expect(P.slt(ah, al, bh, bl)).toBe(sa < sb);
        expect(P.sle(ah, al, bh, bl)).toBe(sa <= sb);
        expect(P.fls(ah, al)).toBe(a.toString(2).length - (a === 0n ? 1 : 0));
      }),
      { numRuns: runs(RUNS) },
    );
  });
});

describe("tnum: equal to the BigInt reference", () => {
  const tArb = fc.tuple(u64Arb, u64Arb).map(([v, m]) => OT.tnum(v & ~m, m));
  it("add, sub, mul, and, or, xor, shifts, intersect, cast, in", () => {
    fc.assert(
      fc.property(tArb, tArb, fc.nat(63), fc.constantFrom(1, 2, 4, 8), (a, b, k, size) => {
        const na = tnumFromOracle(a);
        const nb = tnumFromOracle(b);
        const eq = (got: N.Tnum, want: OT.Tnum, what: string) => {
          if (show(tnumToOracle(got)) !== show(want))
            throw new Error(`${what}(${show(a)}, ${show(b)}, ${k}): got ${show(tnumToOracle(got))} want ${show(want)}`);
        };
        eq(N.tnumAdd(na, nb), OT.tnumAdd(a, b), "add");
        eq(N.tnumSub(na, nb), OT.tnumSub(a, b), "sub");
        eq(N.tnumMul(na, nb), OT.tnumMul(a, b), "mul");
        eq(N.tnumAnd(na, nb), OT.tnumAnd(a, b), "and");
        eq(N.tnumOr(na, nb), OT.tnumOr(a, b), "or");
        eq(N.tnumXor(na, nb), OT.tnumXor(a, b), "xor");
        eq(N.tnumLshift(na, k), OT.tnumLshift(a, k), "lsh");
        eq(N.tnumRshift(na, k), OT.tnumRshift(a, k), "rsh");
        eq(N.tnumArshift(na, k, 64), OT.tnumArshift(a, k, 64), "arsh64");
        eq(N.tnumArshift(N.tnumSubreg(na), k & 31, 32), OT.tnumArshift(OT.tnumSubreg(a), k & 31, 32), "arsh32");
        eq(N.tnumIntersect(na, nb), OT.tnumIntersect(a, b), "intersect");
        eq(N.tnumCast(na, size), OT.tnumCast(a, size), "cast");
        expect(N.tnumIn(na, nb)).toBe(OT.tnumIn(a, b));
        const [lo, hi] = a.value < b.value ? [a.value, b.value] : [b.value, a.value];
        eq(
          N.tnumRange(Number(lo >> 32n) | 0, Number(lo & M32) | 0, Number(hi >> 32n) | 0, Number(hi & M32) | 0),
          OT.tnumRange(lo, hi),
          "range",
        );
        expect(N.tnumStr(na)).toBe(OT.tnumStr(a));
      }),
      { numRuns: runs(RUNS) },
    );
  });
  it("step: the smallest member above z, by two different algorithms", () => {
    // z near the tnum's members (a member, one off, or anywhere) so every branch is taken.
    const zArb = (t: OT.Tnum) =>
      fc.oneof(
        u64Arb,
        fc.tuple(u64Arb, fc.integer({ min: -1, max: 1 })).map(([s, dz]) => (t.value | (s & t.mask)) + BigInt(dz)),
      );
    fc.assert(
      fc.property(
        tArb.chain((t) => fc.tuple(fc.constant(t), zArb(t))),
        ([t, z0]) => {
          const z = z0 & M64;
          const n = tnumFromOracle(t);
          N.tnumStep(n.vh, n.vl, n.mh, n.ml, Number(z >> 32n) | 0, Number(z & M32) | 0);
          const got = (BigInt(P.out.h >>> 0) << 32n) | BigInt(P.out.l >>> 0);
          expect(show(got), `step(${show(t)}, ${show(z)})`).toBe(show(OT.tnumStep(t, z)));
        },
      ),
      { numRuns: runs(4 * RUNS) },
    );
  });
});

describe("alignment of tnum + offset (mem.ts, low half only)", () => {
  it("equals tnum_add with the offset, then the low bits", () => {
    const tArb = fc.tuple(u64Arb, u64Arb).map(([v, m]) => OT.tnum(v & ~m, m));
    fc.assert(
      fc.property(
        tArb,
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 2, 4, 8),
        (t, k, size) => {
          const sum = OT.tnumAdd(t, OT.tnumConst(BigInt.asUintN(64, BigInt(k))));
          expect(alignedAfterAdd(tnumFromOracle(t), k, size)).toBe(((sum.value | sum.mask) & BigInt(size - 1)) === 0n);
        },
      ),
      { numRuns: runs(RUNS) },
    );
  });
});

describe("scalar domain: equal to the BigInt reference", () => {
  it("sync on any bounds, consistent or not (empty results need only be empty)", () => {
    fc.assert(
      fc.property(rawOracleScalarArb, (raw) => {
        same(sync(fromOracle(raw)), O.sync(raw), `sync ${show(raw)}`);
      }),
      { numRuns: runs(RUNS * 4) },
    );
  });

  it("sync on values near consistency (one bound of a synced value moved)", () => {
    fc.assert(
      fc.property(
        oracleScalarArb,
        fc.constantFrom("umin", "umax", "smin", "smax", "u32min", "u32max", "s32min", "s32max"),
        u64Arb,
        ({ s }, field, v) => {
          const bits = field.endsWith("32min") || field.endsWith("32max") ? 32 : 64;
          const x = field.startsWith("s") ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
          const raw = { ...s, [field]: x } as O.Scalar;
          same(sync(fromOracle(raw)), O.sync(raw), `sync ${show(raw)}`);
        },
      ),
      { numRuns: runs(RUNS * 4) },
    );
  });

  it.each(OPS)("alu64 and alu32 %s", (op) => {
    const b = op === "lsh" || op === "rsh" || op === "arsh" ? shiftArb : oracleScalarArb;
    fc.assert(
      fc.property(oracleScalarArb, b, ({ s: A }, { s: B }) => {
        same(alu64(op, fromOracle(A), fromOracle(B)), O.alu64(op, A, B), `alu64 ${op} ${show(A)} ${show(B)}`);
        same(alu32(op, fromOracle(A), fromOracle(B)), O.alu32(op, A, B), `alu32 ${op} ${show(A)} ${show(B)}`);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("zext32, sext, truncate, neg, scalarWithin, scalarEq", () => {
    fc.assert(
      fc.property(
        oracleScalarArb,
        oracleScalarArb,
        fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
        ({ s: A }, { s: B }, bytes) => {
          const a = fromOracle(A);
          const b = fromOracle(B);
          same(zext32(a), O.zext32(A), "zext32");
          same(sext(a, bytes), O.sext(A, bytes), `sext ${bytes}`);
          same(truncate(a, bytes), O.truncate(A, bytes), `truncate ${bytes}`);
          same(neg(a, 64), O.neg(A, 64), "neg64");
          same(neg(a, 32), O.neg(A, 32), "neg32");
          expect(scalarWithin(a, b)).toBe(O.scalarWithin(A, B));
          expect(scalarWithin(a, a)).toBe(true);
          expect(scalarEq(a, b)).toBe(O.scalarEq(A, B));
          expect(scalarEq(a, fromOracle(A))).toBe(true);
        },
      ),
      { numRuns: runs(RUNS) },
    );
  });

  it("violation keeps the tnum the reference keeps", () => {
    fc.assert(
      fc.property(rawOracleScalarArb, (raw) => {
        const want = O.violation(raw);
        const got = violation(fromOracle(raw));
        same(got, want, `violation ${show(raw)}`);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it.each(CMPS)("branchTaken and narrow %s (both widths, both sides)", (op) => {
    fc.assert(
      fc.property(oracleScalarArb, oracleScalarArb, fc.boolean(), fc.boolean(), ({ s: A }, { s: B }, w32, taken) => {
        const a = fromOracle(A);
        const b = fromOracle(B);
        const t = OB.branchTaken(op, A, B, w32);
        expect(branchTaken(op, a, b, w32)).toBe(t);
        // The verifier narrows only branches that values do not decide.
        if (t !== -1) return;
        const want = OB.narrow(op, A, B, w32, taken);
        const got = narrow(op, a, b, w32, taken);
        if (want === null) return expect(got).toBeNull();
        expect(got).not.toBeNull();
        same(got![0], want[0], `narrow ${op} w32=${w32} taken=${taken} dst ${show(A)} ${show(B)}`);
        same(got![1], want[1], `narrow ${op} w32=${w32} taken=${taken} src ${show(A)} ${show(B)}`);
      }),
      { numRuns: runs(RUNS) },
    );
  });
});

// ---- soundness on concrete values ----

function contains(s: Scalar, v: bigint): boolean {
  const o = toOracle(s);
  const u = v & M64;
  const sv = BigInt.asIntN(64, u);
  const lo = u & M32;
  return (
    o.umin <= u &&
    u <= o.umax &&
    o.smin <= sv &&
    sv <= o.smax &&
    o.u32min <= lo &&
    lo <= o.u32max &&
    o.s32min <= BigInt.asIntN(32, lo) &&
    BigInt.asIntN(32, lo) <= o.s32max &&
    (u & ~o.t.mask) === o.t.value
  );
}

function concrete(op: AluOp, a: bigint, b: bigint, w: 32 | 64): bigint | undefined {
  const m = w === 64 ? M64 : M32;
  const x = a & m;
  const y = b & m;
  switch (op) {
    case "add":
      return (x + y) & m;
    case "sub":
      return (x - y) & m;
    case "mul":
      return (x * y) & m;
    case "and":
      return x & y;
    case "or":
      return x | y;
    case "xor":
      return x ^ y;
    case "lsh":
      return y < BigInt(w) ? (x << y) & m : undefined;
    case "rsh":
      return y < BigInt(w) ? x >> y : undefined;
    case "arsh":
      return y < BigInt(w) ? BigInt.asUintN(w, BigInt.asIntN(w, x) >> y) : undefined;
    case "div":
      return y === 0n ? 0n : x / y;
    case "mod":
      return y === 0n ? x : x % y;
    default:
      return undefined;
  }
}

function cmp(op: CmpOp, a: bigint, b: bigint, w32: boolean): boolean {
  const m = w32 ? M32 : M64;
  const x = a & m;
  const y = b & m;
  const sx = w32 ? BigInt.asIntN(32, x) : BigInt.asIntN(64, x);
  const sy = w32 ? BigInt.asIntN(32, y) : BigInt.asIntN(64, y);
  switch (op) {
    case "eq":
      return x === y;
    case "ne":
      return x !== y;
    case "gt":
      return x > y;
    case "ge":
      return x >= y;
    case "lt":
      return x < y;
    case "le":
      return x <= y;
    case "sgt":
      return sx > sy;
    case "sge":
      return sx >= sy;
    case "slt":
      return sx < sy;
    case "sle":
      return sx <= sy;
    case "set":
      return (x & y) !== 0n;
    case "nset":
      return (x & y) === 0n;
  }
}

const absArb = oracleScalarArb.map(({ v, s }) => ({ v, s: fromOracle(s) }));

describe("scalar ALU is sound", () => {
  it.each(OPS)("%s (64 and 32 bit) contains the concrete result", (op) => {
    const b =
      op === "lsh" || op === "rsh" || op === "arsh" ? shiftArb.map(({ v, s }) => ({ v, s: fromOracle(s) })) : absArb;
    fc.assert(
      fc.property(absArb, b, ({ v: a, s: A }, { v: bv, s: B }) => {
        expect(contains(A, a)).toBe(true);
        for (const w of [64, 32] as const) {
          const c = concrete(op, a, bv, w);
          if (c === undefined) continue;
          const r = w === 64 ? alu64(op, A, B) : alu32(op, A, B);
          if (!contains(r, c)) throw new Error(`${op}/${w}: ${a} ${bv} -> ${c} not in ${show(toOracle(r))}`);
        }
      }),
      { numRuns: runs(RUNS) },
    );
  });
  it("sext, truncate, zext32 and neg contain the concrete result", () => {
    fc.assert(
      fc.property(absArb, fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>, ({ v, s }, bytes) => {
        const bits = BigInt(bytes * 8);
        expect(contains(sext(s, bytes), BigInt.asUintN(64, BigInt.asIntN(Number(bits), v)))).toBe(true);
        expect(contains(truncate(s, bytes), v & ((1n << bits) - 1n))).toBe(true);
        expect(contains(zext32(s), v & M32)).toBe(true);
        expect(contains(neg(s, 64), -v & M64)).toBe(true);
        expect(contains(neg(s, 32), -v & M32)).toBe(true);
      }),
      { numRuns: runs(RUNS) },
    );
  });
  it("constants are exact", () => {
    expect(toOracle(scalarConst(-1))).toEqual(O.scalarConst(-1n));
    expect(toOracle(scalarConst(2 ** 40 + 5))).toEqual(O.scalarConst(2n ** 40n + 5n));
  });
});

describe("branches are sound", () => {
  it.each(CMPS)("%s: decisions agree and narrowing keeps the concrete values", (op) => {
    fc.assert(
      fc.property(absArb, absArb, fc.boolean(), ({ v: a, s: A }, { v: b, s: B }, w32) => {
        const truth = cmp(op, a, b, w32);
        const t = branchTaken(op, A, B, w32);
        if (t !== -1 && (t === 1) !== truth) throw new Error(`branchTaken ${op} wrong for ${a}, ${b}`);
        const n = narrow(op, A, B, w32, truth);
        if (n === null || !contains(n[0], a) || !contains(n[1], b)) throw new Error(`narrow ${op} lost ${a}, ${b}`);
      }),
      { numRuns: runs(RUNS) },
    );
  });
});
