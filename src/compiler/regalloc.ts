/**
 * Registers and stack for the code generator.
 *   r6      the context pointer for the whole program (callee-saved, survives helper calls)
 *   r7-r9   variables, first come first served per scope; later variables live on the stack
 *   r0-r5   expression temporaries; a temporary is spilled to the stack when the pool runs dry,
 *           and every live temporary is spilled before a helper call (calls clobber r0-r5) and
 *           before control flow inside an expression (so all paths agree where values are)
 * Stack slots are 8 bytes at negative offsets from r10, reused after release; variables and
 * spills use full 64-bit stores so the kernel tracks the spilled scalars precisely.
 */
import { CompileError } from "../errors.js";
import { MAX_STACK } from "../vm/isa.js";
import type { Span } from "./ast.js";
import type { Emitter } from "./emitter.js";

export class Frame {
  private top = 0;
  private free: number[] = [];
  maxDepth = 0;

  /** An 8-byte slot; returns its (negative) offset from r10. */
  alloc(span: Span | undefined): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    this.top += 8;
    if (this.top > MAX_STACK)
      throw new CompileError(
        "codegen.stack",
        `the policy needs more than ${MAX_STACK} bytes of stack`,
        span,
        "use fewer variables at once, or move state into a map",
      );
    this.maxDepth = Math.max(this.maxDepth, this.top);
    return -this.top;
  }

  release(off: number): void {
    this.free.push(off);
  }
}

export interface Temp {
  reg: number;
  slot: number | null;
}

const TEMP_POOL = [1, 2, 3, 4, 5, 0];

export class Temps {
  private live: Temp[] = [];

  constructor(
    private readonly em: Emitter,
    private readonly frame: Frame,
  ) {}

  private inUse(r: number): boolean {
    return this.live.some((t) => t.reg === r);
  }

  /** A temporary in a register; `want` asks for a specific one (e.g. r0 after a call). */
  alloc(pinned: readonly Temp[] = [], want?: number): Temp {
    const reg = want ?? TEMP_POOL.find((r) => !this.inUse(r)) ?? this.evict(pinned);
    if (want !== undefined && this.inUse(want)) {
      const holder = this.live.find((t) => t.reg === want)!;
      this.spillOne(holder);
    }
    const t: Temp = { reg, slot: null };
    this.live.push(t);
    return t;
  }

  private evict(pinned: readonly Temp[]): number {
    const victim = this.live.find((t) => t.reg >= 0 && !pinned.includes(t));
    if (victim === undefined)
      throw new CompileError("codegen.registers", "expression too complex: out of registers", this.em.span);
    const r = victim.reg;
    this.spillOne(victim);
    return r;
  }

  private spillOne(t: Temp): void {
    if (t.reg < 0) return;
    if (t.slot === null) t.slot = this.frame.alloc(this.em.span);
    this.em.spill(t.slot, t.reg);
    t.reg = -1;
  }

  /** Spill every live temporary (before a helper call or a branch inside an expression). */
  spillAll(except: readonly Temp[] = []): void {
    for (const t of this.live) if (!except.includes(t)) this.spillOne(t);
  }

  /** The register holding `t`, reloading it if it was spilled. */
  reg(t: Temp, pinned: readonly Temp[] = []): number {
    if (t.reg >= 0) return t.reg;
    const r = TEMP_POOL.find((x) => !this.inUse(x)) ?? this.evict([...pinned, t]);
    this.em.fill(r, t.slot!);
    t.reg = r;
    return r;
  }

  free(t: Temp): void {
    const i = this.live.indexOf(t);
    if (i >= 0) this.live.splice(i, 1);
    if (t.slot !== null) this.frame.release(t.slot);
  }

  get count(): number {
    return this.live.length;
  }
}

export type Storage = { readonly k: "reg"; readonly r: number } | { readonly k: "stack"; readonly off: number };

export class VarPool {
  private used = new Set<number>();

  constructor(private readonly frame: Frame) {}

  alloc(span: Span | undefined): Storage {
    for (const r of [7, 8, 9]) {
      if (!this.used.has(r)) {
        this.used.add(r);
        return { k: "reg", r };
      }
    }
    return { k: "stack", off: this.frame.alloc(span) };
  }

  release(s: Storage): void {
    if (s.k === "reg") this.used.delete(s.r);
    else this.frame.release(s.off);
  }
}
