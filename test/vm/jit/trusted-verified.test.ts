// The trusted JIT on random VERIFIED programs whose paths merge: diamonds and short loops whose
// branches depend on the input (ctx words) and on map contents, wide and narrow constants on
// the two sides of a merge, spills and fills, stores into map values, and pointers moved below
// their value (negative register offset, positive insn offset). Each program Baton's verifier
// accepts runs on the interpreter (every check on) and on the trusted JIT with the facts
// production derives (`jitFactsFromVerifier`) over random ctx bytes and map contents: r0 and
// every ctx and map byte must match. Programs the verifier rejects do not count (the test
// requires most to be accepted). Checked against the tree before the fix: this test found a
// pointer moved below its value (the store landed in the other map) and, with that fixed, a
// wide constant on a pruned path whose use after the merge the JIT computed as 32-bit.
// BATON_JIT_VERIFIED_RUNS=N runs more programs; BATON_JIT_STATS=1 prints the counts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { decode } from "../../../src/vm/isa.js";
import { jitFactsFromVerifier } from "../../../src/vm/jit/verifier-facts.js";
import { blankInput, MAPS, Pair, verifyProgram, type Input } from "./verified-harness.js";
import { runs } from "../../support/runs.js";

/** Scalar registers after the prologue (r0 and r6 hold value pointers, r9 the first one again, r10 the frame). */
const SCALARS = [1, 2, 3, 4, 5, 7, 8] as const;
const WIDE = ["0x100000001", "0xffffffff", "0x80000000", "0x7fffffff", "0x1ffffffff", "-1", "-6", "0x123456789a"];
/** Spill slots: r10-16 .. r10-40 (r10-4 holds the lookup key). */
const SLOTS = [16, 24, 32, 40];
/** Map fd 3 values are 16 bytes: 8-byte words at 0 and 8. */
const WORDS = [0, 8];

const sreg = fc.constantFrom(...SCALARS);
const narrow = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(255, 0x7fff, 0x10000, 0x7fffffff));

