/**
 * Unsigned value ranges of every register before every instruction, on EVERY path: a forward
 * data-flow over the program (not over the verifier's walked states), for the trusted JIT's
 * register facts (`facts.ts`: u32Regs, u31Regs, ptrRegs).
 *
 * Why not the verifier's ranges: the verifier prunes a path whose state is covered by one it
 * already explored, and a scalar that no check depends on covers ANY scalar (the kernel's
 * `regsafe` on an imprecise register). A value that was narrow on every walked path can be wide
 * on a pruned one. Here every path is joined at every merge point instead, so a fact holds
 * whatever the verifier pruned. Of the verifier only static facts about single instructions
 * are used, facts that hold on every path by the contract (`facts.ts`): which helper calls only
 * read through their arguments, and which accesses are inside their object.
 *
 * The analysis works on the concrete 64-bit values the interpreter computes, pointers
 * included (a pointer is region id << 32 | offset: above 2^32, so it is never "narrow").
 * Lattice per register and per 8-byte stack slot of the current frame (addressed as
 * `r10 + off` with a constant off): an interval [lo, hi] of u64 (`Range`), TOP = any value.
 * Per register also the interval of its LOW 32 bits, whatever the high half holds: for a
 * pointer that is its offset in its region. An access proven inside its object bounds its
 * base's offset by the largest region (`MAX_REGION_SIZE`), and an add or sub whose low half
 * provably neither carries nor borrows keeps the region (the `ptrRegs` fact).
 *
 * Conditional jumps narrow their operands on each edge (an unsigned compare with a constant
 * bounds a loop counter). Loop heads widen to thresholds: the compare constants of the loop's
 * own jumps, each +-1 (so a counter that steps by one up to an `!=` exit stops there), then
 * 2^8, 2^16, 2^31, 2^32, 2^52, any; two descending passes then take back what widening
 * overshot.
 *
 * Conservative on purpose: loads of 8 bytes other than a tracked slot, sign-extending loads,
 * helper and local-call results are TOP; a helper call (unless the verifier's facts say its
 * prototype only reads through its arguments), an atomic or a store through anything but r10
 * may write any slot; a local call's callee and return point start from TOP; a program
 * that writes r10 tracks no slots. If the iteration does not settle, nothing is claimed.
 */
import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_CMPXCHG,
  BPF_DIV,
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
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_X,
  BPF_XOR,
  OP_DESC,
  Op,
  R10,
  opOf,
  type Insn,
  type OpDesc,
} from "../isa.js";
import { MAX_REGION_SIZE } from "../memory.js";
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
/** Widenings of a loop head that may stop at the loop's own constants; later ones skip them. */
const LOOP_THRESHOLD_WIDENINGS = 12;
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
/** The low 32 bits of a value in `r`, as far as `r` alone says: itself if it fits, a constant's low half, else any. */
const low32 = (r: Range): Range => (r.hi <= MAX32 ? r : isConst(r) ? konst(r.lo % 2 ** 32) : U32);

/** Any int32: the low half of a register read as a signed number, when nothing bounds it. */
const S32: Range = { lo: -(2 ** 31), hi: 2 ** 31 - 1 };
/** [lo, hi] when it is a range of int32 values, else any. */
const s32 = (lo: number, hi: number): Range => (lo >= S32.lo && hi <= S32.hi ? { lo, hi } : S32);
/** The low 32 bits of a value in `r`, read as signed. */
function signedLow(r: Range): Range {
  const u = low32(r);
  if (u.hi < 2 ** 31) return u;
  return u.lo >= 2 ** 31 ? { lo: u.lo - 2 ** 32, hi: u.hi - 2 ** 32 } : S32;
}
/** A signed low half read as the unsigned 32-bit value. */
function unsignedLow(r: Range): Range {
  if (r.lo >= 0) return r;
  return r.hi < 0 ? { lo: r.lo + 2 ** 32, hi: r.hi + 2 ** 32 } : U32;
}

/**
 * What the verifier proved about single instructions, on every path (`facts.ts`). Both default
 * to "nothing": the analysis is then about the program alone.
 */
