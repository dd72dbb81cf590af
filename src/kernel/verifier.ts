/**
 * The kernel verifier bridge: hands bytecode and map declarations to `native/bpf_verify`,
 * which creates the maps, rewrites `lddw src=1|2 imm=fd` to the real fds and calls
 * BPF_PROG_LOAD as BPF_PROG_TYPE_SK_REUSEPORT; the verdict is the machine's kernel's.
 * Baton's own verifier is tested against this (the kernel is the ground truth).
 *
 * Deliberately absent: BTF and func_info (Baton programs carry none), and program types
 * other than sk_reuseport (the tool hard-codes type 21).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { platform } from "node:os";
import { BytecodeError, InputError } from "../errors.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import type { MapSpec } from "../vm/map-spec.js";
import { encode, makeInsn, BPF_ALU64, BPF_MOV, BPF_K, OP_EXIT, SLOT_SIZE } from "../vm/isa.js";
import { buildNative, buildNativeSync } from "./build.js";

/** BPF_LOG_STATS (include/linux/bpf_verifier.h): the statistics, "verification time" included, without the trace. */
export const BPF_LOG_STATS = 4;

export interface KernelVerifyOptions {
  /** expected_attach_type: 39 (select) or 40 (select_or_migrate); 0 lets the kernel choose 39. */
  readonly attachType: number;
  readonly maps: readonly MapSpec[];
  /**
   * BPF log level, a bit set: 1 (default) the path to a rejection, 2 every state, 4
   * (BPF_LOG_STATS) the statistics alone, with "verification time N usec" (Linux 6.18 prints
   * that line only with bit 4); 0 no log.
   */
  readonly logLevel?: number;
}

export interface KernelVerdict {
  readonly accepted: boolean;
  /** errno of the failing call (0 when accepted): EACCES/EINVAL from the verifier, etc. */
  readonly errno: number;
  /** The verifier log (empty when log level 0). */
  readonly log: string;
  /** Where it stopped: `map` (BPF_MAP_CREATE refused a map) or `load` (BPF_PROG_LOAD). */
  readonly stage: "map" | "load";
  /** For a `map` failure: which map and why. */
  readonly detail?: string;
  /** The statistics the log ends with (fields absent when the log level did not print them). */
  readonly stats: KernelStats;
}

/** The kernel's closing statistics lines (`print_verification_stats`). */
export interface KernelStats {
  /** "verification time N usec": bpf_check()'s own duration (log level with bit 4 only). */
  readonly verificationUs?: number;
  readonly stackDepth?: number;
  /** "processed N insns (limit …) max_states_per_insn M total_states T peak_states P …". */
  readonly processed?: number;
  readonly maxStatesPerInsn?: number;
  readonly totalStates?: number;
  readonly peakStates?: number;
}

export interface KernelAvailability {
  readonly available: boolean;
  readonly reason: string;
}

/** Render the request the native tool reads (see native/bpf_verify.c). */
export function verifyRequest(bytes: Uint8Array, opts: KernelVerifyOptions): string {
  const lines = [`attach ${opts.attachType >>> 0}`, `loglevel ${(opts.logLevel ?? 1) >>> 0}`];
  for (const m of opts.maps)
    lines.push(
      `map ${m.fd | 0} ${m.type >>> 0} ${m.keySize >>> 0} ${m.valueSize >>> 0} ${m.maxEntries >>> 0} ${(m.flags ?? 0) >>> 0}`,
    );
  lines.push(`prog ${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`);
  return lines.join("\n") + "\n";
}

const STAT_PATTERNS: readonly [keyof KernelStats, RegExp][] = [
  ["verificationUs", /^verification time (\d+) usec$/m],
  ["stackDepth", /^stack depth (\d+)/m],
  ["processed", /^processed (\d+) insns/m],
  ["maxStatesPerInsn", /^processed .* max_states_per_insn (\d+)/m],
  ["totalStates", /^processed .* total_states (\d+)/m],
  ["peakStates", /^processed .* peak_states (\d+)/m],
];

/** The statistics lines of a verifier log (mirrors print_verification_stats in kernel/bpf/verifier.c). */
export function kernelStats(log: string): KernelStats {
  const out: { -readonly [K in keyof KernelStats]: number } = {};
  for (const [key, re] of STAT_PATTERNS) {
    const m = re.exec(log);
    if (m !== null) out[key] = Number(m[1]);
  }
  return out;
}

/**
 * The kernel's error in a rejection log: the first line after the last instruction of the
 * trace that is not register state or statistics (with log level 4 there is no trace, and it
 * is the first line that is not statistics). For a map the kernel refused, the bridge's detail.
 */
