/**
 * Programs for the testing API and `baton test --cases`, from any source a user has: an ELF
 * object (bytes or file), conformance assembly, raw instruction bytes, Baton policy source, or
 * a classic filter (bpf_asm text or `struct sock_filter` array). eBPF programs pass Baton's
 * verifier first (a rejection is a located VerifyError), as every command's programs do.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { linkProgram, readElfObject } from "../elf/index.js";
import { assembleProgram } from "../vm/asm/assembler.js";
import { decode } from "../vm/isa.js";
import { checkStructure } from "../vm/validate.js";
import { assembleClassic } from "../vm/cbpf/assembler.js";
import { parseCArray, parseDecimal, type SockFilter } from "../vm/cbpf/filter.js";
import { loadProgramFile, type LoadedProgram } from "../cli/load-program.js";
import { gateProgram, type VerifiedProgram } from "../cli/verified-program.js";

export type ProgramSource =
  /** A file: .o, .s, .bin, .baton, or a classic filter (.bpf bpf_asm text, .cbpf decimal/C array). */
  | { readonly file: string; readonly program?: string }
  | { readonly elf: Uint8Array; readonly program?: string; readonly name?: string }
  | { readonly asm: string; readonly name?: string; readonly attachType?: 39 | 40 }
  | { readonly bytes: Uint8Array; readonly name?: string; readonly attachType?: 39 | 40 }
  | { readonly policy: string; readonly name?: string }
  | { readonly cbpf: string | readonly SockFilter[]; readonly name?: string };

export type LoadedSource =
  | { readonly kind: "ebpf"; readonly program: VerifiedProgram }
  | { readonly kind: "cbpf"; readonly filter: readonly SockFilter[]; readonly name: string };

const CLASSIC_EXT = /\.(bpf|cbpf)$/;

/** Load and (eBPF) verify a program. */
export async function loadSource(src: ProgramSource): Promise<LoadedSource> {
  const gate = (p: LoadedProgram): LoadedSource => ({
    kind: "ebpf",
    program: gateProgram({ ...p, insns: checkStructure(p.bytes) }, { command: "test", warn: () => undefined }),
  });
  if ("file" in src) {
    if (CLASSIC_EXT.test(src.file)) return classic(readText(src.file), src.file);
    return gate(await loadProgramFile(src.file, src.program !== undefined ? { program: src.program } : {}));
  }
  if ("elf" in src) {
    const name = src.name ?? "program.o";
    const p = linkProgram(readElfObject(src.elf, name), src.program);
    return gate({
      file: name,
      format: "elf",
      insns: p.insns,
      bytes: p.bytes,
      maps: p.maps,
      attachType: p.attachType,
      programName: p.name,
      globalData: p.globalData,
    });
  }
  if ("asm" in src) {
    const name = src.name ?? "program.s";
    const prog = assembleProgram(src.asm, name);
    return gate({
      file: name,
      format: "asm",
      insns: decode(prog.bytes),
      bytes: prog.bytes,
      maps: [],
      ...(src.attachType !== undefined ? { attachType: src.attachType } : {}),
      source: src.asm,
    });
  }
  if ("bytes" in src) {
    const name = src.name ?? "program.bin";
    return gate({
      file: name,
      format: "bin",
      insns: decode(src.bytes),
      bytes: src.bytes,
      maps: [],
      ...(src.attachType !== undefined ? { attachType: src.attachType } : {}),
    });
  }
  if ("policy" in src) {
    const name = src.name ?? "policy.baton";
    const compiler = await import("../compiler/index.js");
    const c = compiler.compilePolicy(src.policy, name);
    const { encode } = await import("../vm/isa.js");
    return gate({
      file: name,
      format: "baton",
      insns: c.insns,
      bytes: encode(c.insns),
      maps: c.maps,
      attachType: c.attachType,
      ...(c.name !== null ? { programName: c.name } : {}),
      source: src.policy,
    });
  }
  const name = src.name ?? "filter.bpf";
  return typeof src.cbpf === "string" ? classic(src.cbpf, name) : { kind: "cbpf", filter: src.cbpf, name };
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      "input.unreadable",
      `cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Classic text: `struct sock_filter` C array, the decimal `N,code jt jf k,...` form, or bpf_asm. */
function classic(text: string, name: string): LoadedSource {
  const t = text.trim();
  const filter = t.startsWith("{")
    ? parseCArray(t, name)
    : /^\d+\s*,/.test(t)
      ? parseDecimal(t, name)
      : assembleClassic(text, name);
  return { kind: "cbpf", filter, name };
}
