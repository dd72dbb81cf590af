/**
 * The context a converted classic program runs on: Baton's stand-in for `struct sk_buff` and
 * `struct net_device`. The kernel's converted code reads skb fields at `offsetof(struct
 * sk_buff, f)`, offsets that depend on the kernel's configuration and never reach user
 * space; Baton lays out only the fields bpf_convert_filter reads, at its own offsets below.
 * Likewise the kernel calls internal functions by address (`BPF_EMIT_CALL(fn)`, not helper
 * ids); Baton gives each a call id from -101 down, which no kernel helper uses (and clear of
 * -1, the engines' "no unwind helper" value).
 *
 *   skb (48 bytes, read-only)             net_device (8 bytes, read-only)
 *   0  data       u64 pointer             0 ifindex  u32
 *   8  len        u32 (from data on)      4 type     u16 (ARPHRD_*)
 *   12 data_len   u32 (paged bytes)
 *   16 protocol   __be16
 *   18 queue_mapping u16
 *   20 vlan_tci   u16
 *   22 vlan_proto __be16
 *   24 vlan_all   u32 (0: no tag)
 *   28 mark       u32
 *   32 hash       u32
 *   36 pkt_type   u8 (low 3 bits, as PKT_TYPE_OFFSET on a little-endian bitfield)
 *   40 dev        u64 pointer (0: no device)
 */
export const SKB_SIZE = 48;
export const SKB_DATA = 0;
export const SKB_LEN = 8;
export const SKB_DATA_LEN = 12;
export const SKB_PROTOCOL = 16;
export const SKB_QUEUE_MAPPING = 18;
export const SKB_VLAN_TCI = 20;
export const SKB_VLAN_PROTO = 22;
export const SKB_VLAN_ALL = 24;
export const SKB_MARK = 28;
export const SKB_HASH = 32;
export const SKB_PKT_TYPE = 36;
export const SKB_DEV = 40;
/** PKT_TYPE_MAX: the pkt_type bitfield's mask (3 bits, little-endian bitfield order). */
export const PKT_TYPE_MAX = 7;

export const NETDEV_SIZE = 8;
export const NETDEV_IFINDEX = 0;
export const NETDEV_TYPE = 4;

/** Call ids of the kernel-internal functions converted programs call. */
export const CALL_LOAD_8 = -101; // bpf_skb_load_helper_8(skb, data, headlen, offset)
export const CALL_LOAD_16 = -102; // bpf_skb_load_helper_16
export const CALL_LOAD_32 = -103; // bpf_skb_load_helper_32
export const CALL_RAW_CPU_ID = -104; // bpf_get_raw_cpu_id (SKF_AD_CPU)
export const CALL_USER_RND_U32 = -105; // bpf_user_rnd_u32 (SKF_AD_RANDOM; also get_prandom_u32's body)
export const CALL_PAY_OFFSET = -106; // bpf_skb_get_pay_offset (SKF_AD_PAY_OFFSET)
export const CALL_NLATTR = -107; // bpf_skb_get_nlattr (SKF_AD_NLATTR)
export const CALL_NLATTR_NEST = -108; // bpf_skb_get_nlattr_nest (SKF_AD_NLATTR_NEST)

export const CALL_NAMES: ReadonlyMap<number, string> = new Map([
  [CALL_LOAD_8, "bpf_skb_load_helper_8"],
  [CALL_LOAD_16, "bpf_skb_load_helper_16"],
  [CALL_LOAD_32, "bpf_skb_load_helper_32"],
  [CALL_RAW_CPU_ID, "bpf_get_raw_cpu_id"],
  [CALL_USER_RND_U32, "bpf_user_rnd_u32"],
  [CALL_PAY_OFFSET, "bpf_skb_get_pay_offset"],
  [CALL_NLATTR, "bpf_skb_get_nlattr"],
  [CALL_NLATTR_NEST, "bpf_skb_get_nlattr_nest"],
]);
