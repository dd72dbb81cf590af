/**
 * What every execution engine (interpreter, JIT) offers, so that callers — the conformance
 * runner, `baton run`, the sk_reuseport runtime, the socket model — can switch engines freely.
 */
import type { AddressSpace } from "./memory.js";
import type { HelperTable } from "./helper-abi.js";
import type { Insn } from "./isa.js";

export interface Engine {
  /**
   * Run the program once from instruction 0 with r1 = (r1hi:r1lo) and r2 = r2 (u32), every
   * other register 0 and r10 at the top of a zeroed stack. Returns r0's low 32 bits as an
   * unsigned number; `r0hi` holds the high half. Throws `VmTrap` on a fault or when the
   * instruction budget runs out.
   */
  run(r1hi: number, r1lo: number, r2: number): number;
  /** r0's high 32 bits after the last run. */
  readonly r0hi: number;
  /** Instructions executed by the last run, or -1 where the engine does not count them. */
  readonly executed: number;
  /**
   * Set when the engine runs the program differently from what was asked, and why: the JIT
   * hands a program above its size limit to the interpreter (jit/jit.ts `JIT_MAX_INSNS`).
   * Commands print it as a `note:`.
   */
  readonly note?: string;
}

export interface EngineOptions {
  /** The address space the program runs in (its stack region is added by the engine). */
  readonly mem: AddressSpace;
  readonly helpers: HelperTable;
  /** Maximum instructions per run (default 1,000,000). */
  readonly budget?: number;
  /**
   * A helper id that ends the whole program with r0 = 0 when it returns 0 (uBPF's "unwind"
   * function; the conformance runner sets it to 5). Absent: no helper unwinds.
   */
  readonly unwindHelper?: number;
  /**
   * The region r1 points into on (nearly) every run — a program type's context region —
   * known when the engine is made. An engine may specialise to it at once (the trusted JIT's
   * ctx copy, jit/jit.ts) instead of on the first run; runs with r1 elsewhere still work.
   */
  readonly ctxRegion?: number;
}

export type EngineFactory = (insns: readonly Insn[], options: EngineOptions) => Engine;

export const DEFAULT_BUDGET = 1_000_000;

export type EngineName = "interp" | "jit";