export interface Proven {
  /** The helper call at `pc` writes no memory through its arguments. */
  readonly readsOnly?: ((pc: number) => boolean) | undefined;
  /** The load, store or atomic at `pc` is inside the object its base register points to. */
  readonly inBounds?: ((pc: number) => boolean) | undefined;
}

/** A program point's abstract state: registers r0-r10 and the current frame's 64 slots. */
interface State {
  readonly regs: Range[];
  /**
   * The low 32 bits of each register read as an int32, whatever its high half: for a pointer,
   * its signed offset from the region its high half names (below 0 when the pointer was moved
   * below the region and borrowed from the id, as the JIT's trusted addressing reads it).
   */
  readonly lows: Range[];
  /** Slot k covers [r10 - 8(k+1), r10 - 8k); absent = TOP. */
  readonly slots: Map<number, Range>;
  /** The low 32 bits of slot k (a spilled pointer's offset); absent = any. */
  readonly slotLows: Map<number, Range>;
  /**
   * links[r] = k: r<r> holds exactly the 8 bytes of slot k (a fill, or a spill of r), so a
   * compare that narrows the register narrows the slot too — compiled loops keep their
   * counter in a slot and re-load it after the bound check. -1: no link.
   */
  readonly links: number[];
}

const topState = (): State => ({
  regs: new Array<Range>(11).fill(TOP),
  lows: new Array<Range>(11).fill(S32),
  slots: new Map(),
  slotLows: new Map(),
  links: new Array<number>(11).fill(-1),
});
const copy = (s: State): State => ({
  regs: s.regs.slice(),
  lows: s.lows.slice(),
  slots: new Map(s.slots),
  slotLows: new Map(s.slotLows),
  links: s.links.slice(),
});

/** The low 32 bits of r<r>. */
/** The low 32 bits of r<r>, signed (see `State.lows`). */
const lowOf = (s: State, r: number): Range => (s.regs[r]!.hi <= MAX32 ? signedLow(s.regs[r]!) : s.lows[r]!);

/** Write r<r>: its range, and its low half (by default what the range says). Breaks its link. */
function setReg(s: State, r: number, v: Range, low: Range = signedLow(v)): void {
  s.regs[r] = v;
  s.lows[r] = low;
  s.links[r] = -1;
}

/** Registers linked to slot k no longer are (the slot was written). */
function unlinkSlot(s: State, k: number): void {
  for (let r = 0; r < 11; r++) if (s.links[r] === k) s.links[r] = -1;
}

/** Nothing is known about slot k any more. */
function forgetSlot(s: State, k: number): void {
  s.slots.delete(k);
  s.slotLows.delete(k);
  unlinkSlot(s, k);
}

/** Nothing is known about any slot (a write that may land anywhere in the frame). */
function forgetSlots(s: State): void {
  s.slots.clear();
  s.slotLows.clear();
  s.links.fill(-1);
}

function joinRange(a: Range, b: Range): Range {
  return rng(Math.min(a.lo, b.lo), Math.max(a.hi, b.hi));
}

const sameRange = (a: Range | undefined, b: Range | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.lo === b.lo && a.hi === b.hi);

/** Widen `old` towards `next`: a bound that moved jumps to the nearest threshold past it (ascending `limits`). */
function widenWith(limits: readonly number[]): (old: Range, next: Range) => Range {
  return (old, next) => {
    let lo = old.lo;
    if (next.lo < old.lo) {
      // Only low halves (signed) go below 0.
      lo = next.lo < 0 ? S32.lo : 0;
      for (const t of limits) if (t <= next.lo) lo = t;
    }
    let hi = old.hi;
    if (next.hi > old.hi) hi = limits.find((t) => t >= next.hi) ?? Infinity;
    return rng(lo, hi);
  };
}

const widenBase = widenWith(THRESHOLDS);