/** One straight-line piece of code, as assembler lines (no labels). */
const piece: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ d: sreg, k: narrow }).map(({ d, k }) => [`mov %r${d}, ${k}`]) },
  {
    weight: 2,
    arbitrary: fc.record({ d: sreg, k: fc.constantFrom(...WIDE) }).map(({ d, k }) => [`lddw %r${d}, ${k}`]),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({
        op: fc.constantFrom(
          "add",
          "sub",
          "mul",
          "and",
          "or",
          "xor",
          "div",
          "mod",
          "add32",
          "sub32",
          "mul32",
          "mov32",
          "mov",
        ),
        d: sreg,
        s: sreg,
        x: fc.boolean(),
        k: narrow,
      })
      // A constant divisor of 0 is rejected (kernel: "division by zero").
      .map(({ op, d, s, x, k }) => [
        `${op} %r${d}, ${x ? `%r${s}` : String(op === "div" || op === "mod" ? k || 1 : k)}`,
      ]),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        op: fc.constantFrom("lsh", "rsh", "arsh", "lsh32", "rsh32"),
        d: sreg,
        k: fc.integer({ min: 0, max: 31 }),
      })
      .map(({ op, d, k }) => [`${op} %r${d}, ${k}`]),
  },
  // Spill and fill.
  {
    weight: 3,
    arbitrary: fc
      .record({ s: sreg, slot: fc.constantFrom(...SLOTS) })
      .map(({ s, slot }) => [`stxdw [%r10-${slot}], %r${s}`]),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ d: sreg, slot: fc.constantFrom(...SLOTS), w: fc.boolean() })
      .map(({ d, slot, w }) => [`${w ? "ldxw" : "ldxdw"} %r${d}, [%r10-${slot}]`]),
  },
  // Map values: r9 points at a 16-byte value of map fd 3, r6 at an 8-byte value of map fd 5.
  {
    weight: 3,
    arbitrary: fc
      .record({ s: sreg, at: fc.constantFrom(...WORDS), w: fc.boolean() })
      .map(({ s, at, w }) => [`${w ? "stxw" : "stxdw"} [%r9+${at}], %r${s}`]),
  },
  {
    weight: 2,
    arbitrary: fc.record({ d: sreg, at: fc.constantFrom(...WORDS) }).map(({ d, at }) => [`ldxdw %r${d}, [%r9+${at}]`]),
  },
  {
    weight: 2,
    arbitrary: fc.record({ s: sreg, d: sreg }).map(({ s, d }) => [`stxdw [%r6+0], %r${s}`, `ldxw %r${d}, [%r6+4]`]),
  },
  // A pointer moved k bytes below a value and used at insn offset k (or k + 8 in a 16-byte
  // value); r1's scalar is parked in a slot meanwhile.
  {
    weight: 3,
    arbitrary: fc
      .record({
        base: fc.constantFrom(6, 9),
        k: fc.constantFrom(1, 4, 8, 12, 16, 40),
        second: fc.boolean(),
        s: sreg,
        d: sreg,
        load: fc.boolean(),
      })
      .map(({ base, k, second, s, d, load }) => {
        const at = k + (base === 9 && second ? 8 : 0);
        const access = load ? `ldxdw %r${d === 1 ? 2 : d}, [%r1+${at}]` : `stxdw [%r1+${at}], %r${s === 1 ? 2 : s}`;
        return ["stxdw [%r10-48], %r1", `mov %r1, %r${base}`, `add %r1, -${k}`, access, "ldxdw %r1, [%r10-48]"];
      }),
  },
  // The same with a variable part: r1 = value - 8 + (scalar & 7), a byte store at +8.
  {
    weight: 1,
    arbitrary: fc
      .record({ s: fc.constantFrom(2, 3, 4, 5, 7, 8), v: fc.constantFrom(2, 3, 4, 5, 7, 8) })
      .map(({ s, v }) => [
        `stxdw [%r10-48], %r1`,
        `stxdw [%r10-56], %r${v}`,
        `and %r${v}, 7`,
        `mov %r1, %r9`,
        `add %r1, -8`,
        `add %r1, %r${v}`,
        `stxb [%r1+8], %r${s}`,
        `ldxdw %r${v}, [%r10-56]`,
        `ldxdw %r1, [%r10-48]`,
      ]),
  },
);

/** Branch conditions on the input or on map contents. */
const cond = fc.oneof(
  fc
    .record({ op: fc.constantFrom("jset", "jgt", "jlt", "jeq", "jne", "jsgt", "jge"), r: sreg, k: narrow })
    .map(({ op, r, k }) => ({ pre: [] as string[], test: `${op} %r${r}, ${k}` })),
  fc
    .record({ op: fc.constantFrom("jgt", "jne", "jset"), r: sreg, at: fc.constantFrom(...WORDS), k: narrow })
    .map(({ op, r, at, k }) => ({ pre: [`ldxdw %r${r}, [%r9+${at}]`], test: `${op} %r${r}, ${k}` })),
);

type Segment =
  | { kind: "line"; body: string[][] }
  | { kind: "diamond"; pre: string[]; test: string; then: string[][]; other: string[][]; after?: string[] }
  | { kind: "loop"; n: number; exit: string; body: string[][] }
  | { kind: "walk"; value: 6 | 9; wide: boolean; reg: number; store: boolean; back: number };

const pieces = (max: number): fc.Arbitrary<string[][]> => fc.array(piece, { minLength: 1, maxLength: max });
/**
 * A narrow value on the path walked first (the fall-through side) and a wide one on the other,
 * then an operation on it after the merge and a 64-bit store: the verifier prunes the wide path
 * at the merge when the value is imprecise, so only a fact that holds on every path is safe.
 */
