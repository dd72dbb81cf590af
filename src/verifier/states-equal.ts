/**
 * Is a state already verified at an instruction as good as the current one? The kernel's
 * `states_equal` / `func_states_equal` / `regsafe` / `stacksafe` (kernel/bpf/verifier.c), rule
 * for rule:
 * - only registers live before the instruction are compared (`live_regs_before`; a caller
 *   frame uses the liveness at its call instruction, `frame_insn_idx`);
 * - an old register that is NOT_INIT (dead, or never written) matches anything;
 * - types must match exactly; an imprecise old scalar matches any scalar (privileged loads);
 *   a precise one must contain the current range and tnum;
 * - ids must map one-to-one (`check_ids`), so a link between registers the old state relied on
 *   must exist in the current state too; an old scalar without a link (id 0) needs only its
 *   range, since a link in the current state only adds constraints (`check_scalar_ids` as
 *   Linux 6.18 stable has it), while a current scalar without one gets a fresh temporary id;
 * - map values compare ranges and ids; packets need at least the old range; stack pointers
 *   and every other pointer must be identical;
 * - stack: old invalid bytes and (privileged) old unknown bytes match anything; an old 64-bit
 *   scalar spill or all-unknown slot is compared as a register with the current one; old
 *   unknown matches current zero; otherwise the byte kinds must be equal and spilled
 *   registers are compared with `regsafe`.
 * `exact` is the kernel's EXACT (infinite-loop detection): everything live must be identical.
 */
import { scalarEq, scalarWithin, UNKNOWN } from "./scalar.js";
import { EMPTY_SLOT, mkReg, type Frame, type Reg, type Slot, type VState } from "./state.js";

export type ExactLevel = "not_exact" | "range_within" | "exact";

/** Old id -> current id, one-to-one (kernel `bpf_idmap`): pairs in two parallel arrays (few per comparison). */
export class IdMap {
  private readonly olds: number[] = [];
  private readonly curs: number[] = [];
  private n = 0;
  /** Temporary ids for scalars without one; negative so they never collide with real ids. */
  private tmp = 0;

  reset(): void {
    this.n = 0;
    this.tmp = 0;
  }

  /** kernel `check_ids`: both zero, or both set and consistent with earlier pairs. */
  check(oldId: number, curId: number): boolean {
    if ((oldId === 0) !== (curId === 0)) return false;
    if (oldId === 0) return true;
    for (let k = 0; k < this.n; k++) {
      if (this.olds[k] === oldId) return this.curs[k] === curId;
      if (this.curs[k] === curId) return false;
    }
    this.olds[this.n] = oldId;
    this.curs[this.n] = curId;
    this.n++;
    return true;
  }

  /**
   * kernel `check_scalar_ids`: an unlinked old scalar constrains nothing; a linked one must map
   * one-to-one, and an unlinked current scalar gets a temporary id, so two old registers linked
   * to each other are not matched by two independent current ones.
   */
  checkScalar(oldId: number, curId: number): boolean {
    if (oldId === 0) return true;
    return this.check(oldId, curId !== 0 ? curId : --this.tmp);
  }
}

/** The id as the kernel compares it: a BPF_ADD_CONST id differs from the plain one. */
const linkKey = (r: Reg): number => (r.delta !== undefined && r.id !== 0 ? r.id + 2 ** 40 : r.id);

/** kernel `regs_exact`: every field up to the id identical, ids consistent. */
function regsExact(a: Reg, b: Reg, ids: IdMap): boolean {
  return (
    a.type === b.type &&
    a.off === b.off &&
    a.map?.fd === b.map?.fd &&
    (a.range ?? 0) === (b.range ?? 0) &&
    a.delta === b.delta &&
    scalarEq(a.s, b.s) &&
    ids.check(linkKey(a), linkKey(b))
  );
}

/** kernel `regsafe`. */
export function regSafe(old: Reg, cur: Reg, ids: IdMap, exact: ExactLevel, privileged: boolean): boolean {
  if (exact === "exact") return regsExact(old, cur, ids) && old.frame === cur.frame;
  if (old.type === "not_init" && (exact === "not_exact" || cur.type === "not_init")) return true;
  if (old.type !== cur.type) return false;
  switch (old.type) {
    case "scalar":
      // Unprivileged loads track every scalar precisely (kernel: precise = !bpf_capable).
      if (old.precise !== true && privileged && exact === "not_exact") return true;
      // A linked old scalar matches only the same kind of link ("plain" or "+ delta") with the
      // same delta; an unlinked one matches any link (kernel regsafe).
      if (old.id !== 0 && old.delta !== cur.delta) return false;
      return scalarWithin(old.s, cur.s) && ids.checkScalar(linkKey(old), linkKey(cur));
    case "map_value":
      return (
        old.off === cur.off && old.map?.fd === cur.map?.fd && scalarWithin(old.s, cur.s) && ids.check(old.id, cur.id)
      );
    case "pkt":
      // Any access that was safe with the old range is safe with a larger one.
      if ((old.range ?? 0) > (cur.range ?? 0) || old.off !== cur.off) return false;
      return ids.check(old.id, cur.id) && scalarWithin(old.s, cur.s);
    case "stack":
      // fp-8 in one frame is not fp-8 in another.
      return regsExact(old, cur, ids) && old.frame === cur.frame;
    default:
      return regsExact(old, cur, ids);
  }
}

