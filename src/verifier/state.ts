/**
 * Verifier state: registers (type + scalar bounds + fixed offset + id) and the stack of each
 * call frame, per 8-byte slot with a per-byte kind, as the kernel tracks them
 * (`bpf_reg_state`, `bpf_stack_state`; vm-anchors §2.1). Registers and slots are immutable
 * values, so copying a state for a pushed branch copies two small arrays per frame.
 *
 * The comparisons used for pruning live in states-equal.ts, precision marks in backtrack.ts.
 */
import type { MapSpec } from "../vm/map-spec.js";
import { UNKNOWN, scalarConst, type Scalar } from "./scalar.js";

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
  readonly map?: MapSpec | undefined;
  /** PTR_TO_STACK: the frame the pointer points into. */
  readonly frame?: number | undefined;
  /** PTR_TO_PACKET: bytes from `data` proven to be inside the packet. */
  readonly range?: number | undefined;
  /**
   * A scalar whose exact value some later check relied on (kernel `reg->precise`). Only
   * checkpoint states carry it, set by precision backtracking (backtrack.ts); an imprecise
   * scalar of a checkpoint matches any scalar when pruning (states-equal.ts).
   */
  readonly precise?: boolean | undefined;
  /**
   * A scalar linked by `id` as "the linked value plus delta" (kernel BPF_ADD_CONST with
   * `off`): `r2 = r1; r2 += 4` keeps r2 linked to r1 with delta 4, so a branch on either
   * narrows both. Undefined for a plain link (delta 0 without the flag).
   */
  readonly delta?: number | undefined;
}

export const ZERO = scalarConst(0);
/**
 * A register with every field present (undefined where unused): all registers then share one
 * object shape, which keeps the engine's property reads on them monomorphic.
 */
export function mkReg(
  type: RegType,
  s: Scalar,
  off: number,
  id: number,
  map?: MapSpec,
  frame?: number,
  range?: number,
): Reg {
  return { type, s, off, id, map, frame, range, precise: undefined, delta: undefined };
}

/**
 * `r` with some fields replaced, built by the same literal as mkReg's. An object spread
 * (`{ ...r, s }`) makes an object of another hidden class, so code V8 optimised on one class
 * deoptimised when a program first produced the other: registers are always built here.
 */
export function regWith(
  r: Reg,
  type: RegType,
  s: Scalar,
  off: number,
  id: number,
  range: number | undefined,
  precise: boolean | undefined,
  delta: number | undefined,
): Reg {
  return { type, s, off, id, map: r.map, frame: r.frame, range, precise, delta };
}

/** `r` with another scalar part. */
export const withScalar = (r: Reg, s: Scalar): Reg => regWith(r, r.type, s, r.off, r.id, r.range, r.precise, r.delta);
/** `r` with another id (links kept or made by the caller). */
export const withId = (r: Reg, id: number): Reg => regWith(r, r.type, r.s, r.off, id, r.range, r.precise, r.delta);
/** `r` without its link to other registers. */
export const unlinked = (r: Reg): Reg => regWith(r, r.type, r.s, r.off, 0, r.range, r.precise, undefined);
/** `r` marked precise. */
export const precised = (r: Reg): Reg => regWith(r, r.type, r.s, r.off, r.id, r.range, true, r.delta);

/** A scalar linked to others by `id` as "their value plus `delta`" (same shape as mkReg's). */
export function linkedScalarReg(s: Scalar, id: number, delta: number): Reg {
  return {
    type: "scalar",
    s,
    off: 0,
    id,
    map: undefined,
    frame: undefined,
    range: undefined,
    precise: undefined,
    delta,
  };
}

export const NOT_INIT: Reg = mkReg("not_init", UNKNOWN, 0, 0);
export const UNKNOWN_SCALAR: Reg = mkReg("scalar", UNKNOWN, 0, 0);

/** Registers holding the constants 0-255, shared (registers are immutable values). */
const SMALL_CONST_REGS: Reg[] = [];
for (let v = 0; v < 256; v++) SMALL_CONST_REGS.push(mkReg("scalar", scalarConst(v), 0, 0));

/** A register holding the constant `v` (a safe integer; negative is two's complement). */
export function constReg(v: number): Reg {
  return v >= 0 && v < 256 && Number.isInteger(v) ? SMALL_CONST_REGS[v]! : mkReg("scalar", scalarConst(v), 0, 0);
}

export function scalarReg(s: Scalar, id = 0): Reg {
  return mkReg("scalar", s, 0, id);
}

export const isPointer = (r: Reg): boolean => r.type !== "scalar" && r.type !== "not_init";
export const isOrNull = (r: Reg): boolean => r.type === "map_value_or_null" || r.type === "sock_common_or_null";

export interface Slot {
  /**
   * kinds[j] describes the byte at (slot top - 1 - j), the kernel's print order: '?' never
   * written, 'm' unknown data, '0' zero, 'r' part of a spilled register.
   */
  readonly kinds: string;
  /**
   * The spilled register when all eight bytes are 'r', or a scalar spilled with a 4-byte
   * store into the low half (kinds "xxxxrrrr"; the register is kept whole, fills truncate).
   */
  readonly spill?: Reg | undefined;
}

/** Bytes of the spill in `slot` (8, 4 for a narrow spill, 0 when none). */
export function spillSize(slot: Slot): number {
  if (slot.spill === undefined) return 0;
  return slot.kinds === "rrrrrrrr" ? 8 : 4;
}

export const EMPTY_SLOT: Slot = { kinds: "????????", spill: undefined };

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
  regs[10] = mkReg("stack", ZERO, 0, 0, undefined, frameno);
  return { regs, stack: [], callsite, frameno, depth: 0 };
}

export function cloneFrame(f: Frame): Frame {
  return { regs: f.regs.slice(), stack: f.stack.slice(), callsite: f.callsite, frameno: f.frameno, depth: f.depth };
}

export function cloneState(s: VState): VState {
  return { frames: s.frames.map(cloneFrame) };
}

export const curFrame = (s: VState): Frame => s.frames[s.frames.length - 1]!;
