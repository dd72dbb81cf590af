/**
 * The control flow of a program, for the verifier and the JIT alike: what each instruction does to
 * the flow (`flowOf`), its successors inside its function (`successors`), and basic blocks.
 *
 * Basic blocks (the JIT's unit): a block starts at a leader (slot 0, a jump or local-call target,
 * the slot after a branch, call or exit) and runs straight to a terminator or to the next
 * leader. The generated code dispatches on block start slots (`switch (b)`), counts the
 * block's instructions once at its entry, and lets consecutive blocks fall through.
 *
 * Deliberately simple: no dominator tree or loop nesting (the dispatch loop does not need
 * them), and unreachable blocks are kept (they cost only code size). Targets outside the
 * program are not leaders; the branch that names one traps when taken.
 */
import { isWide, Op, OP_DESC, opOf, type Insn, jumpTarget } from "./isa.js";

export interface Block {
  /** First slot. */
  readonly start: number;
  /** Slots of the instructions in order (an lddw occupies its slot and the next). */
  readonly pcs: readonly number[];
  /** Slot control reaches when the last instruction falls through (may be ≥ program length). */
  readonly fallthrough: number;
  /** The last instruction never falls through (exit, ja, local call: control leaves explicitly). */
  readonly terminated: boolean;
}

/** What kind of control transfer an instruction makes, if any. */
export type Flow =
  | { readonly kind: "none" }
  | { readonly kind: "branch"; readonly target: number } // conditional
  | { readonly kind: "jump"; readonly target: number } // unconditional
  | { readonly kind: "local-call"; readonly target: number }
  | { readonly kind: "exit" };

const NONE: Flow = { kind: "none" };

export function flowOf(insn: Insn, pc: number): Flow {
  const op = opOf(insn);
  switch (OP_DESC[op]!.kind) {
    case "exit":
      return { kind: "exit" };
    case "ja":
      return { kind: "jump", target: jumpTarget(insn, pc)! };
    case "jmp":
      return { kind: "branch", target: jumpTarget(insn, pc)! };
    case "call":
      // Helper calls have no target: they return to the next slot, in the block (so does callx).
      return op === Op.CALL_LOCAL ? { kind: "local-call", target: jumpTarget(insn, pc)! } : NONE;
    default:
      return NONE;
  }
}

/**
 * Successors of the instruction at `pc` inside its function, fall-through first: a local or helper
 * call continues at the next slot, an exit has none. Targets are not range-checked.
 */
export function successors(insns: readonly Insn[], pc: number): number[] {
  const insn = insns[pc]!;
  const f = flowOf(insn, pc);
  const next = pc + (isWide(insn) ? 2 : 1);
  switch (f.kind) {
    case "exit":
      return [];
    case "jump":
      return [f.target];
    case "branch":
      return [next, f.target];
    default:
      return [next];
  }
}

/** Is `slot` a valid instruction start inside a program of `n` slots? */
const inRange = (slot: number, n: number): boolean => Number.isInteger(slot) && slot >= 0 && slot < n;

/**
 * Slots that are the second half of an lddw, found by the same linear walk the interpreter
 * does (so a bogus jump into one lands on a slot that traps as "not an executable instruction").
 */
export function lddwTails(insns: readonly Insn[]): Uint8Array {
  const n = insns.length;
  const tail = new Uint8Array(n + 2);
  for (let i = 0; i < n; i++) {
    if (isWide(insns[i]!)) {
      tail[i + 1] = 1;
      i++;
    }
  }
  return tail;
}

export function buildBlocks(insns: readonly Insn[], tail: Uint8Array): Block[] {
  const n = insns.length;
  const leader = new Uint8Array(n + 1);
  leader[0] = 1;
  for (let pc = 0; pc < n; pc++) {
    if (tail[pc] === 1) continue;
    const f = flowOf(insns[pc]!, pc);
    if (f.kind === "none") continue;
    if (f.kind !== "exit" && inRange(f.target, n)) leader[f.target] = 1;
    const next = isWide(insns[pc]!) ? pc + 2 : pc + 1;
    if (next < n) leader[next] = 1;
  }
  // Something that jumps into an lddw's second slot: the lddw itself still continues two slots
  // on, so make that slot a leader too and keep every fallthrough a block start.
  for (let pc = 1; pc < n; pc++) if (tail[pc] === 1 && leader[pc] === 1 && pc + 1 < n) leader[pc + 1] = 1;

  const blocks: Block[] = [];
  for (let s = 0; s < n; s++) {
    if (leader[s] !== 1) continue;
    const pcs: number[] = [];
    let pc = s;
    let terminated = false;
    for (;;) {
      pcs.push(pc);
      if (tail[pc] === 1) {
        // Executing an lddw tail traps; nothing after it in this block can run.
        terminated = true;
        pc++;
        break;
      }
      const insn = insns[pc]!;
      const f = flowOf(insn, pc);
      pc += isWide(insn) ? 2 : 1;
      if (f.kind === "exit" || f.kind === "jump" || f.kind === "local-call") {
        terminated = true;
        break;
      }
      if (f.kind === "branch") break;
      if (pc >= n || leader[pc] === 1) break;
    }
    blocks.push({ start: s, pcs, fallthrough: pc, terminated });
  }
  return blocks;
}