/** An unknown, imprecise scalar: what reading an all-unknown slot gives (kernel `unbound_reg`). */
const UNBOUND: Reg = mkReg("scalar", UNKNOWN, 0, 0);

/** kernel `scalar_reg_for_stack`: a 64-bit scalar spill, or an all-unknown slot as an unknown scalar. */
function scalarRegForStack(slot: Slot, privileged: boolean): Reg | undefined {
  if (slot.kinds === "rrrrrrrr") return slot.spill?.type === "scalar" ? slot.spill : undefined;
  for (let j = 0; j < 8; j++) {
    const k = slot.kinds[j];
    if (k !== "m" && !(k === "?" && privileged)) return undefined;
  }
  return UNBOUND;
}

/** kernel `stacksafe`: walk the old stack's slots; extra slots in the current stack do not matter. */
function stackSafe(old: Frame, cur: Frame, ids: IdMap, exact: ExactLevel, privileged: boolean): boolean {
  const n = old.stack.length;
  for (let spi = 0; spi < n; spi++) {
    const o = old.stack[spi] ?? EMPTY_SLOT;
    const curSlot = cur.stack[spi];
    const c = curSlot ?? EMPTY_SLOT;
    if (exact === "exact") {
      if (o.kinds !== c.kinds) return false;
      if (o.spill !== undefined && (c.spill === undefined || !regSafe(o.spill, c.spill, ids, exact, privileged)))
        return false;
      continue;
    }
    for (let j = 0; j < 8; j++) {
      const ok = o.kinds[j]!;
      if (ok === "?") continue;
      if (privileged && ok === "m") continue;
      if (curSlot === undefined) return false;
      const oldReg = scalarRegForStack(o, privileged);
      const curReg = scalarRegForStack(c, privileged);
      if (oldReg !== undefined && curReg !== undefined) {
        if (!regSafe(oldReg, curReg, ids, exact, privileged)) return false;
        break;
      }
      const ck = c.kinds[j]!;
      // Safe with unknown data in the slot: safe with zeroes too (not the other way round).
      if (ok === "m" && ck === "0") continue;
      if (ok !== ck) return false;
      if (j !== 7) continue;
      if (
        ok === "r" &&
        (o.spill === undefined || c.spill === undefined || !regSafe(o.spill, c.spill, ids, exact, privileged))
      )
        return false;
    }
  }
  return true;
}

/** The id map of the comparison in progress (statesEqual is not re-entered). */
const IDS = new IdMap();

/**
 * `liveBefore(frameIndex)` gives the bitmask of registers live in that frame (the kernel's
 * `live_regs_before` at the frame's instruction). The kernel resets the id map per comparison.
 */
export function statesEqual(
  old: VState,
  cur: VState,
  liveBefore: (frameIndex: number) => number,
  exact: ExactLevel,
  privileged: boolean,
): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const ids = IDS;
  ids.reset();
  for (let f = 0; f < old.frames.length; f++) {
    const of = old.frames[f]!;
    const cf = cur.frames[f]!;
    if (of.callsite !== cf.callsite) return false;
    const live = liveBefore(f);
    for (let r = 0; r < 11; r++) {
      if (((live >> r) & 1) === 0) continue;
      if (!regSafe(of.regs[r]!, cf.regs[r]!, ids, exact, privileged)) return false;
    }
    if (!stackSafe(of, cf, ids, exact, privileged)) return false;
  }
  return true;
}

/**
 * kernel `states_maybe_looping`: the innermost frames' registers are identical (ids
 * included), a cheap filter before the exact comparison that detects an infinite loop.
 */
export function statesMaybeLooping(old: VState, cur: VState): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const a = old.frames[old.frames.length - 1]!;
  const b = cur.frames[cur.frames.length - 1]!;
  for (let r = 0; r < 11; r++) {
    const x = a.regs[r]!;
    const y = b.regs[r]!;
    if (x === y) continue;
    if (
      x.type !== y.type ||
      x.off !== y.off ||
      x.id !== y.id ||
      x.map?.fd !== y.map?.fd ||
      (x.range ?? 0) !== (y.range ?? 0) ||
      !scalarEq(x.s, y.s)
    )
      return false;
  }
  return true;
}
