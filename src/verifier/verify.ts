/**
 * The verifier: symbolic execution of every path from instruction 0 (the kernel's
 * `do_check`, vm-anchors §2.1). The other side of each undecided branch is pushed on an
 * explicit stack; at prune points the current state is compared with states already seen
 * there — covered by a fully explored one: the path is cut; identical to one still being
 * explored (a loop that made no progress): "infinite loop detected at insn N". The kernel's
 * budget of 1,000,000 processed instructions bounds everything else.
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
import { BPF_JMP, BPF_JMP32, opClass, type Insn } from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import type { ProgramType } from "../vm/program-type.js";
import { checkCfg, type Cfg } from "./cfg.js";
import { Env } from "./env.js";
import { FactsRecorder, type InsnFacts } from "./facts-record.js";
import { formatFrame, formatState } from "./format.js";
import type { RegionKind } from "./mem.js";
import { computePrecise, type PreciseSets } from "./precision.js";
import { checkInsn, type StepOptions } from "./step.js";
import { cloneState, newFrame, stateCovers, ZERO, type VState } from "./state.js";
export type { RegionKind };

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

interface Checkpoint {
  readonly state: VState;
  readonly parent: Checkpoint | null;
  branches: number;
  /** Pruning statistics: a state that keeps failing to match is dropped from the search list. */
  hits: number;
  misses: number;
  /** Some scalar branch below this checkpoint was decided by register values (kernel: precise). */
  decided: boolean;
}

interface PathEntry {
  state: VState;
  insn: number;
  parent: Checkpoint | null;
  logLen: number;
  /** Branches taken so far, newest first (a shared linked list: pushing a branch is O(1)). */
  path: PathLink | null;
  loopIters: Int32Array;
  from: number;
}

interface PathLink {
  readonly text: string;
  readonly prev: PathLink | null;
}

/** The last `max` branches of a path, oldest first. */
function pathList(p: PathLink | null, max = 64): string[] {
  const out: string[] = [];
  for (let l = p; l !== null && out.length < max; l = l.prev) out.push(l.text);
  return out.reverse();
}

