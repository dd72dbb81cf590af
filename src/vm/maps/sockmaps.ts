/**
 * Socket maps: REUSEPORT_SOCKARRAY (kernel/bpf/reuseport_array.c, R22), SOCKMAP and SOCKHASH
 * (net/core/sock_map.c). They hold `VmSocket` references; user space passes a socket (the fd
 * in the kernel) to update and reads the socket's cookie back from lookup.
 *
 * Omitted: the psock machinery of sockmap/sockhash (verdict/parser programs, redirects);
 * sockets here are only containers for `sk_select_reuseport` (R21). RCU-freed sockets and
 * sk_user_data owners other than sockarrays are not modelled.
 */
import type { AddressSpace } from "../memory.js";
import { MapBase } from "./map-base.js";
import type { MapSpec } from "../map-spec.js";
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  TCP_ESTABLISHED,
  TCP_LISTEN,
  type VmSocket,
} from "../socket.js";
import { E2BIG, EBUSY, EEXIST, EINVAL, ENOENT, ENOSPC, ENOTSUPP, EOPNOTSUPP } from "./errno.js";
import { BPF_EXIST, BPF_NOEXIST, type JsKey, jsKey, readU32, type SocketMap, u32Key, u64Bytes } from "./types.js";

/**
 * Who owns a socket's sk_user_data: a sockarray stores itself there, sockmap/sockhash store
 * the socket's psock (shared by all their entries). So a socket is in at most one sockarray,
 * and never in a sockarray and a sockmap/sockhash at once (-EBUSY either way; checked
 * against Linux 6.18).
 */
const sockarrayOwner = new WeakMap<VmSocket, SockArrayBase>();
/** Number of sockmap/sockhash entries holding a socket (its psock's links). */
const psockLinks = new WeakMap<VmSocket, number>();

function link(sk: VmSocket): void {
  psockLinks.set(sk, (psockLinks.get(sk) ?? 0) + 1);
}
function unlink(sk: VmSocket | null | undefined): void {
  if (sk === null || sk === undefined) return;
  const n = (psockLinks.get(sk) ?? 0) - 1;
  if (n > 0) psockLinks.set(sk, n);
  else psockLinks.delete(sk);
}

abstract class SockMapBase extends MapBase {
  readonly kind = "socket";

  abstract lookupSocket(bytes: Uint8Array, off: number): VmSocket | null;

  lookupCookie(key: Uint8Array): bigint | number {
    // bpf_fd_reuseport_array_lookup_elem / sock_map_lookup_sys: the cookie needs a u64
    // value, checked before the entry (an empty slot of a 4-byte map is -ENOSPC too).
    if (this.valueSize !== 8) return -ENOSPC;
    const sk = this.lookupSocket(key, 0);
    if (sk === null) return -ENOENT;
    return sk.cookie;
  }

  lookup(key: Uint8Array): Uint8Array | number {
    const c = this.lookupCookie(key);
    return typeof c === "bigint" ? u64Bytes(c) : c;
  }
}

/** Index-keyed socket slots shared by sockarray and sockmap. */
abstract class SockArrayBase extends SockMapBase {
  protected readonly slots: (VmSocket | null)[];

  constructor(spec: MapSpec, mem: AddressSpace) {
    super(spec, mem);
    this.slots = new Array<VmSocket | null>(spec.maxEntries).fill(null);
  }

  lookupSocket(bytes: Uint8Array, off: number): VmSocket | null {
    const i = readU32(bytes, off);
    return i < this.maxEntries ? this.slots[i]! : null;
  }

  getNextKey(key: Uint8Array | null): Uint8Array | number {
    const i = key === null ? this.maxEntries : readU32(key, 0);
    if (i >= this.maxEntries) return u32Key(0);
    if (i === this.maxEntries - 1) return -ENOENT;
    return u32Key(i + 1);
  }

  removeSocket(sk: VmSocket): void {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] === sk) this.clear(i);
  }

  protected clear(i: number): void {
    const old = this.slots[i];
    if (old !== null && old !== undefined) {
      if (sockarrayOwner.get(old) === this) sockarrayOwner.delete(old);
      else unlink(old);
    }
    this.slots[i] = null;
  }
}

