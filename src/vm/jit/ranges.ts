/**
 * Unsigned value ranges of every register before every instruction, on EVERY path: a forward
 * data-flow over the program (not over the verifier's walked states), for the trusted JIT's
 * "fits in 32 bits" facts (`facts.ts`: u32Regs, u31Regs).
 *
 * Why not the verifier's ranges: the verifier prunes a path whose state is covered by one it
 * already explored, and a scalar that no check depends on covers ANY scalar (the kernel's
 * `regsafe` on an imprecise register). A value that was narrow on every walked path can be wide
 * on a pruned one. Here every path is joined at every merge point instead, so a fact holds
 * whatever the verifier pruned. Of the verifier only a static fact is used: which helper calls
 * only read through their arguments (from the helper's kernel prototype, not from any state).
 *
 * The analysis works on the concrete 64-bit values the interpreter computes, pointers
 * included (a pointer is region id << 32 | offset: above 2^32, so it is never "narrow").
 * Lattice per register and per 8-byte stack slot of the current frame (addressed as
 * `r10 + off` with a constant off): an interval [lo, hi] of u64 (`Range`), TOP = any value.
 * Conditional jumps narrow their operands on each edge (an unsigned compare with a constant
 * bounds a loop counter). Loop heads widen to thresholds (2^8, 2^16, 2^31, 2^32, 2^52, any),
 * then two descending passes take back what widening overshot.
 *
 * Conservative on purpose: loads of 8 bytes other than a tracked slot, sign-extending loads,
 * helper and local-call results are TOP; a helper call (unless the verifier's facts say its
 * prototype only reads through its arguments), an atomic or a store through anything but r10
 * may write any slot; a local call's callee and return point start from TOP; a program
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
import { flowOf, lddwTails } from "../cfg.js";

/**
 * An unsigned 64-bit interval lo <= hi, in doubles: bounds up to 2^52 are exact integers, and
 * `hi = Infinity` stands for "anything up to 2^64 - 1" (a bound that would pass 2^52 is
 * rounded up to it, so arithmetic on finite bounds never loses precision and never wraps).
 */
export interface Range {
  readonly lo: number;
  readonly hi: number;
}

const LIMIT = 2 ** 52;
const MAX32 = 2 ** 32 - 1;
const TOP: Range = { lo: 0, hi: Infinity };
const U32: Range = { lo: 0, hi: MAX32 };
const SLOTS = 64; // 512-byte frame / 8
const THRESHOLDS = [255, 65535, 2 ** 31 - 1, MAX32, LIMIT];
/** Visits of a loop head before its entry state is widened. */
const WIDEN_AFTER = 3;
/** Instruction visits per instruction before giving up (widening makes this unreachable in practice). */
const MAX_VISITS = 64;

/** [lo, hi], or TOP when a bound passes what doubles hold exactly. */
const rng = (lo: number, hi: number): Range => (hi > LIMIT || lo > LIMIT ? TOP : { lo, hi });
const konst = (c: number): Range => rng(c, c);
/** imm sign-extended to 64 bits, as an unsigned value (negative: above 2^52, so TOP). */
const u64 = (x: number): Range => ((x | 0) < 0 ? TOP : konst(x | 0));
const isConst = (r: Range): boolean => r.lo === r.hi;
/** 2^bits - 1 for the fewest bits that hold `hi`. */
function bitMask(hi: number): number {
  let m = 0;
  while (m < hi) m = m * 2 + 1;
  return m;
}

/** A program point's abstract state: registers r0-r10 and the current frame's 64 slots. */
interface State {
  readonly regs: Range[];
  /** Slot k covers [r10 - 8(k+1), r10 - 8k); absent = TOP. */
  readonly slots: Map<number, Range>;
  /**
   * links[r] = k: r<r> holds exactly the 8 bytes of slot k (a fill, or a spill of r), so a
   * compare that narrows the register narrows the slot too — compiled loops keep their
   * counter in a slot and re-load it after the bound check. -1: no link.
   */
  readonly links: number[];
}

