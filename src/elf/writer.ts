/**
 * Export: write a relocatable ELF64 BPF object that libbpf opens and loads, as clang would
 * have produced it from C: the program in `sk_reuseport/migrate` (attach 40) or
 * `sk_reuseport` (attach 39) as one global function, `lddw src=1 imm=fd` turned back into
 * `lddw r, 0` + `R_BPF_64_64` against the map's symbol in `.maps` (BTF-described), map
 * values of global data maps (`.rodata`/`.data`/`.bss`, src=2) into `R_BPF_64_64` against the
 * section symbol with the offset as addend, a `license` section, `.symtab` and `.strtab`.
 *
 * Local calls: libbpf only links callees found in `.text`, so every local-call target starts a
 * static function there (the main function ends at the first target) and each call gets an
 * `R_BPF_64_32` against the `.text` section symbol, as clang emits for static functions.
 * Deliberately absent: `.BTF.ext` (func/line info), debug info, several programs per object.
 */
import { BytecodeError, UsageError } from "../errors.js";
import {
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  encode,
  isWide,
  Op,
  OP_DESC,
  opOf,
  type Insn,
  jumpTarget,
} from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY, BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import { buildMapsBtf, mapStructSize } from "./btf-writer.js";
import {
  EHDR_SIZE,
  EM_BPF,
  ET_REL,
  R_BPF_64_32,
  R_BPF_64_64,
  REL_SIZE,
  SHDR_SIZE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
  SYM_SIZE,
} from "./elf-file.js";

export interface ElfExportOptions {
  /** 40 → section `sk_reuseport/migrate`, 39 → `sk_reuseport`. */
  readonly attachType: number;
  /** Default "GPL" (sk_reuseport helpers are not GPL-only, but GPL keeps every helper open). */
  readonly license?: string;
  /** The program's function symbol (a C identifier); default "baton_policy". */
  readonly programName?: string;
  /** Initial contents of global data maps, by fd (zeros otherwise). */
  readonly initialData?: ReadonlyMap<number, Uint8Array>;
}

const SHF_INFO_LINK = 0x40;
const DATA_SECTION = /^\.(rodata|data|bss)(\..*)?$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A map written as a global data section rather than in `.maps`. */
const isDataMap = (m: MapSpec): boolean =>
  m.name !== undefined &&
  DATA_SECTION.test(m.name) &&
  m.type === BPF_MAP_TYPE_ARRAY &&
  m.keySize === 4 &&
  m.maxEntries === 1;

interface OutSection {
  name: string;
  type: number;
  flags: number;
  data: Uint8Array;
  /** For SHT_NOBITS: the size. */
  size?: number;
  link?: number;
  info?: number;
  align: number;
  entsize?: number;
}

