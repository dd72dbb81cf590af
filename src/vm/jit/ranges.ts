/**
 * Unsigned value ranges of every register before every instruction, on EVERY path: a forward
 * data-flow over the program (not over the verifier's walked states), for the trusted JIT's
 * "fits in 32 bits" facts (`facts.ts`: u32Regs, u31Regs).
 *
 * Why not the verifier's ranges: the verifier prunes a path whose state is covered by one it
 * already explored, and a scalar that no check depends on covers ANY scalar (the kernel's
 * `regsafe` on an imprecise register). A value that was narrow on every walked path can be wide
 * on a pruned one. Here every path is joined at every merge point instead, so a fact holds
 * whatever the verifier pruned; the verifier is not consulted at all.
 *
 * The analysis works on the concrete 64-bit values the interpreter computes, pointers
 * included (a pointer is region id << 32 | offset: above 2^32, so it is never "narrow").
 * Lattice per register and per 8-byte stack slot of the current frame (addressed as
 * `r10 + off` with a constant off): an interval [lo, hi] of u64, TOP = [0, 2^64 - 1].
 * Conditional jumps narrow their operands on each edge (an unsigned compare with a constant
 * bounds a loop counter). Loop heads widen to thresholds (2^8, 2^16, 2^31, 2^32, 2^63, 2^64),
 * then two descending passes take back what widening overshot.
 *
 * Conservative on purpose: loads of 8 bytes other than a tracked slot, sign-extending loads,
 * helper and local-call results are TOP; a helper call, an atomic or a store through anything
 * but r10 may write any slot; a local call's callee and return point start from TOP; a program
 * that writes r10 tracks no slots. If the iteration does not settle, nothing is claimed.
 */
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_END,
  BPF_FETCH,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_XOR,
  OP_CALL,
  OP_CALLX,
  OP_LDDW,
  R10,
  opClass,
  opCode,
  opMode,
  opSize,
  opSource,
  sizeBytes,
  type Insn,
} from "../isa.js";
import { flowOf, lddwTails } from "./cfg.js";

/** An unsigned 64-bit interval, lo <= hi. */
export interface Range {
  readonly lo: bigint;
  readonly hi: bigint;
}

const MAX64 = (1n << 64n) - 1n;
const MAX32 = (1n << 32n) - 1n;
const TOP: Range = { lo: 0n, hi: MAX64 };
const U32: Range = { lo: 0n, hi: MAX32 };
const SLOTS = 64; // 512-byte frame / 8
const THRESHOLDS = [255n, 65535n, (1n << 31n) - 1n, MAX32, (1n << 63n) - 1n, MAX64];
/** Visits of a loop head before its entry state is widened. */
const WIDEN_AFTER = 3;
/** Rounds over the whole program before giving up (widening makes this unreachable in practice). */
const MAX_ROUNDS = 200;

const rng = (lo: bigint, hi: bigint): Range => (lo === 0n && hi === MAX64 ? TOP : { lo, hi });
const konst = (c: bigint): Range => ({ lo: c, hi: c });
const u64 = (x: number): bigint => BigInt.asUintN(64, BigInt(x | 0));
const u32 = (x: number): bigint => BigInt(x >>> 0);
const isConst = (r: Range): boolean => r.lo === r.hi;
const bitMask = (hi: bigint): bigint => (hi === 0n ? 0n : (1n << BigInt(hi.toString(2).length)) - 1n);

/** A program point's abstract state: registers r0-r10 and the current frame's 64 slots. */
interface State {
  readonly regs: Range[];
  /** slots[k] covers [r10 - 8(k+1), r10 - 8k); absent = TOP. */
  readonly slots: (Range | undefined)[];
}

const topState = (): State => ({ regs: new Array<Range>(11).fill(TOP), slots: [] });
const copy = (s: State): State => ({ regs: s.regs.slice(), slots: s.slots.slice() });

