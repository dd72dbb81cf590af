import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProgramFile } from "../../src/cli/load-program.js";
import { ElfError } from "../../src/elf/index.js";
import { BytecodeError, InputError, ParseError, UsageError } from "../../src/errors.js";
import { encode, makeInsn, OP_EXIT, BPF_ALU64, BPF_MOV, BPF_K } from "../../src/vm/isa.js";
import { fixturePath } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "baton-elf-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const RET1 = [makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), makeInsn(OP_EXIT)];

describe("loadProgramFile", () => {
  it(".o: linked program, maps, attach type, name", async () => {
    const p = await loadProgramFile(fixturePath("select_by_index"));
    expect([p.format, p.attachType, p.programName, p.insns.length, p.maps.map((m) => m.name), p.license]).toEqual([
      "elf",
      40,
      "select_by_index",
      20,
      ["config", "listeners"],
      "GPL",
    ]);
    expect(p.bytes.length).toBe(p.insns.length * 8);
  });

  it(".o with --program", async () => {
    const p = await loadProgramFile(fixturePath("multi"), { program: "select_only" });
    expect([p.attachType, p.programName]).toEqual([39, "select_only"]);
  });

  it(".s: assembled, one insn per slot, spans", async () => {
    const p = await loadProgramFile(file("a.s", "mov %r0, 1\nlddw %r1, 5\nexit\n"));
    expect([p.format, p.insns.length, p.maps, p.attachType, p.spans?.[2]?.line]).toEqual(["asm", 4, [], undefined, 2]);
  });

  it(".bin: raw slots", async () => {
    const p = await loadProgramFile(file("a.bin", encode(RET1)));
    expect([p.format, p.insns]).toEqual(["bin", RET1]);
  });

  it(".baton: compiled", async () => {
    const p = await loadProgramFile(join(import.meta.dirname, "..", "..", "policies", "kernel_default.baton"));
    expect([p.format, p.attachType, p.insns.length > 0, p.sourceMap !== undefined]).toEqual(["baton", 40, true, true]);
  });

  it("an ELF object under another extension is sniffed", async () => {
    const { readFileSync } = await import("node:fs");
    const p = await loadProgramFile(file("policy.bpf", readFileSync(fixturePath("pass"))));
    expect(p.format).toBe("elf");
  });

  const errors: { what: string; path: () => string; opts?: { program: string }; cls: unknown; message: string }[] = [
    { what: "missing file", path: () => join(dir, "nope.o"), cls: InputError, message: "cannot read" },
    {
      what: "unknown extension",
      path: () => file("x.txt", "hello"),
      cls: UsageError,
      message: "cannot tell the format of",
    },
    {
      what: "--program on .s",
      path: () => file("b.s", "exit\n"),
      opts: { program: "x" },
      cls: UsageError,
      message: "--program applies to ELF objects (.o)",
    },
    {
      what: "odd .bin length",
      path: () => file("c.bin", new Uint8Array(12)),
      cls: BytecodeError,
      message: "is 12 bytes, not a whole number of 8-byte instructions (4 trailing bytes)",
    },
    {
      what: "bad assembly",
      path: () => file("d.s", "mvo %r0, 1\n"),
      cls: ParseError,
      message: "unknown mnemonic 'mvo'",
    },
    {
      what: "not ELF but .o",
      path: () => file("e.o", "not an object, just text"),
      cls: ElfError,
      message: "e.o: section 'ELF header' at offset 0x0: not an ELF file",
    },
  ];
  it.each(errors)("$what", async ({ path, opts, cls, message }) => {
    const p = loadProgramFile(path(), opts);
    await expect(p).rejects.toThrow(cls as never);
    await expect(loadProgramFile(path(), opts)).rejects.toThrow(message);
  });
});
