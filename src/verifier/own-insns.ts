/**
 * The verifier's own copy of the program: every instruction made by one object literal, in an
 * array built by `push`. Callers hand over arrays of several origins (`decode` fills a
 * preallocated, holey array; the compiler pushes objects built elsewhere), and code V8 optimised
 * for one origin is thrown away when the next program comes from another: measured, the first
 * policy verified after assembly programs ran mostly unoptimised. One shape keeps the hot
 * functions monomorphic whatever the input's origin. Copying costs O(instructions), once.
 */
import type { Insn } from "../vm/isa.js";

export function ownInsns(input: readonly Insn[]): Insn[] {
  const out: Insn[] = [];
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    out.push({ opcode: x.opcode, dst: x.dst, src: x.src, off: x.off, imm: x.imm, imm2: x.imm2 });
  }
  return out;
}
