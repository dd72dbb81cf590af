/**
 * Low-level ELF64 little-endian reading: the file header, section headers, section names,
 * the symbol table and REL relocation tables, every read bounds-checked so a truncated or
 * corrupted object becomes an `ElfError` naming the section and offset, never a RangeError.
 *
 * Field layouts are those of the System V gABI (Elf64_Ehdr, Elf64_Shdr, Elf64_Sym,
 * Elf64_Rel). Deliberately absent: big-endian and 32-bit objects, program headers (relocatable
 * objects have none), RELA tables (clang never emits them for BPF) and SHN_XINDEX.
 */
import { ElfError } from "./errors.js";
import { plural } from "../plural.js";

export const EM_BPF = 247;
export const ET_REL = 1;
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const SHN_UNDEF = 0;

/** BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_32 = 10;

export const EHDR_SIZE = 64;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const REL_SIZE = 16;

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** File offset of the contents. */
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entsize: number;
  /** The contents (empty for SHT_NOBITS, whose size still counts). */
  readonly data: Uint8Array;
}

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly bind: number;
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

export interface Relocation {
  /** Byte offset within the target section. */
  readonly offset: number;
  readonly type: number;
  readonly sym: number;
}

export interface ElfFile {
  readonly file: string | undefined;
  readonly sections: readonly Section[];
  readonly symbols: readonly ElfSymbol[];
  /** Relocation tables by the index of the section they apply to. */
  readonly relocations: ReadonlyMap<number, readonly Relocation[]>;
  byName(name: string): Section | undefined;
}

/** A u64 that must fit a JS number (file offsets and sizes: anything ≥ 2^53 is corrupt anyway). */
function u64(dv: DataView, at: number): number {
  const lo = dv.getUint32(at, true);
  const hi = dv.getUint32(at + 4, true);
  return hi * 0x1_0000_0000 + lo;
}

/** NUL-terminated string at `at` in a string table section. */
export function cString(table: Uint8Array, at: number, what: string, file: string | undefined): string {
  if (at >= table.length && !(at === 0 && table.length === 0))
    throw new ElfError(
      "bad-string",
      `${what}: string offset ${at} is outside the string table (${table.length} bytes)`,
      what,
      at,
      file,
    );
  let end = at;
  while (end < table.length && table[end] !== 0) end++;
  if (end >= table.length && table.length > 0)
    throw new ElfError("bad-string", `${what}: string at offset ${at} is not NUL-terminated`, what, at, file);
  let s = "";
  for (let i = at; i < end; i++) s += String.fromCharCode(table[i]!);
  return s;
}

