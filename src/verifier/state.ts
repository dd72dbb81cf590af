/**
 * Verifier state: registers (type + scalar bounds + fixed offset + id) and the stack of each
 * call frame, per 8-byte slot with a per-byte kind, as the kernel tracks them
 * (`bpf_reg_state`, `bpf_stack_state`; vm-anchors §2.1). Registers and slots are immutable
 * values, so copying a state for a pushed branch copies two small arrays per frame.
 *
 * Also here: the comparisons used for pruning — `stateSafe` (an old, fully explored state
 * covers the current one: kernel `states_equal` with range_within) and `stateExact` (for
 * infinite-loop detection). Registers that are not live-relevant at the instruction are
 * ignored (our stand-in for the kernel's liveness and precision marks, see cfg.ts).
 */
import type { MapSpec } from "../vm/map-spec.js";
import { MAX_STACK } from "../vm/isa.js";
import { UNKNOWN, scalarConst, scalarEq, scalarWithin, type Scalar } from "./scalar.js";

export type RegType =
  | "not_init"
  | "scalar"
  | "ctx"
  | "stack"
  | "map_value"
  | "map_value_or_null"
  | "map_ptr"
  | "sock"
  | "sock_common"
  | "sock_common_or_null"
  | "pkt"
  | "pkt_end";

export interface Reg {
  readonly type: RegType;
  /** The value of a scalar; the variable part of a pointer's offset (const 0 when fixed). */
  readonly s: Scalar;
  /** A pointer's fixed offset. */
  readonly off: number;
  /** Shared by copies: or_null results (NULL-checked together), linked scalars, packet pointers. */
  readonly id: number;
  readonly map?: MapSpec;
  /** PTR_TO_STACK: the frame the pointer points into. */
  readonly frame?: number;
  /** PTR_TO_PACKET: bytes from `data` proven to be inside the packet. */
  readonly range?: number;
}

export const ZERO = scalarConst(0n);
export const NOT_INIT: Reg = { type: "not_init", s: UNKNOWN, off: 0, id: 0 };
export const UNKNOWN_SCALAR: Reg = { type: "scalar", s: UNKNOWN, off: 0, id: 0 };

export function scalarReg(s: Scalar, id = 0): Reg {
  return { type: "scalar", s, off: 0, id };
}

export const isPointer = (r: Reg): boolean => r.type !== "scalar" && r.type !== "not_init";
export const isOrNull = (r: Reg): boolean => r.type === "map_value_or_null" || r.type === "sock_common_or_null";

/** Per-byte stack kinds: '?' never written, 'm' unknown data, '0' zero, 'r' part of a spilled register. */
export type ByteKind = "?" | "m" | "0" | "r";

export interface Slot {
  /** kinds[j] describes the byte at (slot top - 1 - j), the kernel's print order. */
  readonly kinds: string;
  /**
   * The spilled register when all eight bytes are 'r', or a scalar spilled with a 4-byte
   * store into the low half (kinds "xxxxrrrr"; the register is kept whole, fills truncate).
   */
  readonly spill?: Reg;
}

/** Bytes of the spill in `slot` (8, 4 for a narrow spill, 0 when none). */
export function spillSize(slot: Slot): number {
  if (slot.spill === undefined) return 0;
  return slot.kinds === "rrrrrrrr" ? 8 : 4;
}

export const EMPTY_SLOT: Slot = { kinds: "????????" };
export const SLOTS = MAX_STACK / 8;

export interface Frame {
  readonly regs: Reg[];
  /** Indexed by spi: slot i covers [fp - 8(i+1), fp - 8i). */
  readonly stack: (Slot | undefined)[];
  /** The call instruction that created this frame (-1 for the main program). */
  readonly callsite: number;
  readonly frameno: number;
  /** Deepest byte touched, in bytes below fp. */
  depth: number;
}

export interface VState {
  frames: Frame[];
}

export function newFrame(frameno: number, callsite: number): Frame {
  const regs: Reg[] = new Array(11).fill(NOT_INIT);
  regs[10] = { type: "stack", s: ZERO, off: 0, id: 0, frame: frameno };
  return { regs, stack: [], callsite, frameno, depth: 0 };
}

export function cloneFrame(f: Frame): Frame {
  return { regs: f.regs.slice(), stack: f.stack.slice(), callsite: f.callsite, frameno: f.frameno, depth: f.depth };
}

export function cloneState(s: VState): VState {
  return { frames: s.frames.map(cloneFrame) };
}

export const curFrame = (s: VState): Frame => s.frames[s.frames.length - 1]!;

/** Id map for pruning comparisons: old id -> cur id must be a bijection. */
class IdMap {
  private fwd: Map<number, number> | undefined;
  private back: Map<number, number> | undefined;
  check(a: number, b: number): boolean {
    if (a === 0 && b === 0) return true;
    if (a === 0 || b === 0) return false;
    if (this.fwd === undefined || this.back === undefined) {
      this.fwd = new Map();
      this.back = new Map();
    }
    const f = this.fwd.get(a);
    const g = this.back.get(b);
    if (f === undefined && g === undefined) {
      this.fwd.set(a, b);
      this.back.set(b, a);
      return true;
    }
    return f === b && g === a;
  }
}