function joinRange(a: Range, b: Range): Range {
  return rng(a.lo < b.lo ? a.lo : b.lo, a.hi > b.hi ? a.hi : b.hi);
}

function sameRange(a: Range | undefined, b: Range | undefined): boolean {
  return (a === undefined || a === TOP) === (b === undefined || b === TOP) && (a === undefined || b === undefined || (a.lo === b.lo && a.hi === b.hi));
}

function widenRange(old: Range, next: Range): Range {
  const lo = next.lo < old.lo ? 0n : old.lo;
  let hi = old.hi;
  if (next.hi > old.hi) hi = THRESHOLDS.find((t) => t >= next.hi) ?? MAX64;
  return rng(lo, hi);
}

function combine(a: State, b: State, f: (x: Range, y: Range) => Range): State {
  const regs = a.regs.map((r, i) => f(r, b.regs[i]!));
  const slots: (Range | undefined)[] = [];
  for (let k = 0; k < SLOTS; k++) {
    const x = a.slots[k];
    const y = b.slots[k];
    if (x !== undefined && y !== undefined) {
      const z = f(x, y);
      if (z !== TOP) slots[k] = z;
    }
  }
  return { regs, slots };
}

function sameState(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++) if (!sameRange(a.regs[i], b.regs[i])) return false;
  for (let k = 0; k < SLOTS; k++) if (!sameRange(a.slots[k], b.slots[k])) return false;
  return true;
}

/** Is every value `a` allows allowed by `b`? */
function within(a: Range | undefined, b: Range | undefined): boolean {
  if (b === undefined || b === TOP) return true;
  if (a === undefined) return false;
  return a.lo >= b.lo && a.hi <= b.hi;
}

function stateWithin(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++) if (!within(a.regs[i], b.regs[i])) return false;
  for (let k = 0; k < SLOTS; k++) if (!within(a.slots[k], b.slots[k])) return false;
  return true;
}

// ---- ALU ----

function add(a: Range, b: Range, max: bigint): Range | undefined {
  const hi = a.hi + b.hi;
  return hi > max ? undefined : rng(a.lo + b.lo, hi);
}

function sub(a: Range, b: Range): Range | undefined {
  return a.lo < b.hi ? undefined : rng(a.lo - b.hi, a.hi - b.lo);
}

/**
 * The unsigned result of a binary operation on operands already reduced to the operation's
 * width (`max` = 2^64 - 1 or 2^32 - 1, `bits` = 64 or 32), or undefined when it may wrap or is
 * not modelled (the caller then takes the whole width).
 */
function binary(code: number, a: Range, b: Range, max: bigint, bits: bigint): Range | undefined {
  switch (code) {
    case BPF_ADD:
      return add(a, b, max);
    case BPF_SUB:
      return sub(a, b);
    case BPF_MUL:
      return a.hi * b.hi > max ? undefined : rng(a.lo * b.lo, a.hi * b.hi);
    case BPF_DIV:
      // x / 0 = 0 (the divisor's lower bound 0 only lowers the result's).
      return rng(b.lo === 0n || b.hi === 0n ? 0n : a.lo / b.hi, b.lo === 0n ? a.hi : a.hi / b.lo);
    case BPF_MOD:
      // x % 0 = x; otherwise below both the dividend and the divisor.
      return rng(0n, b.lo === 0n ? a.hi : b.hi - 1n < a.hi ? b.hi - 1n : a.hi);
    case BPF_AND:
      return rng(0n, a.hi < b.hi ? a.hi : b.hi);
    case BPF_OR:
      return rng(a.lo > b.lo ? a.lo : b.lo, bitMask(a.hi > b.hi ? a.hi : b.hi));
    case BPF_XOR:
      return rng(0n, bitMask(a.hi > b.hi ? a.hi : b.hi));
    case BPF_LSH: {
      // The count is masked to the width (rule 7); a range of counts takes the largest.
      const k = b.hi <= bits - 1n ? b.hi : bits - 1n;
      const kmin = b.hi <= bits - 1n ? b.lo : 0n;
      return a.hi << k > max ? undefined : rng(a.lo << kmin, a.hi << k);
    }
    case BPF_RSH:
      return b.hi <= bits - 1n ? rng(a.lo >> b.hi, a.hi >> b.lo) : rng(0n, a.hi);
    case BPF_ARSH:
      // Same as a logical shift while the sign bit is clear.
      return a.hi < 1n << (bits - 1n) ? binary(BPF_RSH, a, b, max, bits) : undefined;
  }
  return undefined;
}