/** Parse the container: header, sections, symbols, relocation tables. */
export function parseElf(bytes: Uint8Array, file?: string): ElfFile {
  const fail = (code: string, msg: string, section: string, off: number): never => {
    throw new ElfError(code, msg, section, off, file);
  };
  // The magic first: a text file handed in by mistake should be called "not ELF", not "short".
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  if (magic.some((m, i) => i < bytes.length && bytes[i] !== m))
    fail("not-elf", "not an ELF file: expected magic 7f 45 4c 46", "ELF header", 0);
  if (bytes.length < EHDR_SIZE)
    fail(
      "truncated",
      `file is ${plural(bytes.length, "byte")}, shorter than the 64-byte ELF64 header`,
      "ELF header",
      bytes.length,
    );
  if (bytes[4] !== 2) fail("not-elf64", `expected ELFCLASS64 (2), got ${bytes[4]}`, "ELF header", 4);
  if (bytes[5] !== 1) fail("not-le", `expected little-endian data (ELFDATA2LSB = 1), got ${bytes[5]}`, "ELF header", 5);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const etype = dv.getUint16(16, true);
  if (etype !== ET_REL)
    fail("not-relocatable", `expected a relocatable object (ET_REL = 1), got e_type ${etype}`, "ELF header", 16);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_BPF) fail("not-bpf", `expected machine EM_BPF (247), got ${machine}`, "ELF header", 18);
  const shoff = u64(dv, 0x28);
  const shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true);
  const shstrndx = dv.getUint16(0x3e, true);
  if (shnum === 0) fail("no-sections", "the object has no section headers", "ELF header", 0x3c);
  if (shentsize !== SHDR_SIZE)
    fail("bad-shentsize", `expected section header size 64, got ${shentsize}`, "ELF header", 0x3a);
  if (shoff + shnum * SHDR_SIZE > bytes.length)
    fail(
      "truncated",
      `section headers (${shnum} × 64 bytes at 0x${shoff.toString(16)}) run past the end of the file (${bytes.length} bytes)`,
      "section headers",
      shoff,
    );
  if (shstrndx >= shnum)
    fail(
      "bad-shstrndx",
      `section name table index ${shstrndx} is not below the section count ${shnum}`,
      "ELF header",
      0x3e,
    );

  interface Raw {
    name: number;
    type: number;
    flags: number;
    offset: number;
    size: number;
    link: number;
    info: number;
    entsize: number;
  }
  const raws: Raw[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * SHDR_SIZE;
    raws.push({
      name: dv.getUint32(b, true),
      type: dv.getUint32(b + 4, true),
      flags: u64(dv, b + 8),
      offset: u64(dv, b + 24),
      size: u64(dv, b + 32),
      link: dv.getUint32(b + 40, true),
      info: dv.getUint32(b + 44, true),
      entsize: u64(dv, b + 56),
    });
  }
  const contents = (r: Raw, label: string): Uint8Array => {
    if (r.type === SHT_NOBITS || r.type === SHT_NULL) return new Uint8Array(0);
    if (r.offset + r.size > bytes.length)
      fail(
        "truncated",
        `contents (${r.size} bytes at file offset 0x${r.offset.toString(16)}) run past the end of the file (${bytes.length} bytes)`,
        label,
        r.offset,
      );
    return bytes.subarray(r.offset, r.offset + r.size);
  };
  const shstr = contents(raws[shstrndx]!, `#${shstrndx} (section names)`);
  const sections: Section[] = raws.map((r, index) => {
    const name = cString(shstr, r.name, "section names", file);
    return {
      index,
      name,
      type: r.type,
      flags: r.flags,
      offset: r.offset,
      size: r.size,
      link: r.link,
      info: r.info,
      entsize: r.entsize,
      data: contents(r, name),
    };
  });

  // Symbol table (there is at most one in a relocatable object).
  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab !== undefined) {
    if (symtab.size % SYM_SIZE !== 0)
      fail("bad-symtab", `size ${symtab.size} is not a multiple of the 24-byte symbol entry`, symtab.name, 0);
    const strtab = sections[symtab.link];
    if (strtab === undefined || strtab.type !== SHT_STRTAB)
      fail("bad-symtab", `sh_link ${symtab.link} does not name a string table`, symtab.name, 0);
    const sdv = new DataView(symtab.data.buffer, symtab.data.byteOffset, symtab.data.byteLength);
    for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
      const b = i * SYM_SIZE;
      const info = sdv.getUint8(b + 4);
      symbols.push({
        index: i,
        name: cString(strtab!.data, sdv.getUint32(b, true), strtab!.name, file),
        type: info & 0xf,
        bind: info >> 4,
        shndx: sdv.getUint16(b + 6, true),
        value: u64(sdv, b + 8),
        size: u64(sdv, b + 16),
      });
    }
  }

  const relocations = new Map<number, Relocation[]>();
  for (const s of sections) {
    if (s.type === SHT_RELA)
      fail("rela", "RELA relocation tables are not supported (clang emits REL for BPF)", s.name, 0);
    if (s.type !== SHT_REL) continue;
    if (s.size % REL_SIZE !== 0)
      fail("bad-rel", `size ${s.size} is not a multiple of the 16-byte relocation entry`, s.name, 0);
    if (s.info >= sections.length)
      fail("bad-rel", `applies to section index ${s.info}, but there are ${sections.length} sections`, s.name, 0);
    const rdv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const list: Relocation[] = [];
    for (let i = 0; i < s.size / REL_SIZE; i++) {
      const b = i * REL_SIZE;
      const sym = rdv.getUint32(b + 12, true);
      if (sym >= symbols.length)
        fail("bad-rel", `relocation ${i} names symbol ${sym}, but the symbol table has ${symbols.length}`, s.name, b);
      list.push({ offset: u64(rdv, b), type: rdv.getUint32(b + 8, true), sym });
    }
    relocations.set(s.info, list);
  }
  return { file, sections, symbols, relocations, byName: (name) => sections.find((s) => s.name === name) };
}