const wideMerge: fc.Arbitrary<Segment> = fc
  .record({
    c: cond,
    r: sreg,
    k: narrow,
    wide: fc.constantFrom(...WIDE),
    filler: pieces(4),
    d: sreg,
    op: fc.constantFrom("mov", "add", "or", "and"),
  })
  .map(({ c, r, k, wide, filler, d, op }): Segment => ({
    kind: "diamond",
    pre: c.pre,
    test: c.test,
    // Filler with two undecided jumps: the verifier places a checkpoint at the merge only
    // after two jumps and eight instructions since its last one (as the kernel does).
    then: [
      [`mov %r${r}, ${k}`, "jeq %r8, 100, m@a", "m@a:"],
      ...filler,
      ["jeq %r8, 101, m@b", "m@b:"],
      ["mov %r0, 0", "mov %r0, 1", "mov %r0, 2", "mov %r0, 3", "mov %r0, 4", "mov %r0, 5", "mov %r0, 6", "mov %r0, 7"],
    ],
    other: [[`lddw %r${r}, ${wide}`]],
    after: [`${op} %r${d}, %r${r}`, `stxdw [%r9+0], %r${d}`],
  }));

const segment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 2, arbitrary: wideMerge },
  { weight: 2, arbitrary: pieces(4).map((body): Segment => ({ kind: "line", body })) },
  {
    weight: 4,
    arbitrary: fc
      .record({ c: cond, then: pieces(5), other: pieces(5) })
      .map(({ c, then, other }): Segment => ({ kind: "diamond", pre: c.pre, test: c.test, then, other })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ n: fc.integer({ min: 1, max: 4 }), exit: fc.constantFrom("jlt", "jne"), body: pieces(3) })
      .map(({ n, exit, body }): Segment => ({ kind: "loop", n, exit, body })),
  },
  // A pointer walked through a value by a counted loop, then moved back by `back` bytes
  // (possibly below the value) for one more access.
  {
    weight: 1,
    arbitrary: fc
      .record({
        value: fc.constantFrom(6 as const, 9 as const),
        wide: fc.boolean(),
        reg: sreg,
        store: fc.boolean(),
        back: fc.constantFrom(4, 8, 16, 24),
      })
      .map((w): Segment => ({ kind: "walk", ...w })),
  },
);

/**
 * A walk: r1 parked, r1 = the value, a load or store per step with the counter in r0 to an
 * `!=` bound, then r1 moved back and used once more at an offset that is inside the value.
 */
function walk(seg: Extract<Segment, { kind: "walk" }>, i: number): string[] {
  const size = seg.value === 9 ? 16 : 8;
  const step = seg.wide ? 8 : 4;
  const reg = seg.reg === 1 ? 2 : seg.reg;
  const op = seg.store
    ? `stx${seg.wide ? "dw" : "w"} [%r1+0], %r${reg}`
    : `ldx${seg.wide ? "dw" : "w"} %r${reg}, [%r1+0]`;
  const back = Math.min(seg.back, size);
  return [
    "stxdw [%r10-48], %r1",
    `mov %r1, %r${seg.value}`,
    "mov %r0, 0",
    `walk${i}:`,
    op,
    `add %r1, ${step}`,
    "add %r0, 1",
    `jne %r0, ${size / step}, walk${i}`,
    `add %r1, -${seg.back}`,
    `ldxb %r${reg}, [%r1+${seg.back - back}]`,
    "ldxdw %r1, [%r10-48]",
  ];
}

