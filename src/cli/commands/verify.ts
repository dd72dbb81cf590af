/**
 * `baton verify FILE…`: run Baton's verifier on assembly (.s), raw bytecode (.bin), ELF objects
 * (.o) or policies (.baton), or on every such file in a directory, in one process. Files are read
 * by the shared loader (src/cli/load-program.ts) and pass the structural check
 * (src/vm/validate.ts) first, so malformed bytecode gets its precise structural message.
 * Maps and attach type: .o and .baton files bring their own; for .s/.bin they come from `--map`
 * or, for .s files, from `# maps:` / `# attach:` header lines (as in the verifier corpus).
 * Return values outside [SK_DROP, SK_PASS] are warnings (as the kernel accepts them), errors
 * with --strict. Exit 0 when every program is accepted, 1 when any is rejected or unreadable.
 * `--compare-kernel` asks this machine's kernel verifier too (compare-kernel.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  BatonError,
  BytecodeError,
  formatError,
  InputError,
  UsageError,
  VerifyError,
  isSourceSpan,
  type SourceSpan,
} from "../../errors.js";
import type { Insn } from "../../vm/isa.js";
import type { MapSpec } from "../../vm/map-spec.js";
import { programType, type ProgramType } from "../../vm/program-type.js";
import { checkStructure } from "../../vm/validate.js";
import { parseMapArg } from "../../verifier/map-arg.js";
import type { VerifyResult } from "../../verifier/index.js";
import {
  kernelAvailability,
  kernelFirstError,
  kernelVerify,
  BPF_LOG_STATS,
  type KernelVerdict,
} from "../../kernel/verifier.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import {
  agreement,
  compareTable,
  summarize,
  summaryLine,
  type CompareRow,
  type RatioStats,
  type SideResult,
} from "../compare-kernel.js";
import { loadProgramFile, type ProgramFormat } from "../load-program.js";
import { rejectionHint, verifyTimed } from "../verified-program.js";
import { WARM_UP_ROUNDS, warmUpVerifier } from "../verifier-warmup.js";
import { plural } from "../../plural.js";
import { compressRuns, formatRuns } from "../run-length.js";

const USAGE = `baton verify FILE… [--type sk_reuseport] [--attach select|select_or_migrate] [--map FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES …] [--program NAME] [--strict] [--json] [--log-level 0|1|2] [--unprivileged]
baton verify --compare-kernel FILE… [--attach …] [--map …] [--program NAME] [--rounds N] [--no-warm-up] [--json]
  FILE: .s (assembly), .bin (raw 8-byte slots), .o (ELF object), .baton (policy), or a directory of them
  --type sk_reuseport: the program type (the only one, and the default)
  --attach select|select_or_migrate: the expected attach type (default: the file's own, a '# attach:' header, else select_or_migrate)
  --map: for .s/.bin; TYPE is a number or array, hash, lru_hash, reuseport_sockarray, sockmap, sockhash
         (.s files may declare maps in a '# maps: 3:array:4:8:4 …' line instead; .o/.baton bring their own)
  --program NAME: the program to verify in an ELF object holding several
  --strict: reject a return value outside [SK_DROP, SK_PASS] or a returned pointer (the kernel, and
            Baton by default, accept them with a warning: any value other than SK_PASS refuses the connection)
  --json: one JSON object per line per file: file, accepted, processed, states, peak_states, verify_us
          (the verifier's own time in microseconds), error, warnings, log
  --compare-kernel: also load every program into this machine's kernel verifier (root and bpf() needed;
          without them the reason goes to stderr and only Baton's columns are printed, exit 0); a table of
          verdict, processed instructions, time (the kernel's own "verification time", log level 4) and
          first error line of each, then a summary line; exit 1 when any verdict differs. With --json:
          one {file, baton, kernel, agreement} object per line, then {summary}
  --rounds N: with --compare-kernel, verify each program N times on each side and keep the fastest time
          (default 1, as veristat; the first runs of a process include V8 compiling the verifier's code)
  --no-warm-up: with --compare-kernel, time Baton's verifier cold (by default it first verifies a few programs
          of its own, none of the measured ones, so V8 has compiled its code as the kernel's is; verifier-warmup.ts)
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
      if (files.length === 0)
        throw new InputError("input.empty-dir", `directory '${p}' holds no .s, .bin, .o or .baton files`);
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
  /** The program's bytes as a loader hands them to the kernel. */
  bytes: Uint8Array;
  /** The structural check's error, located (the verifier does not run then). */
  structural?: BatonError;
  spans?: readonly (SourceSpan | undefined)[];
  sourceMap?: (insn: number) => SourceSpan | undefined;
  source?: string;
  /** Maps and attach type the file itself gives (headers of a .s; the object or policy). */
  maps?: MapSpec[];
  attach?: string;
  attachType?: number;
}