const topState = (): State => ({
  regs: new Array<Range>(11).fill(TOP),
  slots: new Map(),
  links: new Array<number>(11).fill(-1),
});
const copy = (s: State): State => ({ regs: s.regs.slice(), slots: new Map(s.slots), links: s.links.slice() });

/** Registers linked to slot k no longer are (the slot was written). */
function unlinkSlot(s: State, k: number): void {
  for (let r = 0; r < 11; r++) if (s.links[r] === k) s.links[r] = -1;
}

function joinRange(a: Range, b: Range): Range {
  return rng(Math.min(a.lo, b.lo), Math.max(a.hi, b.hi));
}

const sameRange = (a: Range | undefined, b: Range | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.lo === b.lo && a.hi === b.hi);

function widenRange(old: Range, next: Range): Range {
  const lo = next.lo < old.lo ? 0 : old.lo;
  let hi = old.hi;
  if (next.hi > old.hi) hi = THRESHOLDS.find((t) => t >= next.hi) ?? Infinity;
  return rng(lo, hi);
}

function combine(a: State, b: State, f: (x: Range, y: Range) => Range): State {
  const regs = a.regs.map((r, i) => f(r, b.regs[i]!));
  const slots = new Map<number, Range>();
  for (const [k, x] of a.slots) {
    const y = b.slots.get(k);
    if (y === undefined) continue;
    const z = f(x, y);
    if (z !== TOP) slots.set(k, z);
  }
  const links = a.links.map((k, i) => (k === b.links[i] ? k : -1));
  return { regs, slots, links };
}

function sameState(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++) if (!sameRange(a.regs[i], b.regs[i]) || a.links[i] !== b.links[i]) return false;
  if (a.slots.size !== b.slots.size) return false;
  for (const [k, x] of a.slots) if (!sameRange(x, b.slots.get(k))) return false;
  return true;
}

/** Is every value `a` allows allowed by `b`? (undefined: a TOP slot; an infinite bound is TOP) */
function within(a: Range | undefined, b: Range | undefined): boolean {
  if (b === undefined || b.hi === Infinity) return true;
  if (a === undefined) return false;
  return a.lo >= b.lo && a.hi <= b.hi;
}

function stateWithin(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++)
    if (!within(a.regs[i], b.regs[i]) || (b.links[i]! >= 0 && a.links[i] !== b.links[i])) return false;
  for (const [k, y] of b.slots) if (!within(a.slots.get(k), y)) return false;
  return true;
}

// ---- ALU ----

/**
 * The unsigned result of a binary operation on operands already reduced to the operation's
 * width (`max` = 2^64 - 1 or 2^32 - 1, `bits` = 64 or 32), or undefined when it may wrap or is
 * not modelled (the caller then takes the whole width). Finite bounds are at most 2^52, so
 * sums, differences and the products checked here are exact doubles.
 */
