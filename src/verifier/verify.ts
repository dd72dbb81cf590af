/**
 * The verifier: symbolic execution of every path from instruction 0. This module prepares the
 * walk (lddw resolution, CFG check, entry registers) and reports its outcome; the walk itself is
 * do-check.ts (the kernel's `do_check`, vm-anchors §2.1). The other side of each undecided
 * branch is pushed on an explicit stack. At prune points the state is compared with states already seen there
 * (visited.ts, the kernel's `is_state_visited`): covered by a fully explored one, the path is
 * cut; identical to one still being explored (a loop that made no progress), "infinite loop
 * detected at insn N". What "covered" means — precise scalars, linked ids, live registers and
 * slots — is states-equal.ts, backtrack.ts and liveness.ts. The walk keeps each path's
 * history of jumps, spills, fills and linked registers, which precision backtracking walks.
 * The kernel's budget of 1,000,000 processed instructions bounds everything else.
 *
 * The first error ends verification, with the instruction, the register state that led to
 * it, the branches taken on the way, and a hint where one is known.
 * Return values follow the kernel: for sk_reuseport it checks no range and lets privileged
 * loaders return a pointer, so both only produce a warning (any value other than SK_PASS
 * refuses the connection at run time, R10/R12); `strict` turns them into rejections
 * (test/verifier/KNOWN_DIFFERENCES.md).
 * Deliberately absent: tail calls, kfuncs, BTF, may_goto, callbacks (bpf_loop), spin locks.
 */
import { VerifyError, type SourceSpan } from "../errors.js";
import { OP_DESC, Op, type Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY, type ProgramType } from "../vm/program-type.js";
import { registerRanges } from "../vm/jit/ranges.js";
import { checkCfg, type Cfg } from "./check-cfg.js";
import { Env } from "./env.js";
import { FactsRecorder, type InsnFacts } from "./facts-record.js";
import { formatState } from "./format.js";
import { resolveAllLddw, type StepOptions } from "./step.js";
import { scalarConst } from "./scalar.js";
import { mkReg, newFrame, scalarReg, ZERO, type Frame } from "./state.js";
import { StackLiveness } from "./liveness.js";
import { ownInsns, type OwnInsn } from "./own-insns.js";
import { DoCheck, insnText, pathList } from "./do-check.js";

export const INSN_BUDGET = 1_000_000;

export interface VerifyOptions {
  readonly type: ProgramType;
  readonly attachType: number;
  readonly maps: readonly MapSpec[];
  readonly unprivileged?: boolean;
  readonly logLevel?: 0 | 1 | 2;
  readonly sourceMap?: (insn: number) => SourceSpan | undefined;
  /** Processed-instruction budget (default: the kernel's 1,000,000). */
  readonly budget?: number;
  /** Reject (instead of warn about) a return value outside the type's return range or a pointer. */
  readonly strict?: boolean;
  /**
   * A memory program (program-type.ts `MEMORY_PROGRAM`): r1 points at this many bytes of input,
   * readable and writable, and r2 holds the count; no context. The input is checked as one map
   * value of that size (the kernel has no such program type; this is the nearest it has).
   * With 0 bytes r1 is NULL, as `baton run` passes it.
   */
  readonly memory?: number;
}

/** The map spec the input of a memory program is checked as. */
function memoryInput(size: number): MapSpec {
  return { fd: -1, name: "input", type: BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: size, maxEntries: 1 };
}

/** A loop found while exploring: the back-edge target and the most iterations seen on one path. */
export interface LoopBound {
  readonly head: number;
  readonly maxIterations: number;
}

export type { InsnFacts };

export interface RejectDetail {
  readonly insn: number;
  /** The instruction in kernel style, e.g. `(61) r1 = *(u32 *)(r0 +8)`. */
  readonly text: string;
  /** Register state before the failing instruction, kernel style. */
  readonly state: string;
  /** Branches taken on the failing path: `6 -> 9` each. */
  readonly path: readonly string[];
}

