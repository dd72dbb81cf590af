// The differential fuzz generators (gen/classes.ts) make well-formed programs: for many seeds
// every class assembles, is deterministic, uses only GEN_MAPS, and carries the ingredient its
// class is about. No kernel here (kernel-fuzz.ts does the differential run).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/vm/asm/assembler.js";
import {
  decode,
  OP_LDDW,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_CALL,
  OP_CALL,
  BPF_STX,
  BPF_ATOMIC,
  opClass,
  opMode,
} from "../../src/vm/isa.js";
import { GEN_CLASSES, GENERATORS, RULES, type GenClass } from "./gen/classes.js";
import { GEN_MAPS, GEN_MAPS_HEADER } from "./gen/prog.js";
import { parseMapArg } from "../../src/verifier/map-arg.js";
import { runs } from "../support/runs.js";

const declared = new Set(GEN_MAPS.map((m) => m.fd));

/** What each class must contain (on the source text), so a broken generator is caught. */
const INGREDIENT: Readonly<Record<GenClass, (src: string) => boolean>> = {
  linked: (s) => /^j\w+ %r[78], (%r1|\d+), (out|L\d+)$/m.test(s),
  callee: (s) => /^call local store$/m.test(s) && /^stx(dw|w) \[%r1\+0\], %r4$/m.test(s) && /^add %r0, %r3$/m.test(s),
  negoff: (s) => /^(add %r7, -\d+|sub %r7, \d+|mov %r3, -\d+)$/m.test(s),
  atomic: (s) => /^lock (fetch )?(add|and|or|xor|xchg|cmpxchg)(32)? \[%r7\+\d+\], %r1$/m.test(s),
  argmin: (s) => /^mov %r7, %r1$/m.test(s) && /^mov %r8, %r9$/m.test(s) && /^j(lt|ne) %r9, \d+, L\d+$/m.test(s),
  rules: (s) => /^# rule: /m.test(s),
  legacy: () => true,
};

describe("differential fuzz generators", () => {
  it.each(GEN_CLASSES.map((c) => [c]))(
    "%s: assembles, deterministic, declared maps only, has its ingredient",
    (cls) => {
      const gen = GENERATORS[cls];
      let assembled = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
          const src = gen(seed);
          expect(gen(seed)).toBe(src);
          let insns;
          try {
            insns = decode(assemble(src));
          } catch (e) {
            // The legacy generator mutates programs on purpose; ours must always assemble.
            if (cls === "legacy") return;
            throw new Error(`${cls} seed ${seed} does not assemble: ${(e as Error).message}\n${src}`, { cause: e });
          }
          assembled++;
          expect(insns.length).toBeGreaterThan(1);
          for (const x of insns)
            if (x.opcode === OP_LDDW && x.src === BPF_PSEUDO_MAP_FD && cls !== "rules")
              expect(declared.has(x.imm), `map fd ${x.imm}`).toBe(true);
          expect(INGREDIENT[cls](src), `${cls} seed ${seed} lacks its ingredient:\n${src}`).toBe(true);
        }),
        { numRuns: runs(300), seed: 1414 },
      );
      expect(assembled).toBeGreaterThan(cls === "legacy" ? 150 : 299);
    },
  );

  it("class programs differ between seeds (the generators are not stuck)", () => {
    for (const cls of GEN_CLASSES) {
      const distinct = new Set(Array.from({ length: 50 }, (_, i) => GENERATORS[cls](i + 1)));
      expect(distinct.size, cls).toBeGreaterThan(25);
    }
  });

  it("linked programs mostly link (rB = rA, or through a spill) before the merge", () => {
    const n = Array.from({ length: 200 }, (_, i) => GENERATORS.linked(i + 1)).filter((s) =>
      /^(mov %r[78], %r[78]|ldxdw %r[78], \[%r10-8\])$/m.test(s),
    ).length;
    expect(n).toBeGreaterThan(140);
  });

  it("rules cover every rule of issue 14 in turn (seed mod the rule count)", () => {
    for (let s = 0; s < RULES.length * 3; s++)
      expect(GENERATORS.rules(s)).toContain(`# rule: ${RULES[s % RULES.length]}\n`);
  });

  it("atomics hit the ingredients the kernel's alignment rule needs: misaligned, variable, stack, map value, both widths", () => {
    const srcs = Array.from({ length: 400 }, (_, i) => GENERATORS.atomic(i + 1));
    expect(srcs.some((s) => /lock \S+32 \[%r7\+[123]\]/.test(s))).toBe(true);
    expect(srcs.some((s) => /^add %r7, %r3$/m.test(s))).toBe(true);
    expect(srcs.some((s) => /^mov %r7, %r10$/m.test(s))).toBe(true);
    expect(srcs.some((s) => /^mov %r7, %r0$/m.test(s))).toBe(true);
    expect(srcs.some((s) => /lock (fetch )?\w+ \[/.test(s) && !/lock (fetch )?\w+32 \[/.test(s))).toBe(true);
    expect(srcs.some((s) => /lock fetch /.test(s))).toBe(true);
    expect(srcs.some((s) => /lock cmpxchg/.test(s))).toBe(true);
  });

  it("argmin loops span 2 to 64 slots over entries, a value and the stack", () => {
    const bounds = new Set<number>();
    let stack = 0,
      value = 0,
      entries = 0;
    for (let i = 1; i <= 600; i++) {
      const s = GENERATORS.argmin(i);
      const m = /^jlt %r9, (\d+), L\d+$/m.exec(s) ?? /^mov %r9, (\d+)$/m.exec(s);
      if (m !== null) bounds.add(Number(m[1]));
      if (/lddw %r1, map_fd\(6\)/.test(s) && /stxw \[%r10-4\], %r9/.test(s)) entries++;
      if (/ldxdw %r2, \[%r10-8\]/.test(s)) value++;
      if (/^call 7$/m.test(s)) stack++;
    }
    expect(Math.min(...bounds)).toBe(2);
    expect(Math.max(...bounds)).toBe(64);
    expect(Math.min(stack, value, entries)).toBeGreaterThan(100);
  });

  it("GEN_MAPS_HEADER parses back to GEN_MAPS", () => {
    expect(GEN_MAPS_HEADER.split(" ").map(parseMapArg)).toEqual(
      GEN_MAPS.map(({ fd, type, keySize, valueSize, maxEntries }) => ({ fd, type, keySize, valueSize, maxEntries })),
    );
  });

  it("callee programs pass a stack pointer to a local function (a pseudo call)", () => {
    const insns = decode(assemble(GENERATORS.callee(3)));
    expect(insns.some((x) => x.opcode === OP_CALL && x.src === BPF_PSEUDO_CALL)).toBe(true);
    const atomics = decode(assemble(GENERATORS.atomic(3))).filter(
      (x) => opClass(x.opcode) === BPF_STX && opMode(x.opcode) === BPF_ATOMIC,
    );
    expect(atomics.length).toBe(1);
  });
});