function binary(code: number, a: Range, b: Range, max: number, bits: number): Range | undefined {
  switch (code) {
    case BPF_ADD:
      return a.hi + b.hi > max ? undefined : rng(a.lo + b.lo, a.hi + b.hi);
    case BPF_SUB:
      return a.lo < b.hi ? undefined : rng(a.lo - b.hi, a.hi - b.lo);
    case BPF_MUL:
      return a.hi * b.hi > max || a.hi * b.hi > LIMIT ? undefined : rng(a.lo * b.lo, a.hi * b.hi);
    case BPF_DIV:
      // x / 0 = 0: a divisor that may be 0 takes the lower bound to 0 (and keeps x's upper).
      // Bounds up to 2^52 divide exactly enough: floor never crosses an integer.
      if (a.hi === Infinity) return undefined;
      return rng(
        b.lo === 0 || b.hi === Infinity ? 0 : Math.floor(a.lo / b.hi),
        b.lo === 0 ? a.hi : Math.floor(a.hi / b.lo),
      );
    case BPF_MOD:
      // x % 0 = x; otherwise below both the dividend and the divisor.
      if (b.lo === 0) return a.hi === Infinity ? undefined : rng(0, a.hi);
      return b.hi === Infinity ? (a.hi === Infinity ? undefined : rng(0, a.hi)) : rng(0, Math.min(a.hi, b.hi - 1));
    case BPF_AND:
      return Math.min(a.hi, b.hi) === Infinity ? undefined : rng(0, Math.min(a.hi, b.hi));
    case BPF_OR:
    case BPF_XOR: {
      const m = Math.max(a.hi, b.hi);
      if (m === Infinity) return undefined;
      return rng(code === BPF_OR ? Math.max(a.lo, b.lo) : 0, bitMask(m));
    }
    case BPF_LSH: {
      if (a.hi === Infinity) return undefined;
      // The count is masked to the width (rule 7); an unknown count may be any masked one.
      const fits = b.hi <= bits - 1;
      const k = fits ? b.hi : bits - 1;
      const hi = a.hi * 2 ** k;
      return hi > max || hi > LIMIT ? undefined : rng(a.lo * 2 ** (fits ? b.lo : 0), hi);
    }
    case BPF_RSH:
      // Any 64-bit value shifted right by at least 12 fits the exact range (x >> 32: a u32).
      if (a.hi === Infinity) return b.lo >= 12 && b.hi <= bits - 1 ? rng(0, 2 ** (bits - b.lo) - 1) : undefined;
      return b.hi <= bits - 1 ? rng(Math.floor(a.lo / 2 ** b.hi), Math.floor(a.hi / 2 ** b.lo)) : rng(0, a.hi);
    case BPF_ARSH:
      // Same as a logical shift while the sign bit is clear.
      return a.hi < 2 ** (bits - 1) ? binary(BPF_RSH, a, b, max, bits) : undefined;
  }
  return undefined;
}

/** An operand reduced to its low 32 bits: itself if it fits, a small constant's low half, else any u32. */
const low32 = (r: Range): Range => (r.hi <= MAX32 ? r : isConst(r) ? konst(r.lo % 2 ** 32) : U32);

function alu(s: State, x: Insn): void {
  const is64 = opClass(x.opcode) === BPF_ALU64;
  let code = opCode(x.opcode);
  const regSrc = opSource(x.opcode) === BPF_X;
  const d = s.regs[x.dst]!;
  const full = is64 ? TOP : U32;
  // A 64-bit register move copies the source's link; anything else breaks the dst's.
  s.links[x.dst] = is64 && code === BPF_MOV && regSrc && x.off === 0 ? s.links[x.src]! : -1;
  if (code === BPF_END) {
    const w = x.imm;
    if (w === 16 || w === 32) s.regs[x.dst] = rng(0, 2 ** w - 1);
    else if (!is64 && opSource(x.opcode) !== BPF_TO_BE)
      s.regs[x.dst] = d; // `le` of another width: no-op
    else s.regs[x.dst] = TOP;
    return;
  }
  // `off` selects signed div/mod and movsx (its exact values in the interpreter): not modelled.
  if (x.off !== 0 && (code === BPF_DIV || code === BPF_MOD || code === BPF_MOV)) {
    s.regs[x.dst] = full;
    return;
  }
  let b: Range;
  if (regSrc) b = s.regs[x.src]!;
  else if (!is64) b = konst(x.imm >>> 0);
  else if ((x.imm | 0) < 0 && (code === BPF_ADD || code === BPF_SUB)) {
    // Adding 2^64 - c is subtracting c (and the reverse), which intervals bound exactly.
    b = konst(-(x.imm | 0));
    code = code === BPF_ADD ? BPF_SUB : BPF_ADD;
  } else b = u64(x.imm);
  let out: Range | undefined;
  if (code === BPF_MOV) out = is64 ? b : low32(b);
  else if (code === BPF_NEG) {
    if (!is64 && isConst(low32(d))) out = konst((2 ** 32 - low32(d).lo) % 2 ** 32);
    else out = is64 && d.lo === 0 && d.hi === 0 ? d : undefined;
  } else out = is64 ? binary(code, d, b, Infinity, 64) : binary(code, low32(d), low32(b), MAX32, 32);
  s.regs[x.dst] = out ?? full;
}

