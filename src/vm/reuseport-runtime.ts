/**
 * The VM side of the socket model's reuseport hook: one sk_reuseport program, its maps, its
 * context and helpers, ready to run once per selection or migration decision (spec §B–§D).
 *
 * `select` fills the context (context.ts), clears the previous selection, runs the engine with
 * r1 = ctx and returns r0 and the socket sk_select_reuseport recorded (R21). How the kernel
 * uses them (SK_PASS with a selection → that socket; SK_PASS without → hash fallback;
 * SK_DROP → refuse) is the model's business. Per call nothing is allocated: the context
 * regions are refilled in place (only the words the program can load, ctx-reads.ts) and the
 * same result object is returned every time (read it before the next call). `selectArgs` is
 * the same for the socket model's packet-less input, passed as arguments (no input object).
 * Omitted: program verification (callers verify first), attach-type checks.
 */
import type { Engine, EngineFactory } from "./engine.js";
import { ReuseportContext, type ReuseportInput } from "./context.js";
import { ctxReadWords } from "./ctx-reads.js";
import { HelperEnv } from "./helpers/env.js";
import type { VirtualClock } from "./helpers/env.js";
import { createHelperTable } from "./helpers/table.js";
import type { Insn } from "./isa.js";
import { relocate } from "./maps/relocate.js";
import type { MapTable } from "./maps/table.js";
import { SK_REUSEPORT } from "./program-type.js";
import type { Rng } from "./rng.js";
import type { VmSocket } from "./socket.js";

export interface SkReuseportRuntimeOptions {
  /** The program, one entry per slot (as `decode` gives it); `lddw` map references (src 1/2/5/6) are relocated against
   * `maps` here. */
  readonly insns: readonly Insn[];
  readonly maps: MapTable;
  readonly engine: EngineFactory;
  /** Seed of bpf_get_prandom_u32 (default 0); ignored when `rng` is given. */
  readonly seed?: number | bigint;
  readonly rng?: Rng;
  /** Time the helpers see; the caller advances it. */
  readonly clock?: VirtualClock;
  /** Instruction budget per run. */
  readonly budget?: number;
  readonly numaNode?: number;
  /** Fill every context word on every run, not only those the program can load (ctx-reads.ts); for tests. */
  readonly fullContext?: boolean;
}

export interface SelectResult {
  /** r0's low 32 bits (SK_PASS = 1, SK_DROP = 0 for verified programs). */
  ret: number;
  /** The last successful sk_select_reuseport choice of the run, or null. */
  selected: VmSocket | null;
}

export class SkReuseportRuntime {
  // `declare`d constructor-set fields: README "Benchmarks", the per-request path.
  declare readonly env: HelperEnv;
  declare readonly context: ReuseportContext;
  declare readonly engine: Engine;
  declare readonly insns: readonly Insn[];
  private readonly result: SelectResult = { ret: 0, selected: null };
  declare private readonly ctxId: number;

  constructor(o: SkReuseportRuntimeOptions) {
    const envOpts = {
      maps: o.maps,
      seed: o.seed ?? 0,
      ...(o.rng !== undefined ? { rng: o.rng } : {}),
      ...(o.clock !== undefined ? { clock: o.clock } : {}),
      ...(o.numaNode !== undefined ? { numaNode: o.numaNode } : {}),
    };
    this.context = new ReuseportContext(o.maps.mem);
    this.env = new HelperEnv({ ...envOpts, ctx: this.context });
    this.ctxId = this.context.ctx.id;
    this.insns = relocate(o.insns, o.maps);
    if (o.fullContext !== true) this.context.setReadWords(ctxReadWords(this.insns));
    const helpers = createHelperTable(this.env, SK_REUSEPORT);
    this.engine = o.engine(this.insns, {
      mem: o.maps.mem,
      helpers,
      ctxRegion: this.ctxId,
      ...(o.budget !== undefined ? { budget: o.budget } : {}),
    });
  }

  /** Run the program for one decision. The returned object is reused by the next call. */
  select(input: ReuseportInput): SelectResult {
    this.context.fill(input);
    const env = this.env;
    env.selected = null;
    env.cpu = input.cpu ?? 0;
    const r = this.result;
    try {
      r.ret = this.engine.run(this.ctxId, 0, 0);
    } finally {
      env.cpu = 0; // what `selectArgs` runs with, so it need not write it per run
    }
    r.selected = env.selected;
    return r;
  }

  /**
   * `select({ sk, migratingSk, hash, len, bindInany })` without the input object: the socket
   * model's per-request path (no packet, cpu 0). Same result object, same reuse rule.
   * `hash` may be the u32 or its int32 bit pattern (the ctx word is the same).
   */
  selectArgs(sk: VmSocket, migratingSk: VmSocket | null, hash: number, len: number, bindInany: boolean): SelectResult {
    this.context.fillArgs(sk, migratingSk, hash, len, bindInany);
    const env = this.env;
    env.selected = null;
    const r = this.result;
    r.ret = this.engine.run(this.ctxId, 0, 0);
    r.selected = env.selected;
    return r;
  }

  /** bpf_trace_printk output so far. */
  get trace(): readonly string[] {
    return this.env.trace;
  }
}
