import { describe, expect, it } from "vitest";
import { ElfError, linkProgram, readElfObject } from "../../src/elf/index.js";
import { parseElf, SHDR_SIZE } from "../../src/elf/elf-file.js";
import { formatError } from "../../src/errors.js";
import { fixtureBytes, type FixtureName } from "./fixtures.js";

/** A copy of a fixture with `edit` applied; `sh(name)` gives the file offset of a section header. */
function mutate(
  name: FixtureName,
  edit: (b: Uint8Array, dv: DataView, sh: (section: string) => number) => Uint8Array | void,
): Uint8Array {
  const b = fixtureBytes(name).slice();
  const dv = new DataView(b.buffer);
  const elf = parseElf(b);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const sh = (section: string): number => {
    const s = elf.sections.find((x) => x.name === section);
    if (s === undefined) throw new Error(`fixture has no ${section}`);
    return shoff + s.index * SHDR_SIZE;
  };
  return edit(b, dv, sh) ?? b;
}

/** File offset of a section's contents. */
const contentOf = (dv: DataView, shdr: number): number => Number(dv.getBigUint64(shdr + 24, true));

const cases: { what: string; bytes: () => Uint8Array; code: string; message: string }[] = [
  {
    what: "empty file",
    bytes: () => new Uint8Array(0),
    code: "elf.truncated",
    message: "x.o: section 'ELF header' at offset 0x0: file is 0 bytes, shorter than the 64-byte ELF64 header",
  },
  {
    what: "bad magic",
    bytes: () => mutate("pass", (b) => void (b[1] = 0x46)),
    code: "elf.not-elf",
    message: "x.o: section 'ELF header' at offset 0x0: not an ELF file: expected magic 7f 45 4c 46",
  },
  {
    what: "32-bit class",
    bytes: () => mutate("pass", (b) => void (b[4] = 1)),
    code: "elf.not-elf64",
    message: "x.o: section 'ELF header' at offset 0x4: expected ELFCLASS64 (2), got 1",
  },
  {
    what: "big-endian",
    bytes: () => mutate("pass", (b) => void (b[5] = 2)),
    code: "elf.not-le",
    message: "x.o: section 'ELF header' at offset 0x5: expected little-endian data (ELFDATA2LSB = 1), got 2",
  },
  {
    what: "x86-64 object",
    bytes: () => mutate("pass", (_, dv) => dv.setUint16(18, 62, true)),
    code: "elf.not-bpf",
    message: "x.o: section 'ELF header' at offset 0x12: expected machine EM_BPF (247), got 62",
  },
  {
    what: "truncated before the section headers",
    bytes: () => fixtureBytes("pass").slice(0, 1000),
    code: "elf.truncated",
    message:
      "x.o: section 'section headers' at offset 0xf80: section headers (24 × 64 bytes at 0xf80) run past the end of the file (1000 bytes)",
  },
  {
    what: "section contents past the end",
    bytes: () => mutate("select_by_index", (_, dv, sh) => dv.setUint32(sh(".BTF") + 24, 0x100000, true)),
    code: "elf.truncated",
    message:
      "x.o: section '.BTF' at offset 0x100000: contents (1159 bytes at file offset 0x100000) run past the end of the file (7968 bytes)",
  },
  {
    what: "RELA table",
    bytes: () => mutate("select_by_index", (_, dv, sh) => dv.setUint32(sh(".relsk_reuseport/migrate") + 4, 4, true)),
    code: "elf.rela",
    message:
      "x.o: section '.relsk_reuseport/migrate' at offset 0x0: RELA relocation tables are not supported (clang emits REL for BPF)",
  },
  {
    what: "symbol table of odd size",
    bytes: () => mutate("pass", (_, dv, sh) => dv.setUint32(sh(".symtab") + 32, 25, true)),
    code: "elf.bad-symtab",
    message: "x.o: section '.symtab' at offset 0x0: size 25 is not a multiple of the 24-byte symbol entry",
  },
  {
    what: "legacy 'maps' section",
    bytes: () =>
      mutate("select_by_index", (_, dv, sh) => dv.setUint32(sh(".maps"), dv.getUint32(sh(".maps"), true) + 1, true)),
    code: "elf.legacy-maps",
    message:
      "x.o: section 'maps' at offset 0x0: the legacy 'maps' section (struct bpf_map_def) is not supported; declare maps in SEC(\".maps\") with __uint/__type",
  },
  {
    what: ".maps without BTF",
    bytes: () =>
      mutate("select_by_index", (_, dv, sh) => dv.setUint32(sh(".BTF"), dv.getUint32(sh(".BTF"), true) + 1, true)),
    code: "elf.no-btf",
    message: "x.o: section '.maps' at offset 0x0: '.maps' needs a '.BTF' section describing the maps (compile with -g)",
  },
  {
    what: "bad BTF magic",
    bytes: () => mutate("select_by_index", (b, dv, sh) => void (b[contentOf(dv, sh(".BTF"))] = 0)),
    code: "elf.btf-magic",
    message: "x.o: section '.BTF' at offset 0x0: expected magic 0xeb9f, got 0xeb00",
  },
  {
    what: "unknown relocation type",
    bytes: () =>
      mutate("least_loaded", (_, dv, sh) => dv.setUint32(contentOf(dv, sh(".relsk_reuseport/migrate")) + 8, 7, true)),
    code: "elf.unknown-rel",
    message:
      "x.o: section 'sk_reuseport/migrate' at offset 0x8: unsupported relocation type 7 against '.text'; expected R_BPF_64_64 (1) on lddw or R_BPF_64_32 (10) on calls",
  },
  {
    what: "R_BPF_64_64 on an instruction that is not lddw",
    bytes: () =>
      mutate("least_loaded", (_, dv, sh) =>
        dv.setUint32(contentOf(dv, sh(".relsk_reuseport/migrate")) + 16, 0x28, true),
      ),
    code: "elf.bad-rel",
    message:
      "x.o: section 'sk_reuseport/migrate' at offset 0x28: R_BPF_64_64 against 'listeners' applies to an instruction that is not a complete lddw (opcode 0xbf)",
  },
  {
    what: "call relocation on a non-call",
    bytes: () =>
      mutate("least_loaded", (_, dv, sh) => dv.setUint32(contentOf(dv, sh(".relsk_reuseport/migrate")), 0, true)),
    code: "elf.bad-rel",
    message:
      "x.o: section 'sk_reuseport/migrate' at offset 0x0: R_BPF_64_32 against '.text' applies to an instruction that is not a local call (opcode 0xbf, src 1)",
  },
  {
    what: "call into a .text without contents (NOBITS)",
    bytes: () => mutate("least_loaded", (_, dv, sh) => dv.setUint32(sh(".text") + 4, 8, true)),
    code: "elf.bad-rel",
    message:
      "x.o: section 'sk_reuseport/migrate' at offset 0x8: call target '.text' is not a function in an executable section",
  },
];

describe("malformed objects give a located ElfError", () => {
  it.each(cases)("$what", ({ bytes, code, message }) => {
    let err: unknown;
    try {
      const obj = readElfObject(bytes(), "x.o");
      linkProgram(obj);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ElfError);
    expect((err as ElfError).code).toBe(code);
    expect((err as ElfError).message).toBe(message);
  });

  it("errors inside a program also carry the instruction index", () => {
    const bytes = mutate("least_loaded", (_, dv, sh) =>
      dv.setUint32(contentOf(dv, sh(".relsk_reuseport/migrate")) + 8, 7, true),
    );
    let err: ElfError | undefined;
    try {
      linkProgram(readElfObject(bytes, "x.o"));
    } catch (e) {
      err = e as ElfError;
    }
    expect(err!.section).toBe("sk_reuseport/migrate");
    expect(err!.offset).toBe(8);
    expect(formatError(err!)).toBe(
      "insn 1: error: x.o: section 'sk_reuseport/migrate' at offset 0x8: unsupported relocation type 7 against '.text'; expected R_BPF_64_64 (1) on lddw or R_BPF_64_32 (10) on calls",
    );
  });
});