function combine(a: State, b: State, f: (x: Range, y: Range) => Range): State {
  const regs = a.regs.map((r, i) => f(r, b.regs[i]!));
  const lows = a.lows.map((r, i) => {
    const z = f(r, b.lows[i]!);
    return s32(z.lo, z.hi);
  });
  const slots = new Map<number, Range>();
  for (const [k, x] of a.slots) {
    const y = b.slots.get(k);
    if (y === undefined) continue;
    const z = f(x, y);
    if (z !== TOP) slots.set(k, z);
  }
  const slotLows = new Map<number, Range>();
  for (const [k, x] of a.slotLows) {
    const y = b.slotLows.get(k);
    if (y === undefined) continue;
    const z = s32(f(x, y).lo, f(x, y).hi);
    if (z !== S32) slotLows.set(k, z);
  }
  const links = a.links.map((k, i) => (k === b.links[i] ? k : -1));
  return { regs, lows, slots, slotLows, links };
}

function sameState(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++)
    if (!sameRange(a.regs[i], b.regs[i]) || !sameRange(a.lows[i], b.lows[i]) || a.links[i] !== b.links[i]) return false;
  if (a.slots.size !== b.slots.size || a.slotLows.size !== b.slotLows.size) return false;
  for (const [k, x] of a.slots) if (!sameRange(x, b.slots.get(k))) return false;
  for (const [k, x] of a.slotLows) if (!sameRange(x, b.slotLows.get(k))) return false;
  return true;
}

/** Is every value `a` allows allowed by `b`? (undefined: a TOP slot; an infinite bound is TOP) */
function within(a: Range | undefined, b: Range | undefined): boolean {
  if (b === undefined || b.hi === Infinity) return true;
  if (a === undefined) return false;
  return a.lo >= b.lo && a.hi <= b.hi;
}

function stateWithin(a: State, b: State): boolean {
  for (let i = 0; i < 11; i++) {
    if (!within(a.regs[i], b.regs[i]) || !within(a.lows[i], b.lows[i])) return false;
    if (b.links[i]! >= 0 && a.links[i] !== b.links[i]) return false;
  }
  for (const [k, y] of b.slots) if (!within(a.slots.get(k), y)) return false;
  for (const [k, y] of b.slotLows) if (!within(a.slotLows.get(k), y)) return false;
  return true;
}

// ---- ALU ----

/**
 * The unsigned result of a binary operation (`code`, OP_DESC's) on operands already reduced to
 * the operation's width (`max` = 2^64 - 1 or 2^32 - 1, `bits` = 64 or 32), or undefined when
 * it may wrap or is not modelled (the caller then takes the whole width). Finite bounds are at
 * most 2^52, so sums, differences and the products checked here are exact doubles.
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

/** The amount a 64-bit add/sub adds to its destination's low half (signed), or undefined when unknown. */
function delta(s: State, x: Insn, op: Op): Range | undefined {
  switch (op) {
    case Op.ADD64_K:
      return konst(x.imm | 0);
    case Op.SUB64_K:
      return { lo: -(x.imm | 0), hi: -(x.imm | 0) };
    case Op.ADD64_X:
      return lowOf(s, x.src);
    case Op.SUB64_X: {
      const b = lowOf(s, x.src);
      return { lo: -b.hi, hi: -b.lo };
    }
    default:
      return undefined;
  }
}

/** The low half (signed) of r<dst> after the 64-bit add or sub at `x`: the low halves' sum, whatever carries. */
function lowAfter(s: State, x: Insn, op: Op): Range {
  const a = lowOf(s, x.dst);
  const b = delta(s, x, op);
  return b === undefined ? S32 : s32(a.lo + b.lo, a.hi + b.hi);
}

/**
 * Does the 64-bit add or sub at `x` leave r<dst>'s high half as it was, its low half in
 * [0, 2^31) before and after? The operand is the immediate (sign-extended: a negative one
 * carries exactly enough to cancel its all-ones high half) or a register below 2^32, added as
 * the unsigned value it is.
 */
