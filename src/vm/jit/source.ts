/**
 * The only way text enters generated code. Generated source is built from fixed fragments
 * written in this directory, register names from the fixed tables below, and numbers that
 * pass `num()` (a safe integer, printed by `String`). No string from a program, a file or a
 * user is ever interpolated, so crafted immediates or offsets can change constants but never
 * the code's structure.
 *
 * Register halves are locals `r<i>l` / `r<i>h` holding signed int32 values (V8 keeps them
 * unboxed); unsigned views are taken with `>>> 0` where a compare or an address needs them.
 */
import { BytecodeError } from "../../errors.js";
import { MAX_CALL_DEPTH, MAX_STACK } from "../isa.js";
import { hiKnownZero, type JitFacts } from "./facts.js";

/** The stack region: 8 frames of 512 bytes, as in the interpreter (r10 starts at its top). */
export const STACK_SIZE = MAX_STACK * MAX_CALL_DEPTH;

const LO_NAMES = ["r0l", "r1l", "r2l", "r3l", "r4l", "r5l", "r6l", "r7l", "r8l", "r9l", "r10l"] as const;
const HI_NAMES = ["r0h", "r1h", "r2h", "r3h", "r4h", "r5h", "r6h", "r7h", "r8h", "r9h", "r10h"] as const;

/** A JIT-chosen integer as source text; negative values are parenthesised. */
export function num(x: number, insn = -1): string {
  if (typeof x !== "number" || !Number.isSafeInteger(x)) {
    throw new BytecodeError(
      "jit.bad-field",
      `instruction field is not an integer (got ${typeof x === "number" ? String(x) : typeof x})`,
      { insn },
    );
  }
  return x < 0 ? `(${String(x)})` : String(x);
}

function reg(r: number, pc: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 10)
    throw new BytecodeError("jit.bad-register", `register r${String(r)} does not exist (expected r0-r10)`, {
      insn: pc,
    });
  return r;
}

export const lo = (r: number, pc: number): string => LO_NAMES[reg(r, pc)]!;
export const hi = (r: number, pc: number): string => HI_NAMES[reg(r, pc)]!;

/** Every register-half local, in order (for declarations). */
export const ALL_REG_NAMES: readonly string[] = [...LO_NAMES, ...HI_NAMES];

/** Per-instruction emission state. */
export interface EmitCtx {
  readonly trusted: boolean;
  readonly facts: JitFacts;
  readonly pc: number;
  /** Source expression for the executed count if this instruction traps. */
  readonly nAt: string;
  /** r10 never changes in this program (no local calls, never written): `[r10+off]` is a known stack offset. */
  readonly r10Const: boolean;
  /** Append one statement line. */
  readonly w: (line: string) => void;
  /**
   * Ctx-specialised copy (trusted mode, `jit.ts`): accesses the facts place in the ctx region
   * go straight to the factory constant `XV`, the ctx region's view when the copy was made.
   */
  readonly ctxConst?: boolean;
}

/**
 * Read of r<r>'s high half: the literal 0 in trusted mode where the verifier proved the
 * register below 2^32, otherwise the local.
 */
export function hiRead(ctx: EmitCtx, r: number): string {
  if (ctx.trusted && hiKnownZero(ctx.facts, ctx.pc, reg(r, ctx.pc))) return "0";
  return hi(r, ctx.pc);
}
