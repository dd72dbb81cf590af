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
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_FETCH,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MEMSX,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STX,
  BPF_W,
  MAX_CALL_DEPTH,
  OP_CALL,
  OP_EXIT,
  OP_JA,
  OP_JA32,
  OP_LDDW,
  opClass,
  opMode,
  opSize,
  sizeBytes,
  type Insn,
} from "../vm/isa.js";
import type { MapSpec } from "../vm/map-spec.js";
import { BPF_MAP_TYPE_ARRAY, type ProgramType } from "../vm/program-type.js";
import { checkAlu } from "./alu.js";
import { checkCfg, jumpTarget, type Cfg } from "./cfg.js";
import { computePrecise, type PreciseSets } from "./precision.js";
import { Env } from "./env.js";
import { formatFrame, formatReg, formatState } from "./format.js";
import { checkHelperCall } from "./helpers.js";
import { checkCondJump } from "./jumps.js";
import { checkMemAccess, type RegionKind } from "./mem.js";
export type { RegionKind };
import { scalarConst, scalarRange, sext } from "./scalar.js";
import { cloneState, isPointer, newFrame, NOT_INIT, scalarReg, stateCovers, UNKNOWN_SCALAR, ZERO, type Reg, type VState } from "./state.js";
import { U32 } from "./tnum.js";

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