function keepsHigh(s: State, x: Insn, op: Op): boolean {
  const a = lowOf(s, x.dst);
  if (a.lo < 0) return false;
  let b: Range;
  if (op === Op.ADD64_X || op === Op.SUB64_X) {
    const src = s.regs[x.src]!;
    if (src.hi > MAX32) return false;
    b = op === Op.ADD64_X ? src : { lo: -src.hi, hi: -src.lo };
  } else if (op === Op.ADD64_K || op === Op.SUB64_K) b = delta(s, x, op)!;
  else return false;
  return a.lo + b.lo >= 0 && a.hi + b.hi < 2 ** 31;
}

function endian(s: State, x: Insn, op: Op): void {
  switch (op) {
    case Op.LE16:
    case Op.BE16:
    case Op.BSWAP16:
      setReg(s, x.dst, rng(0, 65535));
      return;
    case Op.LE32:
    case Op.BE32:
    case Op.BSWAP32:
      setReg(s, x.dst, U32);
      return;
    case Op.LE64:
      // A no-op on a little-endian machine: the value (and its link) stays.
      return;
    default:
      setReg(s, x.dst, TOP);
  }
}

function alu(s: State, x: Insn, op: Op, d: OpDesc): void {
  if (d.kind === "end") {
    endian(s, x, op);
    return;
  }
  const is64 = d.cls === BPF_ALU64;
  const regSrc = d.source === BPF_X;
  const full = is64 ? TOP : U32;
  // Signed div/mod and movsx: not modelled.
  if (d.signed) {
    setReg(s, x.dst, full);
    return;
  }
  let code = d.code;
  const dst = s.regs[x.dst]!;
  // A 64-bit register move copies the source's link and low half.
  if (op === Op.MOV64_X) {
    const link = s.links[x.src]!;
    setReg(s, x.dst, s.regs[x.src]!, s.lows[x.src]!);
    s.links[x.dst] = link;
    return;
  }
  if (!is64) {
    // The operation reads only the operands' low halves.
    const b = regSrc ? unsignedLow(lowOf(s, x.src)) : konst(x.imm >>> 0);
    const a = unsignedLow(lowOf(s, x.dst));
    let out: Range | undefined;
    if (code === BPF_MOV) out = b;
    else if (code === BPF_NEG) out = isConst(a) ? konst((2 ** 32 - a.lo) % 2 ** 32) : undefined;
    else out = binary(code, a, b, MAX32, 32);
    setReg(s, x.dst, out ?? U32);
    return;
  }
  let b: Range;
  if (regSrc) b = s.regs[x.src]!;
  else if ((x.imm | 0) < 0 && (code === BPF_ADD || code === BPF_SUB)) {
    // Adding 2^64 - c is subtracting c (and the reverse), which intervals bound exactly.
    b = konst(-(x.imm | 0));
    code = code === BPF_ADD ? BPF_SUB : BPF_ADD;
  } else b = u64(x.imm);
  let out: Range | undefined;
  if (code === BPF_MOV) out = b;
  else if (code === BPF_NEG) out = dst.lo === 0 && dst.hi === 0 ? dst : undefined;
  else out = binary(code, dst, b, Infinity, 64);
  const v = out ?? TOP;
  const addSub = op === Op.ADD64_K || op === Op.SUB64_K || op === Op.ADD64_X || op === Op.SUB64_X;
  setReg(s, x.dst, v, addSub ? lowAfter(s, x, op) : signedLow(v));
}

// ---- memory ----

/** The slot index of `[r10 + off, +size)` when it lies in one 8-byte slot, else undefined. */
function slotOf(off: number, size: number): number | undefined {
  if (off >= 0 || off < -512) return undefined;
  const k = (-off - 1) >> 3;
  const top = -8 * k; // slot k covers [top - 8, top)
  return off >= top - 8 && off + size <= top ? k : undefined;
}

/** The register an access addresses through, or -1 for an instruction that is not one. */
function baseOf(x: Insn, d: OpDesc): number {
  switch (d.kind) {
    case "ldx":
    case "ldxsx":
      return x.src;
    case "st":
    case "stx":
    case "atomic":
      return x.dst;
    default:
      return -1;
  }
}

