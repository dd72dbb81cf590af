/**
 * `baton verify FILE…`: run Baton's verifier on assembly (.s) or raw bytecode (.bin) files, or on
 * every .s/.bin in a directory, in one process. Maps come from `--map` or, for .s files, from a
 * `# maps:` header line (as in the verifier corpus); the attach type likewise from `# attach:`.
 * Exit 0 when every program is accepted, 1 when any is rejected or cannot be read.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BatonError, BytecodeError, formatError, InputError, UsageError, isSourceSpan, type SourceSpan } from "../../errors.js";
import { assembleProgram } from "../../vm/asm/assembler.js";
import { decode, SLOT_SIZE, type Insn } from "../../vm/isa.js";
import type { MapSpec } from "../../vm/map-spec.js";
import { programType } from "../../vm/program-type.js";
import { parseMapArg } from "../../verifier/map-arg.js";
import { verify, type VerifyResult } from "../../verifier/index.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";

const USAGE = `baton verify FILE… [--type sk_reuseport] [--attach select|select_or_migrate] [--map FD:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES …] [--json] [--log-level 0|1|2] [--unprivileged]
  FILE: .s (assembly) or .bin (raw 8-byte slots), or a directory of them
  --map: TYPE is a number or array, hash, lru_hash, reuseport_sockarray, sockmap, sockhash
         (.s files may declare maps in a '# maps: 3:array:4:8:4 …' line instead)
  --json: one JSON object per line per file
  --log-level 2: print the per-instruction state trace, as the kernel's verbose log
  --unprivileged: apply the rules for loaders without CAP_BPF (no back-edges, no pointer leaks, no uninitialized stack reads)`;

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
        .filter((f) => f.endsWith(".s") || f.endsWith(".bin"))
        .sort()
        .map((f) => join(p, f));
      if (files.length === 0) throw new InputError("input.empty-dir", `directory '${p}' holds no .s or .bin files`);
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
  insns: Insn[];
  spans?: readonly SourceSpan[];
  source?: string;
  maps?: MapSpec[];
  attach?: string;
}

function load(file: string): Loaded {
  if (file.endsWith(".s")) {
    const source = readFileSync(file, "utf8");
    const prog = assembleProgram(source, file);
    const maps = headerLine(source, "maps");
    const attach = headerLine(source, "attach");
    return {
      // The verifier itself reports malformed control flow and operands, in the kernel's words.
      insns: decode(prog.bytes),
      spans: prog.slotSpans,
      source,
      ...(maps !== undefined ? { maps: maps.split(/\s+/).filter((x) => x !== "").map(parseMapArg) } : {}),
      ...(attach !== undefined ? { attach } : {}),
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError("input.unreadable", `cannot read '${file}': ${(e as Error).message}`);
  }
  if (bytes.length === 0 || bytes.length % SLOT_SIZE !== 0) {
    throw new BytecodeError("verify.length", `'${file}' is ${bytes.length} bytes; expected a non-empty multiple of ${SLOT_SIZE} (8-byte instructions)`, { file, insn: Math.floor(bytes.length / SLOT_SIZE) });
  }
  return { insns: decode(bytes) };
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
    let failed = 0;
    for (const file of files) {
      let loaded: Loaded;
      try {
        loaded = load(file);
      } catch (e) {
        if (!(e instanceof BatonError)) throw e;
        failed++;
        if (values.json === true) io.out(JSON.stringify({ file, accepted: false, processed: 0, states: 0, error: { insn: null, message: e.message, line: isSourceSpan(e.location) ? e.location.line : null }, log: "" }));
        else io.err(formatError(e, isSourceSpan(e.location) ? readFileSafe(file) : undefined));
        continue;
      }
      const attach = attachName ?? loaded.attach ?? "select_or_migrate";
      const attachType = type.attachTypes[attach];
      if (attachType === undefined) throw new UsageError(`${file}: attach type '${attach}' is unknown; expected ${Object.keys(type.attachTypes).join(" or ")}`);
      const spans = loaded.spans;
      const r = verify(loaded.insns, {
        type,
        attachType,
        maps: cliMaps.length > 0 ? cliMaps : loaded.maps ?? [],
        unprivileged: values.unprivileged === true,
        logLevel: level,
        ...(spans !== undefined ? { sourceMap: (i: number) => spans[i] } : {}),
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
            log: r.log,
          }),
        );
      } else if (r.accepted) io.out(report(file, r, loaded.source, level));
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