/** Per-instruction facts proven on every path (for the JIT). */
export interface InsnFacts {
  /** Memory instructions: the one region kind every path accesses (all accesses are in bounds). */
  region?: RegionKind | "mixed";
  /** ALU/load results: true when the destination is below 2^32 on every path. */
  dst32?: boolean;
}

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
  const facts: (InsnFacts | undefined)[] = new Array(insns.length);
  let cfg: Cfg | undefined;
  let cur: PathEntry | undefined;
  const loopHeads: number[] = [];
  const loopMax: number[] = [];
  const strict = options.strict === true;
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
      facts,
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

  // Called once per processed instruction: primitives in, an allocation only on first sight.
  const recordFact = (i: number, region: RegionKind | undefined, dst32: boolean | undefined): void => {
    const old = facts[i];
    if (old === undefined) {
      const f: InsnFacts = {};
      if (region !== undefined) f.region = region;
      if (dst32 !== undefined) f.dst32 = dst32;
      facts[i] = f;
      return;
    }
    if (region !== undefined && old.region !== region) old.region = "mixed";
    if (dst32 !== undefined) {
      const both = old.dst32 === true && dst32;
      if (old.dst32 !== both) old.dst32 = both;
    }
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
      const x = insns[i]!;
      const line = level >= 1 ? `${i}: ${insnText(insns, i, options.type)}` : "";
      const cls = opClass(x.opcode);
      if (cls === BPF_JMP || cls === BPF_JMP32) jmpsProcessed++;
      let next = i + 1;
      let ended = false;
      let pushed: PathEntry | undefined;
      try {
        switch (cls) {
          case BPF_ALU:
          case BPF_ALU64: {
            checkAlu(env, x);
            const d = env.frame.regs[x.dst]!;
            recordFact(i, undefined, d.type === "scalar" && d.s.umax <= U32);
            break;
          }
          case BPF_LDX: {
            const size = sizeBytes(opSize(x.opcode));
            const { reg, kind } = checkMemAccess(env, x.src, x.off, size, "read", "misc");
            let v: Reg = reg;
            if (opMode(x.opcode) === BPF_MEMSX && v.type === "scalar" && size < 8) v = scalarReg(sext(v.s, size as 1 | 2 | 4));
            env.setReg(x.dst, v);
            recordFact(i, kind, v.type === "scalar" && v.s.umax <= U32);
            break;
          }
          case BPF_ST: {
            const size = sizeBytes(opSize(x.opcode));
            const value = scalarReg(scalarConst(BigInt(x.imm)));
            const { kind } = checkMemAccess(env, x.dst, x.off, size, "write", value);
            recordFact(i, kind, undefined);
            break;
          }
          case BPF_STX: {
            const size = sizeBytes(opSize(x.opcode));
            const value = env.readReg(x.src);
            if (opMode(x.opcode) === BPF_ATOMIC) {
              const base = env.readReg(x.dst);
              if (base.type !== "stack" && base.type !== "map_value") env.reject(`BPF_ATOMIC stores into R${x.dst} ${base.type} is not allowed`, "verify.atomic-target");
              if (isPointer(value)) env.reject(`R${x.src} leaks addr into mem`, "verify.ptr-leak");
              if (x.imm === BPF_CMPXCHG) env.readReg(0);
              checkMemAccess(env, x.dst, x.off, size, "read", "misc");
              const { kind } = checkMemAccess(env, x.dst, x.off, size, "write", "misc");
              if (x.imm & BPF_FETCH) env.setReg(x.imm === BPF_CMPXCHG ? 0 : x.src, size === 4 || opSize(x.opcode) === BPF_W ? scalarReg(UNKNOWN_U32) : UNKNOWN_SCALAR);
              recordFact(i, kind, undefined);
            } else {
              const { kind } = checkMemAccess(env, x.dst, x.off, size, "write", value);
              recordFact(i, kind, undefined);
            }
            break;
          }
          case BPF_LD: {
            if (x.opcode !== OP_LDDW) env.reject("BPF_LD_[ABS|IND] instructions not allowed for this program type", "verify.ldabs");
            env.setReg(x.dst, lddw(env, x));
            next = i + 2;
            break;
          }
          case BPF_JMP:
          case BPF_JMP32: {
            if (x.opcode === OP_EXIT) {
              ended = exitInsn(env, (to) => (next = to), strict, (w) => {
                if (!warned.has(i)) warned.set(i, `insn ${i}: ${w}`);
              });
              break;
            }
            if (x.opcode === OP_JA || x.opcode === OP_JA32) {
              next = jumpTarget(insns, i)!;
              break;
            }
            if (x.opcode === OP_CALL) {
              if (x.src === BPF_PSEUDO_CALL) {
                next = localCall(env, i, jumpTarget(insns, i)!);
                break;
              }
              if (x.src !== 0) env.reject(`unsupported call kind src=${x.src} (kfuncs are not available to ${options.type.name} in Baton)`, "verify.kfunc");
              checkHelperCall(env, x);
              break;
            }
            const target = jumpTarget(insns, i)!;
            const out = checkCondJump(env, x);
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
            break;
          }
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

const UNKNOWN_U32 = scalarRange(0n, U32);

function bothScalar(a: VState, b: VState, f: number, r: number): boolean {
  return a.frames[f]!.regs[r]!.type === "scalar" && b.frames[f]!.regs[r]!.type === "scalar";
}

function lddw(env: Env, x: Insn): Reg {
  if (x.src === 0) return scalarReg(scalarConst((BigInt(x.imm2 >>> 0) << 32n) | BigInt(x.imm >>> 0)));
  if (x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_VALUE) {
    const map = env.maps.get(x.imm);
    if (map === undefined) env.reject(`fd ${x.imm} is not pointing to valid bpf_map`, "verify.unknown-map", `declare it: --map ${x.imm}:TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES`);
    if (!env.type.mapTypes.includes(map.type)) env.reject(`map type ${map.type} is not allowed for ${env.type.name} programs`, "verify.map-type");
    if (x.src === BPF_PSEUDO_MAP_FD) return { type: "map_ptr", s: ZERO, off: 0, id: 0, map };
    // Direct value access exists only for single-element arrays (kernel array_map_direct_value_addr).
    if (x.imm2 < 0 || x.imm2 >= map.valueSize || map.type !== BPF_MAP_TYPE_ARRAY || map.maxEntries !== 1) env.reject(`invalid access to map value pointer, value_size=${map.valueSize} off=${x.imm2}`, "verify.map-range");
    return { type: "map_value", s: ZERO, off: x.imm2, id: 0, map };
  }
  return env.reject("unrecognized bpf_ld_imm64 insn", "verify.lddw-src");
}

function localCall(env: Env, i: number, target: number): number {
  if (env.cur.frames.length >= MAX_CALL_DEPTH) env.reject(`the call stack of ${env.cur.frames.length + 1} frames is too deep`, "verify.call-depth");
  const caller = env.frame;
  const callee = newFrame(env.cur.frames.length, i);
  for (let r = 1; r <= 5; r++) callee.regs[r] = caller.regs[r]!;
  env.cur.frames.push(callee);
  return target;
}

/** `exit`: return to the caller frame, or end the path after the return-value checks. */
function exitInsn(env: Env, setNext: (to: number) => void, strict: boolean, warn: (msg: string) => void): boolean {
  const frames = env.cur.frames;
  if (frames.length > 1) {
    // The kernel lets a function return without setting r0; the caller then cannot read it.
    const r0 = env.frame.regs[0]!;
    const callee = frames[frames.length - 1]!;
    if (r0.type === "stack" && r0.frame === callee.frameno) env.reject("cannot return stack pointer to the caller", "verify.ret-stack");
    frames.pop();
    const caller = frames[frames.length - 1]!;
    caller.regs[0] = r0;
    for (let r = 1; r <= 5; r++) caller.regs[r] = NOT_INIT;
    env.scratchedRegs.add(0);
    setNext(callee.callsite + 1);
    return false;
  }
  const r0 = env.readReg(0);
  const [lo, hi] = env.type.retRange;
  const pass = `any value other than SK_PASS (${hi}) refuses the connection`;
  if (isPointer(r0)) {
    // Only unprivileged loaders are refused a pointer return by the kernel (pointer leak).
    if (strict || env.unprivileged) env.reject("R0 leaks addr as return value", "verify.ret-pointer", `return ${lo} or ${hi}, not a pointer (${formatReg(r0)})`);
    warn(`R0 is a pointer (${formatReg(r0)}) at exit; ${pass}`);
    return true;
  }
  if (r0.s.smin < BigInt(lo) || r0.s.smax > BigInt(hi)) {
    if (strict || env.type.retRangeEnforced) {
      let what = "";
      if (r0.s.smin > -(1n << 63n)) what += ` smin=${r0.s.smin}`;
      if (r0.s.smax < (1n << 63n) - 1n) what += ` smax=${r0.s.smax}`;
      if (what === "") what = " unknown scalar value";
      env.reject(`At program exit the register R0 has${what} should have been in [${lo}, ${hi}]`, "verify.ret-range", `${env.type.name} programs return SK_PASS (1) or SK_DROP (0); e.g. end with \`if r0 != 0 goto drop\`…`);
    }
    // An example out-of-range value: the nearest one above the range, else the lowest.
    const above = r0.s.smax > BigInt(hi);
    const example = above ? (r0.s.smin > BigInt(hi) ? r0.s.smin : BigInt(hi) + 1n) : r0.s.smin;
    warn(`R0 ${r0.s.smin === r0.s.smax ? "is" : "may be"} ${example} at exit; ${pass}`);
  }
  return true;
}
