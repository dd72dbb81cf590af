// The trusted JIT on verified programs whose facts could hold only on the paths the verifier
// walked: a value the verifier pruned away must still be computed in full, and a pointer
// moved below its region's start must still address that region. Each case is compared with
// the interpreter (every check on) over the same inputs; both bugs were reproduced this way
// before the facts came from a path-insensitive analysis and trusted addresses became exact.
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/vm/asm/assembler.js";
import { Interpreter } from "../../../src/vm/interpreter.js";
import { decode } from "../../../src/vm/isa.js";
import { trustedJit } from "../../../src/vm/jit/jit.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { blankInput, Pair, verifyProgram } from "./verified-harness.js";

/** map_lookup_elem(map fd, key) into r0, NULL-tested: the code after runs with r0 a value pointer. */
const lookup = (fd: number, key: number, out: string): string =>
  [
    `mov %r1, ${key}`,
    "stxw [%r10-4], %r1",
    "mov %r2, %r10",
    "add %r2, -4",
    `lddw %r1, map_fd(${fd})`,
    "call 1",
    `jeq %r0, 0, ${out}`,
  ].join("\n");

function check(src: string, inputs: ReadonlyArray<(i: ReturnType<typeof blankInput>) => void>): void {
  const insns = decode(assemble(src));
  const verdict = verifyProgram(insns);
  expect(verdict.error?.message ?? null).toBe(null);
  const pair = new Pair(insns, verdict);
  for (const set of inputs) {
    const input = blankInput();
    set(input);
    const { interp, jit } = pair.run(input);
    expect(jit).toEqual(interp);
  }
}

describe("a value the verifier saw only narrow on the walked path", () => {
  // The path with r7 = 6 is walked to the end; the path with r7 = 0x100000001 reaches `join`
  // with r7 imprecise (nothing checked depends on it) and is pruned there. "r9 fits in 32
  // bits" held on every walked path, and a JIT that believed it stored only the low half.
  // The filler before `join` makes the verifier place a checkpoint there (it does so only
  // after two jumps and eight instructions since the last one, as the kernel does).
  const movs = (k: number): string => Array.from({ length: k }, (_, j) => `mov %r3, ${j}`).join("\n");
  const src = [
    "mov %r6, %r1",
    "ldxw %r8, [%r6+20]",
    "ldxw %r5, [%r6+16]",
    "mov %r7, 6",
    "jset %r8, 1, wide",
    movs(2),
    "jeq %r5, 100, p0",
    "p0:",
    movs(3),
    "jeq %r5, 101, p1",
    "p1:",
    movs(8),
    "ja join",
    "wide:",
    "lddw %r7, 0x100000001",
    "join:",
    "mov %r9, %r7",
    lookup(5, 0, "out"),
    "stxdw [%r0], %r9",
    "out:",
    "mov %r0, 1",
    "exit",
  ].join("\n");
  it("stores the whole 64-bit value on the pruned path", () => {
    check(src, [(i) => (i.ctx[20] = 1), (i) => (i.ctx[20] = 0), (i) => (i.ctx[20] = 3)]);
  });
});

describe("a pointer moved below its value, stored through with a positive insn offset", () => {
  // r0 = &value; r0 += -K; *(r0 + K) = x: in bounds (the kernel and Baton accept it). The
  // address's low half borrows from the high half (the region id), so an address computed
  // from the low half and the unadjusted high half lands in the neighbouring map's arena.
  for (const [fd, k] of [
    [5, 8],
    [3, 16],
    [3, 8],
    [5, 1],
  ] as const) {
    it(`map fd ${fd}: r0 += -${k}, store at +${k}, then load back at +${k}`, () => {
      const src = [
        lookup(fd, 0, "out"),
        `add %r0, -${k}`,
        "mov %r1, 0x77",
        `stxdw [%r0+${k}], %r1`,
        `ldxdw %r2, [%r0+${k}]`,
        `stxw [%r0+${k + 4}], %r2`,
        "out:",
        "mov %r0, 1",
        "exit",
      ].join("\n");
      check(src, [() => undefined]);
    });
  }
  it("map fd 5, key 1: r0 += -12 then a 4-byte store at +12 (in the middle of the arena)", () => {
    check(
      [lookup(5, 1, "out"), "add %r0, -12", "mov %r1, 9", "stxw [%r0+12], %r1", "out:", "mov %r0, 1", "exit"].join(
        "\n",
      ),
      [() => undefined],
    );
  });
  it("a fixed negative and a variable offset: r0 += -8, r0 += hash & 7, then a store at +8", () => {
    const src = [
      "mov %r6, %r1",
      lookup(3, 0, "out"),
      "ldxw %r3, [%r6+20]",
      "and %r3, 7",
      "add %r0, -8",
      "add %r0, %r3",
      "mov %r1, 0x55",
      "stxb [%r0+8], %r1",
      "out:",
      "mov %r0, 1",
      "exit",
    ].join("\n");
    check(src, [(i) => (i.ctx[20] = 0), (i) => (i.ctx[20] = 7), (i) => (i.ctx[20] = 3)]);
  });
  it("stack: a pointer 16 below a slot, stored through at +16 and read back", () => {
    check(
      ["mov %r1, %r10", "add %r1, -24", "mov %r2, 0x1234", "stxdw [%r1+16], %r2", "ldxdw %r0, [%r10-8]", "exit"].join(
        "\n",
      ),
      [() => undefined],
    );
  });
});

describe("trusted addresses below the region's start, every access kind", () => {
  // No verifier here: r1 points at the start of the second of two regions, is moved k bytes
  // down (borrowing from the region half) and used at insn offset k + j. The interpreter's
  // exact 64-bit address is the reference; trusted mode (no facts, no checks) must agree.
  const kinds = [
    "ldxb %r0, [%r1+@]",
    "ldxdw %r0, [%r1+@]",
    "stb [%r1+@], 0x5a",
    "stxw [%r1+@], %r2",
    "stxdw [%r1+@], %r2",
    "lock add32 [%r1+@], %r2",
    "lock fetch add [%r1+@], %r2",
    "lock xchg [%r1+@], %r2",
  ];
  for (const kind of kinds) {
    it(kind.replace("@", "k+j"), () => {
      for (const [k, j] of [
        [1, 0],
        [8, 0],
        [8, 8],
        [300, 4],
        [0x7000, 16],
      ] as const) {
        // Atomics need an aligned address: only whole words below the start for them.
        if (kind.startsWith("lock") && k % 8 !== 0) continue;
        const off = k + j;
        const insns = decode(
          assemble(
            [`lddw %r2, 0x0102030405060708`, `add %r1, -${k}`, kind.replace("@", String(off)), "exit"].join("\n"),
          ),
        );
        const outcome = (trusted: boolean): { r0: string; a: number[]; b: number[] } => {
          const space = new AddressSpace();
          const a = space.add(
            "a",
            Uint8Array.from({ length: 64 }, (_, i) => i + 1),
            true,
          );
          const b = space.add(
            "b",
            Uint8Array.from({ length: 64 }, (_, i) => 200 - i),
            true,
          );
          const e = trusted
            ? trustedJit()(insns, { mem: space, helpers: new Map() })
            : new Interpreter(insns, { mem: space, helpers: new Map() });
          const lo = e.run(b.id, 0, 64);
          return { r0: `${e.r0hi >>> 0}:${lo >>> 0}`, a: [...a.bytes], b: [...b.bytes] };
        };
        expect([kind, k, j, outcome(true)]).toEqual([kind, k, j, outcome(false)]);
      }
    });
  }
});
