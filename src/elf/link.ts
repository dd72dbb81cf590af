/**
 * Linking one program out of an object, as libbpf does before BPF_PROG_LOAD:
 *   - `R_BPF_64_64` on an `lddw` against a `.maps` symbol → `lddw src=1 imm=fd`
 *     (BPF_PSEUDO_MAP_FD); against a global data section → `lddw src=2 imm=fd`, second imm =
 *     offset in the section (BPF_PSEUDO_MAP_VALUE, the insn's addend plus the symbol's value);
 *   - `R_BPF_64_32` on a `call src=1` → the callee (a `.text` function, static or global, at
 *     `symbol value / 8 + imm + 1`) is appended after the program once, and the call's imm
 *     re-pointed at the copy; a local call without relocation targets its own section;
 *   - appended functions are linked the same way (their own relocations, their own calls).
 * Deliberately absent: callbacks (`lddw src=4` function pointers), externs, CO-RE relocations.
 */
import { UsageError, type SourceSpan } from "../errors.js";
import { lineAt } from "./btf-ext.js";
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, decode, encode, isWide, Op, opOf, type Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { ElfError } from "./errors.js";
import {
  R_BPF_64_32,
  R_BPF_64_64,
  R_BPF_NONE,
  SHF_EXECINSTR,
  SHN_UNDEF,
  SHT_PROGBITS,
  STT_SECTION,
  type Relocation,
  type Section,
} from "./elf-file.js";
import { functionRanges, type ElfObject, type ElfProgramInfo, type GlobalData } from "./objects.js";

/** Where a linked slot came from. */
export interface SlotOrigin {
  readonly section: string;
  /** Byte offset within the section. */
  readonly offset: number;
}

export interface LinkedProgram {
  readonly name: string;
  readonly section: string;
  readonly attachType: number;
  readonly license: string | undefined;
  /** One per slot (an lddw's second slot decoded as-is). */
  readonly insns: Insn[];
  readonly bytes: Uint8Array;
  /** Every map of the object (libbpf creates them all), fds 1..N. */
  readonly maps: MapSpec[];
  readonly globalData: readonly GlobalData[];
  readonly origins: readonly SlotOrigin[];
  /** C source line of each slot from `.BTF.ext` line info (undefined where there is none). */
  readonly spans: readonly (SourceSpan | undefined)[];
}

/** Upper bound on a linked program (the kernel's BPF_COMPLEXITY_LIMIT_INSNS). */
const MAX_SLOTS = 1_000_000;

/** Pick a program by function or section name; with no name, the only loadable one. */
export function selectProgram(obj: ElfObject, name?: string): ElfProgramInfo {
  const file = obj.elf.file ?? "object";
  const list = obj.programs
    .map((p) => `${p.name} (${p.section}${p.refused !== undefined ? ", not loadable" : ""})`)
    .join(", ");
  let chosen: ElfProgramInfo | undefined;
  if (name !== undefined) {
    const byName = obj.programs.filter((p) => p.name === name);
    const bySection = obj.programs.filter((p) => p.section === name);
    const hits = byName.length > 0 ? byName : bySection;
    if (hits.length === 0)
      throw new UsageError(
        `${file} has no program '${name}'`,
        obj.programs.length > 0 ? `programs: ${list}` : "the object has no program sections",
      );
    if (hits.length > 1)
      throw new UsageError(
        `'${name}' names ${hits.length} programs in ${file}; pick one by function name`,
        `programs: ${list}`,
      );
    chosen = hits[0]!;
  } else {
    const loadable = obj.programs.filter((p) => p.refused === undefined);
    if (loadable.length === 0) {
      if (obj.programs.length === 0)
        throw new ElfError(
          "no-program",
          'the object has no program sections (expected SEC("sk_reuseport/migrate") or SEC("sk_reuseport"))',
          "",
          0,
          obj.elf.file,
        );
      throw new ElfError("unsupported-program", obj.programs[0]!.refused!, obj.programs[0]!.section, 0, obj.elf.file);
    }
    if (loadable.length > 1)
      throw new UsageError(
        `${file} holds ${loadable.length} sk_reuseport programs; choose one with --program NAME`,
        `programs: ${list}`,
      );
    chosen = loadable[0]!;
  }
  if (chosen.refused !== undefined)
    throw new ElfError("unsupported-program", chosen.refused, chosen.section, chosen.start * 8, obj.elf.file);
  return chosen;
}

