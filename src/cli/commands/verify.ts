/**
 * `baton verify FILE…`: run Baton's verifier on assembly (.s), raw bytecode (.bin), ELF objects
 * (.o) or policies (.baton), or on every such file in a directory, in one process. Files are read
 * by the shared loader (src/cli/load-program.ts) and pass the structural check
 * (src/vm/validate.ts) first, so malformed bytecode gets its precise structural message.
 * Maps and attach type: .o and .baton files bring their own; for .s/.bin they come from `--map`
 * or, for .s files, from `# maps:` / `# attach:` header lines (as in the verifier corpus).
 * Return values outside [SK_DROP, SK_PASS] are warnings (as the kernel accepts them), errors
 * with --strict. Exit 0 when every program is accepted, 1 when any is rejected or unreadable.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BatonError, BytecodeError, formatError, InputError, UsageError, VerifyError, isSourceSpan, type SourceSpan } from "../../errors.js";
import type { Insn } from "../../vm/isa.js";
import type { MapSpec } from "../../vm/map-spec.js";
import { programType } from "../../vm/program-type.js";
import { checkStructure } from "../../vm/validate.js";
import { parseMapArg } from "../../verifier/map-arg.js";
import { verify, type VerifyResult } from "../../verifier/index.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import { loadProgramFile, type ProgramFormat } from "../load-program.js";

const USAGE = `baton verify FILE… [--type sk_reuseport] [--attach select|select_or_migrate] [--map FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES …] [--program NAME] [--strict] [--json] [--log-level 0|1|2] [--unprivileged]
  FILE: .s (assembly), .bin (raw 8-byte slots), .o (ELF object), .baton (policy), or a directory of them
  --map: for .s/.bin; TYPE is a number or array, hash, lru_hash, reuseport_sockarray, sockmap, sockhash
         (.s files may declare maps in a '# maps: 3:array:4:8:4 …' line instead; .o/.baton bring their own)
  --program NAME: the program to verify in an ELF object holding several
  --strict: reject a return value outside [SK_DROP, SK_PASS] or a returned pointer (the kernel, and
            Baton by default, accept them with a warning: any value other than SK_PASS refuses the connection)
  --json: one JSON object per line per file
  --log-level 2: print the per-instruction state trace, as the kernel's verbose log
  --unprivileged: apply the rules for loaders without CAP_BPF (no back-edges, no pointer leaks, no uninitialized stack reads)`;

const EXTENSIONS = [".s", ".bin", ".o", ".baton"];

function expand(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError("input.missing", `cannot read '${p}': no such file or directory`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => EXTENSIONS.some((x) => f.endsWith(x)))
        .sort()
        .map((f) => join(p, f));
      if (files.length === 0) throw new InputError("input.empty-dir", `directory '${p}' holds no .s, .bin, .o or .baton files`);
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

function headerLine(source: string, key: string): string | undefined {
  const m = new RegExp(`^#[ \\t]*${key}:[ \\t]*(.*)$`, "m").exec(source);
  return m === null ? undefined : m[1]!.trim();
}

interface Loaded {
  format: ProgramFormat;
  insns: Insn[];
  spans?: readonly (SourceSpan | undefined)[];
  sourceMap?: (insn: number) => SourceSpan | undefined;
  source?: string;
  /** Maps and attach type the file itself gives (headers of a .s; the object or policy). */
  maps?: MapSpec[];
  attach?: string;
  attachType?: number;
}