// ---- memory ----

/** The slot index of `[r10 + off, +size)` when it lies in one 8-byte slot, else undefined. */
function slotOf(off: number, size: number): number | undefined {
  if (off >= 0 || off < -512) return undefined;
  const k = (-off - 1) >> 3;
  const top = -8 * k; // slot k covers [top - 8, top)
  return off >= top - 8 && off + size <= top ? k : undefined;
}

function load(s: State, x: Insn, slotsOk: boolean): void {
  const size = sizeBytes(opSize(x.opcode));
  s.links[x.dst] = -1;
  if (opMode(x.opcode) !== BPF_MEM) {
    s.regs[x.dst] = TOP; // sign-extending loads
    return;
  }
  let v: Range = size === 8 ? TOP : rng(0, 2 ** (size * 8) - 1);
  if (slotsOk && x.src === R10) {
    const k = slotOf(x.off, size);
    const slot = k === undefined ? undefined : s.slots.get(k);
    // Little-endian: a load from the slot's start reads its low bytes, which are the value
    // when the value fits in them.
    if (slot !== undefined && x.off === -8 * (k! + 1) && (size === 8 || slot.hi < 2 ** (size * 8))) v = slot;
    if (k !== undefined && size === 8 && x.off === -8 * (k + 1)) s.links[x.dst] = k;
  }
  s.regs[x.dst] = v;
}

/** A store of `value` (from register `from`, -1 for an immediate or an atomic). */
function store(s: State, x: Insn, slotsOk: boolean, value: Range | undefined, from: number): void {
  const size = sizeBytes(opSize(x.opcode));
  if (!slotsOk || x.dst !== R10) {
    // Through another register: it may point anywhere in the stack.
    s.slots.clear();
    s.links.fill(-1);
    return;
  }
  const k = slotOf(x.off, size);
  if (k === undefined) {
    // Straddles two slots (or leaves the frame): forget every slot it touches.
    for (let j = 0; j < SLOTS; j++) {
      const top = -8 * j;
      if (x.off < top && x.off + size > top - 8) {
        s.slots.delete(j);
        unlinkSlot(s, j);
      }
    }
    return;
  }
  unlinkSlot(s, k);
  const whole = size === 8 && x.off === -8 * (k + 1);
  if (whole && value !== undefined && value.hi !== Infinity) s.slots.set(k, value);
  else s.slots.delete(k);
  if (whole && from >= 0 && from !== R10) s.links[from] = k;
}

/** Apply instruction `x` (not a jump) to `s` in place; `readsOnly`: a helper call known not to write through its
 * arguments. */
function transfer(s: State, x: Insn, slotsOk: boolean, readsOnly: boolean): void {
  const cls = opClass(x.opcode);
  if (x.opcode === OP_CALL || x.opcode === OP_CALLX) {
    for (let r = 0; r <= 5; r++) {
      s.regs[r] = TOP;
      s.links[r] = -1;
    }
    if (!readsOnly || x.opcode === OP_CALLX) {
      // It may write through a stack pointer argument.
      s.slots.clear();
      s.links.fill(-1);
    }
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
      if (x.opcode === OP_LDDW) {
        s.regs[x.dst] =
          x.src === 0 ? rng((x.imm2 >>> 0) * 2 ** 32 + (x.imm >>> 0), (x.imm2 >>> 0) * 2 ** 32 + (x.imm >>> 0)) : TOP;
        s.links[x.dst] = -1;
      } else
        for (let r = 0; r <= 5; r++) {
          s.regs[r] = TOP;
          s.links[r] = -1;
        }
      return;
    case BPF_ST:
      store(s, x, slotsOk, u64(x.imm), -1);
      return;
    case BPF_STX:
      if (opMode(x.opcode) === BPF_ATOMIC) {
        store(s, x, slotsOk, undefined, -1);
        const fetched = x.imm === BPF_CMPXCHG ? 0 : (x.imm & BPF_FETCH) !== 0 ? x.src : -1;
        if (fetched >= 0) {
          s.regs[fetched] = opSize(x.opcode) === BPF_W ? U32 : TOP;
          s.links[fetched] = -1;
        }
        return;
      }
      store(s, x, slotsOk, s.regs[x.src], x.src);
      return;
  }
}