/** Build the object. Throws `UsageError` for bad options and `BytecodeError` for lddw that name no declared map. */
export function compileToElf(insns: readonly Insn[], maps: readonly MapSpec[], opts: ElfExportOptions): Uint8Array {
  const secName =
    opts.attachType === BPF_SK_REUSEPORT_SELECT_OR_MIGRATE
      ? "sk_reuseport/migrate"
      : opts.attachType === BPF_SK_REUSEPORT_SELECT
        ? "sk_reuseport"
        : undefined;
  if (secName === undefined)
    throw new UsageError(
      `ELF export supports attach types 39 (sk_reuseport) and 40 (sk_reuseport/migrate), got ${opts.attachType}`,
    );
  const progName = opts.programName ?? "baton_policy";
  if (!IDENT.test(progName)) throw new UsageError(`program name '${progName}' is not a C identifier`);
  const license = opts.license ?? "GPL";
  if (insns.length === 0)
    throw new BytecodeError("elf.empty", "the program is empty (expected at least one instruction)", { insn: 0 });

  const sorted = [...maps].sort((a, b) => a.fd - b.fd);
  const btfMaps = sorted.filter((m) => !isDataMap(m));
  const dataMaps = sorted.filter(isDataMap);
  const names = new Set<string>();
  const nameOf = new Map<number, string>();
  for (const m of sorted) {
    const n = m.name ?? `map_${m.fd}`;
    if (!isDataMap(m) && !IDENT.test(n))
      throw new UsageError(`map name '${n}' (fd ${m.fd}) is not a C identifier; ELF maps are named by symbols`);
    if (names.has(n) || nameOf.has(m.fd))
      throw new UsageError(`two maps share the ${names.has(n) ? `name '${n}'` : `fd ${m.fd}`}`);
    names.add(n);
    nameOf.set(m.fd, n);
  }

  // ---- split: the main function, then the local-call targets as static functions in .text ----
  const split = splitFunctions(insns);

  // ---- sections (index 0 is the null section) ----
  const sections: OutSection[] = [{ name: "", type: 0, flags: 0, data: new Uint8Array(0), align: 0 }];
  const add = (s: OutSection): number => sections.push(s) - 1;
  const strtabIdx = add({ name: ".strtab", type: SHT_STRTAB, flags: 0, data: new Uint8Array(0), align: 1 });
  const textIdx =
    split.subprograms.length > 0
      ? add({ name: ".text", type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: new Uint8Array(0), align: 8 })
      : -1;
  const textRelIdx =
    textIdx >= 0
      ? add({
          name: ".rel.text",
          type: SHT_REL,
          flags: SHF_INFO_LINK,
          data: new Uint8Array(0),
          info: textIdx,
          align: 8,
          entsize: REL_SIZE,
        })
      : -1;
  const progIdx = add({
    name: secName,
    type: SHT_PROGBITS,
    flags: SHF_ALLOC | SHF_EXECINSTR,
    data: new Uint8Array(0),
    align: 8,
  });
  const relIdx = add({
    name: `.rel${secName}`,
    type: SHT_REL,
    flags: SHF_INFO_LINK,
    data: new Uint8Array(0),
    info: progIdx,
    align: 8,
    entsize: REL_SIZE,
  });
  const mapOffsets = new Map<number, number>();
  let mapsIdx = -1;
  if (btfMaps.length > 0) {
    const fieldsOf = (m: MapSpec): [string, number][] => [
      ["type", m.type],
      ["key_size", m.keySize],
      ["value_size", m.valueSize],
      ["max_entries", m.maxEntries],
      ...((m.flags ?? 0) !== 0 ? [["map_flags", m.flags!] as [string, number]] : []),
    ];
    let off = 0;
    const inputs = btfMaps.map((m) => {
      const fields = fieldsOf(m);
      mapOffsets.set(m.fd, off);
      const r = { name: nameOf.get(m.fd)!, offset: off, fields };
      off += mapStructSize(fields);
      return r;
    });
    mapsIdx = add({
      name: ".maps",
      type: SHT_PROGBITS,
      flags: SHF_WRITE | SHF_ALLOC,
      data: new Uint8Array(off),
      align: 8,
    });
    add({ name: ".BTF", type: SHT_PROGBITS, flags: 0, data: buildMapsBtf(inputs), align: 4 });
  }
  const dataIdx = new Map<number, number>();
  for (const m of dataMaps) {
    const init = opts.initialData?.get(m.fd);
    if (init !== undefined && init.length !== m.valueSize)
      throw new UsageError(`initial data for '${m.name}' has ${init.length} bytes, the map's value is ${m.valueSize}`);
    const bss = m.name!.startsWith(".bss");
    const ro = m.name!.startsWith(".rodata");
    const data = bss ? new Uint8Array(0) : (init ?? new Uint8Array(m.valueSize)).slice();
    dataIdx.set(
      m.fd,
      add({
        name: m.name!,
        type: bss ? SHT_NOBITS : SHT_PROGBITS,
        flags: ro ? SHF_ALLOC : SHF_WRITE | SHF_ALLOC,
        data,
        size: m.valueSize,
        align: 8,
      }),
    );
  }
  const licIdx = add({
    name: "license",
    type: SHT_PROGBITS,
    flags: SHF_WRITE | SHF_ALLOC,
    data: new Uint8Array([...latin1(license), 0]),
    align: 1,
  });
  const symtabIdx = add({
    name: ".symtab",
    type: SHT_SYMTAB,
    flags: 0,
    data: new Uint8Array(0),
    link: strtabIdx,
    align: 8,
    entsize: SYM_SIZE,
  });
  for (const r of [relIdx, textRelIdx]) if (r >= 0) sections[r]!.link = symtabIdx;

  // ---- string table (section and symbol names share it, as clang does) ----
  const strParts: number[] = [0];
  const strOff = new Map<string, number>([["", 0]]);
  const str = (s: string): number => {
    let o = strOff.get(s);
    if (o === undefined) {
      o = strParts.length;
      for (const b of latin1(s)) strParts.push(b);
      strParts.push(0);
      strOff.set(s, o);
    }
    return o;
  };

  // ---- symbols: locals (null, section symbols, static subprograms) first, then globals ----
  interface Sym {
    name: string;
    info: number;
    shndx: number;
    value: number;
    size: number;
  }
  const syms: Sym[] = [{ name: "", info: 0, shndx: 0, value: 0, size: 0 }];
  const sectionSym = new Map<number, number>();
  for (const idx of [...(textIdx >= 0 ? [textIdx] : []), ...dataIdx.values()])
    sectionSym.set(
      idx,
      syms.push({ name: "", info: (STB_LOCAL << 4) | STT_SECTION, shndx: idx, value: 0, size: 0 }) - 1,
    );
  for (const f of split.subprograms)
    syms.push({
      name: `${progName}_sub${f.start}`,
      info: (STB_LOCAL << 4) | STT_FUNC,
      shndx: textIdx,
      value: (f.start - split.mainLength) * 8,
      size: f.length * 8,
    });
  const firstGlobal = syms.length;
  syms.push({
    name: progName,
    info: (STB_GLOBAL << 4) | STT_FUNC,
    shndx: progIdx,
    value: 0,
    size: split.mainLength * 8,
  });
  const mapSym = new Map<number, number>();
  for (const m of btfMaps)
    mapSym.set(
      m.fd,
      syms.push({
        name: nameOf.get(m.fd)!,
        info: (STB_GLOBAL << 4) | STT_OBJECT,
        shndx: mapsIdx,
        value: mapOffsets.get(m.fd)!,
        size: 8 * (4 + ((m.flags ?? 0) !== 0 ? 1 : 0)),
      }) - 1,
    );
  syms.push({
    name: "_license",
    info: (STB_GLOBAL << 4) | STT_OBJECT,
    shndx: licIdx,
    value: 0,
    size: license.length + 1,
  });

  // ---- program bytes and relocations (offsets relative to each slot's own section) ----
  const out: Insn[] = [];
  const rels: { at: number; type: number; sym: number }[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (opOf(insn) === Op.LDDW && (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE)) {
      if (i + 1 >= insns.length)
        throw new BytecodeError("elf.truncated-lddw", "lddw without its second slot at the end of the program", {
          insn: i,
        });
      const fd = insn.imm;
      if (!nameOf.has(fd))
        throw new BytecodeError(
          "elf.unknown-map",
          `lddw names map fd ${fd}, but the declared maps are ${sorted.map((m) => m.fd).join(", ") || "none"}`,
          { insn: i },
        );
      if (insn.src === BPF_PSEUDO_MAP_FD) {
        if (!mapSym.has(fd))
          throw new BytecodeError(
            "elf.data-map-fd",
            `lddw src=1 names '${nameOf.get(fd)}', a global data map; libbpf only relocates such maps as values (src=2)`,
            { insn: i },
          );
        rels.push({ at: i, type: R_BPF_64_64, sym: mapSym.get(fd)! });
        out.push({ ...insn, src: 0, imm: 0, imm2: 0 }, { ...insns[i + 1]!, imm: 0 });
      } else {
        const sec = dataIdx.get(fd);
        if (sec === undefined)
          throw new BytecodeError(
            "elf.map-value",
            `lddw src=2 names map '${nameOf.get(fd)}', which is not a global data map (.rodata/.data/.bss); libbpf cannot express a value pointer into a .maps map`,
            { insn: i },
          );
        rels.push({ at: i, type: R_BPF_64_64, sym: sectionSym.get(sec)! });
        out.push({ ...insn, src: 0, imm: insn.imm2, imm2: 0 }, { ...insns[i + 1]!, imm: 0 });
      }
      i++;
      continue;
    }
    if (opOf(insn) === Op.CALL_LOCAL) {
      // As clang does for static callees: relocate against the .text section symbol, imm = slot in .text − 1.
      const target = i + insn.imm + 1;
      rels.push({ at: i, type: R_BPF_64_32, sym: sectionSym.get(textIdx)! });
      out.push({ ...insn, imm: target - split.mainLength - 1 });
      continue;
    }
    out.push(insn);
  }
  const relBytes = (inText: boolean): Uint8Array => {
    const list = rels.filter((r) => r.at >= split.mainLength === inText);
    const b = new Uint8Array(list.length * REL_SIZE);
    const rdv = new DataView(b.buffer);
    list.forEach((r, k) => {
      rdv.setUint32(k * REL_SIZE, (r.at - (inText ? split.mainLength : 0)) * 8, true);
      rdv.setUint32(k * REL_SIZE + 8, r.type, true);
      rdv.setUint32(k * REL_SIZE + 12, r.sym, true);
    });
    return b;
  };
  sections[progIdx]!.data = encode(out.slice(0, split.mainLength));
  sections[relIdx]!.data = relBytes(false);
  if (textIdx >= 0) {
    sections[textIdx]!.data = encode(out.slice(split.mainLength));
    sections[textRelIdx]!.data = relBytes(true);
  }

  const symBytes = new Uint8Array(syms.length * SYM_SIZE);
  const sdv = new DataView(symBytes.buffer);
  syms.forEach((s, k) => {
    const b = k * SYM_SIZE;
    sdv.setUint32(b, str(s.name), true);
    sdv.setUint8(b + 4, s.info);
    sdv.setUint16(b + 6, s.shndx, true);
    sdv.setUint32(b + 8, s.value, true);
    sdv.setUint32(b + 16, s.size, true);
  });
  sections[symtabIdx]!.data = symBytes;
  sections[symtabIdx]!.info = firstGlobal;
  const nameOffs = sections.map((s) => str(s.name));
  sections[strtabIdx]!.data = Uint8Array.from(strParts);
  return layout(sections, nameOffs, strtabIdx);
}

