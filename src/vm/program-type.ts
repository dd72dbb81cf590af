/**
 * Program types: what a program of a type may read in its context, which helpers it may call
 * (with the kernel's argument and return conventions), which map types it may use and what
 * its return value means. The runtime (vm/helpers, vm/context), the verifier and the compiler
 * all read the same object, so they cannot disagree.
 *
 * Source: filter.c `sk_reuseport_is_valid_access`, `sk_reuseport_func_proto`,
 * `bpf_base_func_proto`; include/uapi/linux/bpf.h for ids (spec §0, §F, R20, R21).
 * Deliberately absent: tail_call (no PROG_ARRAY map type), spin locks, ring buffers,
 * timers and kfuncs — a policy that needs them is rejected with "unknown helper".
 */

/** Argument constraints, named after the kernel's `ARG_*` (include/linux/bpf.h). */
export type ArgType =
  | "ctx" // ARG_PTR_TO_CTX
  | "const_map_ptr" // ARG_CONST_MAP_PTR
  | "map_key" // ARG_PTR_TO_MAP_KEY: initialized stack (or map value) of key_size bytes
  | "map_value" // ARG_PTR_TO_MAP_VALUE: initialized memory of value_size bytes
  | "uninit_mem" // ARG_PTR_TO_UNINIT_MEM: writable memory, size in the next argument
  | "const_size" // ARG_CONST_SIZE: a scalar with known bounds, > 0
  | "sock_common" // ARG_PTR_TO_BTF_ID_SOCK_COMMON: a non-NULL socket pointer
  | "anything"; // ARG_ANYTHING

/** Return types, named after `RET_*`. */
export type RetType = "integer" | "void" | "map_value_or_null";

export interface HelperProto {
  readonly id: number;
  /** Kernel name without the `bpf_` prefix. */
  readonly name: string;
  readonly args: readonly ArgType[];
  readonly ret: RetType;
  /** For `const_map_ptr` arguments: the map types allowed (undefined = any map the type allows). */
  readonly mapTypes?: readonly number[];
}

/** What a context field holds, as the verifier types it. */
export type CtxFieldKind =
  | "scalar"
  | "pkt" // PTR_TO_PACKET
  | "pkt_end" // PTR_TO_PACKET_END
  | "sock" // PTR_TO_SOCKET
  | "sock_common_or_null"; // PTR_TO_SOCK_COMMON_OR_NULL

export interface CtxField {
  readonly name: string;
  readonly offset: number;
  readonly size: 4 | 8;
  /** Load sizes the kernel accepts. */
  readonly loadSizes: readonly (1 | 2 | 4 | 8)[];
  /**
   * Narrow loads may start at any offset inside the field that is aligned to the load size
   * (`bpf_ctx_narrow_access_ok`); otherwise only at `offset`. Checked on Linux 6.18.
   */
  readonly narrowInside: boolean;
  readonly kind: CtxFieldKind;
}

export interface ProgramType {
  readonly name: string;
  /** BPF_PROG_TYPE_* */
  readonly id: number;
  readonly ctxSize: number;
  readonly ctxFields: readonly CtxField[];
  /** Context writes allowed? (never for sk_reuseport) */
  readonly ctxWritable: boolean;
  readonly helpers: ReadonlyMap<number, HelperProto>;
  /** BPF_MAP_TYPE_* a program of this type may reference. */
  readonly mapTypes: readonly number[];
  /** The meaningful return values (SK_DROP..SK_PASS). */
  readonly retRange: readonly [number, number];
  /**
   * Whether the kernel's verifier rejects a return value outside `retRange`. For sk_reuseport
   * it does not (Linux 6.18 loads programs returning 2 or -1); at run time any value other than
   * SK_PASS is a refusal (R10, R12). Baton's verifier follows the kernel and only warns.
   */
  readonly retRangeEnforced: boolean;
  /** Attach types by name, with their BPF_* ids. */
  readonly attachTypes: Readonly<Record<string, number>>;
}

// ---- constants (spec §0) ----
export const BPF_PROG_TYPE_SK_REUSEPORT = 21;
export const BPF_SK_REUSEPORT_SELECT = 39;
export const BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = 40;
export const SK_DROP = 0;
export const SK_PASS = 1;

export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_SOCKHASH = 18;
export const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20;

// ---- helper ids (uapi bpf.h) ----
export const HELPER = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  ktime_get_ns: 5,
  trace_printk: 6,
  get_prandom_u32: 7,
  get_smp_processor_id: 8,
  skb_load_bytes: 26,
  get_numa_node_id: 42,
  get_socket_cookie: 46,
  skb_load_bytes_relative: 68,
  sk_select_reuseport: 82,
  jiffies64: 118,
  ktime_get_boot_ns: 125,
  ktime_get_coarse_ns: 160,
} as const;

const SOCK_MAP_TYPES = [BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH];
const DATA_MAP_TYPES = [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_LRU_HASH];

