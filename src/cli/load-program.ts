/**
 * One loader for every program file the CLI accepts, so `verify`, `run`, `simulate --policy`
 * and `disasm` take the same inputs:
 *   .o      ELF object from clang -target bpf (or `baton compile --elf`): linked like libbpf
 *           (src/elf); `--program NAME` picks a program when there are several
 *   .s      assembly (conformance dialect): maps from a `# maps: FD:TYPE:KEY:VALUE:MAX …` header line (named map<FD>),
 * no attach type
 *   .bin    raw little-endian 8-byte slots: no maps, no attach type
 *   .baton  policy source, compiled (the compiler is imported lazily)
 * Any other extension is sniffed: ELF magic → object, else a usage error.
 * Deliberately absent: the structural check and verification — the commands run those, so
 * their errors keep the command's own wording. Errors are located: ParseError (file:line:col),
 * ElfError (file, section, offset), BytecodeError (file, insn).
 */
import { readFileSync } from "node:fs";
import { BytecodeError, InputError, UsageError, type SourceSpan } from "../errors.js";
import { linkProgram, readElfObject, type GlobalData, type SlotOrigin } from "../elf/index.js";
import { assembleProgram } from "../vm/asm/assembler.js";
import { decode, encode, SLOT_SIZE, type Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { parseMapArg } from "../verifier/map-arg.js";
import { plural } from "../plural.js";

export type ProgramFormat = "elf" | "asm" | "bin" | "baton";

export interface LoadedProgram {
  readonly file: string;
  readonly format: ProgramFormat;
  /** One entry per 8-byte slot (an lddw's second slot decoded as-is, like `decode`). */
  readonly insns: Insn[];
  readonly bytes: Uint8Array;
  /** Maps the program's `lddw src=1|2 imm=fd` name (empty for .s/.bin). */
  readonly maps: MapSpec[];
  /** 39 or 40 when the file says (ELF section name, compiled policy); undefined for .s/.bin. */
  readonly attachType?: number;
  /** ELF function symbol or policy name. */
  readonly programName?: string;
  /** Source span per slot (.s, .baton, and .o compiled with -g: the C line from .BTF.ext). */
  readonly spans?: readonly (SourceSpan | undefined)[];
  readonly sourceMap?: (insn: number) => SourceSpan | undefined;
  /** Source text (.s and .baton), for error carets. */
  readonly source?: string;
  /** ELF only: section and byte offset each slot came from. */
  readonly origins?: readonly SlotOrigin[];
  /** ELF only: initial contents of global data maps (.rodata/.data/.bss), by fd. */
  readonly globalData?: readonly GlobalData[];
  readonly license?: string;
}

export interface LoadProgramOptions {
  /** ELF: function (or section) name of the program to load. */
  readonly program?: string;
}

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new InputError(
      "input.unreadable",
      `cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

const isElf = (b: Uint8Array): boolean =>
  b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

function formatOf(path: string, bytes: () => Uint8Array): ProgramFormat {
  if (path.endsWith(".o")) return "elf";
  if (path.endsWith(".s")) return "asm";
  if (path.endsWith(".bin")) return "bin";
  if (path.endsWith(".baton")) return "baton";
  if (isElf(bytes())) return "elf";
  throw new UsageError(
    `cannot tell the format of '${path}'`,
    "expected FILE.o (ELF object), FILE.s (assembly), FILE.bin (raw bytecode) or FILE.baton (policy)",
  );
}

/** Minimal shape of the compiler's result that the loader uses (kept structural to avoid a static import). */
interface CompiledLike {
  readonly name: string | null;
  readonly insns: Insn[];
  readonly maps: MapSpec[];
  readonly attachType: number;
  readonly spans: readonly (SourceSpan | undefined)[];
  readonly sourceMap: (insn: number) => SourceSpan | undefined;
}

/**
 * The most instructions a program may have: the kernel's bpf_prog_load refuses more with E2BIG
 * (`insn_cnt > BPF_COMPLEXITY_LIMIT_INSNS`, for a privileged loader). Checked before anything
 * decodes, verifies, runs or disassembles a file, so a huge input costs no more than reading it.
 */
export const MAX_PROGRAM_INSNS = 1_000_000;

/** Refuse a program of more than MAX_PROGRAM_INSNS slots, located at the first slot past it. */
export function checkProgramSize(bytes: Uint8Array, path: string): void {
  const n = Math.ceil(bytes.length / SLOT_SIZE);
  if (n > MAX_PROGRAM_INSNS) {
    throw new BytecodeError(
      "input.too-large",
      `'${path}' holds ${n.toLocaleString("en-US")} instructions; the kernel loads at most ${MAX_PROGRAM_INSNS.toLocaleString("en-US")} (bpf_prog_load: E2BIG)`,
      { file: path, insn: MAX_PROGRAM_INSNS },
    );
  }
}

/** A .s file's maps from its `# maps: FD:TYPE:KEY:VALUE:MAX …` header (the verifier corpus's convention), named
 * map<FD>. */
function headerMaps(source: string): MapSpec[] {
  const m = /^#[ \t]*maps:[ \t]*(.*)$/m.exec(source);
  return m === null
    ? []
    : (m[1] as string)
        .trim()
        .split(/\s+/)
        .filter((x) => x !== "")
        .map(parseMapArg);
}

/** Load a program file; see the module comment for formats. */
export async function loadProgramFile(path: string, opts: LoadProgramOptions = {}): Promise<LoadedProgram> {
  const p = await loadAnyProgram(path, opts);
  checkProgramSize(p.bytes, path);
  return p;
}

async function loadAnyProgram(path: string, opts: LoadProgramOptions): Promise<LoadedProgram> {
  let cached: Uint8Array | undefined;
  const bytes = (): Uint8Array => (cached ??= readBytes(path));
  const format = formatOf(path, bytes);
  if (opts.program !== undefined && format !== "elf")
    throw new UsageError(`--program applies to ELF objects (.o), not '${path}'`);
  switch (format) {
    case "elf": {
      const p = linkProgram(readElfObject(bytes(), path), opts.program);
      const spans = p.spans;
      return {
        file: path,
        format,
        insns: p.insns,
        bytes: p.bytes,
        maps: p.maps,
        attachType: p.attachType,
        programName: p.name,
        origins: p.origins,
        globalData: p.globalData,
        spans,
        sourceMap: (i) => spans[i],
        ...(p.license !== undefined ? { license: p.license } : {}),
      };
    }
    case "asm": {
      const source = new TextDecoder().decode(bytes());
      const prog = assembleProgram(source, path);
      const spans = prog.slotSpans;
      return {
        file: path,
        format,
        insns: decode(prog.bytes),
        bytes: prog.bytes,
        maps: headerMaps(source),
        spans,
        sourceMap: (i) => spans[i],
        source,
      };
    }
    case "bin": {
      const b = bytes();
      checkProgramSize(b, path); // before decoding
      if (b.length % SLOT_SIZE !== 0)
        throw new BytecodeError(
          "input.bin-length",
          `'${path}' is ${plural(b.length, "byte")}, not a whole number of 8-byte instructions (${b.length % SLOT_SIZE} trailing ${b.length % SLOT_SIZE === 1 ? "byte" : "bytes"})`,
          { file: path, insn: Math.floor(b.length / SLOT_SIZE) },
        );
      return { file: path, format, insns: decode(b), bytes: b, maps: [] };
    }
    case "baton": {
      const source = new TextDecoder().decode(bytes());
      const compiler = (await import("../compiler/index.js")) as {
        compilePolicy(source: string, file: string): CompiledLike;
      };
      const c = compiler.compilePolicy(source, path);
      const out = encode(c.insns);
      return {
        file: path,
        format,
        insns: c.insns,
        bytes: out,
        maps: c.maps,
        attachType: c.attachType,
        ...(c.name !== null ? { programName: c.name } : {}),
        spans: c.spans,
        sourceMap: c.sourceMap,
        source,
      };
    }
  }
}
