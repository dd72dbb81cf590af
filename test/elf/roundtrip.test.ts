import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/compiler/index.js";
import { compileToElf, linkProgram, readElfObject } from "../../src/elf/index.js";
import { BytecodeError, UsageError } from "../../src/errors.js";
import {
  BPF_ALU64,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ADD,
  BPF_W,
  BPF_X,
  makeInsn,
  OP_CALL,
  OP_EXIT,
  OP_LDDW,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  type Insn,
} from "../../src/vm/isa.js";
import type { MapSpec } from "../../src/vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY } from "../../src/vm/program-type.js";
import { FIXTURES, fixtureBytes } from "./fixtures.js";
import { runs } from "../support/runs.js";

/** Slot form of a compact list (lddw followed by its second slot). */
function slots(list: readonly Insn[]): Insn[] {
  const out: Insn[] = [];
  for (const i of list) {
    out.push(i);
    if (i.opcode === OP_LDDW) out.push(makeInsn(0, 0, 0, 0, i.imm2));
  }
  return out;
}

const DATA_NAMES = [".rodata", ".data", ".bss"] as const;

const mapsArb = fc
  .tuple(
    fc.array(
      fc.record({
        type: fc.constantFrom(1, 2, 9, 20),
        keySize: fc.integer({ min: 1, max: 64 }),
        valueSize: fc.integer({ min: 1, max: 512 }),
        maxEntries: fc.integer({ min: 1, max: 1 << 20 }),
        flags: fc.constantFrom(0, 0, 1, 0x400),
      }),
      { maxLength: 5 },
    ),
    fc.subarray([...DATA_NAMES]),
    fc.integer({ min: 1, max: 64 }),
  )
  .map(([btf, data, dataSize]) => {
    const maps: MapSpec[] = btf.map((m, i) => ({
      fd: i + 1,
      name: `m${i}`,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      ...(m.flags !== 0 ? { flags: m.flags } : {}),
    }));
    for (const name of data)
      maps.push({
        fd: maps.length + 1,
        name,
        type: BPF_MAP_TYPE_ARRAY,
        keySize: 4,
        valueSize: dataSize,
        maxEntries: 1,
        ...(name === ".rodata" ? { flags: 0x80 } : {}),
      });
    return maps;
  });

const imm = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const reg = fc.integer({ min: 0, max: 10 });

function insnArb(maps: readonly MapSpec[]): fc.Arbitrary<Insn> {
  const btf = maps.filter((m) => !m.name!.startsWith("."));
  const data = maps.filter((m) => m.name!.startsWith("."));
  const choices: fc.Arbitrary<Insn>[] = [
    fc.tuple(reg, imm).map(([d, k]) => makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)),
    fc.tuple(reg, reg).map(([d, s]) => makeInsn(BPF_ALU64 | BPF_ADD | BPF_X, d, s)),
    fc
      .tuple(reg, imm, fc.integer({ min: -50, max: 50 }))
      .map(([d, k, o]) => makeInsn(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)),
    fc
      .tuple(reg, reg, fc.integer({ min: -512, max: 512 }))
      .map(([d, s, o]) => makeInsn(BPF_LDX | BPF_MEM | BPF_W, d, s, o)),
    fc.integer({ min: 1, max: 200 }).map((h) => makeInsn(OP_CALL, 0, 0, 0, h)),
    fc.tuple(reg, imm, imm).map(([d, lo, hi]) => makeInsn(OP_LDDW, d, 0, 0, lo, hi)),
    fc.constant(makeInsn(OP_EXIT)),
  ];
  if (btf.length > 0)
    choices.push(
      fc.tuple(reg, fc.constantFrom(...btf)).map(([d, m]) => makeInsn(OP_LDDW, d, BPF_PSEUDO_MAP_FD, 0, m.fd, 0)),
    );
  if (data.length > 0)
    choices.push(
      fc
        .tuple(reg, fc.constantFrom(...data), fc.nat())
        .map(([d, m, o]) => makeInsn(OP_LDDW, d, BPF_PSEUDO_MAP_VALUE, 0, m.fd, o % m.valueSize)),
    );
  return fc.oneof(...choices);
}

const programArb = mapsArb.chain((maps) =>
  fc.record({
    maps: fc.constant(maps),
    insns: fc.array(insnArb(maps), { minLength: 1, maxLength: 40 }).map(slots),
    attachType: fc.constantFrom(39, 40),
    programName: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/),
    init: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 64, maxLength: 64 }),
  }),
);

