/**
 * The helper table a VM instance runs with: every helper of a program type that Baton
 * implements, bound to one `HelperEnv`. Helper ids come from `HELPER` (program-type.ts).
 * Omitted: helpers outside `SK_REUSEPORT.helpers` (tail_call, spin locks, …).
 */
import { readsArgsOnly, type HelperFn, type HelperTable } from "../helper-abi.js";
import { HELPER, type ProgramType } from "../program-type.js";
import type { HelperEnv } from "./env.js";
import { mapDeleteElem, mapLookupElem, mapUpdateElem } from "./map-helpers.js";
import { getNumaNodeId, getPrandomU32, getSmpProcessorId, jiffies64, ktimeGetBootNs, ktimeGetCoarseNs, ktimeGetNs } from "./misc.js";
import { getSocketCookie, skSelectReuseport } from "./reuseport.js";
import { skbLoadBytes, skbLoadBytesRelative } from "./skb.js";
import { tracePrintk } from "./trace.js";

type HelperMaker = (env: HelperEnv) => HelperFn;

/** Every implemented helper, by kernel id. */
export const HELPER_IMPLS: ReadonlyMap<number, HelperMaker> = new Map<number, HelperMaker>([
  [HELPER.map_lookup_elem, mapLookupElem],
  [HELPER.map_update_elem, mapUpdateElem],
  [HELPER.map_delete_elem, mapDeleteElem],
  [HELPER.ktime_get_ns, ktimeGetNs],
  [HELPER.trace_printk, tracePrintk],
  [HELPER.get_prandom_u32, getPrandomU32],
  [HELPER.get_smp_processor_id, getSmpProcessorId],
  [HELPER.skb_load_bytes, skbLoadBytes],
  [HELPER.get_numa_node_id, getNumaNodeId],
  [HELPER.get_socket_cookie, getSocketCookie],
  [HELPER.skb_load_bytes_relative, skbLoadBytesRelative],
  [HELPER.sk_select_reuseport, skSelectReuseport],
  [HELPER.jiffies64, jiffies64],
  [HELPER.ktime_get_boot_ns, ktimeGetBootNs],
  [HELPER.ktime_get_coarse_ns, ktimeGetCoarseNs],
]);

/**
 * Helpers that store into memory a pointer argument names (the kernel's ARG_PTR_TO_UNINIT_MEM):
 * the bytes copied out of the packet. Every other helper above only reads through its pointer
 * arguments (keys, values, format strings) or takes none.
 */
const WRITES_ARGS: ReadonlySet<number> = new Set([HELPER.skb_load_bytes, HELPER.skb_load_bytes_relative]);

/** The helpers `type` allows, bound to `env`. */
export function createHelperTable(env: HelperEnv, type: ProgramType): HelperTable {
  const table = new Map<number, HelperFn>();
  for (const id of type.helpers.keys()) {
    const make = HELPER_IMPLS.get(id);
    if (make !== undefined) table.set(id, WRITES_ARGS.has(id) ? make(env) : readsArgsOnly(make(env)));
  }
  return table;
}
