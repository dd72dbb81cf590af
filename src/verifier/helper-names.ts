/**
 * Kernel helper names by id (include/uapi/linux/bpf.h `__BPF_FUNC_MAPPER`), for messages
 * about helpers a program type does not allow. Only ids whose name we are sure of are
 * listed; others print as `unknown`. Ids at or above `FUNC_MAX_ID` are not helpers at all.
 */
export const FUNC_MAX_ID = 212;

const NAMES: Readonly<Record<number, string>> = {
  0: "unspec",
  1: "map_lookup_elem",
  2: "map_update_elem",
  3: "map_delete_elem",
  4: "probe_read",
  5: "ktime_get_ns",
  6: "trace_printk",
  7: "get_prandom_u32",
  8: "get_smp_processor_id",
  9: "skb_store_bytes",
  10: "l3_csum_replace",
  11: "l4_csum_replace",
  12: "tail_call",
  13: "clone_redirect",
  14: "get_current_pid_tgid",
  15: "get_current_uid_gid",
  16: "get_current_comm",
  17: "get_cgroup_classid",
  18: "skb_vlan_push",
  19: "skb_vlan_pop",
  20: "skb_get_tunnel_key",
  21: "skb_set_tunnel_key",
  22: "perf_event_read",
  23: "redirect",
  24: "get_route_realm",
  25: "perf_event_output",
  26: "skb_load_bytes",
  27: "get_stackid",
  28: "csum_diff",
  34: "get_hash_recalc",
  35: "get_current_task",
  42: "get_numa_node_id",
  46: "get_socket_cookie",
  47: "get_socket_uid",
  51: "redirect_map",
  68: "skb_load_bytes_relative",
  82: "sk_select_reuseport",
  84: "sk_lookup_tcp",
  85: "sk_lookup_udp",
  86: "sk_release",
  87: "map_push_elem",
  88: "map_pop_elem",
  89: "map_peek_elem",
  93: "spin_lock",
  94: "spin_unlock",
  113: "probe_read_kernel",
  118: "jiffies64",
  125: "ktime_get_boot_ns",
  130: "ringbuf_output",
  131: "ringbuf_reserve",
  132: "ringbuf_submit",
  133: "ringbuf_discard",
  153: "per_cpu_ptr",
  160: "ktime_get_coarse_ns",
  181: "loop",
  182: "strncmp",
  208: "ktime_get_tai_ns",
};

/** `bpf_map_lookup_elem` style name, or `unknown`. */
export function kernelHelperName(id: number): string {
  const n = NAMES[id];
  return n === undefined ? "unknown" : `bpf_${n}`;
}
