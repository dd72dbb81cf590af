/**
 * The verifier: symbolic execution of every path from instruction 0 (the kernel's
 * `do_check`, vm-anchors §2.1). The other side of each undecided branch is pushed on an
 * explicit stack. At prune points the state is compared with states already seen there
 * (visited.ts, the kernel's `is_state_visited`): covered by a fully explored one, the path is
 * cut; identical to one still being explored (a loop that made no progress), "infinite loop
 * detected at insn N". What "covered" means — precise scalars, linked ids, live registers and
 * slots — is states-equal.ts, backtrack.ts and liveness.ts. This loop keeps each path's
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
import { formatInsn, helperNamesOf } from "../vm/asm/disassembler.js";
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_X,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  opClass,
  opCode,
  opMode,
  opSource,
  type Insn,
} from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY, type ProgramType } from "../vm/program-type.js";
import { registerRanges } from "../vm/jit/ranges.js";
import { checkCfg, jumpTarget, type Cfg } from "./cfg.js";
import { Env } from "./env.js";
import { FactsRecorder, type InsnFacts } from "./facts-record.js";
import { formatFrame, formatState } from "./format.js";
import { checkInsn, resolveAllLddw, type StepOptions } from "./step.js";
import type { HistEntry, LinkedReg } from "./backtrack.js";
import { isConstScalar, scalarConst } from "./scalar.js";
import { mkReg, newFrame, scalarReg, ZERO, type Reg, type VState } from "./state.js";
import { StackLiveness } from "./liveness.js";
import { ExploredStates, releasePath, requestPrecision, type Path } from "./visited.js";
import { ownInsns } from "./own-insns.js";

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

/** The path being explored, with what the log and the rejection report need. */
interface PathEntry extends Path {
  logLen: number;
  /** Branches taken so far, newest first (a shared linked list: pushing a branch is O(1)). */
  path: PathLink | null;
  /** Iterations of each loop on this path (a plain array: copied on every pushed branch). */
  loopIters: number[];
  from: number;
}

interface PathLink {
  readonly from: number;
  readonly to: number;
  readonly prev: PathLink | null;
}

/** The last `max` branches of a path, oldest first. */
function pathList(p: PathLink | null, max = 64): string[] {
  const out: string[] = [];
  for (let l = p; l !== null && out.length < max; l = l.prev) out.push(`${l.from} -> ${l.to}`);
  return out.reverse();
}

function insnText(insns: readonly Insn[], i: number, type: ProgramType): string {
  try {
    return `(${insns[i]!.opcode.toString(16).padStart(2, "0")}) ${formatInsn(insns, i, "kernel", helperNamesOf(type))}`;
  } catch {
    return `(${insns[i]!.opcode.toString(16).padStart(2, "0")}) ?`;
  }
}

/** The kernel pads the instruction to a column before `; <state>` (vlog_alignment). */
function withState(line: string, state: string): string {
  if (state === "") return line;
  const pos = line.length + 1;
  const pad = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
  return `${line}${" ".repeat(pad)}; ${state}`;
}