describe("export → import round trip", () => {
  it("random programs and map sets come back identical (fds 1..N, .maps first, then data sections)", () => {
    fc.assert(
      fc.property(programArb, ({ maps, insns, attachType, programName, init }) => {
        const initialData = new Map(
          maps
            .filter((m) => m.name === ".rodata" || m.name === ".data")
            .map((m) => [m.fd, Uint8Array.from(init.slice(0, m.valueSize))]),
        );
        const bytes = compileToElf(insns, maps, { attachType, programName, initialData });
        const obj = readElfObject(bytes, "rt.o");
        const p = linkProgram(obj);
        expect(p.insns).toEqual(insns);
        expect(p.maps).toEqual(maps);
        expect(p.attachType).toBe(attachType);
        expect(p.name).toBe(programName);
        expect(p.license).toBe("GPL");
        for (const g of p.globalData)
          expect([...g.data]).toEqual(
            g.section === ".bss" ? Array(g.data.length).fill(0) : [...initialData.get(g.fd)!],
          );
      }),
      { numRuns: runs(50), seed: 11 },
    );
  });

  it("local calls: callees go to .text as static functions and come back in place", () => {
    const insns = [
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
      makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1), // → slot 3
      makeInsn(OP_EXIT),
      makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1), // → slot 5
      makeInsn(OP_EXIT),
      makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
      makeInsn(OP_EXIT),
    ];
    const obj = readElfObject(compileToElf(insns, [], { attachType: 40 }), "calls.o");
    expect(obj.elf.byName(".text")?.size).toBe(4 * 8);
    expect(obj.elf.symbols.filter((s) => s.type === 2).map((s) => [s.name, s.value, s.size])).toEqual([
      ["baton_policy_sub3", 0, 16],
      ["baton_policy_sub5", 16, 16],
      ["baton_policy", 0, 24],
    ]);
    expect(linkProgram(obj).insns).toEqual(insns);
  });

  it("every C fixture program: import → export → import is stable", () => {
    for (const name of FIXTURES) {
      const obj = readElfObject(fixtureBytes(name), name);
      for (const prog of obj.programs.filter((p) => p.refused === undefined)) {
        const a = linkProgram(obj, prog.name);
        const init = new Map(a.globalData.map((g) => [g.fd, g.data]));
        const b = linkProgram(
          readElfObject(
            compileToElf(a.insns, a.maps, { attachType: a.attachType, programName: a.name, initialData: init }),
            "again",
          ),
        );
        expect([name, b.insns, b.maps, b.attachType, b.globalData.map((g) => [...g.data])]).toEqual([
          name,
          a.insns,
          a.maps,
          a.attachType,
          a.globalData.map((g) => [...g.data]),
        ]);
      }
    }
  });

  const policyDir = join(import.meta.dirname, "..", "..", "policies");
  const policies = readdirSync(policyDir).filter((f) => f.endsWith(".baton"));
  it.each(policies)("policies/%s round-trips", (file) => {
    const c = compilePolicy(readFileSync(join(policyDir, file), "utf8"), file);
    const p = linkProgram(
      readElfObject(
        compileToElf(c.insns, c.maps, { attachType: c.attachType, programName: file.replace(/\.baton$/, "") }),
        file,
      ),
    );
    expect(p.insns).toEqual(c.insns);
    expect(p.maps).toEqual(c.maps);
  });
});

describe("export errors", () => {
  const table: { what: string; run: () => unknown; cls: unknown; message: string }[] = [
    {
      what: "attach type",
      run: () => compileToElf([makeInsn(OP_EXIT)], [], { attachType: 5 }),
      cls: UsageError,
      message: "ELF export supports attach types 39 (sk_reuseport) and 40 (sk_reuseport/migrate), got 5",
    },
    {
      what: "program name",
      run: () => compileToElf([makeInsn(OP_EXIT)], [], { attachType: 40, programName: "my-prog" }),
      cls: UsageError,
      message: "program name 'my-prog' is not a C identifier",
    },
    {
      what: "undeclared map",
      run: () =>
        compileToElf(slots([makeInsn(OP_LDDW, 1, BPF_PSEUDO_MAP_FD, 0, 7), makeInsn(OP_EXIT)]), [], { attachType: 40 }),
      cls: BytecodeError,
      message: "lddw names map fd 7, but the declared maps are none",
    },
    {
      what: "value pointer into a .maps map",
      run: () =>
        compileToElf(
          slots([makeInsn(OP_LDDW, 1, BPF_PSEUDO_MAP_VALUE, 0, 1), makeInsn(OP_EXIT)]),
          [{ fd: 1, name: "cfg", type: 2, keySize: 4, valueSize: 4, maxEntries: 1 }],
          { attachType: 40 },
        ),
      cls: BytecodeError,
      message:
        "lddw src=2 names map 'cfg', which is not a global data map (.rodata/.data/.bss); libbpf cannot express a value pointer into a .maps map",
    },
    {
      what: "map name",
      run: () =>
        compileToElf([makeInsn(OP_EXIT)], [{ fd: 1, name: "a b", type: 2, keySize: 4, valueSize: 4, maxEntries: 1 }], {
          attachType: 40,
        }),
      cls: UsageError,
      message: "map name 'a b' (fd 1) is not a C identifier; ELF maps are named by symbols",
    },
    {
      what: "empty program",
      run: () => compileToElf([], [], { attachType: 40 }),
      cls: BytecodeError,
      message: "the program is empty (expected at least one instruction)",
    },
    {
      what: "jump into a subprogram",
      run: () =>
        compileToElf(
          [
            makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
            makeInsn(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
            makeInsn(OP_EXIT),
            makeInsn(OP_EXIT),
          ],
          [],
          { attachType: 40 },
        ),
      cls: BytecodeError,
      message: "jump to slot 3 leaves its function (slots 0..1); functions start at local-call targets",
    },
    {
      what: "call outside",
      run: () => compileToElf([makeInsn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 5), makeInsn(OP_EXIT)], [], { attachType: 40 }),
      cls: BytecodeError,
      message: "local call targets slot 6, outside the program's subprograms (1..1)",
    },
  ];
  it.each(table)("$what", ({ run, cls, message }) => {
    expect(run).toThrow(cls as never);
    expect(run).toThrow(message);
  });
});