export interface VerifyResult {
  readonly accepted: boolean;
  readonly processed: number;
  readonly states: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
  readonly stackDepth: number;
  readonly loops: readonly LoopBound[];
  readonly error: VerifyError | null;
  readonly detail: RejectDetail | null;
  readonly log: string;
  readonly facts?: readonly (InsnFacts | undefined)[];
  /** Warnings (first per instruction, in the order found), e.g. `insn 1: R0 may be 2 at exit; …`. */
  readonly warnings: readonly string[];
}

export function verify(input: readonly Insn[], options: VerifyOptions): VerifyResult {
  const insns = ownInsns(input);
  const maps = new Map<number, MapSpec>(options.maps.map((m) => [m.fd, m]));
  const env = new Env(insns, options.type, maps, options.unprivileged === true, options.attachType);
  const level = options.logLevel ?? 0;
  env.logging = level >= 1;
  const budget = options.budget ?? INSN_BUDGET;
  const log: string[] = [];
  const recorder = new FactsRecorder(insns.length);
  const warned = new Map<number, string>();
  const stepOpts: StepOptions = {
    strict: options.strict === true,
    warn: (i, w) => {
      if (!warned.has(i)) warned.set(i, `insn ${i}: ${w}`);
    },
  };
  const report = { insns, options, env, level, budget, log, recorder, warned };
  let cfg: Cfg;
  try {
    // The kernel resolves every lddw before anything else (resolve_pseudo_ldimm64), so a bad
    // map reference is an error even in code no path reaches.
    resolveAllLddw(env, insns);
    cfg = checkCfg(insns, options.type, env.unprivileged);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const at = (e.location as { insn: number }).insn;
    return result(report, undefined, undefined, e, {
      insn: at,
      text: insnText(insns, at, options.type),
      state: "",
      path: [],
    });
  }
  const liveness = new StackLiveness(insns, cfg.isStart, cfg.subprogs);
  env.liveness = liveness;
  const walk = new DoCheck({
    env,
    insns,
    type: options.type,
    cfg,
    liveness,
    recorder,
    stepOpts,
    level,
    budget,
    log,
    init: initialFrame(options),
  });
  try {
    walk.run();
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const at = env.insnIdx;
    return result(report, cfg, walk, e, {
      insn: at,
      text: insnText(insns, at, options.type),
      state: formatState(env.cur),
      path: pathList(walk.cur.path),
    });
  }
  return result(report, cfg, walk, null, null);
}

/** Registers at entry: r1 the context, or for a memory program the input and its length in r2. */
function initialFrame(options: VerifyOptions): Frame {
  const init = newFrame(0, -1);
  if (options.memory === undefined) init.regs[1] = mkReg("ctx", ZERO, 0, 0);
  else {
    init.regs[1] = options.memory > 0 ? mkReg("map_value", ZERO, 0, 0, memoryInput(options.memory)) : scalarReg(ZERO);
    init.regs[2] = scalarReg(scalarConst(options.memory));
  }
  return init;
}

/** What `result` reports from besides the walk. */
interface ReportInputs {
  readonly insns: readonly OwnInsn[];
  readonly options: VerifyOptions;
  readonly env: Env;
  readonly level: number;
  readonly budget: number;
  readonly log: string[];
  readonly recorder: FactsRecorder;
  readonly warned: Map<number, string>;
}

