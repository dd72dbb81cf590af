/**
 * The compiler's front door: parse → check → generate. `tryCompile` collects every
 * diagnostic of the first failing phase (syntax errors, then checker errors); `compilePolicy`
 * throws the first one. The result carries what the verifier, the runtime, the kernel bridge
 * and the CLI need: slots (`lddw` as two, like `decode`), map specs, the attach type (always
 * SELECT_OR_MIGRATE, 40) and a source map from slot index to policy span.
 */
import type { BatonError, SourceSpan } from "../errors.js";
import type { Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import type { Program, TestDecl } from "./ast.js";
import { checkProgram } from "./checker.js";
import { generate } from "./gen.js";
import { parsePolicy } from "./parser.js";
import type { MapInfo, Sema } from "./sema.js";

export interface CompiledPolicy {
  readonly name: string | null;
  readonly file: string;
  readonly source: string;
  /** One entry per 8-byte slot. */
  readonly insns: Insn[];
  readonly maps: MapSpec[];
  readonly mapInfo: readonly MapInfo[];
  readonly attachType: number;
  /** The policy span that produced slot `insn`. */
  readonly sourceMap: (insn: number) => SourceSpan | undefined;
  readonly spans: readonly (SourceSpan | undefined)[];
  readonly tests: readonly TestDecl[];
  readonly stackBytes: number;
  readonly program: Program;
  readonly sema: Sema;
}

export interface CompileOutcome {
  readonly policy: CompiledPolicy | null;
  readonly errors: BatonError[];
}

export function tryCompile(source: string, file: string): CompileOutcome {
  const parsed = parsePolicy(source, file);
  if (parsed.errors.length > 0) return { policy: null, errors: parsed.errors };
  const sema = checkProgram(parsed.program);
  if (sema.errors.length > 0) return { policy: null, errors: sema.errors };
  let gen;
  try {
    gen = generate(sema);
  } catch (e) {
    if (e instanceof Error && "code" in e) return { policy: null, errors: [e as BatonError] };
    throw e;
  }
  const spans = gen.emitter.spans;
  const maps: MapSpec[] = sema.maps.map((m) => ({
    fd: m.fd,
    name: m.name,
    type: m.kind.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
  }));
  return {
    errors: [],
    policy: {
      name: parsed.program.name,
      file,
      source,
      insns: gen.emitter.insns,
      maps,
      mapInfo: sema.maps,
      attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
      sourceMap: (i) => spans[i],
      spans,
      tests: sema.tests,
      stackBytes: gen.stackBytes,
      program: parsed.program,
      sema,
    },
  };
}

/** Compile or throw the first diagnostic (a ParseError or CompileError with a span). */
export function compilePolicy(source: string, file: string): CompiledPolicy {
  const r = tryCompile(source, file);
  if (r.policy === null) throw r.errors[0]!;
  return r.policy;
}