const protos: HelperProto[] = [
  { id: HELPER.map_lookup_elem, name: "map_lookup_elem", args: ["const_map_ptr", "map_key"], ret: "map_value_or_null", mapTypes: DATA_MAP_TYPES },
  { id: HELPER.map_update_elem, name: "map_update_elem", args: ["const_map_ptr", "map_key", "map_value", "anything"], ret: "integer", mapTypes: DATA_MAP_TYPES },
  { id: HELPER.map_delete_elem, name: "map_delete_elem", args: ["const_map_ptr", "map_key"], ret: "integer", mapTypes: DATA_MAP_TYPES },
  { id: HELPER.ktime_get_ns, name: "ktime_get_ns", args: [], ret: "integer" },
  { id: HELPER.trace_printk, name: "trace_printk", args: ["uninit_mem", "const_size", "anything", "anything", "anything"], ret: "integer" },
  { id: HELPER.get_prandom_u32, name: "get_prandom_u32", args: [], ret: "integer" },
  { id: HELPER.get_smp_processor_id, name: "get_smp_processor_id", args: [], ret: "integer" },
  { id: HELPER.skb_load_bytes, name: "skb_load_bytes", args: ["ctx", "anything", "uninit_mem", "const_size"], ret: "integer" },
  { id: HELPER.get_numa_node_id, name: "get_numa_node_id", args: [], ret: "integer" },
  { id: HELPER.get_socket_cookie, name: "get_socket_cookie", args: ["sock_common"], ret: "integer" },
  { id: HELPER.skb_load_bytes_relative, name: "skb_load_bytes_relative", args: ["ctx", "anything", "uninit_mem", "const_size", "anything"], ret: "integer" },
  { id: HELPER.sk_select_reuseport, name: "sk_select_reuseport", args: ["ctx", "const_map_ptr", "map_key", "anything"], ret: "integer", mapTypes: SOCK_MAP_TYPES },
  { id: HELPER.jiffies64, name: "jiffies64", args: [], ret: "integer" },
  { id: HELPER.ktime_get_boot_ns, name: "ktime_get_boot_ns", args: [], ret: "integer" },
  { id: HELPER.ktime_get_coarse_ns, name: "ktime_get_coarse_ns", args: [], ret: "integer" },
];

/** `struct sk_reuseport_md` (spec §F): 56 bytes, read-only. */
export const SK_REUSEPORT_CTX_FIELDS: readonly CtxField[] = [
  { name: "data", offset: 0, size: 8, loadSizes: [8], narrowInside: false, kind: "pkt" },
  { name: "data_end", offset: 8, size: 8, loadSizes: [8], narrowInside: false, kind: "pkt_end" },
  { name: "len", offset: 16, size: 4, loadSizes: [1, 2, 4], narrowInside: true, kind: "scalar" },
  { name: "eth_protocol", offset: 20, size: 4, loadSizes: [2, 4], narrowInside: true, kind: "scalar" },
  { name: "ip_protocol", offset: 24, size: 4, loadSizes: [1, 2, 4], narrowInside: true, kind: "scalar" },
  { name: "bind_inany", offset: 28, size: 4, loadSizes: [1, 2, 4], narrowInside: true, kind: "scalar" },
  { name: "hash", offset: 32, size: 4, loadSizes: [4], narrowInside: false, kind: "scalar" },
  { name: "sk", offset: 40, size: 8, loadSizes: [8], narrowInside: false, kind: "sock" },
  { name: "migrating_sk", offset: 48, size: 8, loadSizes: [8], narrowInside: false, kind: "sock_common_or_null" },
];

export const SK_REUSEPORT: ProgramType = {
  name: "sk_reuseport",
  id: BPF_PROG_TYPE_SK_REUSEPORT,
  ctxSize: 56,
  ctxFields: SK_REUSEPORT_CTX_FIELDS,
  ctxWritable: false,
  helpers: new Map(protos.map((p) => [p.id, p])),
  mapTypes: [...DATA_MAP_TYPES, ...SOCK_MAP_TYPES],
  retRange: [SK_DROP, SK_PASS],
  retRangeEnforced: false,
  attachTypes: { select: BPF_SK_REUSEPORT_SELECT, select_or_migrate: BPF_SK_REUSEPORT_SELECT_OR_MIGRATE },
};

/** `struct bpf_sock` fields readable through ctx `sk` / `migrating_sk` (uapi bpf.h). */
export interface BpfSockField {
  readonly name: string;
  readonly offset: number;
  readonly size: 4 | 8;
}
export const BPF_SOCK_FIELDS: readonly BpfSockField[] = [
  { name: "bound_dev_if", offset: 0, size: 4 },
  { name: "family", offset: 4, size: 4 },
  { name: "type", offset: 8, size: 4 },
  { name: "protocol", offset: 12, size: 4 },
  { name: "mark", offset: 16, size: 4 },
  { name: "priority", offset: 20, size: 4 },
  { name: "src_ip4", offset: 24, size: 4 },
  { name: "src_ip6", offset: 28, size: 4 }, // [4], 16 bytes
  { name: "src_port", offset: 44, size: 4 },
  { name: "dst_port", offset: 48, size: 4 }, // __be16 + 2 bytes padding
  { name: "dst_ip4", offset: 52, size: 4 },
  { name: "dst_ip6", offset: 56, size: 4 }, // [4], 16 bytes
  { name: "state", offset: 72, size: 4 },
  { name: "rx_queue_mapping", offset: 76, size: 4 },
];
export const BPF_SOCK_SIZE = 80;

const PROGRAM_TYPES: ReadonlyMap<string, ProgramType> = new Map([[SK_REUSEPORT.name, SK_REUSEPORT]]);

export function programType(name: string): ProgramType | undefined {
  return PROGRAM_TYPES.get(name);
}
