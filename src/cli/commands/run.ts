/**
 * `baton run FILE (.s | .bin) [--mem HEX | --mem-file FILE] [--engine interp|jit] [--json]`:
 * structural check, then one run with r1 = the input memory (0 when there is none) and r2 = its
 * length. Also exports the program/memory loading that `baton bench` shares.
 *
 * No helpers are registered for a bare run (a call traps as "not available here"); program
 * types with helpers and maps run through the sk_reuseport runtime, not this command.
 */
import { InputError, UsageError, VmTrap, formatError } from "../../errors.js";
import type { LoadedProgram } from "../load-program.js";
import { engineFor, gateProgram, inFile, loadCheckedProgram, memoryProgramEngine } from "../verified-program.js";
import { isPolicy, runPolicyOnce } from "../policy-run.js";
import type { Engine } from "../../vm/engine.js";
import { engineByName } from "../../vm/engines.js";
import type { HelperFn } from "../../vm/helper-abi.js";
import { AddressSpace } from "../../vm/memory.js";
import { intOption, parseCommandArgs, type CliIO, type Command } from "../command.js";
import { readInput } from "./asm.js";
import { plural } from "../../plural.js";

/**
 * Load any program file the CLI accepts (.s, .bin, .o, .baton; see load-program.ts) and run the
 * structural check, so engines only ever see well-formed bytecode.
 */
export const loadProgram = loadCheckedProgram;

/**
 * Hex bytes: whitespace-separated pairs (`aa bb 01`) or one run (`aabb01`), optional `0x`
 * prefixes and `#` comments. `where` names the source for messages.
 */
export function parseHexBytes(text: string, where: string): Uint8Array {
  const out: number[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/#.*$/, "");
    for (const m of line.matchAll(/\S+/g)) {
      const tok = m[0].replace(/^0x/i, "");
      if (!/^[0-9a-fA-F]+$/.test(tok) || tok.length % 2 !== 0) {
        const msg = `expected hex bytes (pairs of hex digits), got '${m[0]}'`;
        if (where.startsWith("--")) throw new UsageError(`${where}: ${msg}`);
        throw new InputError("input.bad-hex", msg, {
          file: where,
          line: n + 1,
          col: (m.index ?? 0) + 1,
          length: m[0].length,
        });
      }
      for (let i = 0; i < tok.length; i += 2) out.push(Number.parseInt(tok.slice(i, i + 2), 16));
    }
  }
  return Uint8Array.from(out);
}

/** The input memory from `--mem` / `--mem-file` (empty when neither is given). */
export function memoryFrom(values: { mem?: string | undefined; "mem-file"?: string | undefined }): Uint8Array {
  if (values.mem !== undefined && values["mem-file"] !== undefined)
    throw new UsageError("give --mem or --mem-file, not both");
  if (values.mem !== undefined) return parseHexBytes(values.mem, "--mem");
  const f = values["mem-file"];
  if (f !== undefined) return parseHexBytes(readInput(f, "utf8") as string, f);
  return new Uint8Array(0);
}

export interface PreparedRun {
  readonly engine: Engine;
  readonly r1hi: number;
  readonly r2: number;
  /** What runs: `interp`, `jit (trusted)` or `jit (checked)` (verified-program.ts). */
  readonly label: string;
  /** Why the trusted JIT does not run it, when `--engine jit` was asked for and it does not. */
  readonly why?: string;
}

/** An engine over the program with the memory in a writable region (r1 = its address). */
/**
 * Largest `--budget`: an unverified program may loop until its budget ends, and 100,000,000
 * instructions take seconds, not hours (README "Limits").
 */
export const MAX_RUN_BUDGET = 100_000_000;

export function prepare(prog: LoadedProgram, memBytes: Uint8Array, engineName: string, budget?: number): PreparedRun {
  const selected = memoryProgramEngine(prog, memBytes.length, engineName);
  const mem = new AddressSpace();
  const r1hi = memBytes.length > 0 ? mem.add("mem", memBytes, true).id : 0;
  const helpers = new Map<number, HelperFn>();
  const engine = inFile(
    () => selected.factory(prog.insns, { mem, helpers, ...(budget !== undefined ? { budget } : {}) }),
    prog.file,
  );
  return {
    engine,
    r1hi,
    r2: memBytes.length,
    label: selected.label,
    ...(selected.why !== undefined ? { why: selected.why } : {}),
  };
}

/** Print a trap with the source line of the trapping instruction, when known; returns 1. */
export function reportTrap(e: VmTrap, prog: LoadedProgram, io: CliIO): number {
  const insn = e.location !== undefined && "insn" in e.location ? e.location.insn : -1;
  let text = `${prog.file}: ${formatError(e)}`;
  const span = insn >= 0 ? prog.spans?.[insn] : undefined;
  if (span !== undefined && prog.source !== undefined) {
    const line = prog.source.split(/\r?\n/)[span.line - 1] ?? "";
    text += `\nnote: insn ${insn} is ${span.file}:${span.line}: ${line.trim()}`;
  }
  io.err(text);
  return 1;
}

/** r0 from its halves as an unsigned 64-bit value. */
export const r0Value = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

const OPTIONS = {
  mem: { type: "string" },
  "mem-file": { type: "string" },
  engine: { type: "string" },
  json: { type: "boolean" },
  budget: { type: "string" },
  program: { type: "string" },
  "no-verify": { type: "boolean" },
  hash: { type: "string" },
  migrate: { type: "string" },
  listeners: { type: "string" },
  len: { type: "string" },
  cpu: { type: "string" },
  seed: { type: "string" },
} as const;

