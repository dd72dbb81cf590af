/**
 * Who holds each local port, for bind()'s conflict test and the ephemeral-port search: the
 * model's stand-in for the kernel's bind hash (`inet_bind_bucket`, inet_csk_bind_conflict).
 * Per port it keeps the bound sockets without SO_REUSEPORT (a short list: they cannot share an
 * address) and counts of the SO_REUSEPORT ones per address, so both questions cost O(1) in
 * the number of listeners sharing the port. Scanning every socket instead made setting up
 * N listeners O(N²).
 * Omitted: the kernel's fastreuse/fastreuseport shortcuts, uids, bound devices, SO_REUSEADDR.
 */
import type { Listener } from "./sockets.js";

interface PortHolders {
  /** Bound sockets on this port (any address, any flags). */
  count: number;
  /** Bound sockets without SO_REUSEPORT. */
  readonly exclusive: Listener[];
  /** Bound SO_REUSEPORT sockets per address (0 = INADDR_ANY). */
  readonly shared: Map<number, number>;
  sharedTotal: number;
}

/** Addresses overlap when equal or when either is INADDR_ANY. */
function overlaps(a: number, b: number): boolean {
  return a === b || a === 0 || b === 0;
}

export class PortTable {
  private readonly ports = new Map<number, PortHolders>();

  /** Some socket is bound to `port`. */
  inUse(port: number): boolean {
    return this.ports.has(port);
  }

  /**
   * Would binding (ip, port) clash with a bound socket? It does when the addresses overlap,
   * unless both sockets set SO_REUSEPORT.
   */
  clashes(ip: number, port: number, reuseport: boolean): boolean {
    const h = this.ports.get(port);
    if (h === undefined) return false;
    for (const o of h.exclusive) if (overlaps(o.srcIp4, ip)) return true;
    if (reuseport) return false;
    if (ip === 0) return h.sharedTotal > 0;
    return (h.shared.get(ip) ?? 0) + (h.shared.get(0) ?? 0) > 0;
  }

  /** sk was bound to its (srcIp4, srcPort). */
  add(sk: Listener): void {
    let h = this.ports.get(sk.srcPort);
    if (h === undefined)
      this.ports.set(sk.srcPort, (h = { count: 0, exclusive: [], shared: new Map(), sharedTotal: 0 }));
    h.count++;
    if (!sk.reuseport) h.exclusive.push(sk);
    else {
      h.shared.set(sk.srcIp4, (h.shared.get(sk.srcIp4) ?? 0) + 1);
      h.sharedTotal++;
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
      const n = h.shared.get(sk.srcIp4) ?? 0;
      if (n === 0) return;
      if (n === 1) h.shared.delete(sk.srcIp4);
      else h.shared.set(sk.srcIp4, n - 1);
      h.sharedTotal--;
    }
    if (--h.count === 0) this.ports.delete(sk.srcPort);
  }
}