export class ReuseportSockArray extends SockArrayBase implements SocketMap {
  updateSocket(key: Uint8Array, sk: VmSocket, flags: number): number {
    // reuseport_array_update_elem + reuseport_array_update_check (R22), in the kernel's order.
    if (flags > BPF_EXIST || flags < 0) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    const osk = this.slots[i]!;
    if (osk !== null && flags === BPF_NOEXIST) return -EEXIST;
    if (osk === null && flags === BPF_EXIST) return -ENOENT;
    if (sk.protocol !== IPPROTO_UDP && sk.protocol !== IPPROTO_TCP) return -ENOTSUPP;
    if (sk.family !== AF_INET && sk.family !== AF_INET6) return -ENOTSUPP;
    if (sk.type !== SOCK_STREAM && sk.type !== SOCK_DGRAM) return -ENOTSUPP;
    // Must be hashed (TCP: listening) and in a reuseport group.
    const hashed = sk.protocol === IPPROTO_TCP ? sk.state === TCP_LISTEN : sk.reuseportGroupId !== null;
    if (!hashed || sk.reuseportGroupId === null) return -EINVAL;
    if (sockarrayOwner.has(sk) || psockLinks.has(sk)) return -EBUSY;
    this.clear(i);
    this.slots[i] = sk;
    sockarrayOwner.set(sk, this);
    return 0;
  }

  delete(key: Uint8Array): number {
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (this.slots[i] === null) return -ENOENT;
    this.clear(i);
    return 0;
  }
}

/**
 * sock_map.c:sock_map_sk_is_suitable + sock_map_sk_state_allowed: TCP sockets must be
 * ESTABLISHED or LISTEN, UDP sockets hashed (bound). VmSocket has no "bound" flag, so a UDP
 * socket counts as hashed when it is in a reuseport group or has a local port.
 */
function sockMapSuitable(sk: VmSocket): boolean {
  if (sk.family !== AF_INET && sk.family !== AF_INET6) return false;
  if (sk.protocol === IPPROTO_TCP)
    return sk.type === SOCK_STREAM && (sk.state === TCP_ESTABLISHED || sk.state === TCP_LISTEN);
  return sk.protocol === IPPROTO_UDP && sk.type === SOCK_DGRAM && (sk.reuseportGroupId !== null || sk.srcPort !== 0);
}

export class SockMap extends SockArrayBase implements SocketMap {
  updateSocket(key: Uint8Array, sk: VmSocket, flags: number): number {
    // sock_map_update_elem_sys (suitability) → sock_map_update_common (flags, index, …);
    // the order is checked against Linux 6.18.
    if (!sockMapSuitable(sk)) return -EOPNOTSUPP;
    if (flags > BPF_EXIST || flags < 0) return -EINVAL;
    const i = readU32(key, 0);
    if (i >= this.maxEntries) return -E2BIG;
    if (sockarrayOwner.has(sk)) return -EBUSY; // sk_user_data taken (sk_psock_init)
    const osk = this.slots[i]!;
    if (osk !== null && flags === BPF_NOEXIST) return -EEXIST;
    if (osk === null && flags === BPF_EXIST) return -ENOENT;
    link(sk);
    this.clear(i);
    this.slots[i] = sk;
    return 0;
  }

  delete(key: Uint8Array): number {
    // sock_map_delete_elem: out of range and empty slots are both -EINVAL.
    const i = readU32(key, 0);
    if (i >= this.maxEntries || this.slots[i] === null) return -EINVAL;
    this.clear(i);
    return 0;
  }
}

export class SockHash extends SockMapBase implements SocketMap {
  private readonly entries = new Map<JsKey, { key: Uint8Array; sk: VmSocket }>();

  lookupSocket(bytes: Uint8Array, off: number): VmSocket | null {
    return this.entries.get(jsKey(bytes, off, this.keySize))?.sk ?? null;
  }

  updateSocket(key: Uint8Array, sk: VmSocket, flags: number): number {
    // sock_map_update_elem_sys (suitability) → sock_hash_update_common (flags, …).
    if (!sockMapSuitable(sk)) return -EOPNOTSUPP;
    if (flags > BPF_EXIST || flags < 0) return -EINVAL;
    if (sockarrayOwner.has(sk)) return -EBUSY;
    const k = jsKey(key, 0, this.keySize);
    const old = this.entries.get(k);
    if (old !== undefined && flags === BPF_NOEXIST) return -EEXIST;
    if (old === undefined && flags === BPF_EXIST) return -ENOENT;
    if (old === undefined && this.entries.size >= this.maxEntries) return -E2BIG;
    link(sk);
    unlink(old?.sk);
    this.entries.set(k, { key: key.slice(0, this.keySize), sk });
    return 0;
  }

  delete(key: Uint8Array): number {
    const k = jsKey(key, 0, this.keySize);
    const old = this.entries.get(k);
    if (old === undefined) return -ENOENT;
    unlink(old.sk);
    this.entries.delete(k);
    return 0;
  }

  getNextKey(key: Uint8Array | null): Uint8Array | number {
    const want = key === null ? undefined : jsKey(key, 0, this.keySize);
    let found = want === undefined || !this.entries.has(want);
    for (const [k, e] of this.entries) {
      if (found) return e.key.slice();
      if (k === want) found = true;
    }
    return -ENOENT;
  }

  removeSocket(sk: VmSocket): void {
    for (const [k, e] of this.entries) {
      if (e.sk !== sk) continue;
      unlink(sk);
      this.entries.delete(k);
    }
  }
}