// ---- conditional jumps ----

function meet(a: Range, lo: number, hi: number): Range | null {
  const l = Math.max(a.lo, lo);
  const h = Math.min(a.hi, hi);
  return l > h ? null : rng(l, h);
}

/** `v` restricted to the values u with `u REL c` (unsigned, `max` the width's top); null when none. */
function restrict(v: Range, rel: number, c: Range, max: number): Range | null {
  switch (rel) {
    case BPF_JEQ:
      return meet(v, c.lo, c.hi);
    case BPF_JNE:
      if (!isConst(c)) return v;
      if (v.lo === c.lo && v.hi === c.lo) return null;
      if (v.lo === c.lo) return rng(v.lo + 1, v.hi);
      if (v.hi === c.lo) return rng(v.lo, v.hi - 1);
      return v;
    case BPF_JGT:
      return c.lo >= max ? null : meet(v, c.lo + 1, max);
    case BPF_JGE:
      return meet(v, c.lo, max);
    case BPF_JLT:
      return c.hi === 0 ? null : meet(v, 0, c.hi - 1);
    case BPF_JLE:
      return meet(v, 0, c.hi);
  }
  return v;
}

const NEGATE: Readonly<Record<number, number>> = {
  [BPF_JEQ]: BPF_JNE,
  [BPF_JNE]: BPF_JEQ,
  [BPF_JGT]: BPF_JLE,
  [BPF_JGE]: BPF_JLT,
  [BPF_JLT]: BPF_JGE,
  [BPF_JLE]: BPF_JGT,
};
/** `a REL b` as `b REL' a`. */
const MIRROR: Readonly<Record<number, number>> = {
  [BPF_JEQ]: BPF_JEQ,
  [BPF_JNE]: BPF_JNE,
  [BPF_JGT]: BPF_JLT,
  [BPF_JGE]: BPF_JLE,
  [BPF_JLT]: BPF_JGT,
  [BPF_JLE]: BPF_JGE,
};
const UNSIGNED: Readonly<Record<number, number>> = {
  [BPF_JSGT]: BPF_JGT,
  [BPF_JSGE]: BPF_JGE,
  [BPF_JSLT]: BPF_JLT,
  [BPF_JSLE]: BPF_JLE,
};

/**
 * The state on one edge of a conditional jump (`taken` or not), or null when no value can
 * take it. Only compares that are unsigned compares of the whole values narrow anything:
 * 32-bit ones on values below 2^32, signed ones on values below 2^63 (2^31 for 32-bit);
 * anything else (jset, a signed compare of a maybe-negative value) leaves the state as it is.
 */