function release(cp: Checkpoint | null): void {
  for (let c = cp; c !== null; c = c.parent) if (--c.branches > 0) break;
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

export function verify(insns: readonly Insn[], options: VerifyOptions): VerifyResult {
  const maps = new Map<number, MapSpec>(options.maps.map((m) => [m.fd, m]));
  const env = new Env(insns, options.type, maps, options.unprivileged === true, options.attachType);
  const level = options.logLevel ?? 0;
  const budget = options.budget ?? INSN_BUDGET;
  const log: string[] = [];
  let processed = 0;
  let jmpsProcessed = 0;
  let prevJmps = 0;
  let prevInsns = 0;
  let totalStates = 0;
  let maxPerInsn = 0;
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

  const stats = (): string => `processed ${processed} insns (limit ${budget}) max_states_per_insn ${maxPerInsn} total_states ${totalStates} peak_states ${totalStates} mark_read 0`;
  const finish = (error: VerifyError | null, detail: RejectDetail | null): VerifyResult => {
    const loops = loopHeads.filter((_, k) => loopMax[k]! > 1).map((head) => ({ head, maxIterations: loopMax[loopHeads.indexOf(head)]! }));
    let out: string[] = [];
    if (error === null) {
      if (level === 2) out = log;
      if (level >= 1) out.push(...[...warned.values()].map((w) => `warning: ${w}`), stats(), `stack depth ${stackDepth}`, ...loops.map((l) => `loop at insn ${l.head}: up to ${l.maxIterations} iterations on one path`));
    } else if (level >= 1) out = [...log, error.message, ...env.extra, stats()];
    let err = error;
    if (err !== null && options.sourceMap !== undefined && err.location !== undefined && "insn" in err.location) {
      const span = options.sourceMap(err.location.insn);
      if (span !== undefined) err = new VerifyError(err.code, err.message, span, err.hint);
    }
    return {
      accepted: error === null,
      processed,
      states: totalStates,
      peakStates: totalStates,
      maxStatesPerInsn: maxPerInsn,
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
    // r0 stays precise at exit although the kernel has no return check here: pruning must not
    // hide a path whose return value deserves a warning.
    cfg = checkCfg(insns, options.type, env.unprivileged, true);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    return finish(e, { insn: (e.location as { insn: number }).insn, text: insnText(insns, (e.location as { insn: number }).insn, options.type), state: "", path: [] });
  }
  loopHeads.push(...cfg.loopHeads);
  loopMax.push(...loopHeads.map(() => 0));
  const loopIndex = new Map(loopHeads.map((h, k) => [h, k]));

  const explored = new Map<number, Checkpoint[]>();
  const pending: PathEntry[] = [];
  const init = newFrame(0, -1);
  init.regs[1] = { type: "ctx", s: ZERO, off: 0, id: 0 };
  cur = { state: { frames: [init] }, insn: 0, parent: null, logLen: 0, loopIters: new Int32Array(loopHeads.length), from: -1, path: null };
  if (level >= 1) log.push(`0: ${formatFrame(init)}`);

  // Conditional jumps decided by scalar values on some path so far: only their operands need
  // to be precise (kernel: mark_chain_precision on a decided branch). The set only grows, and a
  // fully explored checkpoint's decisions are all in it, so recomputing on growth stays sound.
  const decidedJmp = new Uint8Array(insns.length);
  let decidedSets: PreciseSets | null = null;
  const preciseDecided = (): PreciseSets => (decidedSets ??= computePrecise(insns, cfg!.isStart, cfg!.succs, options.type, true, decidedJmp));
  const liveFn = (i: number, st: VState, precise: boolean, noJmp = false) => (f: number, r: number): boolean => {
    if (f < st.frames.length - 1) return true;
    const mask = precise ? (noJmp ? cfg!.preciseNoJmp[i]! : preciseDecided().regs[i]!) : cfg!.live[i]!;
    return ((mask >> r) & 1) === 1;
  };

  const nextPath = (): boolean => {
    release(cur!.parent);
    const next = pending.pop();
    if (next === undefined) return false;
    if (level === 1) log.length = next.logLen;
    cur = next;
    env.cur = next.state;
    if (level >= 1) log.push(`from ${next.from} to ${next.insn}: ${formatState(next.state)}`);
    return true;
  };

  env.cur = cur.state;
  try {
    for (;;) {
      const i = cur.insn;
      env.insnIdx = i;
      env.scratchedRegs.clear();
      env.scratchedSlots.clear();
      if (++processed > budget) env.reject(`BPF program is too large. Processed ${processed} insn`, "verify.too-large", "the loops do not converge within the kernel's budget; bound them more tightly");
      if (cfg.prune[i]) {
        const k = loopIndex.get(i);
        if (k !== undefined) {
          const n = ++cur.loopIters[k]!;
          if (n > loopMax[k]!) loopMax[k] = n;
        }
        let list = explored.get(i);
        if (list === undefined) explored.set(i, (list = []));
        let pruned = false;
        // Loop heads always get a checkpoint (so a repeating state is caught there), other
        // prune points only after some progress (kernel heuristic).
        let addNew = loopIndex.has(i) || (jmpsProcessed - prevJmps >= 2 && processed - prevInsns >= 8);
        const live = liveFn(i, env.cur, false);
        const precise = liveFn(i, env.cur, true);
        const preciseNoJmp = liveFn(i, env.cur, true, true);
        for (let k = 0; k < list.length; k++) {
          const cp = list[k]!;
          if (cp.branches > 0) {
            if (stateCovers(cp.state, env.cur, live, true, !env.unprivileged)) {
              env.reject(`infinite loop detected at insn ${i}`, "verify.infinite-loop", "the loop state repeats exactly, so the loop can never end; make sure the loop variable changes");
            }
            // Inside a loop, checkpoint only every 20 jumps or 100 instructions (kernel heuristic).
            if (jmpsProcessed - prevJmps < 20 && processed - prevInsns < 100) addNew = false;
          } else if (
            stateCovers(
              cp.state,
              env.cur,
              (f, r) => live(f, r) && ((cp.decided ? precise(f, r) : preciseNoJmp(f, r)) || !bothScalar(cp.state, env.cur, f, r)),
              false,
              !env.unprivileged,
              (f, spi) => f < env.cur.frames.length - 1 || (((cp.decided ? preciseDecided().slots[i]! : cfg!.preciseSlotsNoJmp[i]!) >> BigInt(spi)) & 1n) === 1n,
            )
          ) {
            cp.hits++;
            pruned = true;
            // The pruned path continues as the old one did: inherit its decided branches.
            if (cp.decided) for (let c = cur.parent; c !== null && !c.decided; c = c.parent) c.decided = true;
            break;
          }
          // Like the kernel, forget states that rarely match so the lists stay short.
          if (++cp.misses > cp.hits * 3 + 3) {
            list.splice(k, 1);
            k--;
          }
        }
        if (pruned) {
          if (level >= 1) log.push(`${i}: safe`);
          if (!nextPath()) break;
          continue;
        }
        if (!addNew) {
          // Not worth a checkpoint yet (kernel heuristic): fall through to execute.
        } else {
          prevJmps = jmpsProcessed;
          prevInsns = processed;
          const cp: Checkpoint = { state: cloneState(env.cur), parent: cur.parent, branches: 1, hits: 0, misses: 0, decided: false };
          cur.parent = cp;
          list.push(cp);
          totalStates++;
          if (list.length > maxPerInsn) maxPerInsn = list.length;
        }
      }
      const line = level >= 1 ? `${i}: ${insnText(insns, i, options.type)}` : "";
      const cls = opClass(insns[i]!.opcode);
      if (cls === BPF_JMP || cls === BPF_JMP32) jmpsProcessed++;
      let next = i + 1;
      let ended = false;
      let pushed: PathEntry | undefined;
      try {
        const step = checkInsn(env, insns, i, recorder, stepOpts);
        if (step.kind === "end") ended = true;
        else if (step.kind === "next") next = step.next;
        else {
          const { target, out } = step;
          if (out.decided === true) {
            for (let c = cur.parent; c !== null && !c.decided; c = c.parent) c.decided = true;
            if (decidedJmp[i] === 0) {
              decidedJmp[i] = 1;
              decidedSets = null;
            }
          }
          if (out.taken !== null && out.fall !== null) {
            const iters = cur.loopIters.slice();
            pushed = { state: out.taken, insn: target, parent: cur.parent, logLen: log.length, path: { text: `${i} -> ${target}`, prev: cur.path }, loopIters: iters, from: i };
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
      cur.insn = next;
    }
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    const at = env.insnIdx;
    const detail: RejectDetail = { insn: at, text: insnText(insns, at, options.type), state: formatState(env.cur), path: pathList(cur.path) };
    return finish(e, detail);
  }
  return finish(null, null);
}

function bothScalar(a: VState, b: VState, f: number, r: number): boolean {
  return a.frames[f]!.regs[r]!.type === "scalar" && b.frames[f]!.regs[r]!.type === "scalar";
}
