/**
 * Turns the verifier's per-instruction results into the JIT's `JitFacts`.
 *
 * The verifier (src/verifier/verify.ts, `VerifyResult.facts`) says, per instruction, which
 * region kind a memory access hits (every path in bounds) and whether an ALU/load result is
 * below 2^32 on every path (`dst32`, a fact AFTER the instruction). The JIT wants facts BEFORE
 * each instruction, so this module runs a small forward data-flow over the JIT's own blocks:
 * a register is "below 2^32" at an instruction when every definition reaching it was. The
 * shapes are matched structurally, so the vm does not import the verifier (dependency
 * direction: verifier → vm).
 *
 * Conservative on purpose: program entry knows nothing (r1 is a pointer, r10 the frame); a call
 * clears r0-r5 (a local call clears everything); atomics clear the register they fetch into;
 * a `mixed` region kind still means "in bounds" but no particular region.
 */
import { BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CMPXCHG, BPF_DW, BPF_FETCH, BPF_LDX, BPF_MEMSX, BPF_STX, OP_CALL, OP_CALLX, OP_LDDW, opClass, opMode, opSize, type Insn } from "../isa.js";
import { buildBlocks, flowOf, lddwTails } from "./cfg.js";
import type { InsnFacts, JitFacts, RegionKind } from "./facts.js";

/** One instruction's verifier result, as `VerifyResult.facts[i]` has it. */
export interface VerifierInsnFacts {
  readonly region?: string;
  readonly dst32?: boolean;
}

const REGION_KINDS: Readonly<Record<string, RegionKind>> = { stack: "stack", ctx: "ctx", map_value: "map_value", sock: "socket", pkt: "packet" };

const ALL = (1 << 11) - 1;
/** r0-r5: what a call leaves undefined (r0 = its result, r1-r5 = clobbered arguments). */
const CALL_CLOBBERED = (1 << 6) - 1;

/** Registers an instruction writes, and whether the written value is proven below 2^32. */
function transfer(insn: Insn, f: VerifierInsnFacts | undefined, known: number): number {
  const cls = opClass(insn.opcode);
  const bit = (r: number): number => 1 << r;
  if (insn.opcode === OP_CALL || insn.opcode === OP_CALLX) return known & ~CALL_CLOBBERED;
  if (cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX || insn.opcode === OP_LDDW) {
    // 32-bit ALU results and narrow loads are below 2^32 by definition (zero-extended).
    const narrow = cls === BPF_ALU || (cls === BPF_LDX && opMode(insn.opcode) !== BPF_MEMSX && opSize(insn.opcode) !== BPF_DW);
    if (insn.opcode === OP_LDDW) return insn.imm2 === 0 && insn.src === 0 ? known | bit(insn.dst) : known & ~bit(insn.dst);
    return f?.dst32 === true || narrow ? known | bit(insn.dst) : known & ~bit(insn.dst);
  }
  if (cls === BPF_STX && opMode(insn.opcode) === BPF_ATOMIC) {
    if (insn.imm === BPF_CMPXCHG) return known & ~bit(0);
    if ((insn.imm & BPF_FETCH) !== 0) return known & ~bit(insn.src);
  }
  return known;
}

/**
 * JIT facts from verifier facts (indexed by slot). `loopsBounded`: the caller asserts the
 * verifier proved every loop bounded (it accepted the program).
 */
export function jitFactsFromVerifier(insns: readonly Insn[], vf: ReadonlyArray<VerifierInsnFacts | undefined>, loopsBounded: boolean): JitFacts {
  const tail = lddwTails(insns);
  const blocks = buildBlocks(insns, tail);
  const index = new Map<number, number>(blocks.map((b, i) => [b.start, i]));
  // Facts at block entry: intersection over predecessors (start from "everything" and shrink).
  const entry = blocks.map((_, i) => (i === 0 ? 0 : ALL));
  const reached = blocks.map((_, i) => i === 0);
  const before = new Array<number>(insns.length).fill(0);
  let changed = true;
  for (let rounds = 0; changed && rounds < 1000; rounds++) {
    changed = false;
    blocks.forEach((bl, i) => {
      if (!reached[i]) return;
      let known = entry[i]!;
      for (const pc of bl.pcs) {
        before[pc] = known;
        if (tail[pc] === 1) continue;
        known = transfer(insns[pc]!, vf[pc], known);
      }
      const last = bl.pcs[bl.pcs.length - 1]!;
      const succ: Array<readonly [number, number]> = [];
      const f = tail[last] === 1 ? undefined : flowOf(insns[last]!, last);
      if (f !== undefined && (f.kind === "branch" || f.kind === "jump")) succ.push([f.target, known]);
      // A local call's callee starts knowing nothing; its return point likewise.
      if (f !== undefined && f.kind === "local-call") succ.push([f.target, 0], [last + 1, 0]);
      if (!bl.terminated) succ.push([bl.fallthrough, known]);
      for (const [slot, k] of succ) {
        const j = index.get(slot);
        if (j === undefined) continue;
        const next = reached[j] ? entry[j]! & k : k;
        if (!reached[j] || next !== entry[j]) {
          reached[j] = true;
          entry[j] = next;
          changed = true;
        }
      }
    });
  }
  // Not converged (cannot happen for a monotone intersection, but never guess): no register facts.
  if (changed) before.fill(0);
  const out: (InsnFacts | undefined)[] = new Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    const f = vf[pc];
    const region = f?.region;
    const mem = region !== undefined ? { memInBounds: true, memRegion: REGION_KINDS[region] ?? ("other" as const) } : {};
    out[pc] = { u32Regs: before[pc]! & ~(1 << 10), ...mem };
  }
  return { insns: out, loopsBounded };
}