/** Place contents after the header (aligned), then the section header table. */
function layout(sections: readonly OutSection[], nameOffs: readonly number[], shstrndx: number): Uint8Array {
  const offsets: number[] = [];
  let at = EHDR_SIZE;
  for (const s of sections) {
    const align = Math.max(1, s.align);
    at = Math.ceil(at / align) * align;
    offsets.push(at);
    if (s.type !== SHT_NOBITS) at += s.data.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const out = new Uint8Array(shoff + sections.length * SHDR_SIZE);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  dv.setUint16(16, ET_REL, true);
  dv.setUint16(18, EM_BPF, true);
  dv.setUint32(20, 1, true); // e_version
  dv.setUint32(0x28, shoff, true);
  dv.setUint16(0x34, EHDR_SIZE, true);
  dv.setUint16(0x3a, SHDR_SIZE, true);
  dv.setUint16(0x3c, sections.length, true);
  dv.setUint16(0x3e, shstrndx, true);
  sections.forEach((s, i) => {
    if (s.type !== SHT_NOBITS) out.set(s.data, offsets[i]!);
    const b = shoff + i * SHDR_SIZE;
    if (i === 0) return;
    dv.setUint32(b, nameOffs[i]!, true);
    dv.setUint32(b + 4, s.type, true);
    dv.setUint32(b + 8, s.flags, true);
    dv.setUint32(b + 24, offsets[i]!, true);
    dv.setUint32(b + 32, s.type === SHT_NOBITS ? (s.size ?? 0) : s.data.length, true);
    dv.setUint32(b + 40, s.link ?? 0, true);
    dv.setUint32(b + 44, s.info ?? 0, true);
    dv.setUint32(b + 48, s.align, true);
    dv.setUint32(b + 56, s.entsize ?? 0, true);
  });
  return out;
}

/** Latin-1 bytes of a name (ELF names are byte strings; no Buffer, so this module also runs in a browser). */
function latin1(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
  return out;
}

interface Split {
  readonly mainLength: number;
  readonly subprograms: readonly { start: number; length: number }[];
}

/** Function boundaries: the main function, then one function per distinct local-call target. */
function splitFunctions(insns: readonly Insn[]): Split {
  const targets = new Set<number>();
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (isWide(insn)) {
      i++;
      continue;
    }
    if (opOf(insn) !== Op.CALL_LOCAL) continue;
    const t = i + insn.imm + 1;
    if (t <= 0 || t >= insns.length)
      throw new BytecodeError(
        "elf.bad-call",
        `local call targets slot ${t}, outside the program's subprograms (1..${insns.length - 1})`,
        { insn: i },
      );
    targets.add(t);
  }
  const starts = [...targets].sort((a, b) => a - b);
  const mainLength = starts[0] ?? insns.length;
  const subprograms = starts.map((s, k) => ({ start: s, length: (starts[k + 1] ?? insns.length) - s }));
  // Functions become separate ELF symbols (and .text), so a jump may not leave its function —
  // the kernel's check_subprogs refuses the same thing ("jump out of range").
  const bounds = [0, ...starts, insns.length];
  const fnOf = (slot: number): number => {
    let k = 0;
    while (k + 1 < bounds.length && bounds[k + 1]! <= slot) k++;
    return k;
  };
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (isWide(insn)) {
      i++;
      continue;
    }
    const op = opOf(insn);
    if (op === Op.INVALID) continue;
    const kind = OP_DESC[op]!.kind;
    if (kind !== "jmp" && kind !== "ja") continue;
    const target = jumpTarget(insn, i)!;
    // Targets outside the program are a verifier's business; only splitting can break in-range jumps.
    if (starts.length > 0 && target >= 0 && target < insns.length && fnOf(target) !== fnOf(i)) {
      throw new BytecodeError(
        "elf.jump-out-of-function",
        `jump to slot ${target} leaves its function (slots ${bounds[fnOf(i)]}..${bounds[fnOf(i) + 1]! - 1}); functions start at local-call targets`,
        { insn: i },
      );
    }
  }
  return { mainLength, subprograms };
}
