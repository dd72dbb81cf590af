/**
 * The walk over every path (the kernel's `do_check`): one instruction at a time, the other side
 * of each undecided branch pushed on an explicit stack, each path's history of jumps, spills,
 * fills and linked registers kept for precision backtracking. At prune points the state goes to
 * visited.ts (the kernel's `is_state_visited`). verify.ts prepares the walk and reports on it.
 * A rejection is a VerifyError thrown out of `run`, with `cur` and `env.cur` at the failing
 * instruction.
 */
import { VerifyError } from "../errors.js";
import { formatInsn, helperNamesOf } from "../vm/asm/disassembler.js";
import { BPF_JMP, BPF_JMP32, BPF_X, OP_DESC, type Insn, jumpTarget } from "../vm/isa.js";
import type { ProgramType } from "../vm/program-type.js";
import type { HistEntry, LinkedReg } from "./backtrack.js";
import type { Cfg } from "./check-cfg.js";
import type { Env } from "./env.js";
import type { FactsRecorder } from "./facts-record.js";
import { formatFrame, formatState } from "./format.js";
import type { StackLiveness } from "./liveness.js";
import type { OwnInsn } from "./own-insns.js";
import { isConstScalar } from "./scalar.js";
import type { Frame, Reg, VState } from "./state.js";
import { checkInsn, type StepOptions } from "./step.js";
import { ExploredStates, releasePath, requestPrecision, type Path } from "./visited.js";

/** What the walk is given; verify.ts builds it. */
export interface WalkSetup {
  readonly env: Env;
  readonly insns: readonly OwnInsn[];
  readonly type: ProgramType;
  readonly cfg: Cfg;
  readonly liveness: StackLiveness;
  readonly recorder: FactsRecorder;
  readonly stepOpts: StepOptions;
  /** 0, 1 (log of the failing path) or 2 (every instruction). */
  readonly level: number;
  readonly budget: number;
  readonly log: string[];
  readonly init: Frame;
}

/** The walk of every path, and what it counted on the way (the kernel's `do_check`). */
export class DoCheck {
  processed = 0;
  prunedPaths = 0;
  stackDepth = 0;
  private jmpsProcessed = 0;
  readonly explored: ExploredStates;
  readonly loopHeads: readonly number[];
  /** The most iterations of each loop seen on one path. */
  readonly loopMax: number[];
  /** Loop number of each loop head, -1 elsewhere (read on every processed instruction). */
  private readonly loopIndex: Int32Array;
  /** Each loop's last instruction (its latest back-edge). */
  private readonly loopTail: readonly number[];
  /** Whether a path left the loop through a branch on an unknown value: only then is its bound unknown. */
  private readonly loopOpen: Uint8Array;
  private readonly pending: PathEntry[] = [];
  cur: PathEntry;

  constructor(private readonly w: WalkSetup) {
    const { insns, cfg, env } = w;
    this.loopHeads = cfg.loopHeads;
    this.loopMax = this.loopHeads.map(() => 0);
    this.loopIndex = new Int32Array(insns.length).fill(-1);
    this.loopHeads.forEach((h, k) => (this.loopIndex[h] = k));
    this.loopTail = this.loopHeads.map((h) => {
      let t = h;
      insns.forEach((x, j) => {
        if (j >= h && cfg.isStart[j] && isJump(x) && jumpTarget(x, j) === h) t = Math.max(t, j);
      });
      return t;
    });
    this.loopOpen = new Uint8Array(this.loopHeads.length);
    this.explored = new ExploredStates(insns, cfg, !env.unprivileged, w.liveness);
    this.cur = {
      state: { frames: [w.init] },
      insn: 0,
      parent: null,
      firstInsn: 0,
      lastInsn: -1,
      history: [],
      logLen: 0,
      path: null,
      loopIters: this.loopHeads.map(() => 0),
      from: -1,
    };
    if (w.level >= 1) w.log.push(`0: ${formatFrame(w.init)}`);
    env.cur = this.cur.state;
  }

