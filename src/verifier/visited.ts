/**
 * The states already seen at each prune point, and the decision at a prune point: cut the
 * path (an equivalent, fully explored state exists), reject it (it repeats a state of its own
 * loop exactly), or go on, possibly leaving a checkpoint. The kernel's `is_state_visited`,
 * heuristics included, so that Baton explores the same states as the kernel:
 * - a checkpoint needs at least 2 jumps and 8 instructions since the last one, or a history
 *   of more than 40 entries;
 * - a state still being explored (branches > 0, i.e. an ancestor in a loop) is only checked
 *   for an exact repetition, and inside a loop a checkpoint is left only every 20 jumps or
 *   100 instructions;
 * - a state that keeps missing (misses > 3 * hits + 3) is dropped from its list.
 * On a hit, the precision the old state relied on is propagated into the current path
 * (`propagate_precision`).
 */
import type { OwnInsn } from "./own-insns.js";
import { Backtrack, markChainPrecision, precisionRequest, type Checkpointed, type HistEntry } from "./backtrack.js";
import type { Cfg } from "./check-cfg.js";
import type { StackLiveness } from "./liveness.js";
import { cloneState, NOT_INIT, type VState } from "./state.js";
import { statesEqual, statesMaybeLooping } from "./states-equal.js";

/** A state kept at a prune point (kernel `bpf_verifier_state_list` entry). */
export interface Checkpoint extends Checkpointed {
  readonly state: VState;
  readonly parent: Checkpoint | null;
  readonly insn: number;
  /** Paths still being explored below this checkpoint (kernel `branches`). */
  branches: number;
  hits: number;
  misses: number;
  /** Dead registers and slots already forgotten (kernel `cleaned`). */
  cleaned: boolean;
}

/** The path being explored (the kernel's `cur_state` plus its place). */
export interface Path {
  state: VState;
  insn: number;
  parent: Checkpoint | null;
  firstInsn: number;
  lastInsn: number;
  history: HistEntry[];
}

export type Visit = "pruned" | "explore";

/** A path ended (exit, pruned or rejected): its checkpoints lose a branch (kernel `update_branch_counts`). */
export function releasePath(cp: Checkpoint | null): void {
  for (let c = cp; c !== null; c = c.parent) if (--c.branches > 0) break;
}

export class ExploredStates {
  /** Checkpoints per instruction (holes where none was ever left). */
  private readonly lists: (Checkpoint[] | undefined)[];
  total = 0;
  peak = 0;
  private size = 0;
  maxPerInsn = 0;
  private prevJmps = 0;
  private prevInsns = 0;

  constructor(
    private readonly insns: readonly OwnInsn[],
    private readonly cfg: Cfg,
    private readonly privileged: boolean,
    private readonly liveness: StackLiveness,
  ) {
    this.lists = new Array<Checkpoint[] | undefined>(insns.length).fill(undefined);
  }

  /**
   * kernel `clean_live_states`: a fully explored checkpoint forgets registers and stack slots
   * nothing reads any more, so that they match anything when compared.
   */
  private clean(cp: Checkpoint): void {
    cp.cleaned = true;
    const st = cp.state;
    const live = this.liveAt(st, cp.insn);
    st.frames.forEach((f, fr) => {
      const mask = live(fr);
      for (let r = 0; r < 10; r++) if (((mask >> r) & 1) === 0) f.regs[r] = NOT_INIT;
      for (let spi = 0; spi < f.stack.length; spi++) {
        if (f.stack[spi] !== undefined && !this.liveness.alive(st, cp.insn, fr, spi)) f.stack[spi] = undefined;
      }
    });
  }

  /** Registers live in each frame of `st` at `insn` (caller frames: at their call). */
  liveAt(st: VState, insn: number): (frame: number) => number {
    const live = this.cfg.live;
    return (f) => (f === st.frames.length - 1 ? live[insn]! : live[st.frames[f + 1]!.callsite]!);
  }

  /**
   * `path` is at prune point `insn`. Throws (via `loop`) when it repeats its own loop exactly.
   * `jmps`/`processed` are the run's counters, `jmpPoint` says whether `insn` gets a history entry.
   */
  visit(path: Path, insn: number, jmps: number, processed: number, loop: () => never): Visit {
    const cur = path.state;
    const force = path.history.length > 40;
    let addNew = force || (jmps - this.prevJmps >= 2 && processed - this.prevInsns >= 8);
    let list = this.lists[insn];
    if (list === undefined) this.lists[insn] = list = [];
    const live = this.liveAt(cur, insn);
    let count = 0;
    for (const cp of list) if (cp.branches === 0 && !cp.cleaned && sameCallsites(cp.state, cur)) this.clean(cp);
    // Newest first: the kernel adds a checkpoint at the head of its list.
    for (let k = list.length - 1; k >= 0; k--) {
      const cp = list[k]!;
      count++;
      if (cp.branches > 0) {
        if (statesMaybeLooping(cp.state, cur) && statesEqual(cp.state, cur, live, "exact", this.privileged)) loop();
        if (!force && jmps - this.prevJmps < 20 && processed - this.prevInsns < 100) addNew = false;
      } else if (statesEqual(cp.state, cur, live, "not_exact", this.privileged)) {
        cp.hits++;
        if (this.cfg.jmpPoint[insn])
          path.history.push({ idx: insn, prev: path.lastInsn, stackFrame: -1, stackSpi: -1, linked: undefined });
        const bt = precisionRequest(cp.state, this.liveAt(cp.state, insn));
        markChainPrecision(this.insns, this.cfg.isStart, path, insn, bt);
        if (count > this.maxPerInsn) this.maxPerInsn = count;
        return "pruned";
      }
      if (addNew) cp.misses++;
      if (cp.misses > cp.hits * 3 + 3) {
        list.splice(k, 1);
        this.size--;
      }
    }
    if (count > this.maxPerInsn) this.maxPerInsn = count;
    if (!addNew) return "explore";
    this.total++;
    this.size++;
    if (this.size > this.peak) this.peak = this.size;
    this.prevJmps = jmps;
    this.prevInsns = processed;
    const cp: Checkpoint = {
      state: cloneState(cur),
      parent: path.parent,
      insn,
      firstInsn: path.firstInsn,
      lastInsn: path.lastInsn,
      history: path.history,
      branches: 1,
      hits: 0,
      misses: 0,
      cleaned: false,
    };
    list.push(cp);
    path.parent = cp;
    path.firstInsn = insn;
    path.history = [];
    return "explore";
  }
}

/** A precision request for registers of the current frame and stack slots, walked back from `insn`. */
export function requestPrecision(
  insns: readonly OwnInsn[],
  cfg: Cfg,
  path: Path,
  insn: number,
  frame: number,
  regs: readonly number[],
  slots: readonly (readonly [number, number])[],
): void {
  const bt = new Backtrack(frame);
  for (const r of regs) bt.setReg(r);
  for (const [f, spi] of slots) bt.setSlot(f, spi);
  markChainPrecision(insns, cfg.isStart, path, insn, bt);
}

function sameCallsites(a: VState, b: VState): boolean {
  if (a.frames.length !== b.frames.length) return false;
  for (let f = 0; f < a.frames.length; f++) if (a.frames[f]!.callsite !== b.frames[f]!.callsite) return false;
  return true;
}