export const command: Command = {
  name: "run",
  summary: "run a program once (r1 = input memory, r2 = its length) or a policy once, and print r0",
  usage: [
    "baton run FILE (.s | .bin) [--mem HEX | --mem-file FILE] [--engine interp|jit] [--budget N] [--json]",
    "baton run POLICY (.baton | .o) [--program NAME] [--hash N] [--migrate established|syn_recv|new_syn_recv]",
    "          [--listeners N] [--len N] [--cpu N] [--seed N] [--engine interp|jit] [--no-verify] [--json]",
    "  --mem HEX        input bytes, e.g. 'aa bb 01' or 'aabb01'",
    "  --engine interp|jit  the interpreter (default) or the JIT",
    "  --budget N       stop after N executed instructions (at most 100,000,000; default: the engine's own)",
    "  --program NAME   the program to run in an ELF object holding several",
    "  --hash N         (policy) the connection hash ctx.hash (default 0)",
    "  --migrate established|syn_recv|new_syn_recv  (policy) run for a migrating socket in this state",
    "  --listeners N    (policy) listeners in the group, filling the socket maps slot by slot (default 4)",
    "  --len N          (policy) the skb length ctx.len",
    "  --cpu N          (policy) the CPU the SYN arrived on, cpu() (default 0)",
    "  --seed N         (policy) seed of random() (default 1)",
    "  --no-verify      (policy) run it although Baton's verifier has not accepted it",
    "  --mem-file FILE  input bytes as hex text ('#' comments allowed)",
    '  --json           print {"r0": "<u64 decimal>", "executed": N} (policies add "selected": index|null and "engine")',
    "  A policy (a program with maps or an attach type) runs through the sk_reuseport hook: N listeners",
    "  (default 4) fill every socket map slot by slot; --migrate runs it for a migration instead of a SYN.",
    "  A policy runs only if Baton's verifier accepts it (then --engine jit is the trusted JIT);",
    "  --no-verify runs it unverified, with every check on, and says so on stderr.",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length !== 1) throw new UsageError(`expected one program file, got ${positionals.length}`);
    const budget = values.budget !== undefined ? intOption("budget", values.budget, 0, 1, MAX_RUN_BUDGET) : undefined;
    const prog = await loadProgram(positionals[0]!, values.program);
    if (isPolicy(prog)) return runPolicy(prog, values, budget, io);
    if (values["no-verify"] === true)
      throw new UsageError(
        "--no-verify applies to policies (programs with maps or an attach type); a plain program is not verified",
      );
    const memBytes = memoryFrom(values);
    const { engine, r1hi, r2, label, why } = prepare(prog, memBytes, values.engine ?? "interp", budget);
    if (engine.note !== undefined) io.err(`note: ${engine.note}`); // e.g. too large for the JIT
    if (why !== undefined) io.err(`note: runs on the checked JIT: ${why}`);
    let lo: number;
    try {
      lo = engine.run(r1hi, 0, r2);
    } catch (e) {
      if (e instanceof VmTrap) return reportTrap(e, prog, io);
      throw e;
    }
    const r0 = r0Value(lo, engine.r0hi);
    // The trusted JIT does not count instructions (Engine.executed is -1 there).
    const counted = engine.executed >= 0;
    if (values.json === true)
      io.out(`{"r0": "${r0}", "executed": ${counted ? engine.executed : "null"}, "engine": "${label}"}`);
    else
      io.out(
        `r0 = ${r0} (0x${r0.toString(16)})\n${counted ? `executed ${plural(engine.executed, "instruction")}` : "instructions not counted"} (${label})`,
      );
    return 0;
  },
};

type RunValues = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

function runPolicy(prog: LoadedProgram, values: RunValues, budget: number | undefined, io: CliIO): number {
  if (values.mem !== undefined || values["mem-file"] !== undefined)
    throw new UsageError(
      "--mem/--mem-file apply to plain programs; a policy's input is its context (--hash, --migrate, --len)",
    );
  engineByName(values.engine ?? "interp"); // usage errors before the verifier's work
  const context = {
    hash: intOption("hash", values.hash, 0, 0, 0xffffffff),
    ...(values.migrate !== undefined ? { migrate: values.migrate } : {}),
    listeners: intOption("listeners", values.listeners, 4, 1, 65535),
    ...(values.len !== undefined ? { len: intOption("len", values.len, 0, 0, 0xffffffff) } : {}),
    cpu: intOption("cpu", values.cpu, 0, 0, 1023),
    seed: intOption("seed", values.seed, 1),
    ...(budget !== undefined ? { budget } : {}),
  };
  const gated = gateProgram(prog, { command: "run", noVerify: values["no-verify"] === true, warn: (t) => io.err(t) });
  const engine = engineFor(gated, values.engine ?? "interp");
  let r;
  try {
    r = runPolicyOnce(gated, { ...context, engine: engine.factory });
  } catch (e) {
    if (e instanceof VmTrap) return reportTrap(e, prog, io);
    throw e;
  }
  const verdict = r.ret === 1 ? "SK_PASS" : r.ret === 0 ? "SK_DROP" : "refused (not SK_PASS)";
  if (values.json === true)
    io.out(
      `{"r0": "${r.ret >>> 0}", "executed": ${r.executed}, "selected": ${r.selected ?? "null"}, "engine": "${engine.label}"}`,
    );
  else {
    const sel = r.selected === null ? "no selection (the kernel picks by hash)" : `listener ${r.selected}`;
    io.out(
      `r0 = ${r.ret >>> 0} (${verdict})\nselected: ${r.ret === 1 ? sel : "-"}\nexecuted ${plural(r.executed, "instruction")} (${engine.label})`,
    );
  }
  return 0;
}
