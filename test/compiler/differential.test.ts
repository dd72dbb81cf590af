/**
 * Differential property test: random integer expressions (every width and signedness, all
 * arithmetic, bitwise, shift, cast and comparison operators, enough nesting to force register
 * spills) compiled and run in the VM must equal a BigInt reference evaluation of the
 * language's rules: wrap at the operation's width, `x / 0 = 0`, `x % 0 = x`, truncating
 * signed division, arithmetic `>>` for signed types.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, run } from "./harness.js";
import { runs } from "../support/runs.js";

type T = { name: string; bits: number; signed: boolean };
const TYPES: T[] = [
  { name: "u8", bits: 8, signed: false },
  { name: "u16", bits: 16, signed: false },
  { name: "u32", bits: 32, signed: false },
  { name: "u64", bits: 64, signed: false },
  { name: "i8", bits: 8, signed: true },
  { name: "i16", bits: 16, signed: true },
  { name: "i32", bits: 32, signed: true },
  { name: "i64", bits: 64, signed: true },
];
const wrap = (v: bigint, t: T): bigint => (t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v));

type Node =
  | { k: "var"; i: number }
  | { k: "lit"; v: bigint }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "shift"; op: string; l: Node; n: number }
  | { k: "not"; e: Node }
  | { k: "cast"; via: number; e: Node }
  | { k: "cmp"; op: string; l: Node; r: Node };

const node: fc.Arbitrary<Node> = fc.letrec<{ n: Node }>((tie) => ({
  n: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("var" as const), i: fc.nat({ max: 4 }) }),
    fc.record({ k: fc.constant("lit" as const), v: fc.bigInt({ min: 0n, max: 300n }) }),
    fc.record({
      k: fc.constant("bin" as const),
      op: fc.constantFrom("+", "-", "*", "/", "%", "&", "|", "^"),
      l: tie("n"),
      r: tie("n"),
    }),
    fc.record({
      k: fc.constant("shift" as const),
      op: fc.constantFrom("<<", ">>"),
      l: tie("n"),
      n: fc.nat({ max: 63 }),
    }),
    fc.record({ k: fc.constant("not" as const), e: tie("n") }),
    fc.record({ k: fc.constant("cast" as const), via: fc.nat({ max: 7 }), e: tie("n") }),
    fc.record({
      k: fc.constant("cmp" as const),
      op: fc.constantFrom("<", "<=", ">", ">=", "==", "!="),
      l: tie("n"),
      r: tie("n"),
    }),
  ),
})).n;

/** Source text and reference value of `n` evaluated in type `t`. */
function emit(n: Node, t: T, vars: bigint[]): [string, bigint] {
  switch (n.k) {
    case "var":
      return [`v${n.i}`, vars[n.i]!];
    case "lit": {
      const v = wrap(n.v, t);
      return [`(${n.v} as ${t.name})`, v];
    }
    case "bin": {
      const [ls, lv] = emit(n.l, t, vars);
      const [rs, rv] = emit(n.r, t, vars);
      let v: bigint;
      if (n.op === "/") v = rv === 0n ? 0n : lv / rv;
      else if (n.op === "%") v = rv === 0n ? lv : lv % rv;
      else
        v =
          n.op === "+"
            ? lv + rv
            : n.op === "-"
              ? lv - rv
              : n.op === "*"
                ? lv * rv
                : n.op === "&"
                  ? lv & rv
                  : n.op === "|"
                    ? lv | rv
                    : lv ^ rv;
      return [`(${ls} ${n.op} ${rs})`, wrap(v, t)];
    }
    case "shift": {
      const [ls, lv] = emit(n.l, t, vars);
      const k = n.n % t.bits;
      return [`(${ls} ${n.op} ${k})`, wrap(n.op === "<<" ? lv << BigInt(k) : lv >> BigInt(k), t)];
    }
    case "not": {
      const [s, v] = emit(n.e, t, vars);
      return [`(~${s})`, wrap(~v, t)];
    }
    case "cast": {
      const u = TYPES[n.via]!;
      const [s, v] = emit(n.e, t, vars);
      return [`((${s} as ${u.name}) as ${t.name})`, wrap(wrap(v, u), t)];
    }
    case "cmp": {
      const [ls, lv] = emit(n.l, t, vars);
      const [rs, rv] = emit(n.r, t, vars);
      const c =
        n.op === "<"
          ? lv < rv
          : n.op === "<="
            ? lv <= rv
            : n.op === ">"
              ? lv > rv
              : n.op === ">="
                ? lv >= rv
                : n.op === "=="
                  ? lv === rv
                  : lv !== rv;
      return [`((${ls} ${n.op} ${rs}) as ${t.name})`, c ? 1n : 0n];
    }
  }
}

describe("differential: compiled expressions equal the reference semantics", () => {
  it("random expressions over every integer type", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 7 }),
        node,
        fc.array(fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }), { minLength: 5, maxLength: 5 }),
        fc.nat({ max: 0xffffffff }),
        (ti, n, raw, hash) => {
          const t = TYPES[ti]!;
          const vars = raw.map((v) => wrap(v, t));
          const [expr, want] = emit(n, t, vars);
          const decls = vars
            .map((v, i) => `let v${i}: ${t.name} = ${v < 0n ? `(0 - ${-v}) as ${t.name}` : `${v} as ${t.name}`}`)
            .join("\n");
          const src = `map out: array<u32, i64>[1]\non select {\n${decls}\nlet h = ctx.hash\nout[0] = (${expr}) as i64\npass\n}\n`;
          const p = compile(src);
          const got = run(p, { hash }).read("out", 0);
          expect(got, src).toBe(BigInt.asIntN(64, want));
        },
      ),
      { numRuns: runs(200), seed: 42 },
    );
  });
});
