import { describe, expect, it } from "vitest";
import { linkProgram, readElfObject } from "../../src/elf/index.js";
import { UsageError } from "../../src/errors.js";
import { disassemble } from "../../src/vm/asm/index.js";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY } from "../../src/vm/program-type.js";
import { fixtureBytes, type FixtureName } from "./fixtures.js";

/** Disassembly lines (the disassembler ends every line with a newline). */
const lines = (bytes: Uint8Array): string[] => disassemble(bytes).trimEnd().split("\n");

const read = (name: FixtureName) => readElfObject(fixtureBytes(name), `${name}.o`);

describe("reading clang objects: programs, license, maps", () => {
  const table: { name: FixtureName; programs: string[]; maps: unknown[] }[] = [
    { name: "pass", programs: ["pass@sk_reuseport/migrate"], maps: [] },
    { name: "drop_migrations", programs: ["drop_migrations@sk_reuseport/migrate"], maps: [] },
    {
      name: "select_by_index",
      programs: ["select_by_index@sk_reuseport/migrate"],
      maps: [
        { fd: 1, name: "config", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 },
        { fd: 2, name: "listeners", type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
      ],
    },
    {
      name: "least_loaded",
      programs: ["least_loaded@sk_reuseport/migrate"],
      maps: [
        { fd: 1, name: "listeners", type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
        { fd: 2, name: "load", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 4 },
        { fd: 3, name: ".rodata", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0x80 },
      ],
    },
    {
      name: "rejected_null_deref",
      programs: ["null_deref@sk_reuseport/migrate"],
      maps: [{ fd: 1, name: "verdicts", type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 4, maxEntries: 16 }],
    },
    {
      name: "multi",
      programs: [
        "select_only@sk_reuseport",
        "migrate_drop@sk_reuseport/migrate",
        "migrate_pass@sk_reuseport/migrate",
        "filter@socket",
      ],
      maps: [],
    },
  ];
  it.each(table)("$name", ({ name, programs, maps }) => {
    const obj = read(name);
    expect(obj.license).toBe("GPL");
    expect(obj.programs.map((p) => `${p.name}@${p.section}`)).toEqual(programs);
    expect(obj.maps).toEqual(maps);
  });

  it("attach types follow the section name; other sections are listed with a reason", () => {
    const obj = read("multi");
    expect(obj.programs.map((p) => [p.name, p.attachType, p.refused])).toEqual([
      ["select_only", 39, undefined],
      ["migrate_drop", 40, undefined],
      ["migrate_pass", 40, undefined],
      [
        "filter",
        undefined,
        "section 'socket' is not an sk_reuseport program; Baton loads 'sk_reuseport' (attach 39) and 'sk_reuseport/migrate' (attach 40)",
      ],
    ]);
  });

  it(".rodata's initial contents come with the map (const volatile nslots = 4)", () => {
    expect(read("least_loaded").globalData.map((g) => [g.fd, g.section, [...g.data]])).toEqual([
      [3, ".rodata", [4, 0, 0, 0]],
    ]);
  });
});

describe("linking", () => {
  it("drop_migrations: exact instructions", () => {
    const p = linkProgram(read("drop_migrations"));
    expect(p.attachType).toBe(40);
    expect(lines(p.bytes)).toEqual(["ldxdw %r1, [%r1+48]", "mov %r0, 1", "jeq %r1, 0, +1", "mov %r0, 0", "exit"]);
  });

  it("select_by_index: R_BPF_64_64 against .maps symbols become lddw src=1 imm=fd", () => {
    expect(lines(linkProgram(read("select_by_index")).bytes).filter((l) => l.startsWith("lddw"))).toEqual([
      "lddw %r1, map_fd(1)",
      "lddw %r2, map_fd(2)",
    ]);
  });

  it("least_loaded: the static .text callee is appended and the call re-pointed at it; .rodata is lddw src=2", () => {
    const p = linkProgram(read("least_loaded"));
    const text = lines(p.bytes);
    // Main program: 21 slots (19 lines, two lddw), then the 70-slot subprogram.
    expect(p.insns.length).toBe(21 + 70);
    expect(text[1]).toBe("call local +19");
    expect(1 + 19 + 1).toBe(21);
    expect(p.origins[21]).toEqual({ section: ".text", offset: 0 });
    expect(text.filter((l) => l.includes("map_value"))).toEqual(Array(4).fill("lddw %r1, map_value(3, 0)"));
    expect(text.at(-1)).toBe("exit");
  });

  it("line info from .BTF.ext maps slots (main and appended .text) to C lines; line 0 is no line", () => {
    const p = linkProgram(read("least_loaded"));
    expect([p.spans[1], p.spans[21]]).toEqual([
      { file: "test/fixtures/c/least_loaded.c", line: 46, col: 14 },
      { file: "test/fixtures/c/least_loaded.c", line: 26, col: 1 },
    ]);
    expect(linkProgram(read("rejected_null_deref")).spans[3]).toBeUndefined();
  });

  it("multi: --program picks by function name, and a section name that names one program", () => {
    const obj = read("multi");
    expect(linkProgram(obj, "select_only").attachType).toBe(39);
    expect(linkProgram(obj, "sk_reuseport").name).toBe("select_only");
    expect(lines(linkProgram(obj, "migrate_pass").bytes)).toEqual(["mov %r0, 1", "exit"]);
  });

  const selection: { program: string | undefined; code: string; message: RegExp }[] = [
    {
      program: undefined,
      code: "usage",
      message: /^multi\.o holds 3 sk_reuseport programs; choose one with --program NAME$/,
    },
    { program: "nope", code: "usage", message: /^multi\.o has no program 'nope'$/ },
    {
      program: "sk_reuseport/migrate",
      code: "usage",
      message: /^'sk_reuseport\/migrate' names 2 programs in multi\.o; pick one by function name$/,
    },
    {
      program: "filter",
      code: "elf.unsupported-program",
      message: /^multi\.o: section 'socket' at offset 0x0: section 'socket' is not an sk_reuseport program/,
    },
  ];
  it.each(selection)("multi: --program $program → $code", ({ program, code, message }) => {
    let err: unknown;
    try {
      linkProgram(read("multi"), program);
    } catch (e) {
      err = e;
    }
    expect((err as { code: string }).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    if (code === "usage")
      expect((err as UsageError).hint).toContain(
        "programs: select_only (sk_reuseport), migrate_drop (sk_reuseport/migrate), migrate_pass (sk_reuseport/migrate), filter (socket, not loadable)",
      );
  });
});

describe("global data in Baton's runtime", () => {
  it("seedGlobalData writes .rodata's contents into its map, so least_loaded's loop sees nslots = 4", async () => {
    const { MapTable } = await import("../../src/vm/maps/table.js");
    const { AddressSpace } = await import("../../src/vm/memory.js");
    const { seedGlobalData } = await import("../../src/elf/index.js");
    const p = linkProgram(read("least_loaded"));
    const table = new MapTable(new AddressSpace());
    for (const m of p.maps) table.create(m);
    seedGlobalData(table, p.globalData);
    const rodata = table.byFd(3)!;
    expect(rodata.kind).toBe("data");
    if (rodata.kind === "data") expect([...rodata.arena.bytes.subarray(0, 4)]).toEqual([4, 0, 0, 0]);
  });
});