/** An operand reduced to its low 32 bits: itself if it fits, a constant's low half, else any u32. */
const low32 = (r: Range): Range => (r.hi <= MAX32 ? r : isConst(r) ? konst(r.lo & MAX32) : U32);

function alu(s: State, x: Insn): void {
  const is64 = opClass(x.opcode) === BPF_ALU64;
  const code = opCode(x.opcode);
  const regSrc = opSource(x.opcode) === BPF_X;
  const d = s.regs[x.dst]!;
  const full = is64 ? TOP : U32;
  let out: Range | undefined;
  if (code === BPF_END) {
    const w = x.imm;
    if (w === 16 || w === 32) out = rng(0n, (1n << BigInt(w)) - 1n);
    else if (!is64 && opSource(x.opcode) !== BPF_TO_BE) out = d; // `le` of another width: no-op
    else out = TOP;
    s.regs[x.dst] = out;
    return;
  }
  const b = regSrc ? s.regs[x.src]! : is64 ? konst(u64(x.imm)) : konst(u32(x.imm));
  // `off` selects signed div/mod and movsx (its exact values in the interpreter): not modelled.
  if (x.off !== 0 && (code === BPF_DIV || code === BPF_MOD || code === BPF_MOV)) {
    s.regs[x.dst] = full;
    return;
  }
  if (code === BPF_MOV) out = is64 ? b : low32(b);
  else if (code === BPF_NEG) out = isConst(d) ? (is64 ? konst(BigInt.asUintN(64, -d.lo)) : konst(BigInt.asUintN(32, -(d.lo & MAX32)))) : undefined;
  else out = is64 ? binary(code, d, b, MAX64, 64n) : binary(code, low32(d), low32(b), MAX32, 32n);
  s.regs[x.dst] = out ?? full;
}

// ---- memory ----

/** The slot index of `[r10 + off, +size)` when it lies in one 8-byte slot, else undefined. */
function slotOf(off: number, size: number): number | undefined {
  if (off >= 0 || off < -512) return undefined;
  const k = Math.floor(-off - 1) >> 3;
  const top = -8 * k; // slot covers [top - 8, top)
  return off >= top - 8 && off + size <= top ? k : undefined;
}

function load(s: State, x: Insn, slotsOk: boolean): void {
  const size = sizeBytes(opSize(x.opcode));
  if (opMode(x.opcode) !== BPF_MEM) {
    s.regs[x.dst] = TOP; // sign-extending loads
    return;
  }
  let v: Range = size === 8 ? TOP : rng(0n, (1n << BigInt(size * 8)) - 1n);
  if (slotsOk && x.src === R10) {
    const k = slotOf(x.off, size);
    const slot = k === undefined ? undefined : s.slots[k];
    // Little-endian: a load from the slot's start reads its low bytes, which equal the value
    // when the value fits in them.
    if (slot !== undefined && x.off === -8 * (k! + 1) && (size === 8 || slot.hi < 1n << BigInt(size * 8))) v = slot;
  }
  s.regs[x.dst] = v;
}

