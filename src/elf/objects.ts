/**
 * What an ELF object declares, before any program is linked: its programs (by section and
 * function symbol, with the attach type the section name implies), its license, its maps
 * (BTF-defined `.maps`, plus one single-entry ARRAY per global data section, as libbpf
 * creates them), each data section's initial contents, and `.BTF.ext` line info.
 *
 * Map fds are assigned 1..N: `.maps` maps in section-offset order, then data sections in
 * section order. Deliberately absent: the legacy `maps` section (struct bpf_map_def), externs
 * (.kconfig/.ksyms), struct_ops, and program types other than sk_reuseport, which are listed
 * with the reason they are refused.
 */
import { BatonError } from "../errors.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY, BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import { btfMapDefs, parseBtf, type Btf } from "./btf.js";
import { parseLineInfo, type LineRecord } from "./btf-ext.js";
import { ElfError } from "./errors.js";
import {
  cString,
  parseElf,
  SHF_EXECINSTR,
  SHT_NOBITS,
  SHT_PROGBITS,
  STT_FUNC,
  type ElfFile,
  type Section,
} from "./elf-file.js";

/** BPF_F_RDONLY_PROG: libbpf creates `.rodata` maps read-only for programs. */
export const BPF_F_RDONLY_PROG = 0x80;

/** Section name → expected attach type (libbpf's SEC() names for sk_reuseport). */
export const PROGRAM_SECTIONS: ReadonlyMap<string, number> = new Map([
  ["sk_reuseport/migrate", BPF_SK_REUSEPORT_SELECT_OR_MIGRATE],
  ["sk_reuseport", BPF_SK_REUSEPORT_SELECT],
]);

export interface ElfProgramInfo {
  /** The function symbol's name (the section name when the section has no function symbol). */
  readonly name: string;
  readonly section: string;
  readonly sectionIndex: number;
  /** First slot and slot count within the section. */
  readonly start: number;
  readonly length: number;
  /** Set for sk_reuseport sections. */
  readonly attachType?: number;
  /** Set when Baton will not load this program, saying why. */
  readonly refused?: string;
}

export interface GlobalData {
  readonly fd: number;
  readonly section: string;
  readonly sectionIndex: number;
  /** Initial value of the map's single entry (zeros for .bss). */
  readonly data: Uint8Array;
}

export interface ElfObject {
  readonly elf: ElfFile;
  readonly license: string | undefined;
  readonly programs: readonly ElfProgramInfo[];
  readonly maps: readonly MapSpec[];
  readonly globalData: readonly GlobalData[];
  /** `.maps` index (or -1) and map offset in `.maps` → fd. */
  readonly mapsSection: number;
  readonly mapByOffset: ReadonlyMap<number, MapSpec>;
  /** Section index → global data fd. */
  readonly dataFd: ReadonlyMap<number, number>;
  /** `.BTF.ext` line info by section name (empty without it). */
  readonly lineInfo: ReadonlyMap<string, readonly LineRecord[]>;
}

const DATA_SECTION = /^\.(rodata|data|bss)(\..*)?$/;

/** Function ranges (start slot, slot count) of an executable section, by FUNC symbols. */
export function functionRanges(elf: ElfFile, sec: Section): { name: string; start: number; length: number }[] {
  // Count what is really there: a NOBITS section has a size but no contents.
  const slots = Math.floor(sec.data.length / 8);
  const funcs = elf.symbols
    .filter((s) => s.shndx === sec.index && s.type === STT_FUNC)
    .sort((a, b) => a.value - b.value);
  const out: { name: string; start: number; length: number }[] = [];
  for (let i = 0; i < funcs.length; i++) {
    const f = funcs[i]!;
    if (f.value % 8 !== 0 || f.value / 8 >= slots)
      throw new ElfError(
        "bad-symbol",
        `function '${f.name}' starts at ${f.value}, not on an instruction boundary inside the section (${sec.size} bytes)`,
        sec.name,
        f.value,
        elf.file,
      );
    const start = f.value / 8;
    const next = i + 1 < funcs.length ? funcs[i + 1]!.value / 8 : slots;
    let length = f.size > 0 ? Math.floor(f.size / 8) : Math.floor(next) - start;
    if (start + length > slots)
      throw new ElfError(
        "bad-symbol",
        `function '${f.name}' (${f.size} bytes at ${f.value}) runs past the section end (${sec.size} bytes)`,
        sec.name,
        f.value,
        elf.file,
      );
    if (length <= 0) length = Math.max(1, Math.floor(next) - start);
    out.push({ name: f.name, start, length });
  }
  return out;
}