export function kernelFirstError(
  v: Pick<KernelVerdict, "accepted" | "log" | "stage" | "detail" | "errno">,
): string | null {
  if (v.accepted) return null;
  if (v.stage === "map") return v.detail ?? `BPF_MAP_CREATE failed (errno ${v.errno})`;
  // The budget message follows the last instruction's text on its own line (do_check prints
  // it mid-line, before the trace's newline).
  const budget = /BPF program is too large\. Processed \d+ insn/.exec(v.log);
  if (budget !== null) return budget[0];
  const lines = v.log.trimEnd().split("\n");
  let last = -1;
  lines.forEach((l, i) => {
    if (/^(\d+: |from \d+ to \d+)/.test(l)) last = i;
  });
  const msg = lines
    .slice(last + 1)
    .find(
      (l) =>
        !/^(processed \d+ insns|cur state:|old state:|caller:|callee:|returning from callee:|to caller at|; |verification time|stack depth|\s|R\d+=|frame\d|$)/.test(
          l,
        ),
    );
  return msg ?? `rejected with errno ${v.errno} and no message`;
}

/** Parse the tool's reply; throws InputError/BytecodeError for requests the tool refused as malformed. */
export function parseVerdict(out: Buffer): KernelVerdict {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) break;
    const line = out.subarray(at, nl).toString("utf8");
    at = nl + 1;
    const sp = line.indexOf(" ");
    const key = sp < 0 ? line : line.slice(0, sp);
    fields.set(key, sp < 0 ? "" : line.slice(sp + 1));
    if (key === "log") break;
  }
  const logLen = Number(fields.get("log"));
  if (!fields.has("accepted") || !Number.isInteger(logLen)) {
    throw new InputError(
      "kernel.protocol",
      `bpf_verify replied in an unexpected form: expected 'accepted …' … 'log N', got '${out.subarray(0, 80).toString("utf8")}'`,
    );
  }
  const stage = fields.get("stage");
  const detail = fields.get("detail");
  const errno = Number(fields.get("errno"));
  if (stage === "input") {
    const m = /^insn (\d+): (.*)$/.exec(detail ?? "");
    if (m !== null) throw new BytecodeError("kernel.unknown-map", m[2]!, { insn: Number(m[1]) });
    throw new InputError("kernel.request", `bpf_verify refused the request: ${detail ?? "no detail"}`);
  }
  const log = out.subarray(at, at + logLen).toString("utf8");
  return {
    accepted: fields.get("accepted") === "1",
    errno,
    log,
    stage: stage === "map" ? "map" : "load",
    ...(detail !== undefined ? { detail } : {}),
    stats: kernelStats(log),
  };
}

/** Load `bytes` in the running kernel and report its verdict. Needs `kernelAvailability().available`. */
export async function kernelVerify(bytes: Uint8Array, opts: KernelVerifyOptions): Promise<KernelVerdict> {
  if (bytes.length % SLOT_SIZE !== 0) {
    throw new BytecodeError("kernel.length", `program is ${bytes.length} bytes, expected a multiple of ${SLOT_SIZE}`, {
      insn: Math.floor(bytes.length / SLOT_SIZE),
    });
  }
  const tool = await buildNative("bpf_verify");
  const request = verifyRequest(bytes, opts);
  const out = await new Promise<Buffer>((resolvePromise, reject) => {
    const child = spawn(tool, [], { stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (e) => reject(new InputError("kernel.spawn", `cannot run ${tool}: ${e.message}`)));
    // The exit status carries no verdict (the reply does); only a signal means no reply.
    child.on("close", (_code, signal) => {
      if (signal !== null)
        reject(
          new InputError("kernel.crash", `bpf_verify was killed by ${signal}${stderr ? `: ${stderr.trim()}` : ""}`),
        );
      else resolvePromise(Buffer.concat(chunks));
    });
    child.stdin.end(request);
  });
  return parseVerdict(out);
}

let cached: KernelAvailability | undefined;

function hasCap(bit: number): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(bit)) & 1n) === 1n;
  } catch {
    return false;
  }
}

const CAP_SYS_ADMIN = 21;
const CAP_BPF = 39;

/** Whether kernel checks can run here; computed once (builds the tool and loads `r0 = 1; exit`). */
export function kernelAvailability(): KernelAvailability {
  if (cached === undefined) cached = probe();
  return cached;
}

function probe(): KernelAvailability {
  if (platform() !== "linux") return { available: false, reason: `not Linux (platform ${platform()})` };
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root && !hasCap(CAP_BPF) && !hasCap(CAP_SYS_ADMIN))
    return { available: false, reason: "not root and no CAP_BPF/CAP_SYS_ADMIN" };
  let tool: string;
  try {
    tool = buildNativeSync("bpf_verify");
  } catch (e) {
    return {
      available: false,
      reason: `cannot build native/bpf_verify.c (is gcc installed?): ${(e as Error).message}`,
    };
  }
  const trivial = encode([makeInsn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), makeInsn(OP_EXIT)], true);
  const r = spawnSync(tool, [], {
    input: verifyRequest(trivial, { attachType: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, maps: [], logLevel: 0 }),
    timeout: 30_000,
  });
  if (r.error !== undefined) return { available: false, reason: `cannot run bpf_verify: ${r.error.message}` };
  try {
    const v = parseVerdict(r.stdout);
    if (!v.accepted)
      return {
        available: false,
        reason: `the kernel refused a trivial sk_reuseport program (errno ${v.errno}); bpf() unavailable or restricted`,
      };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
  return { available: true, reason: "Linux, privileged, gcc present, trivial sk_reuseport program loads" };
}