function store(s: State, x: Insn, slotsOk: boolean, value: Range | undefined): void {
  const size = sizeBytes(opSize(x.opcode));
  if (!slotsOk || x.dst !== R10) {
    // Through another register: it may point anywhere in the stack.
    s.slots.length = 0;
    return;
  }
  const k = slotOf(x.off, size);
  if (k === undefined) {
    // Straddles two slots (or leaves the frame): forget both neighbours.
    for (let j = 0; j < SLOTS; j++) {
      const top = -8 * j;
      if (x.off < top && x.off + size > top - 8) s.slots[j] = undefined;
    }
    return;
  }
  s.slots[k] = size === 8 && x.off === -8 * (k + 1) && value !== undefined && value !== TOP ? value : undefined;
}

/** Apply instruction `x` (not a jump) to `s` in place. */
function transfer(s: State, x: Insn, slotsOk: boolean): void {
  const cls = opClass(x.opcode);
  if (x.opcode === OP_CALL || x.opcode === OP_CALLX) {
    for (let r = 0; r <= 5; r++) s.regs[r] = TOP;
    s.slots.length = 0; // a helper may write through a stack pointer argument
    return;
  }
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      alu(s, x);
      return;
    case BPF_LDX:
      load(s, x, slotsOk);
      return;
    case BPF_LD:
      if (x.opcode === OP_LDDW) s.regs[x.dst] = x.src === 0 ? konst((u32(x.imm2) << 32n) | u32(x.imm)) : TOP;
      else for (let r = 0; r <= 5; r++) s.regs[r] = TOP;
      return;
    case BPF_ST:
      store(s, x, slotsOk, konst(u64(x.imm)));
      return;
    case BPF_STX:
      if (opMode(x.opcode) === BPF_ATOMIC) {
        store(s, x, slotsOk, undefined);
        const fetched = x.imm === BPF_CMPXCHG ? 0 : (x.imm & BPF_FETCH) !== 0 ? x.src : -1;
        if (fetched >= 0) s.regs[fetched] = opSize(x.opcode) === BPF_W ? U32 : TOP;
        return;
      }
      store(s, x, slotsOk, s.regs[x.src]);
      return;
  }
}

// ---- conditional jumps ----

function meet(a: Range, lo: bigint, hi: bigint): Range | null {
  const l = a.lo > lo ? a.lo : lo;
  const h = a.hi < hi ? a.hi : hi;
  return l > h ? null : rng(l, h);
}

/** `v` restricted to values u with `u REL c` (unsigned); null when none. */
function restrict(v: Range, rel: number, c: Range, max: bigint): Range | null {
  switch (rel) {
    case BPF_JEQ:
      return meet(v, c.lo, c.hi);
    case BPF_JNE:
      if (!isConst(c)) return v;
      if (v.lo === c.lo && v.hi === c.lo) return null;
      if (v.lo === c.lo) return rng(v.lo + 1n, v.hi);
      if (v.hi === c.lo) return rng(v.lo, v.hi - 1n);
      return v;
    case BPF_JGT:
      return c.lo >= max ? null : meet(v, c.lo + 1n, max);
    case BPF_JGE:
      return meet(v, c.lo, max);
    case BPF_JLT:
      return c.hi === 0n ? null : meet(v, 0n, c.hi - 1n);
    case BPF_JLE:
      return meet(v, 0n, c.hi);
  }
  return v;
}

const NEGATE: Readonly<Record<number, number>> = { [BPF_JEQ]: BPF_JNE, [BPF_JNE]: BPF_JEQ, [BPF_JGT]: BPF_JLE, [BPF_JGE]: BPF_JLT, [BPF_JLT]: BPF_JGE, [BPF_JLE]: BPF_JGT };
/** `a REL b` as `b REL' a`. */
const MIRROR: Readonly<Record<number, number>> = { [BPF_JEQ]: BPF_JEQ, [BPF_JNE]: BPF_JNE, [BPF_JGT]: BPF_JLT, [BPF_JGE]: BPF_JLE, [BPF_JLT]: BPF_JGT, [BPF_JLE]: BPF_JGE };
const UNSIGNED: Readonly<Record<number, number>> = { [BPF_JSGT]: BPF_JGT, [BPF_JSGE]: BPF_JGE, [BPF_JSLT]: BPF_JLT, [BPF_JSLE]: BPF_JLE };

