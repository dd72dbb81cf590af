/**
 * Facts for the trusted JIT, in the vm's contract type (src/vm/jit/facts.ts), gathered while
 * exploring: per memory instruction, that it is in bounds and the one kind of object every
 * walked state accesses there.
 *
 * Why a walked state's pointer type speaks for pruned paths too: a path is pruned only when
 * an explored state covers it, and covering compares pointers exactly — same type, fixed
 * offset, map and frame, the variable part within the old one's (`regSafe`, the kernel's
 * `regsafe`); an imprecise scalar covers only scalars, never a pointer. A stack slot that was
 * misc data in the old state may hold a spilled pointer in the new one (privileged loaders,
 * as in the kernel's `stacksafe`), but the old state read it as a scalar, and a walked path
 * never dereferences a scalar. So a pruned path continues as some walked path did, with every
 * base register of an access a pointer of the kind recorded here.
 *
 * Register values ("fits in 32 bits") are deliberately NOT recorded: an imprecise scalar
 * covers any scalar when pruning, so what walked states saw says nothing about pruned ones.
 * The JIT derives those from its own path-insensitive analysis (src/vm/jit/ranges.ts).
 */
import type { InsnFacts, RegionKind } from "../vm/jit/facts.js";

export type { InsnFacts };

/** Seen at an instruction: one kind on every walked state, or several. */
type Seen = RegionKind | "mixed";

export class FactsRecorder {
  private readonly seen: (Seen | undefined)[];

  constructor(n: number) {
    this.seen = new Array(n);
  }

  /** A memory access at instruction `i` passed its checks for an object of kind `kind` (once per walked state). */
  record(i: number, kind: RegionKind): void {
    const old = this.seen[i];
    if (old === undefined) this.seen[i] = kind;
    else if (old !== kind) this.seen[i] = "mixed";
  }

  /** Facts per instruction (holes: nothing known, e.g. never reached or not a memory access). */
  get facts(): (InsnFacts | undefined)[] {
    const out: (InsnFacts | undefined)[] = new Array(this.seen.length);
    this.seen.forEach((k, i) => {
      out[i] = k === "mixed" ? { memInBounds: true } : { memInBounds: true, memRegion: k };
    });
    return out;
  }
}
