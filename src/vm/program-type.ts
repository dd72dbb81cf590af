/**
 * Program types: what a program of a type may read in its context, which helpers it may call
 * (with the kernel's argument and return conventions), which map types it may use and what
 * its return value means. The runtime (vm/helpers, vm/context), the verifier and the compiler
 * all read the same object, so they cannot disagree.
 *
 * Source: filter.c `sk_reuseport_is_valid_access`, `sk_reuseport_func_proto`,
 * `bpf_base_func_proto`; include/uapi/linux/bpf.h for ids (spec §0, §F, R20, R21).
 * Every helper the kernel offers the type is listed with its prototype, so that the verifier
 * agrees with the kernel on which calls are valid; the VM implements those that make sense in
 * userspace (src/vm/helpers/table.ts) and traps on the others. Kfuncs are absent.
 */

/**
 * Argument constraints, named after the kernel's `ARG_*` with their flags (include/linux/bpf.h).
 * A size argument (`const_size*`) always follows the memory argument it measures.
 */
export type ArgType =
  | "ctx" // ARG_PTR_TO_CTX
  | "const_map_ptr" // ARG_CONST_MAP_PTR
  | "map_key" // ARG_PTR_TO_MAP_KEY: initialized stack (or map value) of key_size bytes
  | "map_value" // ARG_PTR_TO_MAP_VALUE: initialized memory of value_size bytes
  | "map_value_uninit" // ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE: value_size bytes written
  | "map_value_or_null" // ARG_PTR_TO_MAP_VALUE_OR_NULL
  | "mem" // ARG_PTR_TO_MEM | MEM_RDONLY: initialized memory, size in the next argument
  | "mem_or_null" // ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY
  | "mem_write" // ARG_PTR_TO_MEM | MEM_WRITE: written by the helper, must be initialized
  | "mem_write_or_null" // ARG_PTR_TO_MEM_OR_NULL | MEM_WRITE
  | "uninit_mem" // ARG_PTR_TO_UNINIT_MEM (= ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE)
  | "const_size" // ARG_CONST_SIZE: a scalar with known bounds, > 0
  | "const_size_or_zero" // ARG_CONST_SIZE_OR_ZERO
  | "const_alloc_size_or_zero" // ARG_CONST_ALLOC_SIZE_OR_ZERO: a constant
  | "long_out" // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED, 8 bytes
  | "const_str" // ARG_PTR_TO_CONST_STR: NUL-terminated string in a read-only (frozen) map
  | "func" // ARG_PTR_TO_FUNC: a callback (`lddw src=4`)
  | "stack_or_null" // ARG_PTR_TO_STACK_OR_NULL: the callback's context
  | "btf_id" // ARG_PTR_TO_BTF_ID of `btfStruct`
  | "btf_id_or_null" // ARG_PTR_TO_BTF_ID_OR_NULL of `btfStruct`
  | "btf_id_release" // ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE (bpf_kptr_xchg)
  | "percpu_btf_id" // ARG_PTR_TO_PERCPU_BTF_ID
  | "spin_lock" // ARG_PTR_TO_SPIN_LOCK: a map value whose BTF has a bpf_spin_lock
  | "timer" // ARG_PTR_TO_TIMER: a map value whose BTF has a bpf_timer
  | "kptr_dest" // ARG_KPTR_XCHG_DEST: a map value's kptr field (BTF)
  | "ringbuf_mem_release" // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
  | "dynptr_uninit" // ARG_PTR_TO_DYNPTR | MEM_UNINIT: a 16-byte stack slot the helper initializes
  | "dynptr" // ARG_PTR_TO_DYNPTR (| MEM_RDONLY): an initialized dynptr on the stack
  | "dynptr_release" // ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE
  | "sock_common" // ARG_PTR_TO_BTF_ID_SOCK_COMMON (| PTR_MAYBE_NULL for sk_reuseport)
  | "anything"; // ARG_ANYTHING

/**
 * Return types, named after `RET_*`. The pointer kinds Baton's verifier does not model
 * (`btf_id*`, `mem*`) make it reject the call (see src/verifier/helpers.ts).
 */
export type RetType =
  | "integer"
  | "void"
  | "map_value_or_null"
  | "btf_id" // RET_PTR_TO_BTF_ID(_TRUSTED)
  | "btf_id_or_null" // RET_PTR_TO_BTF_ID_OR_NULL
  | "mem_or_btf_id" // RET_PTR_TO_MEM_OR_BTF_ID (| PTR_MAYBE_NULL) | MEM_RDONLY
  | "mem_or_null"; // RET_PTR_TO_MEM | PTR_MAYBE_NULL (ringbuf_reserve, dynptr_data)