/**
 * The state on one edge of a conditional jump (`taken` or not), or null when no value can
 * take it. Only compares that are unsigned compares of the full values are used: 32-bit ones
 * on values below 2^32, signed ones on values below 2^63 (2^31); anything else leaves the
 * state as it is, which is always sound.
 */
function edge(s: State, x: Insn, taken: boolean): State | null {
  const is32 = opClass(x.opcode) === BPF_JMP32;
  let rel = opCode(x.opcode);
  const regSrc = opSource(x.opcode) === BPF_X;
  const signedRel = UNSIGNED[rel];
  const width = is32 ? MAX32 : MAX64;
  const signLimit = is32 ? 1n << 31n : 1n << 63n;
  const d = s.regs[x.dst]!;
  const c = regSrc ? s.regs[x.src]! : konst(is32 ? u32(x.imm) : u64(x.imm));
  if (NEGATE[rel] === undefined && signedRel === undefined) return s; // jset
  if (d.hi > width || c.hi > width) return s;
  if (signedRel !== undefined) {
    if (d.hi >= signLimit || c.hi >= signLimit) return s;
    rel = signedRel;
  }
  if (!taken) rel = NEGATE[rel]!;
  const nd = restrict(d, rel, c, width);
  if (nd === null) return null;
  const out = copy(s);
  out.regs[x.dst] = nd;
  if (regSrc && x.src !== x.dst) {
    const nc = restrict(c, MIRROR[rel]!, nd, width);
    if (nc === null) return null;
    out.regs[x.src] = nc;
  }
  return out;
}

// ---- the fixpoint ----

/** Does any instruction write r10 (then `r10 + off` is no longer the frame's slot)? */
function writesR10(insns: readonly Insn[], tail: Uint8Array): boolean {
  return insns.some((x, pc) => {
    if (tail[pc] === 1) return false;
    const cls = opClass(x.opcode);
    if ((cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX || x.opcode === OP_LDDW) && x.dst === R10) return true;
    // A fetching atomic writes its source register (cmpxchg writes r0).
    return cls === BPF_STX && opMode(x.opcode) === BPF_ATOMIC && x.imm !== BPF_CMPXCHG && (x.imm & BPF_FETCH) !== 0 && x.src === R10;
  });
}

interface Succ {
  readonly to: number;
  /** The state flowing along this edge from the instruction's entry state (null: infeasible). */
  readonly state: State | null;
}

function successors(insns: readonly Insn[], pc: number, entry: State, slotsOk: boolean): Succ[] {
  const x = insns[pc]!;
  const f = flowOf(x, pc);
  switch (f.kind) {
    case "exit":
      return [];
    case "jump":
      return [{ to: f.target, state: entry }];
    case "branch":
      return [
        { to: f.target, state: edge(entry, x, true) },
        { to: pc + 1, state: edge(entry, x, false) },
      ];
    case "local-call":
      // The callee has its own frame and the caller's state after the return is not tracked.
      return [
        { to: f.target, state: topState() },
        { to: pc + 1, state: topState() },
      ];
    case "none": {
      const s = copy(entry);
      transfer(s, x, slotsOk);
      return [{ to: x.opcode === OP_LDDW ? pc + 2 : pc + 1, state: s }];
    }
  }
}

/**
 * Register ranges before each instruction, on every path (undefined: the slot is never
 * reached, or the analysis did not settle and claims nothing).
 */