function edge(s: State, x: Insn, taken: boolean): State | null {
  const is32 = opClass(x.opcode) === BPF_JMP32;
  let rel = opCode(x.opcode);
  const regSrc = opSource(x.opcode) === BPF_X;
  const signedRel = UNSIGNED[rel];
  if (NEGATE[rel] === undefined && signedRel === undefined) return s;
  const max = is32 ? MAX32 : Infinity;
  const d = s.regs[x.dst]!;
  const c = regSrc ? s.regs[x.src]! : is32 ? konst(x.imm >>> 0) : u64(x.imm);
  if (d.hi > max || c.hi > max) return s;
  if (signedRel !== undefined) {
    const signLimit = is32 ? 2 ** 31 : 2 ** 63;
    if (d.hi >= signLimit || c.hi >= signLimit) return s;
    rel = signedRel;
  }
  if (!taken) rel = NEGATE[rel]!;
  const nd = restrict(d, rel, c, max);
  if (nd === null) return null;
  const out = copy(s);
  if (!narrowTo(out, x.dst, nd)) return null;
  if (regSrc && x.src !== x.dst) {
    const nc = restrict(c, MIRROR[rel]!, out.regs[x.dst]!, max);
    if (nc === null || !narrowTo(out, x.src, nc)) return null;
  }
  return out;
}

/** Narrow r<r> to `v`, and with it the slot it is linked to and every register linked there; false: no value is left.
 * */
function narrowTo(s: State, r: number, v: Range): boolean {
  const k = s.links[r]!;
  if (k < 0) {
    s.regs[r] = v;
    return true;
  }
  const slot = s.slots.get(k);
  const w = slot === undefined ? v : meet(v, slot.lo, slot.hi);
  if (w === null) return false;
  if (w.hi === Infinity) s.slots.delete(k);
  else s.slots.set(k, w);
  for (let q = 0; q < 11; q++) {
    if (s.links[q] !== k) continue;
    const m = meet(s.regs[q]!, w.lo, w.hi);
    if (m === null) return false;
    s.regs[q] = m;
  }
  return true;
}

// ---- the fixpoint ----

/** Does any instruction write r10 (then `r10 + off` is no longer the frame's slot)? */
function writesR10(insns: readonly Insn[], tail: Uint8Array): boolean {
  return insns.some((x, pc) => {
    if (tail[pc] === 1) return false;
    const cls = opClass(x.opcode);
    if ((cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX || x.opcode === OP_LDDW) && x.dst === R10) return true;
    // A fetching atomic writes its source register (cmpxchg writes r0).
    return (
      cls === BPF_STX &&
      opMode(x.opcode) === BPF_ATOMIC &&
      x.imm !== BPF_CMPXCHG &&
      (x.imm & BPF_FETCH) !== 0 &&
      x.src === R10
    );
  });
}

interface Edge {
  readonly to: number;
  /** The state flowing along this edge from the instruction's entry state (null: infeasible). */
  readonly state: State | null;
}

function successors(
  insns: readonly Insn[],
  pc: number,
  entry: State,
  slotsOk: boolean,
  readsOnly: (pc: number) => boolean,
): Edge[] {
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
      // The callee has its own frame, and the caller's state after the return is not tracked.
      return [
        { to: f.target, state: topState() },
        { to: pc + 1, state: topState() },
      ];
    case "none": {
      const s = copy(entry);
      transfer(s, x, slotsOk, readsOnly(pc));
      return [{ to: x.opcode === OP_LDDW ? pc + 2 : pc + 1, state: s }];
    }
  }
}

/**
 * Register ranges before each instruction, on every path (undefined: the slot is never
 * reached, or the analysis did not settle and claims nothing).
 */