/**
 * An access inside its object: base + off is id << 32 | e with e in [0, size - width] for a
 * region of `size <= MAX_REGION_SIZE` bytes, so the base's low half, signed, is e - off (a base
 * below its region borrowed from the id, and the access's carry gives it back).
 */
function narrowBase(s: State, x: Insn, d: OpDesc): void {
  const r = baseOf(x, d);
  if (r < 0 || s.regs[r]!.hi <= MAX32) return;
  const lo = Math.max(s.lows[r]!.lo, 0 - x.off);
  const hi = Math.min(s.lows[r]!.hi, MAX_REGION_SIZE - d.width - x.off);
  if (lo <= hi) s.lows[r] = { lo, hi };
}

function load(s: State, x: Insn, d: OpDesc, slotsOk: boolean): void {
  const size = d.width;
  if (d.kind !== "ldx") {
    setReg(s, x.dst, TOP); // sign-extending loads
    return;
  }
  let v: Range = size === 8 ? TOP : rng(0, 2 ** (size * 8) - 1);
  let low: Range | undefined;
  let link = -1;
  if (slotsOk && x.src === R10) {
    const k = slotOf(x.off, size);
    const atStart = k !== undefined && x.off === -8 * (k + 1);
    const slot = atStart ? s.slots.get(k) : undefined;
    const slotLow = atStart ? s.slotLows.get(k) : undefined;
    // Little-endian: a load from the slot's start reads its low bytes, which are the value
    // when the value fits in them (and its low half when they are four).
    if (slot !== undefined && (size === 8 || slot.hi < 2 ** (size * 8))) v = slot;
    else if (slotLow !== undefined && size === 4) v = unsignedLow(slotLow);
    if (atStart && size === 8) {
      link = k;
      low = slotLow;
    }
  }
  setReg(s, x.dst, v, low ?? signedLow(v));
  s.links[x.dst] = link;
}

/** A store of `value` (from register `from`, -1 for an immediate or an atomic). */
function store(s: State, x: Insn, size: number, slotsOk: boolean, value: Range | undefined, from: number): void {
  if (!slotsOk || x.dst !== R10) {
    // Through another register: it may point anywhere in the stack.
    forgetSlots(s);
    return;
  }
  const k = slotOf(x.off, size);
  if (k === undefined) {
    // Straddles two slots (or leaves the frame): forget every slot it touches.
    for (let j = 0; j < SLOTS; j++) {
      const top = -8 * j;
      if (x.off < top && x.off + size > top - 8) forgetSlot(s, j);
    }
    return;
  }
  forgetSlot(s, k);
  const whole = size === 8 && x.off === -8 * (k + 1);
  if (whole && value !== undefined && value.hi !== Infinity) s.slots.set(k, value);
  if (whole && from >= 0) {
    const low = lowOf(s, from);
    if (low !== S32) s.slotLows.set(k, low);
    if (from !== R10) s.links[from] = k;
  }
}

/** Registers a helper call leaves undefined (r0 its result, r1-r5 scratch). */
function clobberCallRegs(s: State): void {
  for (let r = 0; r <= 5; r++) setReg(s, r, TOP);
}

/**
 * Apply instruction `x` (not a jump) to `s` in place; `readsOnly`: a helper call known not to
 * write through its arguments; `inBounds`: an access proven inside its object.
 */