interface Unit {
  readonly sec: Section;
  readonly start: number;
  readonly length: number;
  readonly base: number;
}

/** Link the program `name` (see `selectProgram`) into one self-contained instruction list. */
export function linkProgram(obj: ElfObject, name?: string): LinkedProgram {
  const prog = selectProgram(obj, name);
  const { elf } = obj;
  const file = elf.file;
  const relocIndex = new Map<number, Map<number, Relocation>>();
  const relocsOf = (sec: Section): Map<number, Relocation> => {
    let m = relocIndex.get(sec.index);
    if (m === undefined) {
      m = new Map();
      for (const r of elf.relocations.get(sec.index) ?? []) {
        if (r.type === R_BPF_NONE) continue;
        if (r.offset % 8 !== 0 || r.offset >= sec.size)
          throw new ElfError(
            "bad-rel",
            `relocation at offset ${r.offset} is not on an instruction inside the section (${sec.size} bytes)`,
            sec.name,
            r.offset,
            file,
          );
        m.set(r.offset / 8, r);
      }
      relocIndex.set(sec.index, m);
    }
    return m;
  };
  const decoded = new Map<number, Insn[]>();
  const slotsOf = (sec: Section): Insn[] => {
    let d = decoded.get(sec.index);
    if (d === undefined) decoded.set(sec.index, (d = decode(sec.data)));
    return d;
  };

  const progSec = elf.sections[prog.sectionIndex]!;
  const units: Unit[] = [{ sec: progSec, start: prog.start, length: prog.length, base: 0 }];
  const placed = new Map<string, number>();
  placed.set(`${progSec.index}:${prog.start}`, 0);
  let nextBase = prog.length;
  const out: Insn[] = [];
  const origins: SlotOrigin[] = [];

  /** Base of the (possibly newly queued) copy of the function containing `slot` in `sec`, and that function's start. */
  const place = (sec: Section, slot: number, at: number): { base: number; start: number } => {
    const fn = functionRanges(elf, sec).find((f) => slot >= f.start && slot < f.start + f.length);
    if (fn === undefined)
      throw new ElfError(
        "bad-call",
        `call target slot ${slot} of '${sec.name}' is not inside any function`,
        sec.name,
        at,
        file,
      );
    const key = `${sec.index}:${fn.start}`;
    let base = placed.get(key);
    if (base === undefined) {
      base = nextBase;
      nextBase += fn.length;
      if (nextBase > MAX_SLOTS)
        throw new ElfError("too-big", `linked program exceeds ${MAX_SLOTS} instructions`, sec.name, at, file);
      placed.set(key, base);
      units.push({ sec, start: fn.start, length: fn.length, base });
    }
    return { base, start: fn.start };
  };

  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const slots = slotsOf(unit.sec);
    const relocs = relocsOf(unit.sec);
    for (let k = 0; k < unit.length; k++) {
      const s = unit.start + k;
      const at = s * 8;
      let insn = slots[s]!;
      const r = relocs.get(s);
      if (r !== undefined) {
        const sym = elf.symbols[r.sym]!;
        const symDesc = `'${sym.name !== "" ? sym.name : (elf.sections[sym.shndx]?.name ?? "?")}'`;
        if (r.type === R_BPF_64_64) {
          if (opOf(insn) !== Op.LDDW || s + 1 >= unit.start + unit.length)
            throw new ElfError(
              "bad-rel",
              `R_BPF_64_64 against ${symDesc} applies to an instruction that is not a complete lddw (opcode 0x${insn.opcode.toString(16)})`,
              unit.sec.name,
              at,
              file,
              unit.base + k,
            );
          if (sym.shndx === SHN_UNDEF)
            throw new ElfError(
              "extern",
              `extern ${symDesc} is not supported (no .kconfig/.ksyms)`,
              unit.sec.name,
              at,
              file,
              unit.base + k,
            );
          const addend = sym.type === STT_SECTION ? insn.imm : 0;
          if (sym.shndx === obj.mapsSection) {
            const map = obj.mapByOffset.get(sym.value + addend);
            if (map === undefined)
              throw new ElfError(
                "bad-rel",
                `lddw refers to ${symDesc} at offset ${sym.value + addend} of '.maps', where no map is declared`,
                unit.sec.name,
                at,
                file,
                unit.base + k,
              );
            insn = { ...insn, src: BPF_PSEUDO_MAP_FD, imm: map.fd, imm2: 0 };
          } else if (obj.dataFd.has(sym.shndx)) {
            const fd = obj.dataFd.get(sym.shndx)!;
            const off = insn.imm + sym.value;
            insn = { ...insn, src: BPF_PSEUDO_MAP_VALUE, imm: fd, imm2: off };
          } else {
            const target = elf.sections[sym.shndx];
            const why =
              target !== undefined && (target.flags & SHF_EXECINSTR) !== 0
                ? "function pointers (callbacks) are not supported"
                : `section '${target?.name ?? `#${sym.shndx}`}' is neither '.maps' nor a global data section`;
            throw new ElfError("bad-rel", `lddw refers to ${symDesc}: ${why}`, unit.sec.name, at, file, unit.base + k);
          }
        } else if (r.type === R_BPF_64_32) {
          if (opOf(insn) !== Op.CALL_LOCAL)
            throw new ElfError(
              "bad-rel",
              `R_BPF_64_32 against ${symDesc} applies to an instruction that is not a local call (opcode 0x${insn.opcode.toString(16)}, src ${insn.src})`,
              unit.sec.name,
              at,
              file,
              unit.base + k,
            );
          const tsec = elf.sections[sym.shndx];
          if (
            tsec === undefined ||
            tsec.type !== SHT_PROGBITS ||
            (tsec.flags & SHF_EXECINSTR) === 0 ||
            sym.value % 8 !== 0
          )
            throw new ElfError(
              "bad-rel",
              `call target ${symDesc} is not a function in an executable section`,
              unit.sec.name,
              at,
              file,
              unit.base + k,
            );
          const tslot = sym.value / 8 + insn.imm + 1;
          const { base, start } = place(tsec, tslot, at);
          insn = { ...insn, imm: base + (tslot - start) - (unit.base + k + 1) };
        } else {
          throw new ElfError(
            "unknown-rel",
            `unsupported relocation type ${r.type} against ${symDesc}; expected R_BPF_64_64 (1) on lddw or R_BPF_64_32 (10) on calls`,
            unit.sec.name,
            at,
            file,
            unit.base + k,
          );
        }
      } else if (opOf(insn) === Op.CALL_LOCAL) {
        const tslot = s + insn.imm + 1;
        if (tslot < unit.start || tslot >= unit.start + unit.length) {
          if (tslot < 0 || tslot * 8 >= unit.sec.size)
            throw new ElfError(
              "bad-call",
              `local call targets slot ${tslot}, outside '${unit.sec.name}'`,
              unit.sec.name,
              at,
              file,
              unit.base + k,
            );
          const { base, start } = place(unit.sec, tslot, at);
          insn = { ...insn, imm: base + (tslot - start) - (unit.base + k + 1) };
        }
      }
      out.push(insn);
      origins.push({ section: unit.sec.name, offset: at });
      if (isWide(insn) && k + 1 < unit.length) {
        // The second slot carries the high half; keep it consistent with a rewritten imm2.
        k++;
        out.push({ ...slots[s + 1]!, imm: insn.imm2 });
        origins.push({ section: unit.sec.name, offset: at + 8 });
      }
    }
  }
  const spans = origins.map((o) => lineAt(obj.lineInfo, o.section, o.offset));
  return {
    name: prog.name,
    section: prog.section,
    attachType: prog.attachType!,
    license: obj.license,
    insns: out,
    bytes: encode(out),
    maps: [...obj.maps],
    globalData: obj.globalData,
    origins,
    spans,
  };
}