  /** Walk until every path ended or was pruned; a rejection is thrown. */
  run(): void {
    for (;;) {
      const i = this.cur.insn;
      if (this.countInsn(i)) {
        this.prunedPaths++;
        if (this.w.level >= 1) this.w.log.push(`${i}: safe`);
        if (!this.nextPath()) return;
        continue;
      }
      if (this.stepInsn(i) && !this.nextPath()) return;
    }
  }

  /** Count instruction `i` against the budget and its loop; true when the path is pruned there. */
  private countInsn(i: number): boolean {
    const { env, cfg } = this.w;
    env.insnIdx = i;
    if (env.logging) {
      env.scratchedRegs.clear();
      env.scratchedSlots.clear();
    }
    if (++this.processed > this.w.budget) tooLarge(env, this.processed, this.loopHeads, this.loopMax, this.loopOpen);
    const k = this.loopIndex[i]!;
    if (k >= 0) {
      const n = ++this.cur.loopIters[k]!;
      if (n > this.loopMax[k]!) this.loopMax[k] = n;
    }
    if (!cfg.prune[i]) return false;
    return this.explored.visit(this.cur, i, this.jmpsProcessed, this.processed, this.infiniteLoop) === "pruned";
  }

  /** Check instruction `i` on the current path and move the path on; true when the path ended. */
  private stepInsn(i: number): boolean {
    const { env, insns, cfg, liveness, level, log } = this.w;
    const cur = this.cur;
    if (cfg.jmpPoint[i])
      cur.history.push({ idx: i, prev: cur.lastInsn, stackFrame: -1, stackSpi: -1, linked: undefined });
    const line = level >= 1 ? `${i}: ${insnText(insns, i, this.w.type)}` : "";
    const x = insns[i]!;
    const d = OP_DESC[x.op]!;
    if (d.cls === BPF_JMP || d.cls === BPF_JMP32) this.jmpsProcessed++;
    const frame = env.cur.frames.length - 1;
    const condJump = d.kind === "jmp";
    const linked = condJump ? linkedRegs(env.cur, x) : undefined;
    const unknownOperand = condJump && !knownOperands(env.cur, x);
    let next = i + 1;
    let ended = false;
    let pushed: PathEntry | undefined;
    if (env.preciseRegs.length > 0) env.preciseRegs.length = 0;
    if (env.preciseSlots.length > 0) env.preciseSlots.length = 0;
    env.stackAccess = null;
    liveness.beginInsn(env.cur, i);
    try {
      const step = checkInsn(env, insns, i, this.w.recorder, this.w.stepOpts);
      if (step.kind === "end") {
        ended = true;
        // The kernel checks no return range here, so r0 is not made precise (that would
        // explore states the kernel does not); pruned paths get their warnings from the
        // all-paths ranges (verify.ts returnWarnings). --strict rejects on the value: it must be exact.
        if (this.w.stepOpts.strict && env.frame.regs[0]!.type === "scalar") env.markPrecise(0);
      } else if (step.kind === "next") next = step.next;
      else if (step.kind === "branch") {
        const r = this.branch(i, x, frame, step.target, step.out, linked, unknownOperand);
        pushed = r.pushed;
        if (r.next >= 0) next = r.next;
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
    for (const f of env.cur.frames) this.stackDepth = Math.max(this.stackDepth, Math.ceil(f.depth / 8) * 8);
    if (ended) return true;
    cur.lastInsn = i;
    cur.insn = next;
    return false;
  }

  /**
   * A conditional jump's outcome: the taken side pushed when both are possible (the fall-through
   * goes on), else the path follows the one possible side. `next` is the target when the path
   * jumps, -1 when it falls through.
   */
  private branch(
    i: number,
    x: OwnInsn,
    frame: number,
    target: number,
    out: { readonly taken: VState | null; readonly fall: VState | null; readonly decided?: boolean | undefined },
    linked: LinkedReg[] | undefined,
    unknownOperand: boolean,
  ): { pushed: PathEntry | undefined; next: number } {
    const { env } = this.w;
    const cur = this.cur;
    if (out.decided === true) {
      // A branch decided by values: they must stay exact (kernel check_cond_jmp_op).
      const st = (out.taken ?? out.fall)!;
      if (st.frames[frame]!.regs[x.dst]!.type === "scalar") env.markPrecise(x.dst);
      if (OP_DESC[x.op]!.source === BPF_X && st.frames[frame]!.regs[x.src]!.type === "scalar") env.markPrecise(x.src);
    }
    let pushed: PathEntry | undefined;
    let next = -1;
    if (out.taken !== null && out.fall !== null) {
      // Both sides share the record of which scalars were linked here (kernel: before push_stack).
      if (linked !== undefined) noteHistory(cur, i, (h) => (h.linked = linked));
      if (unknownOperand) markOpenLoops(this.loopHeads, this.loopTail, this.loopOpen, i, target);
      pushed = {
        state: out.taken,
        insn: target,
        parent: cur.parent,
        firstInsn: cur.firstInsn,
        lastInsn: i,
        history: cur.history.slice(),
        logLen: this.w.log.length,
        path: { from: i, to: target, prev: cur.path },
        loopIters: cur.loopIters.slice(),
        from: i,
      };
      this.pending.push(pushed);
      if (cur.parent !== null) cur.parent.branches++;
      env.cur = out.fall;
    } else if (out.taken !== null) {
      env.cur = out.taken;
      next = target;
    } else env.cur = out.fall!;
    cur.state = env.cur;
    return { pushed, next };
  }

  /** The next pushed path, if any, becomes the current one (the kernel's `pop_stack`). */
  private nextPath(): boolean {
    const { env, level, log } = this.w;
    releasePath(this.cur.parent);
    const next = this.pending.pop();
    if (next === undefined) return false;
    if (level === 1) log.length = next.logLen;
    this.cur = next;
    env.cur = next.state;
    this.w.liveness.refresh(next.state);
    if (level >= 1) log.push(`from ${next.from} to ${next.insn}: ${formatState(next.state)}`);
    return true;
  }

  private readonly infiniteLoop = (): never =>
    this.w.env.reject(
      `infinite loop detected at insn ${this.w.env.insnIdx}`,
      "verify.infinite-loop",
      "the loop state repeats exactly, so the loop can never end; make sure the loop variable changes",
    );
}

/** The path being explored, with what the log and the rejection report need. */
export interface PathEntry extends Path {
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
export function pathList(p: PathLink | null, max = 64): string[] {
  const out: string[] = [];
  for (let l = p; l !== null && out.length < max; l = l.prev) out.push(`${l.from} -> ${l.to}`);
  return out.reverse();
}

/** The kernel pads the instruction to a column before `; <state>` (vlog_alignment). */
function withState(line: string, state: string): string {
  if (state === "") return line;
  const pos = line.length + 1;
  const pad = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
  return `${line}${" ".repeat(pad)}; ${state}`;
}

export function insnText(insns: readonly Insn[], i: number, type: ProgramType): string {
  try {
    return `(${insns[i]!.opcode.toString(16).padStart(2, "0")}) ${formatInsn(insns, i, "kernel", helperNamesOf(type))}`;
  } catch {
    return `(${insns[i]!.opcode.toString(16).padStart(2, "0")}) ?`;
  }
}

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
function linkedRegs(st: VState, x: OwnInsn): LinkedReg[] | undefined {
  const f = st.frames[st.frames.length - 1]!;
  const d = f.regs[x.dst]!;
  const a = d.type === "scalar" ? d.id : 0;
  let b = 0;
  if (OP_DESC[x.op]!.source === BPF_X) {
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

/** A conditional or unconditional jump (calls and exits have no back-edge of their own). */
const isJump = (x: OwnInsn): boolean => {
  const kind = OP_DESC[x.op]!.kind;
  return kind === "jmp" || kind === "ja";
};

/** Are the compared operands of conditional jump `x` constants? */
function knownOperands(st: VState, x: OwnInsn): boolean {
  const f = st.frames[st.frames.length - 1]!;
  return knownReg(f.regs[x.dst]!) && (OP_DESC[x.op]!.source !== BPF_X || knownReg(f.regs[x.src]!));
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
