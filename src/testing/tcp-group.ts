/**
 * A TCP listener group for program tests: socks[] of listening sockets, the hook's selection
 * for a SYN (R10) and the migration decision for a closing listener's request or child (R12
 * with an attach-type-40 program). Queues, handshakes and timers are the socket model's
 * (`baton simulate`); here only the decision is computed. The packet is a SYN as Linux sends
 * it (a 40-byte TCP header: MSS, SACK-permitted, timestamps, window scale; tcp-packet.ts),
 * ctx `data` at the TCP header.
 */
import { AF_INET6, IPPROTO_TCP, SOCK_STREAM, TCP_LISTEN, type VmSocket } from "../vm/socket.js";
import { reciprocalScale } from "../model/hash.js";
import { tcpSegment } from "../model/tcp-packet.js";
import { v4RcvSaddr, type Address, type DatagramAddrs, type HookPacket } from "../model/udp-packet.js";

export class TcpListener implements VmSocket {
  readonly type = SOCK_STREAM;
  readonly protocol = IPPROTO_TCP;
  readonly family: number;
  state = TCP_LISTEN;
  reuseportGroupId: number | null;
  readonly srcIp6?: Uint8Array;
  closed = false;
  constructor(
    readonly cookie: bigint,
    readonly name: string,
    readonly addr: Address,
    readonly port: number,
    groupId: number,
    readonly bindInany: boolean,
  ) {
    this.family = addr.family;
    this.reuseportGroupId = groupId;
    if (addr.family === AF_INET6) this.srcIp6 = addr.bytes;
  }
  /** sk_rcv_saddr (bpf_sock.src_ip4): see `v4RcvSaddr` (127.0.0.6 for an IPv6 socket on ::1). */
  get srcIp4(): number {
    return v4RcvSaddr(this.addr);
  }
  get srcPort(): number {
    return this.port;
  }
  readonly dstIp4 = 0;
  readonly dstPort = 0;
}

/** A request or child of a closing listener (ctx `migrating_sk`). */
export class MigratingSocket implements VmSocket {
  readonly type = SOCK_STREAM;
  readonly protocol = IPPROTO_TCP;
  readonly reuseportGroupId = null;
  constructor(
    readonly cookie: bigint,
    readonly family: number,
    readonly state: number,
    readonly srcIp4: number,
    readonly srcPort: number,
    readonly dstIp4: number,
    readonly dstPort: number,
  ) {}
}

export class TcpGroup {
  readonly socks: TcpListener[] = [];
  constructor(readonly id: number) {}

  pickByHash(hash: number): TcpListener | null {
    return this.socks.length === 0 ? null : this.socks[reciprocalScale(hash, this.socks.length)]!;
  }

  /** A listener stops: move-last-into-hole (R4 b / R6). */
  remove(sk: TcpListener): void {
    const i = this.socks.indexOf(sk);
    if (i < 0) return;
    const last = this.socks.pop()!;
    if (last !== sk) this.socks[i] = last;
    sk.closed = true;
    sk.state = 7; // TCP_CLOSE
  }
}

/**
 * A SYN (plus optional data, as with TCP Fast Open) from the IP header on, laid out by the
 * socket model's segment builder (Linux's options; the data is paged, as the kernel holds it).
 * Sequence number and TSval are 1.
 */
export function synPacket(a: DatagramAddrs, payload: Uint8Array = new Uint8Array(0)): HookPacket {
  return tcpSegment({
    addrs: a,
    syn: true,
    payloadLen: payload.length,
    payload,
    timestamps: true,
    isn: 1,
    ack: 0,
    tsVal: 1,
    tsEcr: 0,
  });
}
