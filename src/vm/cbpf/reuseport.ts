/**
 * SO_ATTACH_REUSEPORT_CBPF selection (net/core/sock_reuseport.c run_bpf_filter and
 * reuseport_select_sock): the kernel pulls skb->data past the transport header (the UDP
 * header, or the TCP header with its options), runs the filter, and takes its u32 result
 * as an index into socks[]; an index >= the group's socket count falls back to the kernel's
 * hash pick (reuseport_select_sock_by_hash), as does a failed pull. The packets it runs on are
 * built by reuseport-packets.ts.
 */
import type { ClassicPacket } from "./packet.js";
import type { ClassicProgram } from "./program.js";

export type ReuseportPick =
  /** socks[index]. */
  | { readonly kind: "socket"; readonly index: number; readonly result: number }
  /** The filter's result is out of range: the kernel picks by hash. */
  | { readonly kind: "kernel-pick"; readonly result: number };

/** Run `prog` for a group of `numSocks` sockets and read its result as the kernel does. */
export function selectClassic(prog: ClassicProgram, packet: ClassicPacket, numSocks: number): ReuseportPick {
  const result = prog.run(packet);
  return result < numSocks ? { kind: "socket", index: result, result } : { kind: "kernel-pick", result };
}