export function verify(input: readonly Insn[], options: VerifyOptions): VerifyResult {
  const insns = ownInsns(input);
  const maps = new Map<number, MapSpec>(options.maps.map((m) => [m.fd, m]));
  const env = new Env(insns, options.type, maps, options.unprivileged === true, options.attachType);
  const level = options.logLevel ?? 0;
  env.logging = level >= 1;
  const budget = options.budget ?? INSN_BUDGET;
  const log: string[] = [];
  let processed = 0;
  let prunedPaths = 0;
  let jmpsProcessed = 0;
  // Assigned once the CFG is checked; the closures below read it.
  // eslint-disable-next-line prefer-const
  let explored: ExploredStates | undefined;
  let stackDepth = 0;
  const recorder = new FactsRecorder(insns.length);
  const stepOpts: StepOptions = {
    strict: options.strict === true,
    warn: (i, w) => {
      if (!warned.has(i)) warned.set(i, `insn ${i}: ${w}`);
    },
  };
  let cfg: Cfg | undefined;
  let cur: PathEntry | undefined;
  const loopHeads: number[] = [];
  const loopMax: number[] = [];
  const warned = new Map<number, string>();

  const stats = (): string =>
    `processed ${processed} insns (limit ${budget}) max_states_per_insn ${explored?.maxPerInsn ?? 0} total_states ${explored?.total ?? 0} peak_states ${explored?.peak ?? 0} mark_read 0`;
  const finish = (error: VerifyError | null, detail: RejectDetail | null): VerifyResult => {
    const loops = loopHeads
      .filter((_, k) => loopMax[k]! > 1)
      .map((head) => ({ head, maxIterations: loopMax[loopHeads.indexOf(head)]! }));
    let out: string[] = [];
    // Without a pruned path every path to an exit was walked, and warned there itself.
    if (error === null && cfg !== undefined && prunedPaths > 0)
      returnWarnings(insns, cfg, recorder, warned, options.type);
    if (error === null) {
      if (level === 2) out = log;
      if (level >= 1)
        out.push(
          ...[...warned.values()].map((w) => `warning: ${w}`),
          stats(),
          `stack depth ${stackDepth}`,
          ...loops.map((l) => `loop at insn ${l.head}: up to ${l.maxIterations} iterations on one path`),
        );
    } else if (level >= 1) out = [...log, error.message, ...env.extra, stats()];
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
  };

  try {
    // The kernel resolves every lddw before anything else (resolve_pseudo_ldimm64), so a bad
    // map reference is an error even in code no path reaches.
    resolveAllLddw(env, insns);
    cfg = checkCfg(insns, options.type, env.unprivileged);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return finish(e, {
      insn: (e.location as { insn: number }).insn,
      text: insnText(insns, (e.location as { insn: number }).insn, options.type),
      state: "",
      path: [],
    });
  }
  loopHeads.push(...cfg.loopHeads);
  loopMax.push(...loopHeads.map(() => 0));
  // Loop number of each loop head, -1 elsewhere (read on every processed instruction).
  const loopIndex = new Int32Array(insns.length).fill(-1);
  loopHeads.forEach((h, k) => (loopIndex[h] = k));
  // Each loop's last instruction (its latest back-edge), and whether a path left it through a
  // branch on a value that was not known: only then is its bound unknown to the verifier.
  const loopTail = loopHeads.map((h) => {
    let t = h;
    insns.forEach((x, j) => {
      if (j >= h && cfg!.isStart[j] && isJump(x) && jumpTarget(insns, j) === h) t = Math.max(t, j);
    });
    return t;
  });
  const loopOpen = new Uint8Array(loopHeads.length);

  const liveness = new StackLiveness(insns, cfg.isStart, cfg.subprogs);
  env.liveness = liveness;
  explored = new ExploredStates(insns, cfg, !env.unprivileged, liveness);
  const pending: PathEntry[] = [];
  const init = newFrame(0, -1);
  if (options.memory === undefined) init.regs[1] = mkReg("ctx", ZERO, 0, 0);
  else {
    init.regs[1] = options.memory > 0 ? mkReg("map_value", ZERO, 0, 0, memoryInput(options.memory)) : scalarReg(ZERO);
    init.regs[2] = scalarReg(scalarConst(options.memory));
  }
  cur = {
    state: { frames: [init] },
    insn: 0,
    parent: null,
    firstInsn: 0,
    lastInsn: -1,
    history: [],
    logLen: 0,
    path: null,
    loopIters: loopHeads.map(() => 0),
    from: -1,
  };
  if (level >= 1) log.push(`0: ${formatFrame(init)}`);

  const nextPath = (): boolean => {
    releasePath(cur!.parent);
    const next = pending.pop();
    if (next === undefined) return false;
    if (level === 1) log.length = next.logLen;
    cur = next;
    env.cur = next.state;
    liveness.refresh(next.state);
    if (level >= 1) log.push(`from ${next.from} to ${next.insn}: ${formatState(next.state)}`);
    return true;
  };
  const infiniteLoop = (): never =>
    env.reject(
      `infinite loop detected at insn ${env.insnIdx}`,
      "verify.infinite-loop",
      "the loop state repeats exactly, so the loop can never end; make sure the loop variable changes",
    );

  env.cur = cur.state;
  try {
    for (;;) {
      const i = cur.insn;
      env.insnIdx = i;
      if (env.logging) {
        env.scratchedRegs.clear();
        env.scratchedSlots.clear();
      }
      if (++processed > budget) tooLarge(env, processed, loopHeads, loopMax, loopOpen);
      const k = loopIndex[i]!;
      if (k >= 0) {
        const n = ++cur.loopIters[k]!;
        if (n > loopMax[k]!) loopMax[k] = n;
      }
      if (cfg.prune[i] && explored.visit(cur, i, jmpsProcessed, processed, infiniteLoop) === "pruned") {
        prunedPaths++;
        if (level >= 1) log.push(`${i}: safe`);
        if (!nextPath()) break;
        continue;
      }
      if (cfg.jmpPoint[i])
        cur.history.push({ idx: i, prev: cur.lastInsn, stackFrame: -1, stackSpi: -1, linked: undefined });
      const line = level >= 1 ? `${i}: ${insnText(insns, i, options.type)}` : "";
      const x = insns[i]!;
      const cls = opClass(x.opcode);
      if (cls === BPF_JMP || cls === BPF_JMP32) jmpsProcessed++;
      const frame = env.cur.frames.length - 1;
      const linked = isCondJump(x) ? linkedRegs(env.cur, x) : undefined;
      const unknownOperand = isCondJump(x) && !knownOperands(env.cur, x);
      let next = i + 1;
      let ended = false;
      let pushed: PathEntry | undefined;
      if (env.preciseRegs.length > 0) env.preciseRegs.length = 0;
      if (env.preciseSlots.length > 0) env.preciseSlots.length = 0;
      env.stackAccess = null;
      liveness.beginInsn(env.cur, i);
      try {
        const step = checkInsn(env, insns, i, recorder, stepOpts);
        if (step.kind === "end") {
          ended = true;
          // The kernel checks no return range here, so r0 is not made precise (that would
          // explore states the kernel does not); pruned paths get their warnings from the
          // all-paths ranges (returnWarnings). --strict rejects on the value: it must be exact.
          if (stepOpts.strict && env.frame.regs[0]!.type === "scalar") env.markPrecise(0);
        } else if (step.kind === "next") next = step.next;
        else if (step.kind === "branch") {
          const { target, out } = step;
          if (out.decided === true) {
            // A branch decided by values: they must stay exact (kernel check_cond_jmp_op).
            const st = (out.taken ?? out.fall)!;
            if (st.frames[frame]!.regs[x.dst]!.type === "scalar") env.markPrecise(x.dst);
            if (opSource(x.opcode) === BPF_X && st.frames[frame]!.regs[x.src]!.type === "scalar")
              env.markPrecise(x.src);
          }
          if (out.taken !== null && out.fall !== null) {
            // Both sides share the record of which scalars were linked here (kernel: before push_stack).
            if (linked !== undefined) noteHistory(cur, i, (h) => (h.linked = linked));
            if (unknownOperand) markOpenLoops(loopHeads, loopTail, loopOpen, i, target);
            pushed = {
              state: out.taken,
              insn: target,
              parent: cur.parent,
              firstInsn: cur.firstInsn,
              lastInsn: i,
              history: cur.history.slice(),
              logLen: log.length,
              path: { from: i, to: target, prev: cur.path },
              loopIters: cur.loopIters.slice(),
              from: i,
            };
            pending.push(pushed);
            if (cur.parent !== null) cur.parent.branches++;
            env.cur = out.fall;
          } else if (out.taken !== null) {
            env.cur = out.taken;
            next = target;
          } else env.cur = out.fall!;
          cur.state = env.cur;
        }
      } catch (e) {
        if (e instanceof VerifyError && level >= 1) log.push(line);
        throw e;
      }
      liveness.commitInsn();
      // A function returned: its reads and writes of the callers' frames are complete for now.
      if (env.cur.frames.length - 1 < frame) liveness.refresh(env.cur);
      const access = env.stackAccess;
      if (access !== null) {
        noteHistory(cur, i, (h) => {
          h.stackFrame = access[0];
          h.stackSpi = access[1];
        });
        if (pushed !== undefined) pushed.history = cur.history.slice();
      }
      if (env.preciseRegs.length > 0 || env.preciseSlots.length > 0)
        requestPrecision(insns, cfg, cur, i, frame, env.preciseRegs, env.preciseSlots);
      if (level >= 1) {
        const st = ended ? "" : formatFrame(env.frame, env.scratchedRegs, env.scratchedSlots);
        log.push(withState(line, st));
        if (pushed !== undefined) pushed.logLen = log.length;
      }
      for (const f of env.cur.frames) stackDepth = Math.max(stackDepth, Math.ceil(f.depth / 8) * 8);
      if (ended) {
        if (!nextPath()) break;
        continue;
      }
      cur.lastInsn = i;
      cur.insn = next;
    }
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const at = env.insnIdx;
    const detail: RejectDetail = {
      insn: at,
      text: insnText(insns, at, options.type),
      state: formatState(env.cur),
      path: pathList(cur.path),
    };
    return finish(e, detail);
  }
  return finish(null, null);
}