async function load(file: string, program: string | undefined): Promise<Loaded> {
  const isElf = file.endsWith(".o");
  const p = await loadProgramFile(file, isElf && program !== undefined ? { program } : {});
  const source = p.source;
  const out: Loaded = {
    format: p.format,
    insns: p.insns,
    ...(p.spans !== undefined ? { spans: p.spans } : {}),
    ...(p.sourceMap !== undefined ? { sourceMap: p.sourceMap } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(p.attachType !== undefined ? { attachType: p.attachType } : {}),
  };
  if (p.format === "elf" || p.format === "baton") out.maps = p.maps;
  if (p.format === "asm" && source !== undefined) {
    const maps = headerLine(source, "maps");
    const attach = headerLine(source, "attach");
    if (maps !== undefined) out.maps = maps.split(/\s+/).filter((x) => x !== "").map(parseMapArg);
    if (attach !== undefined) out.attach = attach;
  }
  // Malformed bytecode gets the structural check's precise message (compiled policies are well formed).
  if (p.format !== "baton") {
    try {
      checkStructure(p.bytes);
    } catch (e) {
      if (!(e instanceof BytecodeError)) throw e;
      const loc = e.location;
      if (out.spans === undefined && loc !== undefined && !isSourceSpan(loc)) throw new BytecodeError(e.code, e.message, { file, insn: loc.insn });
      throw located(e, out.spans);
    }
  }
  return out;
}

/** A structural error at an instruction, shown at its source line when the file has one. */
function located(e: BatonError, spans: readonly (SourceSpan | undefined)[] | undefined): BatonError {
  const loc = e.location;
  if (spans === undefined || loc === undefined || isSourceSpan(loc)) return e;
  const span = spans[loc.insn];
  return span === undefined ? e : new VerifyError(e.code, e.message, span, e.hint);
}

/** `insn N: message` warnings as `file:line:col: warning: message` (or `file: insn N: warning: …`). */
function warningLines(file: string, r: VerifyResult, sourceMap: ((insn: number) => SourceSpan | undefined) | undefined): string[] {
  return r.warnings.map((w) => {
    const m = /^insn (\d+): (.*)$/.exec(w);
    if (m === null) return `${file}: warning: ${w}`;
    const span = sourceMap?.(Number(m[1]));
    return span !== undefined ? `${span.file}:${span.line}:${span.col}: warning: ${m[2]}` : `${file}: insn ${m[1]}: warning: ${m[2]}`;
  });
}

function report(file: string, r: VerifyResult, source: string | undefined, level: number): string {
  if (r.accepted) {
    const loops = r.loops.map((l) => `loop at insn ${l.head} ran up to ${l.maxIterations} times`).join("; ");
    const head = `${file}: accepted (processed ${r.processed} insns, ${r.states} states, stack depth ${r.stackDepth}${loops !== "" ? `; ${loops}` : ""})`;
    return level >= 1 ? `${head}\n${r.log.trimEnd()}` : head;
  }
  const err = r.error!;
  const lines = [formatError(err, source)];
  if (r.detail !== null) {
    if (!isSourceSpan(err.location)) lines[0] = `${file}: ${lines[0]}`;
    lines.push(`  at insn ${r.detail.insn}: ${r.detail.text}`);
    if (r.detail.state !== "") lines.push(`  state: ${r.detail.state.replace(/\n/g, "\n         ")}`);
    if (r.detail.path.length > 0) lines.push(`  path: branches taken ${r.detail.path.join(", ")}`);
  }
  if (level >= 1) lines.push(r.log.trimEnd());
  return lines.join("\n");
}

export const command: Command = {
  name: "verify",
  summary: "verify sk_reuseport programs as the kernel verifier would",
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      type: { type: "string" },
      attach: { type: "string" },
      map: { type: "string", multiple: true },
      program: { type: "string" },
      strict: { type: "boolean" },
      json: { type: "boolean" },
      "log-level": { type: "string" },
      unprivileged: { type: "boolean" },
    });
    if (positionals.length === 0) throw new UsageError("expected at least one FILE or directory");
    const type = programType(values.type ?? "sk_reuseport");
    if (type === undefined) throw new UsageError(`--type '${values.type}' is unknown; expected sk_reuseport`);
    const attachName = values.attach;
    if (attachName !== undefined && type.attachTypes[attachName] === undefined) throw new UsageError(`--attach expects ${Object.keys(type.attachTypes).join(" or ")}, got '${attachName}'`);
    const cliMaps = (values.map ?? []).map(parseMapArg);
    const level = intOption("log-level", values["log-level"], 0, 0, 2) as 0 | 1 | 2;
    const files = expand(positionals);
    if (values.program !== undefined && !files.some((f) => f.endsWith(".o"))) throw new UsageError(`--program applies to ELF objects (.o); none given`);
    // An object or a policy declares its own maps; a --map that would be ignored is an error, not a surprise.
    const selfDescribing = files.filter((f) => f.endsWith(".o") || f.endsWith(".baton"));
    if (cliMaps.length > 0 && selfDescribing.length > 0) {
      throw new UsageError(`--map applies to .s and .bin programs; ${selfDescribing[0]} declares its own maps`, "verify objects and policies in a separate run, without --map");
    }
    let failed = 0;
    for (const file of files) {
      let loaded: Loaded;
      try {
        loaded = await load(file, values.program);
      } catch (e) {
        if (!(e instanceof BatonError) || e instanceof UsageError) throw e;
        failed++;
        if (values.json === true) {
          const loc = e.location;
          const insn = loc === undefined ? null : isSourceSpan(loc) ? null : loc.insn;
          io.out(JSON.stringify({ file, accepted: false, processed: 0, states: 0, error: { insn, message: e.message, line: isSourceSpan(loc) ? loc.line : null, hint: e.hint ?? null, path: [] }, warnings: [], log: "" }));
        } else io.err(formatError(e, isSourceSpan(e.location) ? readFileSafe(e.location.file) : undefined));
        continue;
      }
      let attachType: number;
      if (attachName !== undefined) attachType = type.attachTypes[attachName]!;
      else if (loaded.attachType !== undefined) attachType = loaded.attachType;
      else {
        const attach = loaded.attach ?? "select_or_migrate";
        const t = type.attachTypes[attach];
        if (t === undefined) throw new UsageError(`${file}: attach type '${attach}' is unknown; expected ${Object.keys(type.attachTypes).join(" or ")}`);
        attachType = t;
      }
      const ownMaps = loaded.format === "elf" || loaded.format === "baton";
      const r = verify(loaded.insns, {
        type,
        attachType,
        maps: ownMaps ? loaded.maps ?? [] : cliMaps.length > 0 ? cliMaps : loaded.maps ?? [],
        unprivileged: values.unprivileged === true,
        strict: values.strict === true,
        logLevel: level,
        ...(loaded.sourceMap !== undefined ? { sourceMap: loaded.sourceMap } : {}),
      });
      if (!r.accepted) failed++;
      if (values.json === true) {
        const e = r.error;
        const loc = e?.location;
        io.out(
          JSON.stringify({
            file,
            accepted: r.accepted,
            processed: r.processed,
            states: r.states,
            error: e === null ? null : { insn: r.detail?.insn ?? null, message: e.message, line: isSourceSpan(loc) ? loc.line : null, hint: e.hint ?? null, path: r.detail?.path ?? [] },
            warnings: r.warnings,
            log: r.log,
          }),
        );
        continue;
      }
      for (const w of warningLines(file, r, loaded.sourceMap)) io.err(w);
      if (r.accepted) io.out(report(file, r, loaded.source, level));
      else io.err(report(file, r, loaded.source, level));
    }
    return failed > 0 ? 1 : 0;
  },
};

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
