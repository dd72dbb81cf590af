/**
 * What a policy can name without declaring it: context fields (`ctx.hash`…), socket fields
 * (`listener.state`, `migrating.cookie`…), builtin functions (`cpu()`, `random()`…), predeclared
 * constants and the map kinds. Offsets come from `program-type.ts` (spec §F) so the compiler,
 * verifier and runtime agree. Deliberately absent: `data`/`data_end` direct packet access (use
 * `packet_u8` and friends, which go through bpf_skb_load_bytes and work with the empty skb of a
 * migration), IPv6 address fields.
 */
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
  HELPER,
  ctxFieldOffset,
  BPF_SOCK_FIELDS,
} from "../vm/program-type.js";
import { TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV, TCP_SYN_RECV } from "../vm/socket.js";
import { BOOL, U16, U32, U64, U8, type Ty } from "./types.js";

const ctxOff = ctxFieldOffset;
const sockOff = (name: string): number => BPF_SOCK_FIELDS.find((f) => f.name === name)!.offset;

export interface CtxFieldInfo {
  readonly offset: number;
  /** Load width in bytes (narrow loads only where the kernel allows them, spec §F). */
  readonly size: 1 | 2 | 4;
  readonly ty: Ty;
  /** Convert from network byte order after the load. */
  readonly be: boolean;
}

export const CTX_FIELDS: ReadonlyMap<string, CtxFieldInfo> = new Map<string, CtxFieldInfo>([
  ["hash", { offset: ctxOff("hash"), size: 4, ty: U32, be: false }],
  ["len", { offset: ctxOff("len"), size: 4, ty: U32, be: false }],
  // skb->protocol is stored in network order; 2-byte loads are allowed at its start (spec §F).
  ["eth_protocol", { offset: ctxOff("eth_protocol"), size: 2, ty: U16, be: true }],
  ["ip_protocol", { offset: ctxOff("ip_protocol"), size: 4, ty: U32, be: false }],
  ["bind_inany", { offset: ctxOff("bind_inany"), size: 4, ty: BOOL, be: false }],
]);

export const CTX_SK_OFFSET = ctxOff("sk");
export const CTX_MIGRATING_OFFSET = ctxOff("migrating_sk");

export interface SockFieldInfo {
  readonly offset: number;
  readonly ty: Ty;
  /** Not readable through a `sock_common` pointer (migrating_sk): bpf_sock_common_is_valid_access. */
  readonly fullSockOnly: boolean;
}

/** `cookie` is special: it is a helper call (bpf_get_socket_cookie, R20), not a load. */
export const SOCK_FIELDS: ReadonlyMap<string, SockFieldInfo> = new Map<string, SockFieldInfo>([
  ["state", { offset: sockOff("state"), ty: U32, fullSockOnly: false }],
  ["family", { offset: sockOff("family"), ty: U32, fullSockOnly: false }],
  ["protocol", { offset: sockOff("protocol"), ty: U32, fullSockOnly: true }],
  ["src_port", { offset: sockOff("src_port"), ty: U32, fullSockOnly: false }],
  ["src_ip4", { offset: sockOff("src_ip4"), ty: U32, fullSockOnly: false }],
  ["dst_ip4", { offset: sockOff("dst_ip4"), ty: U32, fullSockOnly: false }],
]);

export interface BuiltinFn {
  readonly helper: number;
  readonly args: readonly Ty[];
  readonly ret: Ty;
  /** For packet loads: bytes to load; the result is optional (the load can fail). */
  readonly packetBytes?: 1 | 2 | 4;
  readonly doc: string;
}

export const BUILTIN_FNS: ReadonlyMap<string, BuiltinFn> = new Map<string, BuiltinFn>([
  ["cpu", { helper: HELPER.get_smp_processor_id, args: [], ret: U32, doc: "the CPU running the program" }],
  ["numa_node", { helper: HELPER.get_numa_node_id, args: [], ret: U32, doc: "the NUMA node of that CPU" }],
  ["random", { helper: HELPER.get_prandom_u32, args: [], ret: U32, doc: "a pseudo-random u32" }],
  ["now", { helper: HELPER.ktime_get_ns, args: [], ret: U64, doc: "monotonic time in ns" }],
  ["coarse_now", { helper: HELPER.ktime_get_coarse_ns, args: [], ret: U64, doc: "coarse monotonic time in ns" }],
  [
    "packet_u8",
    {
      helper: HELPER.skb_load_bytes,
      args: [U32],
      ret: { k: "opt", inner: U8 },
      packetBytes: 1,
      doc: "a packet byte at an offset from the TCP header",
    },
  ],
  [
    "packet_u16",
    {
      helper: HELPER.skb_load_bytes,
      args: [U32],
      ret: { k: "opt", inner: U16 },
      packetBytes: 2,
      doc: "a big-endian u16 from the packet",
    },
  ],
  [
    "packet_u32",
    {
      helper: HELPER.skb_load_bytes,
      args: [U32],
      ret: { k: "opt", inner: U32 },
      packetBytes: 4,
      doc: "a big-endian u32 from the packet",
    },
  ],
]);

/** Predeclared constants: TCP states as bpf_sock.state reads them (spec §0), map update flags. */
export const BUILTIN_CONSTS: ReadonlyMap<string, { readonly value: bigint; readonly ty: Ty }> = new Map([
  ["ESTABLISHED", { value: BigInt(TCP_ESTABLISHED), ty: U32 }],
  ["SYN_RECV", { value: BigInt(TCP_SYN_RECV), ty: U32 }],
  ["NEW_SYN_RECV", { value: BigInt(TCP_NEW_SYN_RECV), ty: U32 }],
  ["LISTEN", { value: BigInt(TCP_LISTEN), ty: U32 }],
  ["CLOSE", { value: BigInt(TCP_CLOSE), ty: U32 }],
  ["ANY", { value: 0n, ty: U64 }],
  ["NOEXIST", { value: 1n, ty: U64 }],
  ["EXIST", { value: 2n, ty: U64 }],
  ["ETH_P_IP", { value: 0x0800n, ty: U16 }],
  ["ETH_P_IPV6", { value: 0x86ddn, ty: U16 }],
]);

export interface MapKind {
  readonly type: number;
  /** Socket maps hold listeners; the program may only `select` from them (R21). */
  readonly sockets: boolean;
  /** Required key type, if the kernel fixes it (arrays: u32 index). */
  readonly key?: Ty;
}

export const MAP_KINDS: ReadonlyMap<string, MapKind> = new Map<string, MapKind>([
  ["array", { type: BPF_MAP_TYPE_ARRAY, sockets: false, key: U32 }],
  ["hash", { type: BPF_MAP_TYPE_HASH, sockets: false }],
  ["lru_hash", { type: BPF_MAP_TYPE_LRU_HASH, sockets: false }],
  ["reuseport_sockarray", { type: BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, sockets: true, key: U32 }],
  ["sockmap", { type: BPF_MAP_TYPE_SOCKMAP, sockets: true, key: U32 }],
  ["sockhash", { type: BPF_MAP_TYPE_SOCKHASH, sockets: true }],
]);

/** Socket map values are fds from user space; 8 bytes lets user space read cookies back (R22). */
export const SOCKET_VALUE_SIZE = 8;
export const MAX_LOOP_ITERATIONS = 1024;
export const MAX_MAP_ENTRIES = 1 << 20;