const isCondJump = (x: Insn): boolean => {
  const cls = opClass(x.opcode);
  return (
    (cls === BPF_JMP || cls === BPF_JMP32) &&
    x.opcode !== OP_EXIT &&
    x.opcode !== OP_CALL &&
    x.opcode !== OP_JA &&
    x.opcode !== OP_JA32
  );
};

/** Add to (or create) the history entry of instruction `i` on the path (kernel `push_insn_history`). */
function noteHistory(path: Path, i: number, fill: (h: HistEntry) => void): void {
  const last = path.history[path.history.length - 1];
  if (last !== undefined && last.idx === i) {
    fill(last);
    return;
  }
  const h: HistEntry = { idx: i, prev: path.lastInsn, stackFrame: -1, stackSpi: -1, linked: undefined };
  fill(h);
  path.history.push(h);
}

/**
 * Scalars sharing an id with a jump's operands, in every frame (kernel `collect_linked_regs`):
 * a later precision request for one of them covers all, as the branch narrowed all.
 */
function linkedRegs(st: VState, x: Insn): LinkedReg[] | undefined {
  const f = st.frames[st.frames.length - 1]!;
  const d = f.regs[x.dst]!;
  const a = d.type === "scalar" ? d.id : 0;
  let b = 0;
  if (opSource(x.opcode) === BPF_X) {
    const s = f.regs[x.src]!;
    if (s.type === "scalar") b = s.id;
  }
  if (a === 0 && b === 0) return undefined;
  const linkedId = (id: number): boolean => id !== 0 && (id === a || id === b);
  const out: LinkedReg[] = [];
  st.frames.forEach((fr, fi) => {
    for (let r = 0; r < 10; r++) {
      const reg = fr.regs[r]!;
      if (reg.type === "scalar" && linkedId(reg.id)) out.push({ frame: fi, regno: r });
    }
    fr.stack.forEach((slot, spi) => {
      const sp = slot?.spill;
      if (sp !== undefined && sp.type === "scalar" && linkedId(sp.id)) out.push({ frame: fi, regno: -1, spi });
    });
  });
  // The kernel keeps at most 6 (LINKED_REGS_MAX); more would only add precision.
  return out.length > 1 ? out : undefined;
}

