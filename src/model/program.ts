/**
 * The hook through which a reuseport group runs its attached program (R8, R10, R12).
 * The model does not care where the program comes from: a plain TypeScript object (tests,
 * built-in policies) or an adapter over the VM runtime (`runtime-adapter.ts`).
 * Omitted: classic BPF programs are represented by `progType: 1` returning an index (R10).
 */
import type { VmSocket } from "../vm/socket.js";
import { BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";

export type ReuseportAttachType = typeof BPF_SK_REUSEPORT_SELECT | typeof BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;

/** What the kernel puts into `struct sk_reuseport_md` (spec §F). */
export interface ReuseportRunInput {
  /** Normal selection: the first group member found (R9). Migration: the closed listener. */
  readonly sk: VmSocket;
  /** Null for a new SYN; the child or request being migrated otherwise (R12 step 5). */
  readonly migratingSk: VmSocket | null;
  /** The connection hash (ctx `hash`). */
  readonly hash: number;
  /** skb->len: 0 at close and in the SYN-ACK timer, > 0 for a packet (ctx `len`). */
  readonly len: number;
  /** The group's bind_inany (ctx `bind_inany`). */
  readonly bindInany: boolean;
  /** The group id of ctx `sk`; `bpf_sk_select_reuseport` compares entries against it (R21). */
  readonly groupId: number;
  /** Virtual time of the run in nanoseconds (for ktime helpers). */
  readonly nowNs: number;
}

export interface ReuseportRunResult {
  /** The program's return value (SK_PASS = 1; for progType 1, an index into socks[]). */
  readonly ret: number;
  /** The socket recorded by the last successful `bpf_sk_select_reuseport`, or null. */
  readonly selected: VmSocket | null;
}

/** A map a compiled program declares (what a scenario's writes are checked against). */
export interface ProgramMap {
  readonly name: string;
  /** BPF_MAP_TYPE_* */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export interface ReuseportProgram {
  /** The maps the program declares, when it has any of its own (a compiled policy). */
  readonly maps?: readonly ProgramMap[];
  /** Expected attach type: 39 SELECT or 40 SELECT_OR_MIGRATE (R8). */
  readonly attachType: ReuseportAttachType;
  /** BPF_PROG_TYPE: 21 sk_reuseport (default) or 1 socket filter / classic (returns an index, R10). */
  readonly progType?: 1 | 21;
  /** A label for traces and reports. */
  readonly name?: string;
  run(input: ReuseportRunInput): ReuseportRunResult;
  /**
   * Optional allocation-free form of `run` with the per-request fields as arguments, in
   * `ReuseportRunInput` order; must return exactly what `run` returns for the same input with
   * `groupId` the group's and `nowNs` the model's current time (a program that needs either
   * takes it from the model it was built for). The group calls this when present (the
   * per-request hook path, R10/R12 step 5).
   */
  runArgs?(
    sk: VmSocket,
    migratingSk: VmSocket | null,
    hash: number,
    len: number,
    bindInany: boolean,
  ): ReuseportRunResult;
}
