/**
 * The verifier as the gate of every command that runs or ships a program with maps or an
 * attach type (`run`, `test`, `compile`, `simulate`, `bench --policy`, `demo`): one loader,
 * `loadVerifiedProgram()`, so the commands cannot drift apart in what they check or which
 * engine they pick (policy-engine.ts). Order: load (load-program.ts), structural check
 * (src/vm/validate.ts), Baton's verifier for the file's attach type (40 when the file names
 * none). A rejection is a located VerifyError whose notes only give advice that holds;
 * `--no-verify` skips the verifier with a warning, and the program then runs with every check on.
 */
import { BytecodeError, VerifyError, isSourceSpan } from "../errors.js";
import type { CompiledPolicy } from "../compiler/compile.js";
import type { BytecodePolicy } from "../model/runtime-adapter.js";
import { verify, type VerifyOptions, type VerifyResult } from "../verifier/index.js";
import { encode } from "../vm/isa.js";
import { JIT_MAX_INSNS } from "../vm/jit/jit.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, MEMORY_PROGRAM, SK_REUSEPORT } from "../vm/program-type.js";
import { checkStructure } from "../vm/validate.js";
import { loadProgramFile, type LoadedProgram, type ProgramFormat } from "./load-program.js";
import { selectEngine, type SelectedEngine } from "./policy-engine.js";

export interface VerifiedProgram extends LoadedProgram {
  /** The attach type verified (and run) with: the file's, else SELECT_OR_MIGRATE (40). */
  readonly attachType: number;
  /** The verifier's verdict (always an acceptance), or null when `--no-verify` skipped it. */
  readonly verdict: VerifyResult | null;
}

export interface GateOptions {
  /** The command name, for the note of a rejection (`simulate`). */
  readonly command: string;
  /** `--no-verify`: skip the verifier, with a warning. */
  readonly noVerify?: boolean;
  /** Where the `--no-verify` warning goes (the command's stderr). */
  readonly warn: (text: string) => void;
  /** ELF objects: the program to load. */
  readonly program?: string;
}

/** Load any program file (load-program.ts) and run the structural check, locating its errors in the file. */
export async function loadCheckedProgram(file: string, program?: string): Promise<LoadedProgram> {
  const prog = await loadProgramFile(file, program !== undefined ? { program } : {});
  return { ...prog, insns: inFile(() => checkStructure(prog.bytes), file) };
}

/** Load, check and verify a program file; see the module comment. */
export async function loadVerifiedProgram(file: string, opts: GateOptions): Promise<VerifiedProgram> {
  return gateProgram(await loadCheckedProgram(file, opts.program), opts);
}

/** A compiled policy as a loaded program (for `test` and `compile`, which compile with every diagnostic). */
export function fromCompiled(p: CompiledPolicy): LoadedProgram {
  return {
    file: p.file,
    format: "baton",
    insns: p.insns,
    bytes: encode(p.insns),
    maps: p.maps,
    attachType: p.attachType,
    ...(p.name !== null ? { programName: p.name } : {}),
    spans: p.spans,
    sourceMap: p.sourceMap,
    source: p.source,
  };
}

/** The gate itself, for a program already loaded and structurally checked. */
export function gateProgram(prog: LoadedProgram, opts: GateOptions): VerifiedProgram {
  const attachType = prog.attachType ?? BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
  if (opts.noVerify === true) {
    // `compile` writes the program out; every other gated command runs it on a checked engine.
    const what =
      opts.command === "compile"
        ? "the kernel may refuse to load the output"
        : "it runs with every bounds check on, and the kernel may refuse to load it";
    opts.warn(`${prog.file}: warning: not verified (--no-verify): ${what}`);
    return { ...prog, attachType, verdict: null };
  }
  const { result } = verifyTimed(prog.insns, {
    type: SK_REUSEPORT,
    attachType,
    maps: prog.maps,
    ...(prog.sourceMap !== undefined ? { sourceMap: prog.sourceMap } : {}),
  });
  if (!result.accepted) throw rejection(prog, result, opts.command);
  return { ...prog, attachType, verdict: result };
}

/**
 * The engine a plain program (no maps, no attach type) runs on for `run` and `bench`: for
 * `--engine jit`, Baton's verifier checks it as a memory program over `inputSize` bytes
 * (program-type.ts `MEMORY_PROGRAM`); accepted, it runs on the trusted JIT with the verifier's
 * facts, otherwise on the checked JIT, and `why` says what the verifier objected to. Programs
 * too large for the JIT run on the interpreter (the engine's own note says so) and are not
 * verified here.
 */
