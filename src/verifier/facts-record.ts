/**
 * Facts for the trusted JIT, in the vm's contract type (src/vm/facts.ts), gathered while
 * exploring: per memory instruction, that it is in bounds and the one kind of object every
 * walked state accesses there; per helper call, whether the helper's kernel prototype lets it
 * write through its arguments.
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
import type { InsnFacts, RegionKind } from "../vm/facts.js";
import type { ArgType, HelperProto } from "../vm/program-type.js";

export type { InsnFacts };

/** Seen at an instruction: one kind on every walked state, or several. */
type Seen = RegionKind | "mixed";

/**
 * Argument types through which a helper only reads (or that are no memory at all). Anything
 * else — MEM_WRITE and uninit memory, dynptrs, callbacks and their context, locks, timers,
 * kptrs — may write, and so may a helper Baton has no prototype for.
 */
const READ_ONLY_ARGS: ReadonlySet<ArgType> = new Set<ArgType>([
  "ctx",
  "const_map_ptr",
  "map_key",
  "map_value",
  "map_value_or_null",
  "mem",
  "mem_or_null",
  "const_size",
  "const_size_or_zero",
  "const_alloc_size_or_zero",
  "const_str",
  "btf_id",
  "btf_id_or_null",
  "percpu_btf_id",
  "sock_common",
  "anything",
]);

export class FactsRecorder {
  private readonly seen: (Seen | undefined)[];
  private readonly readsOnly: (boolean | undefined)[];

  constructor(n: number) {
    this.seen = new Array(n);
    this.readsOnly = new Array(n);
  }

  /** A helper call at instruction `i` passed its checks against `proto` (undefined: none known). */
  call(i: number, proto: HelperProto | undefined): void {
    const ro = proto !== undefined && proto.args.every((a) => READ_ONLY_ARGS.has(a));
    this.readsOnly[i] = ro && this.readsOnly[i] !== false;
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
    this.readsOnly.forEach((ro, i) => {
      if (ro) out[i] = { ...out[i], callReadsOnly: true };
    });
    return out;
  }
}