function samePointerBase(old: Reg, cur: Reg): boolean {
  return old.type === cur.type && old.off === cur.off && old.map?.fd === cur.map?.fd && old.frame === cur.frame;
}

/** Does `old` cover `cur` for every later check? (kernel `regsafe`, RANGE_WITHIN) */
function regSafe(old: Reg, cur: Reg, ids: IdMap): boolean {
  if (old.type === "not_init") return true;
  if (cur.type === "not_init") return false;
  if (old.type === "scalar") {
    if (cur.type !== "scalar") return false;
    // Linked scalars narrow together, so their ids must correspond as well.
    if (old.id !== 0 && !ids.check(old.id, cur.id)) return false;
    return scalarWithin(old.s, cur.s);
  }
  if (!samePointerBase(old, cur)) return false;
  if (!scalarWithin(old.s, cur.s)) return false;
  if ((old.range ?? 0) > (cur.range ?? 0)) return false;
  if (isOrNull(old) || old.type === "pkt") return ids.check(old.id, cur.id);
  return true;
}

function regExact(a: Reg, b: Reg, ids: IdMap): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "not_init") return true;
  if (!scalarEq(a.s, b.s) || a.off !== b.off || a.map?.fd !== b.map?.fd || a.frame !== b.frame || (a.range ?? 0) !== (b.range ?? 0)) return false;
  return ids.check(a.id, b.id);
}

/** An imprecise slot: scalar contents are interchangeable, only initialization and pointers matter. */
function slotSafeImprecise(o: Slot, c: Slot, ids: IdMap, uninitOk: boolean): boolean {
  if (o.spill !== undefined && o.spill.type !== "scalar") return c.spill !== undefined && regSafe(o.spill, c.spill, ids);
  const kinds = o.kinds.replace(/r/g, "m");
  for (let j = 0; j < 8; j++) {
    if (kinds[j] === "?") continue;
    const ck = c.kinds[j]!;
    if (ck === "?" && !uninitOk) return false;
    if (ck === "r" && c.spill !== undefined && c.spill.type !== "scalar") return false;
  }
  return true;
}

function slotSafe(old: Slot | undefined, cur: Slot | undefined, ids: IdMap, exact: boolean, uninitOk: boolean, precise: boolean): boolean {
  const o = old ?? EMPTY_SLOT;
  const c = cur ?? EMPTY_SLOT;
  if (!exact && !precise) return slotSafeImprecise(o, c, ids, uninitOk);
  if (exact) {
    if (o.kinds !== c.kinds) return false;
    if (o.spill !== undefined || c.spill !== undefined) return o.spill !== undefined && c.spill !== undefined && regExact(o.spill, c.spill, ids);
    return true;
  }
  // A narrow spill shares its slot with other bytes: both sides must have the same layout.
  if (spillSize(o) === 4 || spillSize(c) === 4) {
    if (o.kinds !== c.kinds) return false;
    if (o.spill === undefined || c.spill === undefined) return o.spill === undefined && c.spill === undefined;
    return regSafe(o.spill, c.spill, ids);
  }
  if (o.spill !== undefined) {
    if (c.spill === undefined) {
      // An old spilled unknown scalar accepts any data bytes.
      return o.spill.type === "scalar" && o.spill.s === UNKNOWN && !c.kinds.includes("?");
    }
    return regSafe(o.spill, c.spill, ids);
  }
  for (let j = 0; j < 8; j++) {
    const ok = o.kinds[j]!;
    const ck = c.kinds[j]!;
    if (ok === "?") continue;
    if (ok === "m") {
      if (ck === "?" && !uninitOk) return false;
      if (ck === "r" && c.spill !== undefined && c.spill.type !== "scalar") return false;
      continue;
    }
    if (ok === "0") {
      if (ck === "0") continue;
      if (ck === "r" && c.spill?.type === "scalar" && scalarEq(c.spill.s, ZERO)) continue;
      return false;
    }
  }
  return true;
}

/**
 * Is `cur` covered by `old`? `live(frame, reg)` says whether a register matters from here on.
 * With `exact`, every live register and slot must be identical (loop detection). Slots for
 * which `slotPrecise` is false hold scalars whose values no later check depends on.
 */
export function stateCovers(
  old: VState,
  cur: VState,
  live: (frameIdx: number, reg: number) => boolean,
  exact: boolean,
  uninitOk: boolean,
  slotPrecise: (frameIdx: number, spi: number) => boolean = () => true,
): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const ids = new IdMap();
  for (let f = 0; f < old.frames.length; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    if (of.callsite !== cf.callsite) return false;
    for (let r = 0; r < 11; r++) {
      if (!live(f, r)) continue;
      const ok = exact ? regExact(of.regs[r]!, cf.regs[r]!, ids) : regSafe(of.regs[r]!, cf.regs[r]!, ids);
      if (!ok) return false;
    }
    const n = Math.max(of.stack.length, cf.stack.length);
    for (let i = 0; i < n; i++) if (!slotSafe(of.stack[i], cf.stack[i], ids, exact, uninitOk, slotPrecise(f, i))) return false;
  }
  return true;
}
