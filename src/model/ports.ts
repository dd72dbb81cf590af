/**
 * Who holds each local port, for bind()'s conflict test and the ephemeral-port search: the
 * model's stand-in for the kernel's bind hash (`inet_bind_bucket`, inet_csk_bind_conflict).
 * Per port it keeps the bound sockets without SO_REUSEPORT (a short list: they cannot share an
 * address) and counts of the SO_REUSEPORT ones per address, so both questions cost O(1) in
 * the number of listeners sharing the port. Scanning every socket instead made setting up
 * N listeners O(N²).
 * Addresses of both families compare as inet_rcv_saddr_equal does with wildcards matching:
 * an IPv6 socket on `::` without IPV6_V6ONLY overlaps every IPv4 bind, a v4-mapped bind
 * compares as IPv4.
 * Omitted: the kernel's fastreuse/fastreuseport shortcuts, uids, bound devices, SO_REUSEADDR.
 */
import { AF_INET6 } from "../vm/socket.js";
import type { Listener } from "./sockets.js";

interface PortHolders {
  /** Bound sockets on this port (any address, any flags). */
  count: number;
  /** Bound sockets without SO_REUSEPORT. */
  readonly exclusive: Listener[];
  /**
   * Bound SO_REUSEPORT sockets per bind identity (`bindIdentity`): how many, and one of them
   * to compare addresses with.
   */
  readonly shared: Map<number | string, { n: number; sk: Listener }>;
}

/** What an address conflict depends on: family, address and IPV6_V6ONLY (IPv4 keys stay numbers). */
function bindIdentity(sk: Listener): number | string {
  return sk.family === AF_INET6
    ? `${String(sk.bindKey)}/${sk.anyAddress ? "any" : ""}/${sk.v6only ? 1 : 0}`
    : sk.srcIp4;
}

/** The kind of an IPv6 bind address for `ipv6_rcv_saddr_equal` (an IPv4 socket counts as mapped). */
function v6Kind(sk: Listener): "any" | "mapped" | "other" {
  if (sk.family !== AF_INET6) return "mapped";
  if (sk.anyAddress) return "any";
  return typeof sk.bindKey === "number" ? "mapped" : "other";
}

/** inet_rcv_saddr_equal(a, b, match_wildcard = true): would a bind of `a` overlap `b`'s? */
export function bindOverlaps(a: Listener, b: Listener): boolean {
  if (a.family !== AF_INET6) {
    if (b.v6only) return false;
    // b's sk_rcv_saddr: an IPv6 socket on a non-mapped address has 127.0.0.6 there.
    return a.srcIp4 === b.srcIp4 || a.srcIp4 === 0 || (b.srcIp4 === 0 && (b.family !== AF_INET6 || b.anyAddress));
  }
  const ka = v6Kind(a);
  const kb = v6Kind(b);
  if (ka === "mapped" && kb === "mapped") {
    if (b.v6only) return false;
    return a.srcIp4 === b.srcIp4 || a.srcIp4 === 0 || b.srcIp4 === 0;
  }
  if (ka === "any" && kb === "any") return true;
  if (kb === "any" && !(b.v6only && ka === "mapped")) return true;
  if (ka === "any" && !(a.v6only && kb === "mapped")) return true;
  return b.family === AF_INET6 && a.bindKey === b.bindKey;
}

export class PortTable {
  private readonly ports = new Map<number, PortHolders>();

  /** Some socket is bound to `port`. */
  inUse(port: number): boolean {
    return this.ports.has(port);
  }

  /**
   * The bound socket that binding `sk` (its address already set) to `port` would clash with,
   * or null. A clash is an overlapping address unless both sockets set SO_REUSEPORT. The
   * SO_REUSEPORT holders are compared once per distinct address, not once per socket.
   */
  clash(sk: Listener, port: number): Listener | null {
    const h = this.ports.get(port);
    if (h === undefined) return null;
    for (const o of h.exclusive) if (o !== sk && bindOverlaps(sk, o)) return o;
    if (sk.reuseport) return null;
    for (const e of h.shared.values()) if (bindOverlaps(sk, e.sk)) return e.sk;
    return null;
  }

  /** sk was bound to its address and srcPort. */
  add(sk: Listener): void {
    let h = this.ports.get(sk.srcPort);
    if (h === undefined) this.ports.set(sk.srcPort, (h = { count: 0, exclusive: [], shared: new Map() }));
    h.count++;
    if (!sk.reuseport) h.exclusive.push(sk);
    else {
      const id = bindIdentity(sk);
      const e = h.shared.get(id);
      if (e === undefined) h.shared.set(id, { n: 1, sk });
      else e.n++;
    }
  }

  /** sk released its port. */
  remove(sk: Listener): void {
    const h = this.ports.get(sk.srcPort);
    if (h === undefined) return;
    if (!sk.reuseport) {
      const i = h.exclusive.indexOf(sk);
      if (i < 0) return;
      h.exclusive.splice(i, 1);
    } else {
      const id = bindIdentity(sk);
      const e = h.shared.get(id);
      if (e === undefined) return;
      if (e.n === 1) h.shared.delete(id);
      else e.n--; // the representative may be sk: its address (all `bindOverlaps` reads) stays as it was
    }
    if (--h.count === 0) this.ports.delete(sk.srcPort);
  }
}