/**
 * Warnings the walked paths may have missed: pruning cuts a path whose state is covered by an
 * explored one, and an imprecise r0 covers any value. The register ranges of every path
 * (src/vm/jit/ranges.ts, joined at every merge) bound r0 at each exit of the main program;
 * where they allow a value other than 0 or 1 and no walked path warned, say that it may.
 * Only needed when some path was pruned: otherwise every path was walked to its exit.
 */
function returnWarnings(
  insns: readonly Insn[],
  cfg: Cfg,
  recorder: FactsRecorder,
  warned: Map<number, string>,
  type: ProgramType,
): void {
  const mainEnd = cfg.subprogs.length > 0 ? Math.min(...cfg.subprogs) : insns.length;
  const [lo, hi] = type.retRange;
  const exits: number[] = [];
  for (let i = 0; i < mainEnd; i++)
    if (cfg.isStart[i] && insns[i]!.opcode === OP_EXIT && !warned.has(i) && !returnsConstantIn(insns, cfg, i, lo, hi))
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
function returnsConstantIn(insns: readonly Insn[], cfg: Cfg, i: number, lo: number, hi: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    if (cfg.jmpPoint[j + 1]) return false;
    if (!cfg.isStart[j]) continue; // an lddw's second slot
    const x = insns[j]!;
    const cls = opClass(x.opcode);
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      if (x.dst !== 0) continue;
      if (opCode(x.opcode) !== BPF_MOV || opSource(x.opcode) !== BPF_K || x.off !== 0) return false;
      const k = cls === BPF_ALU64 ? x.imm : x.imm >>> 0;
      return k >= lo && k <= hi;
    }
    if (cls === BPF_LDX && x.dst !== 0) continue;
    if ((cls === BPF_ST || cls === BPF_STX) && opMode(x.opcode) === BPF_MEM) continue;
    // Jumps write no register (a path that jumps away does not reach i through here).
    if ((cls === BPF_JMP || cls === BPF_JMP32) && x.opcode !== OP_CALL && x.opcode !== OP_EXIT) continue;
    return false;
  }
  return false;
}