/** Parse an object's declarations (programs, license, maps, global data). */
export function readElfObject(bytes: Uint8Array, file?: string): ElfObject {
  const elf = parseElf(bytes, file);
  const lic = elf.byName("license");
  const license = lic !== undefined ? cString(lic.data, 0, "license", file) : undefined;

  const programs: ElfProgramInfo[] = [];
  for (const sec of elf.sections) {
    if (sec.type !== SHT_PROGBITS || (sec.flags & SHF_EXECINSTR) === 0 || sec.name === ".text") continue;
    if (sec.size % 8 !== 0)
      throw new ElfError("bad-program", `program section size ${sec.size} is not a multiple of 8`, sec.name, 0, file);
    const attachType = PROGRAM_SECTIONS.get(sec.name);
    const refused =
      attachType === undefined
        ? `section '${sec.name}' is not an sk_reuseport program; Baton loads 'sk_reuseport' (attach 39) and 'sk_reuseport/migrate' (attach 40)`
        : undefined;
    const ranges = functionRanges(elf, sec);
    if (ranges.length === 0) ranges.push({ name: sec.name, start: 0, length: sec.size / 8 });
    for (const r of ranges)
      programs.push({
        name: r.name,
        section: sec.name,
        sectionIndex: sec.index,
        start: r.start,
        length: r.length,
        ...(attachType !== undefined ? { attachType } : {}),
        ...(refused !== undefined ? { refused } : {}),
      });
  }
  if (elf.byName("maps") !== undefined)
    throw new ElfError(
      "legacy-maps",
      "the legacy 'maps' section (struct bpf_map_def) is not supported; declare maps in SEC(\".maps\") with __uint/__type",
      "maps",
      0,
      file,
    );

  const maps: MapSpec[] = [];
  const mapByOffset = new Map<number, MapSpec>();
  const mapsSec = elf.byName(".maps");
  const btfSec = elf.byName(".BTF");
  let btf: Btf | undefined;
  if (mapsSec !== undefined) {
    if (btfSec === undefined)
      throw new ElfError(
        "no-btf",
        "'.maps' needs a '.BTF' section describing the maps (compile with -g)",
        ".maps",
        0,
        file,
      );
    btf = parseBtf(btfSec.data, file);
    const defs = btfMapDefs(btf, file).map((d) => {
      // clang leaves DATASEC offsets to relocations; the map's symbol holds the real offset (as libbpf uses).
      const sym = elf.symbols.find((s) => s.shndx === mapsSec.index && s.name === d.name);
      return { ...d, offset: sym !== undefined ? sym.value : d.offset };
    });
    defs.sort((a, b) => a.offset - b.offset);
    for (const d of defs) {
      const spec: MapSpec = {
        fd: maps.length + 1,
        name: d.name,
        type: d.type,
        keySize: d.keySize,
        valueSize: d.valueSize,
        maxEntries: d.maxEntries,
        ...(d.flags !== 0 ? { flags: d.flags } : {}),
      };
      if (mapByOffset.has(d.offset))
        throw new ElfError(
          "btf-map",
          `maps '${mapByOffset.get(d.offset)!.name}' and '${d.name}' share offset ${d.offset}`,
          ".maps",
          d.offset,
          file,
        );
      mapByOffset.set(d.offset, spec);
      maps.push(spec);
    }
  }
  const globalData: GlobalData[] = [];
  const dataFd = new Map<number, number>();
  for (const sec of elf.sections) {
    if (!DATA_SECTION.test(sec.name) || (sec.type !== SHT_PROGBITS && sec.type !== SHT_NOBITS) || sec.size === 0)
      continue;
    if (sec.size > 1 << 24)
      throw new ElfError(
        "data-too-big",
        `global data section of ${sec.size} bytes exceeds Baton's 16 MiB limit`,
        sec.name,
        0,
        file,
      );
    const fd = maps.length + 1;
    const ro = sec.name.startsWith(".rodata");
    maps.push({
      fd,
      name: sec.name,
      type: BPF_MAP_TYPE_ARRAY,
      keySize: 4,
      valueSize: sec.size,
      maxEntries: 1,
      ...(ro ? { flags: BPF_F_RDONLY_PROG } : {}),
    });
    globalData.push({
      fd,
      section: sec.name,
      sectionIndex: sec.index,
      data: sec.type === SHT_NOBITS ? new Uint8Array(sec.size) : sec.data.slice(),
    });
    dataFd.set(sec.index, fd);
  }
  // Line info is a convenience: without maps, a BTF Baton cannot read just means no source lines.
  let lineInfo = new Map<string, LineRecord[]>();
  const ext = elf.byName(".BTF.ext");
  if (ext !== undefined && btfSec !== undefined) {
    try {
      btf ??= parseBtf(btfSec.data, file);
      lineInfo = parseLineInfo(ext.data, btf);
    } catch (e) {
      if (!(e instanceof BatonError)) throw e;
    }
  }
  return { elf, license, programs, maps, globalData, mapsSection: mapsSec?.index ?? -1, mapByOffset, dataFd, lineInfo };
}
