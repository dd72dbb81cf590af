/**
 * Building blocks for the differential fuzz generators (gen/*.ts): a seeded random source
 * and a program builder that emits the assembler dialect (src/vm/asm), with fresh labels and
 * the common snippets (ctx scalars, map lookups, the shared exit).
 */
import type { MapSpec } from "../../../src/vm/map-spec.js";
import { rng } from "./legacy.js";

/**
 * Maps every generated program may name (fd:type:key:value:max). 3 and 5 are the old fuzz
 * maps, 4 the socket array, 6 an array of 64 u64 slots (argmin over entries), 7 one 256-byte
 * value (argmin within a value, variable offsets).
 */
export const GEN_MAPS: readonly MapSpec[] = [
  { fd: 3, type: 2, keySize: 4, valueSize: 16, maxEntries: 4 },
  { fd: 5, type: 2, keySize: 4, valueSize: 8, maxEntries: 2 },
  { fd: 4, type: 20, keySize: 4, valueSize: 8, maxEntries: 4 },
  { fd: 6, type: 2, keySize: 4, valueSize: 8, maxEntries: 64 },
  { fd: 7, type: 2, keySize: 4, valueSize: 256, maxEntries: 1 },
];

/** `# maps:` header text for GEN_MAPS (corpus-file.ts / map-arg.ts syntax). */
export const GEN_MAPS_HEADER = GEN_MAPS.map(
  (m) => `${m.fd}:${m.type === 20 ? "reuseport_sockarray" : "array"}:${m.keySize}:${m.valueSize}:${m.maxEntries}`,
).join(" ");

/** Scalar (u32) fields of sk_reuseport_md: len, eth_protocol, ip_protocol, bind_inany, hash. */
export const CTX_U32 = [16, 20, 24, 28, 32] as const;

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const SIZE_SUFFIX: Readonly<Record<number, string>> = { 1: "b", 2: "h", 4: "w", 8: "dw" };

export class Prog {
  readonly lines: string[] = [];
  /** Local functions, emitted after the main body's exit. */
  readonly funcs: string[][] = [];
  private n = 0;
  constructor(readonly r: Rand) {}
  label(prefix = "L"): string {
    return `${prefix}${this.n++}`;
  }
  emit(...ls: string[]): this {
    this.lines.push(...ls);
    return this;
  }
  /**
   * Jumps, then straight-line filler (r5 only), so that a later merge is a checkpoint: the kernel
   * (is_state_visited) adds one only after 2 jumps and 8 instructions since the last, and a
   * jump's fallthrough is itself a prune point.
   */
  pad(into: string[] = this.lines): this {
    const jumps = this.r.int(-1, 2);
    if (jumps > 0) into.push("mov %r5, 0");
    for (let i = jumps; i > 0; i--) into.push(this.r.chance(0.5) ? "ja +0" : `jeq %r5, ${100 + i}, +0`);
    for (let i = this.r.int(0, 3) * 4; i > 0; i--) into.push(`mov %r5, ${i}`);
    return this;
  }
  /** `dst = ctx u32 field` (r6 holds ctx). */
  ctxScalar(dst: string): this {
    return this.emit(`ldxw ${dst}, [%r6+${this.r.pick(CTX_U32)}]`);
  }
  /** r0 = lookup(map, key in `keyReg` (or the constant `key`)) stored as u32 at fp`slot`; clobbers r1-r5. */
  lookup(fd: number, key: string | number, slot = -4): this {
    if (typeof key === "number") this.emit(`stw [%r10${slot}], ${key}`);
    else this.emit(`stxw [%r10${slot}], ${key}`);
    return this.emit("mov %r2, %r10", `add %r2, ${slot}`, `lddw %r1, map_fd(${fd})`, "call 1");
  }
  /** The program text: prologue `r6 = ctx`, body, `out: r0 = 1; exit`, then the functions. */
  text(): string {
    const out = ["mov %r6, %r1", ...this.lines, "out:", "mov %r0, 1", "exit"];
    for (const f of this.funcs) out.push(...f);
    return out.join("\n");
  }
}