const isJump = (x: Insn): boolean => isCondJump(x) || x.opcode === OP_JA || x.opcode === OP_JA32;

/** Are the compared operands of conditional jump `x` constants? */
function knownOperands(st: VState, x: Insn): boolean {
  const f = st.frames[st.frames.length - 1]!;
  return knownReg(f.regs[x.dst]!) && (opSource(x.opcode) !== BPF_X || knownReg(f.regs[x.src]!));
}

const knownReg = (v: Reg): boolean => v.type !== "scalar" || isConstScalar(v.s);

/** A branch at `i` on an unknown value went both ways: the loops it leaves have no known bound. */
function markOpenLoops(
  heads: readonly number[],
  tails: readonly number[],
  open: Uint8Array,
  i: number,
  target: number,
): void {
  for (let k = 0; k < heads.length; k++) {
    const lo = heads[k]!;
    const hi = tails[k]!;
    if (i >= lo && i <= hi && (target < lo || target > hi || i + 1 > hi)) open[k] = 1;
  }
}

/** The budget ran out: name a loop whose bound is unknown, or say that bounded loops multiplied. */
function tooLarge(
  env: Env,
  processed: number,
  heads: readonly number[],
  most: readonly number[],
  open: Uint8Array,
): never {
  const msg = `BPF program is too large. Processed ${processed} insn`;
  let k = -1;
  for (let j = 0; j < heads.length; j++) if (open[j] === 1 && (k < 0 || most[j]! > most[k]!)) k = j;
  if (k >= 0)
    return env.reject(
      msg,
      "verify.too-large",
      `the loop at insn ${heads[k]} leaves through a branch on a value the verifier does not know, so it cannot tell when the loop ends; bound it more tightly (e.g. \`for i in 0..N\` with a constant N)`,
    );
  if (heads.length > 0)
    return env.reject(
      msg,
      "verify.too-large",
      "every loop has a known bound, but the paths through their iterations do not converge to states seen before and multiply past the kernel's budget of 1,000,000 instructions; keep fewer values alive across iterations, or lower the bounds",
    );
  return env.reject(
    msg,
    "verify.too-large",
    "the program's paths multiply beyond the kernel's budget of 1,000,000 processed instructions; merge branches or split the work",
  );
}
