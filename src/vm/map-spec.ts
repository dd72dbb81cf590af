/**
 * A map's declaration: what `bpf(BPF_MAP_CREATE)` takes. The compiler emits these, the
 * verifier types `lddw src=1 imm=fd` with them, the runtime creates maps from them, and
 * the kernel bridge creates real maps from them.
 */
export interface MapSpec {
  /** The number `lddw src=1 imm=fd` uses to name this map. */
  readonly fd: number;
  readonly name?: string;
  /** BPF_MAP_TYPE_* */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
}