export function memoryProgramEngine(
  prog: LoadedProgram,
  inputSize: number,
  name: string,
): SelectedEngine & { readonly why?: string } {
  if (name !== "jit" || prog.insns.length > JIT_MAX_INSNS) return selectEngine(name, prog.insns, null);
  const { result } = verifyTimed(prog.insns, { type: MEMORY_PROGRAM, attachType: 0, maps: [], memory: inputSize });
  const selected = selectEngine(name, prog.insns, result);
  if (result.accepted) return selected;
  const e = result.error;
  const at = e?.location !== undefined && "insn" in e.location ? ` at insn ${e.location.insn}` : "";
  return {
    ...selected,
    why: `Baton's verifier does not accept it as a memory program of ${inputSize} input bytes${at}: ${e?.message ?? "rejected"}`,
  };
}

/** The engine a gated program runs on for `--engine NAME` (policy-engine.ts). */
export function engineFor(prog: Pick<VerifiedProgram, "insns" | "verdict">, name: string): SelectedEngine {
  return selectEngine(name, prog.insns, prog.verdict);
}

/** A gated program as the socket model runs it (runtime-adapter.ts): `demo` and `simulate` share this. */
export function modelPolicy(p: VerifiedProgram, name: string): BytecodePolicy {
  return {
    name: p.programName ?? name,
    insns: p.insns,
    maps: p.maps,
    attachType: p.attachType,
    ...(p.globalData !== undefined ? { initialValues: p.globalData.map((g) => ({ fd: g.fd, value: g.data })) } : {}),
  };
}

/** `verify()` with its own duration in microseconds, measured around the call only (as veristat's "Duration"). */
export function verifyTimed(
  insns: Parameters<typeof verify>[0],
  options: VerifyOptions,
): { result: VerifyResult; us: number } {
  const t0 = process.hrtime.bigint();
  const result = verify(insns, options);
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  return { result, us };
}

/**
 * The note of a rejection, with only advice that holds. Advice to bound a loop "more tightly"
 * for an exhausted budget is true only of a loop whose bound is not known; every loop of a
 * `.baton` policy has a constant bound (`for i in A..B`), so for policies such a hint is
 * replaced by what did happen. Other hints, and every hint for other formats, are the
 * verifier's (it alone knows whether a loop's bound was known).
 */
export function rejectionHint(err: VerifyError, format: ProgramFormat): string | undefined {
  if (
    err.code === "verify.too-large" &&
    format === "baton" &&
    err.hint !== undefined &&
    /more tightly/.test(err.hint)
  ) {
    return "every loop of a policy has a constant bound; Baton's verifier did not finish exploring them within the kernel's budget of 1,000,000 processed instructions (`baton check --kernel FILE` shows whether the kernel's verifier does)";
  }
  return err.hint;
}

/** A rejection as the gate reports it: the verifier's error, at its source line or in the file, with the notes. */
function rejection(prog: LoadedProgram, r: VerifyResult, command: string): VerifyError {
  const err = r.error ?? new VerifyError("verify.rejected", "the verifier rejected the program", { insn: 0 });
  const loc = err.location;
  const location =
    loc === undefined
      ? { file: prog.file, insn: 0 }
      : isSourceSpan(loc) || loc.file !== undefined
        ? loc
        : { file: prog.file, insn: loc.insn };
  const note = `baton ${command} only takes programs Baton's verifier accepts; \`baton verify ${prog.file}\` shows the path and the register state, --no-verify skips the check`;
  const hint = rejectionHint(err, prog.format);
  return new VerifyError(err.code, err.message, location, hint !== undefined ? `${hint}\nnote: ${note}` : note);
}

/** Run `f`, naming `file` in a bytecode error that points at an instruction but no file. */
export function inFile<T>(f: () => T, file: string): T {
  try {
    return f();
  } catch (e) {
    if (
      e instanceof BytecodeError &&
      e.location !== undefined &&
      "insn" in e.location &&
      e.location.file === undefined
    ) {
      throw new BytecodeError(e.code, e.message, { file, insn: e.location.insn });
    }
    throw e;
  }
}
