/**
 * Per-instruction facts gathered while exploring, for the trusted JIT: the one region kind
 * every walked path accesses at a memory instruction, and whether an ALU/load result fits in
 * 32 bits on every walked path.
 */
import type { RegionKind } from "./mem.js";

/** Per-instruction facts proven on every path (for the JIT). */
export interface InsnFacts {
  /** Memory instructions: the one region kind every path accesses (all accesses are in bounds). */
  region?: RegionKind | "mixed";
  /** ALU/load results: true when the destination is below 2^32 on every path. */
  dst32?: boolean;
}

export class FactsRecorder {
  readonly facts: (InsnFacts | undefined)[];

  constructor(n: number) {
    this.facts = new Array(n);
  }

  /** Called once per processed instruction: primitives in, an allocation only on first sight. */
  record(i: number, region: RegionKind | undefined, dst32: boolean | undefined): void {
    const old = this.facts[i];
    if (old === undefined) {
      const f: InsnFacts = {};
      if (region !== undefined) f.region = region;
      if (dst32 !== undefined) f.dst32 = dst32;
      this.facts[i] = f;
      return;
    }
    if (region !== undefined && old.region !== region) old.region = "mixed";
    if (dst32 !== undefined) {
      const both = old.dst32 === true && dst32;
      if (old.dst32 !== both) old.dst32 = both;
    }
  }
}