/** The verdict with its statistics, log and warnings (`walk` undefined: rejected before walking). */
function result(
  r: ReportInputs,
  cfg: Cfg | undefined,
  walk: DoCheck | undefined,
  error: VerifyError | null,
  detail: RejectDetail | null,
): VerifyResult {
  const { insns, options, env, level, log, recorder, warned } = r;
  const explored = walk?.explored;
  const processed = walk?.processed ?? 0;
  const stackDepth = walk?.stackDepth ?? 0;
  const stats = `processed ${processed} insns (limit ${r.budget}) max_states_per_insn ${explored?.maxPerInsn ?? 0} total_states ${explored?.total ?? 0} peak_states ${explored?.peak ?? 0} mark_read 0`;
  const loops =
    walk === undefined
      ? []
      : walk.loopHeads
          .filter((_, k) => walk.loopMax[k]! > 1)
          .map((head) => ({ head, maxIterations: walk.loopMax[walk.loopHeads.indexOf(head)]! }));
  let out: string[] = [];
  // Without a pruned path every path to an exit was walked, and warned there itself.
  if (error === null && cfg !== undefined && walk !== undefined && walk.prunedPaths > 0)
    returnWarnings(insns, cfg, recorder, warned, options.type);
  if (error === null) {
    if (level === 2) out = log;
    if (level >= 1)
      out.push(
        ...[...warned.values()].map((w) => `warning: ${w}`),
        stats,
        `stack depth ${stackDepth}`,
        ...loops.map((l) => `loop at insn ${l.head}: up to ${l.maxIterations} iterations on one path`),
      );
  } else if (level >= 1) out = [...log, error.message, ...env.extra, stats];
  let err = error;
  if (err !== null && options.sourceMap !== undefined && err.location !== undefined && "insn" in err.location) {
    const span = options.sourceMap(err.location.insn);
    if (span !== undefined) err = new VerifyError(err.code, err.message, span, err.hint);
  }
  return {
    accepted: error === null,
    processed,
    states: explored?.total ?? 0,
    peakStates: explored?.peak ?? 0,
    maxStatesPerInsn: explored?.maxPerInsn ?? 0,
    stackDepth,
    loops,
    error: err,
    detail,
    log: out.length > 0 ? out.join("\n") + "\n" : "",
    facts: recorder.facts,
    warnings: [...warned.values()],
  };
}

/**
 * Warnings the walked paths may have missed: pruning cuts a path whose state is covered by an
 * explored one, and an imprecise r0 covers any value. The register ranges of every path
 * (src/vm/jit/ranges.ts, joined at every merge) bound r0 at each exit of the main program;
 * where they allow a value other than 0 or 1 and no walked path warned, say that it may.
 * Only needed when some path was pruned: otherwise every path was walked to its exit.
 */
function returnWarnings(
  insns: readonly OwnInsn[],
  cfg: Cfg,
  recorder: FactsRecorder,
  warned: Map<number, string>,
  type: ProgramType,
): void {
  const mainEnd = cfg.subprogs.length > 0 ? Math.min(...cfg.subprogs) : insns.length;
  const [lo, hi] = type.retRange;
  const exits: number[] = [];
  for (let i = 0; i < mainEnd; i++)
    if (cfg.isStart[i] && insns[i]!.op === Op.EXIT && !warned.has(i) && !returnsConstantIn(insns, cfg, i, lo, hi))
      exits.push(i);
  if (exits.length === 0) return;
  const facts = recorder.facts;
  const ranges = registerRanges(insns, (pc) => facts[pc]?.callReadsOnly === true);
  for (const i of exits) {
    const r0 = ranges[i]?.[0];
    if (r0 !== undefined && r0.lo >= lo && r0.hi <= hi) continue;
    const what = r0 === undefined || r0.hi === Infinity ? "any value" : `up to ${r0.hi}`;
    warned.set(
      i,
      `insn ${i}: R0 may be ${what} at exit on some path; any value other than SK_PASS (${hi}) refuses the connection`,
    );
  }
}

/**
 * Does every path reach exit `i` through `r0 = K` (K in [lo, hi]) and then only instructions
 * that leave r0 alone, none of them entered out of sequence? Then r0 is K there whatever was
 * pruned (the common `r0 = 1; exit`), and the all-paths analysis has nothing to add.
 */
function returnsConstantIn(insns: readonly OwnInsn[], cfg: Cfg, i: number, lo: number, hi: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    if (cfg.jmpPoint[j + 1]) return false;
    if (!cfg.isStart[j]) continue; // an lddw's second slot
    const x = insns[j]!;
    switch (OP_DESC[x.op]!.kind) {
      case "alu":
      case "end": {
        if (x.dst !== 0) continue;
        if (x.op !== Op.MOV64_K && x.op !== Op.MOV32_K) return false;
        const k = x.op === Op.MOV64_K ? x.imm : x.imm >>> 0;
        return k >= lo && k <= hi;
      }
      case "ldx":
      case "ldxsx":
        if (x.dst !== 0) continue;
        return false;
      case "st":
      case "stx":
        continue;
      // Jumps write no register (a path that jumps away does not reach i through here).
      case "jmp":
      case "ja":
      case "callx":
        continue;
      default:
        return false;
    }
  }
  return false;
}