export function registerRanges(
  insns: readonly Insn[],
  readsOnly: (pc: number) => boolean = () => false,
): (readonly Range[] | undefined)[] {
  const n = insns.length;
  const tail = lddwTails(insns);
  const slotsOk = !writesR10(insns, tail);
  const valid = (pc: number): boolean => Number.isInteger(pc) && pc >= 0 && pc < n && tail[pc] !== 1;
  // Widening points: targets of edges that go backwards (every cycle contains one).
  const head = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    if (tail[pc] === 1) continue;
    const f = flowOf(insns[pc]!, pc);
    if ((f.kind === "branch" || f.kind === "jump" || f.kind === "local-call") && valid(f.target) && f.target <= pc)
      head[f.target] = 1;
  }
  const entry: (State | undefined)[] = new Array(n);
  const visits = new Uint32Array(n);
  // Worklist, lowest slot first: straight-line code settles in one pass, loops from the inside.
  const dirty = new Uint8Array(n);
  entry[0] = topState();
  dirty[0] = 1;
  let low = 0;
  let steps = 0;
  while (low < n) {
    if (dirty[low] !== 1) {
      low++;
      continue;
    }
    const pc = low;
    dirty[pc] = 0;
    if (++steps > MAX_VISITS * n) return new Array(n);
    for (const { to, state } of successors(insns, pc, entry[pc]!, slotsOk, readsOnly)) {
      if (state === null || !valid(to)) continue;
      const old = entry[to];
      let next = old === undefined ? state : combine(old, state, joinRange);
      if (old !== undefined && head[to] === 1 && ++visits[to]! > WIDEN_AFTER) next = combine(old, next, widenRange);
      if (old !== undefined && sameState(old, next)) continue;
      entry[to] = next;
      dirty[to] = 1;
      if (to < low) low = to;
    }
  }
  // Descending passes: recompute each entry from its predecessors' current states. A pass
  // keeps a post-fixpoint; the result is checked anyway and dropped if it were not one.
  const preds: Array<Array<readonly [number, number]>> = Array.from({ length: n }, () => []);
  for (let pc = 0; pc < n; pc++) {
    if (entry[pc] === undefined) continue;
    successors(insns, pc, entry[pc]!, slotsOk, readsOnly).forEach(({ to }, i) => {
      if (valid(to)) preds[to]!.push([pc, i]);
    });
  }
  let narrowed = entry.slice();
  for (let pass = 0; pass < 2; pass++) {
    for (let pc = 1; pc < n; pc++) {
      if (narrowed[pc] === undefined) continue;
      let acc: State | undefined;
      for (const [p, i] of preds[pc]!) {
        const st = successors(insns, p, narrowed[p]!, slotsOk, readsOnly)[i]!.state;
        if (st !== null) acc = acc === undefined ? st : combine(acc, st, joinRange);
      }
      if (acc !== undefined) narrowed[pc] = acc;
    }
  }
  if (!isPostFixpoint(insns, narrowed, slotsOk, valid, readsOnly)) narrowed = entry;
  return narrowed.map((s) => s?.regs);
}

/** Does every edge's state fall within its target's entry state (and the entry is TOP)? */
function isPostFixpoint(
  insns: readonly Insn[],
  entry: readonly (State | undefined)[],
  slotsOk: boolean,
  valid: (pc: number) => boolean,
  readsOnly: (pc: number) => boolean,
): boolean {
  if (entry[0] === undefined || !stateWithin(topState(), entry[0])) return false;
  for (let pc = 0; pc < insns.length; pc++) {
    const s = entry[pc];
    if (s === undefined || !valid(pc)) continue;
    for (const { to, state } of successors(insns, pc, s, slotsOk, readsOnly)) {
      if (state === null || !valid(to)) continue;
      const t = entry[to];
      if (t === undefined || !stateWithin(state, t)) return false;
    }
  }
  return true;
}

/** Bit masks of the registers below 2^32 and below 2^31 before each instruction. */
export function narrowRegisters(
  insns: readonly Insn[],
  readsOnly?: (pc: number) => boolean,
): { readonly u32: Int32Array; readonly u31: Int32Array } {
  const ranges = registerRanges(insns, readsOnly);
  const u32m = new Int32Array(insns.length);
  const u31m = new Int32Array(insns.length);
  ranges.forEach((regs, pc) => {
    if (regs === undefined) return;
    for (let r = 0; r < 10; r++) {
      const hi = regs[r]!.hi;
      if (hi <= MAX32) u32m[pc]! |= 1 << r;
      if (hi < 2 ** 31) u31m[pc]! |= 1 << r;
    }
  });
  return { u32: u32m, u31: u31m };
}
