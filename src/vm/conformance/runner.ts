/**
 * Run one bpf_conformance test (FORMAT.md §3) on an engine: the `-- mem` bytes in a writable
 * region, r1 = its address (0 when there is no memory), r2 = its length; helper 5 is the
 * "unwind" helper (returns r1; a 0 return ends the program with r0 = 0), registered only here.
 * The final r0 (64 bits) is compared with `-- result`; a file with `-- error` passes only when
 * assembling, checking or running fails with exactly that text.
 *
 * Not done here: reading files or assembling text (callers pass bytes), cpu-version filtering
 * (every file is run).
 */
import { BatonError } from "../../errors.js";
import type { EngineFactory } from "../engine.js";
import type { HelperFn } from "../helper-abi.js";
import { HELPER_UNWIND_CONFORMANCE } from "../isa.js";
import { AddressSpace } from "../memory.js";
import { checkStructure } from "../validate.js";
import type { DataFile } from "./data-file.js";

export type ConformanceStatus = "passed" | "failed" | "skipped";

export interface ConformanceResult {
  readonly file: string;
  readonly status: ConformanceStatus;
  /** For failures and skips: what was expected and what happened. */
  readonly detail?: string;
  /** r0 as an unsigned 64-bit value, when the program ran to completion. */
  readonly r0?: bigint;
}

/** The conformance "unwind" helper: r0 = r1. */
export const unwindHelper: HelperFn = (regs) => {
  regs[0] = regs[2]!;
  regs[1] = regs[3]!;
};

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * Run `df` with program bytes `bytes` (from `-- raw`, or assembled from `-- asm` by the caller;
 * `bytes` is a function so that assembly errors count for `-- error` files).
 */
export function runConformance(df: DataFile, bytes: () => Uint8Array, factory: EngineFactory): ConformanceResult {
  const file = df.file;
  if (df.result === undefined && df.error === undefined)
    return { file, status: "skipped", detail: "no -- result or -- error section" };
  let r0: bigint;
  try {
    const prog = bytes();
    if (prog.length === 0) return { file, status: "skipped", detail: "program assembles to zero instructions" };
    const insns = checkStructure(prog);
    const mem = new AddressSpace();
    let r1hi = 0;
    if (df.mem.length > 0) r1hi = mem.add("mem", df.mem.slice(), true).id;
    const helpers = new Map<number, HelperFn>([[HELPER_UNWIND_CONFORMANCE, unwindHelper]]);
    const engine = factory(insns, { mem, helpers, unwindHelper: HELPER_UNWIND_CONFORMANCE });
    const lo = engine.run(r1hi, 0, df.mem.length);
    r0 = (BigInt(engine.r0hi >>> 0) << 32n) | BigInt(lo >>> 0);
  } catch (e) {
    if (!(e instanceof BatonError)) throw e;
    if (df.error !== undefined && e.message === df.error) return { file, status: "passed" };
    const where = e.location !== undefined && "insn" in e.location ? `insn ${e.location.insn}: ` : "";
    const expected = df.error !== undefined ? `error '${df.error}'` : `r0 = ${hex64(df.result!)}`;
    return { file, status: "failed", detail: `expected ${expected}, got error: ${where}${e.message}` };
  }
  if (df.error !== undefined)
    return {
      file,
      status: "failed",
      detail: `expected error '${df.error}', but the program ran and returned r0 = ${hex64(r0)}`,
      r0,
    };
  if (r0 !== df.result)
    return { file, status: "failed", detail: `expected r0 = ${hex64(df.result!)}, got r0 = ${hex64(r0)}`, r0 };
  return { file, status: "passed", r0 };
}