export function registerRanges(insns: readonly Insn[]): (readonly Range[] | undefined)[] {
  const n = insns.length;
  const tail = lddwTails(insns);
  const slotsOk = !writesR10(insns, tail);
  const valid = (pc: number): boolean => Number.isInteger(pc) && pc >= 0 && pc < n && tail[pc] !== 1;
  // Widening points: targets of edges that go backwards (every cycle contains one).
  const head = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    if (tail[pc] === 1) continue;
    const f = flowOf(insns[pc]!, pc);
    if ((f.kind === "branch" || f.kind === "jump" || f.kind === "local-call") && valid(f.target) && f.target <= pc) head[f.target] = 1;
  }
  const entry: (State | undefined)[] = new Array(n);
  const visits = new Uint32Array(n);
  entry[0] = topState();
  let changed = true;
  let rounds = 0;
  for (; changed && rounds < MAX_ROUNDS; rounds++) {
    changed = false;
    for (let pc = 0; pc < n; pc++) {
      const s = entry[pc];
      if (s === undefined || tail[pc] === 1) continue;
      for (const { to, state } of successors(insns, pc, s, slotsOk)) {
        if (state === null || !valid(to)) continue;
        const old = entry[to];
        let next = old === undefined ? state : combine(old, state, joinRange);
        if (old !== undefined && head[to] === 1 && ++visits[to]! > WIDEN_AFTER) next = combine(old, next, widenRange);
        if (old === undefined || !sameState(old, next)) {
          entry[to] = next;
          changed = true;
        }
      }
    }
  }
  if (changed) return new Array(n);
  // Descending passes: recompute each entry from its predecessors' current states. Each pass
  // keeps a post-fixpoint; the result is checked anyway, and dropped if it were not one.
  const preds: Array<Array<readonly [number, number]>> = Array.from({ length: n }, () => []);
  for (let pc = 0; pc < n; pc++) {
    if (entry[pc] === undefined || tail[pc] === 1) continue;
    successors(insns, pc, entry[pc]!, slotsOk).forEach(({ to }, i) => {
      if (valid(to)) preds[to]!.push([pc, i]);
    });
  }
  let narrowed = entry.slice();
  for (let pass = 0; pass < 2; pass++) {
    for (let pc = 1; pc < n; pc++) {
      if (narrowed[pc] === undefined) continue;
      let acc: State | undefined;
      for (const [p, i] of preds[pc]!) {
        const st = successors(insns, p, narrowed[p]!, slotsOk)[i]!.state;
        if (st !== null) acc = acc === undefined ? st : combine(acc, st, joinRange);
      }
      if (acc !== undefined) narrowed[pc] = acc;
    }
  }
  if (!isPostFixpoint(insns, narrowed, slotsOk, valid)) narrowed = entry;
  return narrowed.map((s) => s?.regs);
}

/** Does every edge's state fall within its target's entry state? */
function isPostFixpoint(insns: readonly Insn[], entry: readonly (State | undefined)[], slotsOk: boolean, valid: (pc: number) => boolean): boolean {
  if (entry[0] === undefined || !stateWithin(topState(), entry[0])) return false;
  for (let pc = 0; pc < insns.length; pc++) {
    const s = entry[pc];
    if (s === undefined || !valid(pc)) continue;
    for (const { to, state } of successors(insns, pc, s, slotsOk)) {
      if (state === null || !valid(to)) continue;
      const t = entry[to];
      if (t === undefined || !stateWithin(state, t)) return false;
    }
  }
  return true;
}

/** Bit masks of the registers below 2^32 and below 2^31 before each instruction. */
export function narrowRegisters(insns: readonly Insn[]): { readonly u32: Int32Array; readonly u31: Int32Array } {
  const ranges = registerRanges(insns);
  const u32m = new Int32Array(insns.length);
  const u31m = new Int32Array(insns.length);
  ranges.forEach((regs, pc) => {
    if (regs === undefined) return;
    for (let r = 0; r < 10; r++) {
      const hi = regs[r]!.hi;
      if (hi <= MAX32) u32m[pc]! |= 1 << r;
      if (hi < 1n << 31n) u31m[pc]! |= 1 << r;
    }
  });
  return { u32: u32m, u31: u31m };
}