export interface HelperProto {
  readonly id: number;
  /** Kernel name without the `bpf_` prefix. */
  readonly name: string;
  readonly args: readonly ArgType[];
  readonly ret: RetType;
  /** For `const_map_ptr` arguments: the map types allowed (undefined = any map the type allows). */
  readonly mapTypes?: readonly number[];
  /** For `btf_id*` arguments and returns: the kernel struct (`task_struct`, `cgroup`). */
  readonly btfStruct?: string;
  /** The proto's `might_sleep`: a non-sleepable program may not call it. */
  readonly mightSleep?: boolean;
  /** Offered only when the loader has CAP_PERFMON (bpf_base_func_proto's second switch). */
  readonly perfmon?: boolean;
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
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_CGROUP_ARRAY = 8;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_SOCKHASH = 18;
export const BPF_MAP_TYPE_REUSEPORT_SOCKARRAY = 20;
export const BPF_MAP_TYPE_QUEUE = 22;
export const BPF_MAP_TYPE_STACK = 23;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_TASK_STORAGE = 29;
export const BPF_MAP_TYPE_BLOOM_FILTER = 30;
export const BPF_MAP_TYPE_USER_RINGBUF = 31;
export const BPF_MAP_TYPE_CGRP_STORAGE = 32;

// ---- helper ids (uapi bpf.h), the ones Baton's code names ----
export const HELPER = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  ktime_get_ns: 5,
  trace_printk: 6,
  get_prandom_u32: 7,
  get_smp_processor_id: 8,
  tail_call: 12,
  skb_load_bytes: 26,
  get_numa_node_id: 42,
  get_socket_cookie: 46,
  skb_load_bytes_relative: 68,
  sk_select_reuseport: 82,
  strtol: 105,
  strtoul: 106,
  jiffies64: 118,
  ktime_get_boot_ns: 125,
  ktime_get_coarse_ns: 160,
  for_each_map_elem: 164,
  snprintf: 165,
  trace_vprintk: 177,
  loop: 181,
  strncmp: 182,
  ktime_get_tai_ns: 208,
} as const;

const SOCK_MAP_TYPES = [BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH];
const DATA_MAP_TYPES = [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_LRU_HASH];
const RINGBUF = [BPF_MAP_TYPE_RINGBUF];

type P = HelperProto;
const int = (id: number, name: string, args: readonly ArgType[] = [], more: Partial<P> = {}): P => ({
  id,
  name,
  args,
  ret: "integer",
  ...more,
});
const PERFMON = { perfmon: true } as const;

/**
 * The helpers Linux 6.18 offers BPF_PROG_TYPE_SK_REUSEPORT: `sk_reuseport_func_proto`
 * (net/core/filter.c) for ids 26, 46, 68, 82, then `bpf_base_func_proto` (kernel/bpf/helpers.c)
 * with CAP_BPF, and with CAP_PERFMON the `perfmon` ones. Probed on this machine's kernel by
 * test/verifier/helper-probe.ts (79 ids with CAP_PERFMON, 56 without; recorded in
 * test/verifier/helper-probe.json). Prototypes: the `bpf_func_proto` of each (helpers.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c, bpf_task_storage.c, cgroup.c, filter.c).
 */