/** A whole program: prologue (ctx words, two lookups), segments, then every scalar into map fd 3. */
function render(segments: readonly Segment[]): string {
  const out: string[] = [];
  const lookup = (fd: number, keyFrom: number, mask: number): string[] => [
    `mov %r1, %r${keyFrom}`,
    `and %r1, ${mask}`,
    "stxw [%r10-4], %r1",
    "mov %r2, %r10",
    "add %r2, -4",
    `lddw %r1, map_fd(${fd})`,
    "call 1",
    "jeq %r0, 0, out",
  ];
  out.push("mov %r6, %r1", "ldxw %r7, [%r6+20]", "ldxw %r8, [%r6+16]");
  out.push(...lookup(3, 7, 3), "mov %r9, %r0", ...lookup(5, 8, 1), "mov %r6, %r0");
  for (const r of [1, 2, 3, 4, 5]) out.push(r % 2 === 0 ? `mov %r${r}, %r7` : `mov %r${r}, ${r}`);
  for (const s of [...SLOTS, 48, 56]) out.push(`stdw [%r10-${s}], 0`);
  // Loop counters must survive their body: the body's pieces never write r0 (the counter here).
  segments.forEach((seg, i) => {
    if (seg.kind === "line") out.push(...seg.body.flat());
    else if (seg.kind === "diamond") {
      const then = seg.then.flat().map((l) => l.replace(/@/g, String(i)));
      out.push(
        ...seg.pre,
        `${seg.test}, else${i}`,
        ...then,
        `ja join${i}`,
        `else${i}:`,
        ...seg.other.flat(),
        `join${i}:`,
        ...(seg.after ?? []),
      );
    } else if (seg.kind === "loop") {
      out.push("mov %r0, 0", `loop${i}:`, ...seg.body.flat(), "add %r0, 1", `${seg.exit} %r0, ${seg.n}, loop${i}`);
    } else {
      out.push(...walk(seg, i));
    }
  });
  SCALARS.forEach((r, j) => out.push(`stx${j % 2 === 0 ? "dw" : "w"} [%r9+${j % 2 === 0 ? 0 : 8}], %r${r}`));
  // r0 is a constant: a return value computed from the scalars would make them all precise,
  // and the verifier would then prune (almost) nothing. The stores above show every scalar.
  out.push("mov %r0, 1", "exit", "out:", "mov %r0, 0", "exit");
  return out.join("\n");
}

const programs = fc.array(segment, { minLength: 1, maxLength: 6 }).map(render);

/** Random ctx bytes and map contents (keys come from ctx words, so lookups hit every value). */
const inputs: fc.Arbitrary<Input> = fc.record({
  ctx: fc.uint8Array({ minLength: 56, maxLength: 56 }),
  maps: fc.tuple(
    ...MAPS.map((m) => fc.uint8Array({ minLength: m.valueSize * m.maxEntries, maxLength: m.valueSize * m.maxEntries })),
  ),
});

describe("trusted JIT ≡ interpreter on verified programs with merging paths", () => {
  it("random programs, random inputs and map contents: same r0, ctx and map bytes", () => {
    const verbose = process.env["BATON_JIT_STATS"] !== undefined;
    // pruned: programs where the verifier cut at least one path at a covered state (counted
    // from the log, so only with BATON_JIT_STATS).
    // ptr: programs where the range analysis claimed an add that keeps the high half.
    const stats = { generated: 0, accepted: 0, pruned: 0, runs: 0, ptr: 0 };
    fc.assert(
      fc.property(programs, fc.array(inputs, { minLength: 3, maxLength: 3 }), (src, ins) => {
        stats.generated++;
        const insns = decode(assemble(src));
        const verdict = verifyProgram(insns, 100_000, verbose ? 2 : 0);
        if (!verdict.accepted) return;
        stats.accepted++;
        if (verbose && /^\d+: safe$/m.test(verdict.log)) stats.pruned++;
        if (jitFactsFromVerifier(insns, verdict.facts!, true).insns!.some((f) => (f?.ptrRegs ?? 0) !== 0)) stats.ptr++;
        const pair = new Pair(insns, verdict);
        for (const input of [blankInput(), ...ins]) {
          stats.runs++;
          const { interp, jit } = pair.run(input);
          expect(interp.r0.startsWith("trap")).toBe(false);
          expect(jit).toEqual(interp);
        }
      }),
      { numRuns: runs(Number(process.env["BATON_JIT_VERIFIED_RUNS"] ?? 50)), seed: 20261207 },
    );
    if (verbose) console.log(stats);
    expect(stats.accepted).toBeGreaterThan(stats.generated / 2);
    expect(stats.ptr).toBeGreaterThan(stats.accepted / 4);
  });
});