function transfer(s: State, x: Insn, op: Op, slotsOk: boolean, readsOnly: boolean, inBounds: boolean): void {
  const d = OP_DESC[op]!;
  if (inBounds) narrowBase(s, x, d);
  switch (d.kind) {
    case "call":
    case "callx":
      clobberCallRegs(s);
      // It may write through a stack pointer argument.
      if (!readsOnly || op === Op.CALLX) forgetSlots(s);
      return;
    case "alu":
    case "end":
      alu(s, x, op, d);
      return;
    case "ldx":
    case "ldxsx":
      load(s, x, d, slotsOk);
      return;
    case "lddw": {
      const c = (x.imm2 >>> 0) * 2 ** 32 + (x.imm >>> 0);
      if (x.src === 0) setReg(s, x.dst, rng(c, c), konst(x.imm | 0));
      else setReg(s, x.dst, TOP);
      return;
    }
    case "ldabs":
      clobberCallRegs(s);
      return;
    case "st":
      store(s, x, d.width, slotsOk, u64(x.imm), -1);
      return;
    case "stx":
      store(s, x, d.width, slotsOk, s.regs[x.src], x.src);
      return;
    case "atomic": {
      store(s, x, d.width, slotsOk, undefined, -1);
      const fetched = x.imm === BPF_CMPXCHG ? 0 : (x.imm & BPF_FETCH) !== 0 ? x.src : -1;
      if (fetched >= 0) setReg(s, fetched, d.width === 4 ? U32 : TOP);
      return;
    }
    default:
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
function edge(s: State, x: Insn, d: OpDesc, taken: boolean): State | null {
  const is32 = d.cls === BPF_JMP32;
  let rel = d.code;
  const regSrc = d.source === BPF_X;
  if (NEGATE[rel] === undefined && UNSIGNED[rel] === undefined) return s;
  const max = is32 ? MAX32 : Infinity;
  const dv = s.regs[x.dst]!;
  const c = regSrc ? s.regs[x.src]! : is32 ? konst(x.imm >>> 0) : u64(x.imm);
  if (dv.hi > max || c.hi > max) return s;
  if (d.signed) {
    const signLimit = is32 ? 2 ** 31 : 2 ** 63;
    if (dv.hi >= signLimit || c.hi >= signLimit) return s;
    rel = UNSIGNED[rel]!;
  }
  if (!taken) rel = NEGATE[rel]!;
  const nd = restrict(dv, rel, c, max);
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
function writesR10(insns: readonly Insn[], ops: readonly Op[], tail: Uint8Array): boolean {
  return insns.some((x, pc) => {
    if (tail[pc] === 1) return false;
    const d = OP_DESC[ops[pc]!]!;
    if (
      (d.kind === "alu" || d.kind === "end" || d.kind === "ldx" || d.kind === "ldxsx" || d.kind === "lddw") &&
      x.dst === R10
    )
      return true;
    // A fetching atomic writes its source register (cmpxchg writes r0).
    return d.kind === "atomic" && x.imm !== BPF_CMPXCHG && (x.imm & BPF_FETCH) !== 0 && x.src === R10;
  });
}

interface Edge {
  readonly to: number;
  /** The state flowing along this edge from the instruction's entry state (null: infeasible). */
  readonly state: State | null;
}

/** The program with what the analysis needs per slot, decoded once. */
interface Program {
  readonly insns: readonly Insn[];
  readonly ops: readonly Op[];
  readonly slotsOk: boolean;
  readonly readsOnly: (pc: number) => boolean;
  readonly inBounds: (pc: number) => boolean;
}

function successors(p: Program, pc: number, entry: State): Edge[] {
  const x = p.insns[pc]!;
  const op = p.ops[pc]!;
  const f = flowOf(x, pc);
  switch (f.kind) {
    case "exit":
      return [];
    case "jump":
      return [{ to: f.target, state: entry }];
    case "branch": {
      const d = OP_DESC[op]!;
      return [
        { to: f.target, state: edge(entry, x, d, true) },
        { to: pc + 1, state: edge(entry, x, d, false) },
      ];
    }
    case "local-call":
      // The callee has its own frame, and the caller's state after the return is not tracked.
      return [
        { to: f.target, state: topState() },
        { to: pc + 1, state: topState() },
      ];
    case "none": {
      const s = copy(entry);
      transfer(s, x, op, p.slotsOk, p.readsOnly(pc), p.inBounds(pc));
      return [{ to: op === Op.LDDW ? pc + 2 : pc + 1, state: s }];
    }
  }
}

/**
 * Widening thresholds per loop head: the base ones plus c - 1, c, c + 1 for every compare
 * constant c of a conditional jump inside a cycle through the head (the slots from the head
 * to a jump back to it), an immediate or a constant some `mov` puts in the compared register.
 * A counter stepping by one to an `!=` exit then stops at c - 1.
 */
function loopThresholds(p: Program, head: Uint8Array, valid: (pc: number) => boolean): (readonly number[])[] {
  const n = p.insns.length;
  // Constants each register is ever set to by a move.
  const moved: number[][] = Array.from({ length: 11 }, () => []);
  p.ops.forEach((op, pc) => {
    const x = p.insns[pc]!;
    if (op === Op.MOV64_K && (x.imm | 0) >= 0) moved[x.dst]!.push(x.imm | 0);
    else if (op === Op.MOV32_K) moved[x.dst]!.push(x.imm >>> 0);
  });
  const extra: Set<number>[] = [];
  for (let pc = 0; pc < n; pc++) {
    if (!valid(pc)) continue;
    const f = flowOf(p.insns[pc]!, pc);
    if (f.kind !== "branch" && f.kind !== "jump") continue;
    if (!valid(f.target) || f.target > pc) continue;
    const set = (extra[f.target] ??= new Set());
    for (let q = f.target; q <= pc; q++) {
      const d = OP_DESC[p.ops[q]!]!;
      if (!valid(q) || d.kind !== "jmp") continue;
      const x = p.insns[q]!;
      const consts =
        d.source === BPF_X ? [...moved[x.dst]!, ...moved[x.src]!] : [d.cls === BPF_JMP32 ? x.imm >>> 0 : x.imm | 0];
      for (const c of consts) for (const t of [c - 1, c, c + 1]) if (t >= 0 && t <= LIMIT) set.add(t);
    }
  }
  const out: (readonly number[])[] = new Array<readonly number[]>(n);
  for (let pc = 0; pc < n; pc++) {
    if (head[pc] !== 1) continue;
    const set = extra[pc];
    out[pc] = set === undefined ? THRESHOLDS : [...new Set([...set, ...THRESHOLDS])].sort((a, b) => a - b);
  }
  return out;
}

/** The fixpoint's entry states (undefined: the slot is never reached, or nothing is claimed). */
function analyse(insns: readonly Insn[], proven: Proven): { p: Program; states: (State | undefined)[] } {
  const n = insns.length;
  const tail = lddwTails(insns);
  const ops = insns.map((x, pc) => (tail[pc] === 1 ? Op.INVALID : opOf(x)));
  const p: Program = {
    insns,
    ops,
    slotsOk: !writesR10(insns, ops, tail),
    readsOnly: proven.readsOnly ?? (() => false),
    inBounds: proven.inBounds ?? (() => false),
  };
  const valid = (pc: number): boolean => Number.isInteger(pc) && pc >= 0 && pc < n && tail[pc] !== 1;
  // Widening points: targets of edges that go backwards (every cycle contains one).
  const head = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) {
    if (tail[pc] === 1) continue;
    const f = flowOf(insns[pc]!, pc);
    if ((f.kind === "branch" || f.kind === "jump" || f.kind === "local-call") && valid(f.target) && f.target <= pc)
      head[f.target] = 1;
  }
  const limits = loopThresholds(p, head, valid);
  const widen = limits.map((l) => widenWith(l));
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
    if (++steps > MAX_VISITS * n) return { p, states: new Array(n) };
    for (const { to, state } of successors(p, pc, entry[pc]!)) {
      if (state === null || !valid(to)) continue;
      const old = entry[to];
      let next = old === undefined ? state : combine(old, state, joinRange);
      if (old !== undefined && head[to] === 1 && ++visits[to]! > WIDEN_AFTER) {
        const own = visits[to]! <= WIDEN_AFTER + LOOP_THRESHOLD_WIDENINGS;
        next = combine(old, next, own ? widen[to]! : widenBase);
      }
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
    successors(p, pc, entry[pc]!).forEach(({ to }, i) => {
      if (valid(to)) preds[to]!.push([pc, i]);
    });
  }
  let narrowed = entry.slice();
  for (let pass = 0; pass < 2; pass++) {
    for (let pc = 1; pc < n; pc++) {
      if (narrowed[pc] === undefined) continue;
      let acc: State | undefined;
      for (const [q, i] of preds[pc]!) {
        const st = successors(p, q, narrowed[q]!)[i]!.state;
        if (st !== null) acc = acc === undefined ? st : combine(acc, st, joinRange);
      }
      if (acc !== undefined) narrowed[pc] = acc;
    }
  }
  if (!isPostFixpoint(p, narrowed, valid)) narrowed = entry;
  return { p, states: narrowed };
}

/**
 * Register ranges before each instruction, on every path (undefined: the slot is never
 * reached, or the analysis did not settle and claims nothing).
 */
export function registerRanges(
  insns: readonly Insn[],
  readsOnly?: (pc: number) => boolean,
): (readonly Range[] | undefined)[] {
  return analyse(insns, { readsOnly }).states.map((s) => s?.regs);
}

/** The low 32 bits of each register before each instruction, whatever its high half (undefined as above). */
export function lowRanges(insns: readonly Insn[], proven: Proven = {}): (readonly Range[] | undefined)[] {
  return analyse(insns, proven).states.map((s) => s && s.regs.map((_, r) => lowOf(s, r)));
}

/** Does every edge's state fall within its target's entry state (and the entry is TOP)? */
function isPostFixpoint(p: Program, entry: readonly (State | undefined)[], valid: (pc: number) => boolean): boolean {
  if (entry[0] === undefined || !stateWithin(topState(), entry[0])) return false;
  for (let pc = 0; pc < p.insns.length; pc++) {
    const s = entry[pc];
    if (s === undefined || !valid(pc)) continue;
    for (const { to, state } of successors(p, pc, s)) {
      if (state === null || !valid(to)) continue;
      const t = entry[to];
      if (t === undefined || !stateWithin(state, t)) return false;
    }
  }
  return true;
}

/**
 * Bit masks per instruction: the registers below 2^32 and below 2^31 before it, and the
 * destination of a 64-bit add/sub whose low half stays in [0, 2^31) before and after, so that
 * the high half cannot change (`facts.ts`: ptrRegs). `baseInRegion[pc]` = 1: the access at
 * `pc`, proven inside its object, has a base whose low half is in [0, 2^31) (memBaseInRegion).
 */
export function narrowRegisters(
  insns: readonly Insn[],
  proven: Proven = {},
): {
  readonly u32: Int32Array;
  readonly u31: Int32Array;
  readonly ptr: Int32Array;
  readonly baseInRegion: Uint8Array;
} {
  const { p, states } = analyse(insns, proven);
  const u32m = new Int32Array(insns.length);
  const u31m = new Int32Array(insns.length);
  const ptrm = new Int32Array(insns.length);
  const baseInRegion = new Uint8Array(insns.length);
  states.forEach((s, pc) => {
    if (s === undefined) return;
    for (let r = 0; r < 10; r++) {
      const hi = s.regs[r]!.hi;
      if (hi <= MAX32) u32m[pc]! |= 1 << r;
      if (hi < 2 ** 31) u31m[pc]! |= 1 << r;
    }
    const op = p.ops[pc]!;
    if (p.inBounds(pc)) {
      // The state the access itself narrowed: it holds wherever the access runs in bounds.
      const d = OP_DESC[op]!;
      const r = baseOf(insns[pc]!, d);
      if (r >= 0) {
        const t = copy(s);
        narrowBase(t, insns[pc]!, d);
        if (t.regs[r]!.hi > MAX32 && t.lows[r]!.lo >= 0) baseInRegion[pc] = 1;
      }
    }
    if (op !== Op.ADD64_K && op !== Op.SUB64_K && op !== Op.ADD64_X && op !== Op.SUB64_X) return;
    const x = insns[pc]!;
    if (x.dst === R10) return;
    if (keepsHigh(s, x, op)) ptrm[pc]! |= 1 << x.dst;
  });
  return { u32: u32m, u31: u31m, ptr: ptrm, baseInRegion };
}