const protos: HelperProto[] = [
  {
    id: 1,
    name: "map_lookup_elem",
    args: ["const_map_ptr", "map_key"],
    ret: "map_value_or_null",
    mapTypes: DATA_MAP_TYPES,
  },
  int(2, "map_update_elem", ["const_map_ptr", "map_key", "map_value", "anything"], { mapTypes: DATA_MAP_TYPES }),
  int(3, "map_delete_elem", ["const_map_ptr", "map_key"], { mapTypes: DATA_MAP_TYPES }),
  int(5, "ktime_get_ns"),
  int(6, "trace_printk", ["mem", "const_size"], PERFMON), // variadic r3-r5: not checked
  int(7, "get_prandom_u32"),
  int(8, "get_smp_processor_id"),
  {
    id: 12,
    name: "tail_call",
    args: ["ctx", "const_map_ptr", "anything"],
    ret: "void",
    mapTypes: [BPF_MAP_TYPE_PROG_ARRAY],
  },
  int(14, "get_current_pid_tgid"),
  int(15, "get_current_uid_gid"),
  int(16, "get_current_comm", ["uninit_mem", "const_size"], PERFMON),
  int(17, "get_cgroup_classid"), // bpf_get_cgroup_classid_curr_proto
  int(22, "perf_event_read", ["const_map_ptr", "anything"], {
    mapTypes: [BPF_MAP_TYPE_PERF_EVENT_ARRAY],
    perfmon: true,
  }),
  int(26, "skb_load_bytes", ["ctx", "anything", "uninit_mem", "const_size"]), // sk_reuseport_load_bytes_proto
  int(35, "get_current_task", [], PERFMON),
  int(37, "current_task_under_cgroup", ["const_map_ptr", "anything"], { mapTypes: [BPF_MAP_TYPE_CGROUP_ARRAY] }),
  int(42, "get_numa_node_id"),
  int(46, "get_socket_cookie", ["sock_common"]), // bpf_get_socket_ptr_cookie_proto: | PTR_MAYBE_NULL
  int(55, "perf_event_read_value", ["const_map_ptr", "anything", "uninit_mem", "const_size"], {
    mapTypes: [BPF_MAP_TYPE_PERF_EVENT_ARRAY],
    perfmon: true,
  }),
  int(68, "skb_load_bytes_relative", ["ctx", "anything", "uninit_mem", "const_size", "anything"]),
  int(80, "get_current_cgroup_id"),
  int(82, "sk_select_reuseport", ["ctx", "const_map_ptr", "map_key", "anything"], { mapTypes: SOCK_MAP_TYPES }),
  int(87, "map_push_elem", ["const_map_ptr", "map_value", "anything"], {
    mapTypes: [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_BLOOM_FILTER],
  }),
  int(88, "map_pop_elem", ["const_map_ptr", "map_value_uninit"], {
    mapTypes: [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK],
  }),
  int(89, "map_peek_elem", ["const_map_ptr", "map_value_uninit"], {
    mapTypes: [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK, BPF_MAP_TYPE_BLOOM_FILTER],
  }),
  { id: 93, name: "spin_lock", args: ["spin_lock"], ret: "void" },
  { id: 94, name: "spin_unlock", args: ["spin_lock"], ret: "void" },
  int(105, "strtol", ["mem", "const_size", "anything", "long_out"]),
  int(106, "strtoul", ["mem", "const_size", "anything", "long_out"]),
  int(109, "send_signal", ["anything"], PERFMON),
  int(112, "probe_read_user", ["uninit_mem", "const_size_or_zero", "anything"], PERFMON),
  int(113, "probe_read_kernel", ["uninit_mem", "const_size_or_zero", "anything"], PERFMON),
  int(114, "probe_read_user_str", ["uninit_mem", "const_size_or_zero", "anything"], PERFMON),
  int(115, "probe_read_kernel_str", ["uninit_mem", "const_size_or_zero", "anything"], PERFMON),
  int(117, "send_signal_thread", ["anything"], PERFMON),
  int(118, "jiffies64"),
  int(120, "get_ns_current_pid_tgid", ["anything", "anything", "uninit_mem", "const_size"]),
  int(123, "get_current_ancestor_cgroup_id", ["anything"]),
  int(125, "ktime_get_boot_ns"),
  int(130, "ringbuf_output", ["const_map_ptr", "mem", "const_size_or_zero", "anything"], { mapTypes: RINGBUF }),
  {
    id: 131,
    name: "ringbuf_reserve",
    args: ["const_map_ptr", "const_alloc_size_or_zero", "anything"],
    ret: "mem_or_null",
    mapTypes: RINGBUF,
  },
  { id: 132, name: "ringbuf_submit", args: ["ringbuf_mem_release", "anything"], ret: "void" },
  { id: 133, name: "ringbuf_discard", args: ["ringbuf_mem_release", "anything"], ret: "void" },
  int(134, "ringbuf_query", ["const_map_ptr", "anything"], { mapTypes: RINGBUF }),
  int(141, "get_task_stack", ["btf_id", "uninit_mem", "const_size_or_zero", "anything"], {
    btfStruct: "task_struct",
    perfmon: true,
  }),
  int(148, "copy_from_user", ["uninit_mem", "const_size_or_zero", "anything"], { mightSleep: true, perfmon: true }),
  int(149, "snprintf_btf", ["mem_write", "const_size", "mem", "const_size", "anything"], PERFMON),
  { id: 153, name: "per_cpu_ptr", args: ["percpu_btf_id", "anything"], ret: "mem_or_btf_id", perfmon: true },
  { id: 154, name: "this_cpu_ptr", args: ["percpu_btf_id"], ret: "mem_or_btf_id", perfmon: true },
  {
    id: 156,
    name: "task_storage_get",
    args: ["const_map_ptr", "btf_id_or_null", "map_value_or_null", "anything"],
    ret: "map_value_or_null",
    btfStruct: "task_struct",
    mapTypes: [BPF_MAP_TYPE_TASK_STORAGE],
  },
  int(157, "task_storage_delete", ["const_map_ptr", "btf_id"], {
    btfStruct: "task_struct",
    mapTypes: [BPF_MAP_TYPE_TASK_STORAGE],
  }),
  { id: 158, name: "get_current_task_btf", args: [], ret: "btf_id", btfStruct: "task_struct", perfmon: true },
  int(160, "ktime_get_coarse_ns"),
  int(164, "for_each_map_elem", ["const_map_ptr", "func", "stack_or_null", "anything"]),
  int(
    165,
    "snprintf",
    ["mem_write_or_null", "const_size_or_zero", "const_str", "mem_or_null", "const_size_or_zero"],
    PERFMON,
  ),
  int(169, "timer_init", ["timer", "const_map_ptr", "anything"]),
  int(170, "timer_set_callback", ["timer", "func"]),
  int(171, "timer_start", ["timer", "anything", "anything"]),
  int(172, "timer_cancel", ["timer"]),
  { id: 175, name: "task_pt_regs", args: ["btf_id"], ret: "btf_id", btfStruct: "task_struct", perfmon: true },
  int(176, "get_branch_snapshot", ["uninit_mem", "const_size_or_zero", "anything"], PERFMON),
  int(177, "trace_vprintk", ["mem", "const_size", "mem_or_null", "const_size_or_zero"], PERFMON),
  int(180, "find_vma", ["btf_id", "anything", "func", "stack_or_null", "anything"], {
    btfStruct: "task_struct",
    perfmon: true,
  }),
  int(181, "loop", ["anything", "func", "stack_or_null", "anything"]),
  int(182, "strncmp", ["mem", "const_size", "const_str"]),
  int(191, "copy_from_user_task", ["uninit_mem", "const_size_or_zero", "anything", "btf_id", "anything"], {
    btfStruct: "task_struct",
    mightSleep: true,
    perfmon: true,
  }),
  { id: 194, name: "kptr_xchg", args: ["kptr_dest", "btf_id_release"], ret: "btf_id_or_null" },
  {
    id: 195,
    name: "map_lookup_percpu_elem",
    args: ["const_map_ptr", "map_key", "anything"],
    ret: "map_value_or_null",
    mapTypes: [BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH],
  },
  int(197, "dynptr_from_mem", ["uninit_mem", "const_size_or_zero", "anything", "dynptr_uninit"]),
  int(198, "ringbuf_reserve_dynptr", ["const_map_ptr", "anything", "anything", "dynptr_uninit"], { mapTypes: RINGBUF }),
  { id: 199, name: "ringbuf_submit_dynptr", args: ["dynptr_release", "anything"], ret: "void" },
  { id: 200, name: "ringbuf_discard_dynptr", args: ["dynptr_release", "anything"], ret: "void" },
  int(201, "dynptr_read", ["uninit_mem", "const_size_or_zero", "dynptr", "anything", "anything"]),
  int(202, "dynptr_write", ["dynptr", "anything", "mem", "const_size_or_zero", "anything"]),
  { id: 203, name: "dynptr_data", args: ["dynptr", "anything", "const_alloc_size_or_zero"], ret: "mem_or_null" },
  int(208, "ktime_get_tai_ns"),
  int(209, "user_ringbuf_drain", ["const_map_ptr", "func", "stack_or_null", "anything"], {
    mapTypes: [BPF_MAP_TYPE_USER_RINGBUF],
  }),
  {
    id: 210,
    name: "cgrp_storage_get",
    args: ["const_map_ptr", "btf_id_or_null", "map_value_or_null", "anything"],
    ret: "map_value_or_null",
    btfStruct: "cgroup",
    mapTypes: [BPF_MAP_TYPE_CGRP_STORAGE],
  },
  int(211, "cgrp_storage_delete", ["const_map_ptr", "btf_id"], {
    btfStruct: "cgroup",
    mapTypes: [BPF_MAP_TYPE_CGRP_STORAGE],
  }),
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

/** The offset of a named `struct sk_reuseport_md` field (a name that is not one is a Baton bug). */
export function ctxFieldOffset(name: string): number {
  const f = SK_REUSEPORT_CTX_FIELDS.find((x) => x.name === name);
  if (f === undefined) throw new Error(`sk_reuseport_md has no field ${name}`);
  return f.offset;
}

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

/**
 * A "memory program" (the convention of the BPF conformance suite and `baton run`): r1 points at
 * the input bytes, r2 holds their count, and there is no context, no helper and no map. Not a
 * kernel program type; the verifier checks it as it would a program whose input is one map
 * value of that many bytes (`VerifyOptions.memory`), so the trusted JIT can run it.
 */
export const MEMORY_PROGRAM: ProgramType = {
  name: "memory",
  id: 0,
  ctxSize: 0,
  ctxFields: [],
  ctxWritable: false,
  helpers: new Map(),
  mapTypes: [],
  retRange: [0, 0xffffffff],
  retRangeEnforced: false,
  attachTypes: {},
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
