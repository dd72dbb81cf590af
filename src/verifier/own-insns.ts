/**
 * The verifier's own copy of the program: every instruction made by one object literal, in an
 * array built by `push`. Callers hand over arrays of several origins (`decode` fills a
 * preallocated, holey array; the compiler pushes objects built elsewhere), and code V8 optimised
 * for one origin is thrown away when the next program comes from another: measured, the first
 * policy verified after assembly programs ran mostly unoptimised. One shape keeps the hot
 * functions monomorphic whatever the input's origin. Copying costs O(instructions), once.
 *
 * The copy also carries each slot's `Op`, decoded here once: every check downstream switches on
 * it (or on its `OP_DESC` entry) instead of taking the opcode byte apart again.
 */
import { opOf, type Insn, type Op } from "../vm/isa.js";

/** A slot of the verifier's copy: the instruction and the `Op` it names. */
export interface OwnInsn extends Insn {
  readonly op: Op;
}

export function ownInsns(input: readonly Insn[]): OwnInsn[] {
  const out: OwnInsn[] = [];
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    out.push({ opcode: x.opcode, dst: x.dst, src: x.src, off: x.off, imm: x.imm, imm2: x.imm2, op: opOf(x) });
  }
  return out;
}