/** Load a file; a structural error is returned in `structural`, every other load error thrown. */
async function load(file: string, program: string | undefined): Promise<Loaded> {
  const isElf = file.endsWith(".o");
  const p = await loadProgramFile(file, isElf && program !== undefined ? { program } : {});
  const source = p.source;
  const out: Loaded = {
    format: p.format,
    insns: p.insns,
    bytes: p.bytes,
    ...(p.spans !== undefined ? { spans: p.spans } : {}),
    ...(p.sourceMap !== undefined ? { sourceMap: p.sourceMap } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(p.attachType !== undefined ? { attachType: p.attachType } : {}),
  };
  if (p.format === "elf" || p.format === "baton") out.maps = p.maps;
  if (p.format === "asm" && source !== undefined) {
    const maps = headerLine(source, "maps");
    const attach = headerLine(source, "attach");
    if (maps !== undefined)
      out.maps = maps
        .split(/\s+/)
        .filter((x) => x !== "")
        .map(parseMapArg);
    if (attach !== undefined) out.attach = attach;
  }
  // Malformed bytecode gets the structural check's precise message (compiled policies are well formed).
  if (p.format !== "baton") {
    try {
      checkStructure(p.bytes);
    } catch (e) {
      if (!(e instanceof BytecodeError)) throw e;
      const loc = e.location;
      // No source line for the instruction (no source map, or an empty program): name the file.
      const lineless = loc !== undefined && !isSourceSpan(loc) && out.spans?.[loc.insn] === undefined;
      out.structural = lineless
        ? new BytecodeError(e.code, e.message, { file, insn: loc.insn })
        : located(e, out.spans);
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
function warningLines(
  file: string,
  r: VerifyResult,
  sourceMap: ((insn: number) => SourceSpan | undefined) | undefined,
): string[] {
  return r.warnings.map((w) => {
    const m = /^insn (\d+): (.*)$/.exec(w);
    if (m === null) return `${file}: warning: ${w}`;
    const span = sourceMap?.(Number(m[1]));
    return span !== undefined
      ? `${span.file}:${span.line}:${span.col}: warning: ${m[2]}`
      : `${file}: insn ${m[1]}: warning: ${m[2]}`;
  });
}

function report(file: string, r: VerifyResult, source: string | undefined, level: number): string {
  if (r.accepted) {
    const loops = r.loops.map((l) => `loop at insn ${l.head} ran up to ${plural(l.maxIterations, "time")}`).join("; ");
    const head = `${file}: accepted (processed ${plural(r.processed, "insn")}, ${plural(r.states, "state")}, stack depth ${r.stackDepth}${loops !== "" ? `; ${loops}` : ""})`;
    return level >= 1 ? `${head}\n${r.log.trimEnd()}` : head;
  }
  const err = r.error!;
  const lines = [formatError(err, source)];
  if (r.detail !== null) {
    if (!isSourceSpan(err.location)) lines[0] = `${file}: ${lines[0]}`;
    lines.push(`  at insn ${r.detail.insn}: ${r.detail.text}`);
    if (r.detail.state !== "") lines.push(`  state: ${r.detail.state.replace(/\n/g, "\n         ")}`);
    // Repeats (loop iterations) are run-length compressed; --json keeps the full list.
    if (r.detail.path.length > 0) lines.push(`  path: branches taken ${formatRuns(compressRuns(r.detail.path))}`);
  }
  if (level >= 1) lines.push(r.log.trimEnd());
  return lines.join("\n");
}

interface Settings {
  readonly type: ProgramType;
  readonly attachName: string | undefined;
  readonly cliMaps: readonly MapSpec[];
  readonly program: string | undefined;
}

/** The attach type: --attach, else the file's own, else a `# attach:` header, else select_or_migrate. */
function attachTypeOf(file: string, loaded: Loaded, s: Settings): number {
  if (s.attachName !== undefined) return s.type.attachTypes[s.attachName]!;
  if (loaded.attachType !== undefined) return loaded.attachType;
  const attach = loaded.attach ?? "select_or_migrate";
  const t = s.type.attachTypes[attach];
  if (t === undefined)
    throw new UsageError(
      `${file}: attach type '${attach}' is unknown; expected ${Object.keys(s.type.attachTypes).join(" or ")}`,
    );
  return t;
}

/** Maps: an object's or policy's own; for .s/.bin, --map, else `# maps:` headers. */
function mapsOf(loaded: Loaded, s: Settings): readonly MapSpec[] {
  const ownMaps = loaded.format === "elf" || loaded.format === "baton";
  return ownMaps ? (loaded.maps ?? []) : s.cliMaps.length > 0 ? s.cliMaps : (loaded.maps ?? []);
}

/** A verifier error with the hint the CLI may give for it (verified-program.ts `rejectionHint`). */
function withHint(r: VerifyResult, format: ProgramFormat): VerifyResult {
  const e = r.error;
  if (e === null) return r;
  const hint = rejectionHint(e, format);
  return hint === e.hint ? r : { ...r, error: new VerifyError(e.code, e.message, e.location, hint) };
}

const us1 = (us: number): number => Math.round(us * 10) / 10;

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
      "compare-kernel": { type: "boolean" },
      rounds: { type: "string" },
      "no-warm-up": { type: "boolean" },
    });
    if (positionals.length === 0) throw new UsageError("expected at least one FILE or directory");
    const type = programType(values.type ?? "sk_reuseport");
    if (type === undefined) throw new UsageError(`--type '${values.type}' is unknown; expected sk_reuseport`);
    const attachName = values.attach;
    if (attachName !== undefined && type.attachTypes[attachName] === undefined)
      throw new UsageError(`--attach expects ${Object.keys(type.attachTypes).join(" or ")}, got '${attachName}'`);
    const cliMaps = (values.map ?? []).map(parseMapArg);
    const level = intOption("log-level", values["log-level"], 0, 0, 2) as 0 | 1 | 2;
    const compare = values["compare-kernel"] === true;
    if (compare && (values.strict === true || values.unprivileged === true || values["log-level"] !== undefined)) {
      throw new UsageError(
        "--compare-kernel takes no --strict, --unprivileged or --log-level",
        "the kernel is asked as a privileged loader with its default rules and log level 4 (statistics)",
      );
    }
    const files = expand(positionals);
    if (values.program !== undefined && !files.some((f) => f.endsWith(".o")))
      throw new UsageError(`--program applies to ELF objects (.o); none given`);
    // An object or a policy declares its own maps; a --map that would be ignored is an error, not a surprise.
    const selfDescribing = files.filter((f) => f.endsWith(".o") || f.endsWith(".baton"));
    if (cliMaps.length > 0 && selfDescribing.length > 0) {
      throw new UsageError(
        `--map applies to .s and .bin programs; ${selfDescribing[0]} declares its own maps`,
        "verify objects and policies in a separate run, without --map",
      );
    }
    if (!compare && values.rounds !== undefined) throw new UsageError("--rounds applies to --compare-kernel");
    const rounds = intOption("rounds", values.rounds, 1, 1, 1000);
    const settings: Settings = { type, attachName, cliMaps, program: values.program };
    if (!compare && values["no-warm-up"] !== undefined)
      throw new UsageError("--no-warm-up applies to --compare-kernel");
    if (compare) return compareKernel(files, settings, rounds, values["no-warm-up"] !== true, values.json === true, io);
    let failed = 0;
    const started = performance.now();
    for (const file of files) {
      let loaded: Loaded;
      try {
        loaded = await load(file, values.program);
        if (loaded.structural !== undefined) throw loaded.structural;
      } catch (e) {
        if (!(e instanceof BatonError) || e instanceof UsageError) throw e;
        failed++;
        if (values.json === true) {
          const loc = e.location;
          const insn = loc === undefined ? null : isSourceSpan(loc) ? null : loc.insn;
          io.out(
            JSON.stringify({
              file,
              accepted: false,
              processed: 0,
              states: 0,
              peak_states: 0,
              verify_us: null,
              error: {
                insn,
                message: e.message,
                line: isSourceSpan(loc) ? loc.line : null,
                hint: e.hint ?? null,
                path: [],
              },
              warnings: [],
              log: "",
            }),
          );
        } else io.err(formatError(e, isSourceSpan(e.location) ? readFileSafe(e.location.file) : undefined));
        continue;
      }
      const timed = verifyTimed(loaded.insns, {
        type,
        attachType: attachTypeOf(file, loaded, settings),
        maps: mapsOf(loaded, settings),
        unprivileged: values.unprivileged === true,
        strict: values.strict === true,
        logLevel: level,
        ...(loaded.sourceMap !== undefined ? { sourceMap: loaded.sourceMap } : {}),
      });
      const r = withHint(timed.result, loaded.format);
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
            peak_states: r.peakStates,
            verify_us: us1(timed.us),
            error:
              e === null
                ? null
                : {
                    insn: r.detail?.insn ?? null,
                    message: e.message,
                    line: isSourceSpan(loc) ? loc.line : null,
                    hint: e.hint ?? null,
                    path: r.detail?.path ?? [],
                  },
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
    // Several programs (or a directory): one line that says how the run went, after the details.
    if (values.json !== true && (files.length > 1 || positionals.some(isDirectory))) {
      io.out(verifySummary(files.length, files.length - failed, performance.now() - started));
    }
    return failed > 0 ? 1 : 0;
  },
};

/** `12 programs: 10 accepted, 2 rejected (84.1 ms)`: rejected counts unreadable files too. */
export function verifySummary(total: number, accepted: number, ms: number): string {
  return `${plural(total, "program")}: ${accepted} accepted, ${total - accepted} rejected (${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms)`;
}

/** Baton's side of a comparison row; the time is the fastest of `rounds` runs. */
async function batonSide(
  file: string,
  s: Settings,
  rounds: number,
): Promise<{ side: SideResult; loaded: Loaded | null }> {
  let loaded: Loaded;
  try {
    loaded = await load(file, s.program);
  } catch (e) {
    if (!(e instanceof BatonError) || e instanceof UsageError) throw e;
    return {
      side: { accepted: false, processed: null, states: null, peakStates: null, us: null, error: e.message },
      loaded: null,
    };
  }
  if (loaded.structural !== undefined)
    return {
      side: {
        accepted: false,
        processed: null,
        states: null,
        peakStates: null,
        us: null,
        error: loaded.structural.message,
      },
      loaded,
    };
  const options = {
    type: s.type,
    attachType: attachTypeOf(file, loaded, s),
    maps: mapsOf(loaded, s),
    logLevel: 0 as const,
  };
  let { result: r, us } = verifyTimed(loaded.insns, options);
  for (let i = 1; i < rounds; i++) {
    const again = verifyTimed(loaded.insns, options);
    if (again.us < us) ({ result: r, us } = again);
  }
  return {
    side: {
      accepted: r.accepted,
      processed: r.processed,
      states: r.states,
      peakStates: r.peakStates,
      us,
      error: r.error?.message ?? null,
    },
    loaded,
  };
}

/** The kernel's side: the same bytes, maps and attach type, log level 4 for its statistics; the fastest of `rounds`
 * loads. */
async function kernelSide(file: string, loaded: Loaded, s: Settings, rounds: number): Promise<SideResult> {
  let k: KernelVerdict;
  try {
    const request = { attachType: attachTypeOf(file, loaded, s), maps: mapsOf(loaded, s), logLevel: BPF_LOG_STATS };
    k = await kernelVerify(loaded.bytes, request);
    for (let i = 1; i < rounds; i++) {
      const again = await kernelVerify(loaded.bytes, request);
      if ((again.stats.verificationUs ?? Infinity) < (k.stats.verificationUs ?? Infinity)) k = again;
    }
  } catch (e) {
    // The bridge refuses a request it cannot load (an lddw naming an undeclared map): the kernel would refuse the fd.
    if (e instanceof BytecodeError || e instanceof InputError)
      return {
        accepted: false,
        processed: null,
        states: null,
        peakStates: null,
        us: null,
        error: `not loaded: ${e.message}`,
      };
    throw e;
  }
  const st = k.stats;
  return {
    accepted: k.accepted,
    processed: st.processed ?? null,
    states: st.totalStates ?? null,
    peakStates: st.peakStates ?? null,
    us: st.verificationUs ?? null,
    error: kernelFirstError(k),
  };
}

const sideJson = (x: SideResult | null) =>
  x === null
    ? null
    : {
        accepted: x.accepted,
        processed: x.processed,
        states: x.states,
        peak_states: x.peakStates,
        verify_us: x.us === null ? null : us1(x.us),
        error: x.error,
      };

/**
 * `--compare-kernel`: every file through both verifiers (compare-kernel.ts renders the table).
 * Without a kernel to ask, the reason goes to stderr and Baton's columns are printed alone, exit 0.
 * Exit 1 when any verdict differs.
 */
async function compareKernel(
  files: readonly string[],
  s: Settings,
  rounds: number,
  warmUp: boolean,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const avail = kernelAvailability();
  if (!avail.available) io.err(`note: kernel not asked (${avail.reason}); Baton's columns only`);
  // Before any timing, so the first programs are not timed in V8's interpreter (verifier-warmup.ts).
  if (warmUp) warmUpVerifier(WARM_UP_ROUNDS);
  const rows: CompareRow[] = [];
  for (const file of files) {
    const { side, loaded } = await batonSide(file, s, rounds);
    const kernel = avail.available && loaded !== null ? await kernelSide(file, loaded, s, rounds) : null;
    const row: CompareRow = { file, baton: side, kernel };
    rows.push(row);
    if (json)
      io.out(JSON.stringify({ file, baton: sideJson(side), kernel: sideJson(kernel), agreement: agreement(row) }));
  }
  const sum = summarize(rows);
  if (json) {
    const r = (x: RatioStats | null) => (x === null ? null : { n: x.n, median: x.median, p90: x.p90 });
    io.out(
      JSON.stringify({
        summary: {
          programs: sum.programs,
          compared: sum.compared,
          agree: sum.agree,
          over_accepts: sum.overAccepts,
          under_accepts: sum.underAccepts,
          processed_ratio: r(sum.processedRatio),
          time_ratio: r(sum.timeRatio),
          kernel: avail.available ? "asked" : `not asked: ${avail.reason}`,
        },
      }),
    );
  } else
    io.out(`${compareTable(rows)}

${summaryLine(sum)}`);
  return sum.overAccepts + sum.underAccepts > 0 ? 1 : 0;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
