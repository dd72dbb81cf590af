/**
 * The helper table a VM instance runs with: every helper a program type offers, bound to one
 * `HelperEnv` — Baton's implementation where there is one (`HELPER_IMPLS`), otherwise a helper
 * that traps with "helper bpf_X#N is not available in Baton's VM" (unavailable.ts).
 */
import { readsArgsOnly, type HelperFn, type HelperTable } from "../helper-abi.js";
import { HELPER, type ProgramType } from "../program-type.js";
import type { HelperEnv } from "./env.js";
import { mapDeleteElem, mapLookupElem, mapUpdateElem } from "./map-helpers.js";
import {
  getNumaNodeId,
  getPrandomU32,
  getSmpProcessorId,
  jiffies64,
  ktimeGetBootNs,
  ktimeGetCoarseNs,
  ktimeGetNs,
  ktimeGetTaiNs,
} from "./misc.js";
import { getSocketCookie, skSelectReuseport } from "./reuseport.js";
import { skbLoadBytes, skbLoadBytesRelative } from "./skb.js";
import { forEachMapElem, loop } from "./loop.js";
import { snprintf, tracePrintk, traceVprintk } from "./trace.js";
import { strncmp, strtol, strtoul } from "./strings.js";
import { unavailableHelper } from "./unavailable.js";

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
  [HELPER.ktime_get_tai_ns, ktimeGetTaiNs],
  [HELPER.strtol, strtol],
  [HELPER.strtoul, strtoul],
  [HELPER.strncmp, strncmp],
  [HELPER.snprintf, snprintf],
  [HELPER.trace_vprintk, traceVprintk],
  [HELPER.loop, loop],
  [HELPER.for_each_map_elem, forEachMapElem],
]);

/** Why the offered helpers Baton does not run trap (shown in the trap message), by id. */
const WHY_NOT: ReadonlyMap<number, string> = new Map([
  ...[14, 15, 16, 17, 35, 80, 109, 117, 120, 123].map((id) => [id, "a Baton run has no current task"] as const),
  ...[112, 113, 114, 115, 148, 191].map((id) => [id, "it reads kernel or user memory"] as const),
  ...[141, 149, 153, 154, 158, 175, 180, 194].map((id) => [id, "it needs BTF objects"] as const),
  ...[93, 94, 169, 170, 171, 172].map((id) => [id, "it needs map values described by BTF"] as const),
  ...[132, 133, 197, 199, 200, 201, 202, 203].map((id) => [id, "Baton has no ring buffers or dynptrs"] as const),
  ...[12, 22, 37, 55, 87, 88, 89, 130, 131, 134, 156, 157, 195, 198, 209, 210, 211].map(
    (id) => [id, "Baton has no map of the type it needs"] as const,
  ),
  [176, "it reads the CPU's branch records"],
]);

/**
 * Helpers that store into memory a pointer argument names (the kernel's ARG_PTR_TO_UNINIT_MEM):
 * the bytes copied out of the packet, strtol's result, snprintf's output, and whatever a
 * bpf_loop / bpf_for_each_map_elem callback stores. Every other helper above only reads through its pointer arguments
 * (keys, values, format strings) or takes none.
 */
const WRITES_ARGS: ReadonlySet<number> = new Set([
  HELPER.skb_load_bytes,
  HELPER.skb_load_bytes_relative,
  HELPER.strtol,
  HELPER.strtoul,
  HELPER.snprintf,
  HELPER.loop,
  HELPER.for_each_map_elem,
]);

/** The helpers `type` allows, bound to `env`. */
export function createHelperTable(env: HelperEnv, type: ProgramType): HelperTable {
  const table = new Map<number, HelperFn>();
  for (const id of type.helpers.keys()) {
    const make = HELPER_IMPLS.get(id);
    if (make !== undefined) table.set(id, WRITES_ARGS.has(id) ? make(env) : readsArgsOnly(make(env)));
    else table.set(id, unavailableHelper(id, type.helpers.get(id)!.name, WHY_NOT.get(id)));
  }
  return table;
}
