/**
 * A TCP listener group for program tests: socks[] of listening sockets, the hook's selection
 * for a SYN (R10) and the migration decision for a closing listener's request or child (R12
 * with an attach-type-40 program). Queues, handshakes and timers are the socket model's
 * (`baton simulate`); here only the decision is computed. The packet is a SYN as Linux sends
 * it (a 40-byte TCP header: MSS, SACK-permitted, timestamps, window scale), ctx `data` at the
 * TCP header.
 */
import { AF_INET6, IPPROTO_TCP, SOCK_STREAM, TCP_LISTEN, type VmSocket } from "../vm/socket.js";
import { reciprocalScale } from "../model/hash.js";
import {
  LOOPBACK_MAC_V4,
  LOOPBACK_MAC_V6,
  v4RcvSaddr,
  type Address,
  type DatagramAddrs,
  type HookPacket,
} from "../model/udp-packet.js";

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
 * Linux's SYN options: MSS, SACK permitted, timestamps, NOP, window scale 7 (20 bytes). Over
 * loopback (MTU 65536) the MSS and the window are 65495 for IPv4 and 65476 for IPv6 (seen on
 * Linux 6.18 by test/kernel/udp-kernel.test.ts).
 */
const SYN_OPTIONS = [2, 4, 0xff, 0xd7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
const MSS_V4 = 65495;
const MSS_V6 = 65476;

/** A SYN (plus optional data, as with TCP Fast Open) from the IP header on. */
export function synPacket(a: DatagramAddrs, payload: Uint8Array = new Uint8Array(0)): HookPacket {
  const v6 = a.src.family === AF_INET6;
  const ipLen = v6 ? 40 : 20;
  const tcpLen = 20 + SYN_OPTIONS.length;
  const mss = v6 ? MSS_V6 : MSS_V4;
  const b = new Uint8Array(ipLen + tcpLen + payload.length);
  const total = b.length;
  if (v6) {
    const pl = tcpLen + payload.length;
    b.set([0x60, 0, 0, 0, pl >> 8, pl & 0xff, 6, 64], 0);
    b.set(a.src.bytes, 8);
    b.set(a.dst.bytes, 24);
  } else {
    b.set([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 6, 0, 0], 0);
    b.set(a.src.bytes, 12);
    b.set(a.dst.bytes, 16);
  }
  const t = ipLen;
  b.set(
    [
      a.srcPort >> 8,
      a.srcPort & 0xff,
      a.dstPort >> 8,
      a.dstPort & 0xff,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      0,
      (tcpLen / 4) << 4,
      0x02,
      mss >> 8,
      mss & 0xff,
      0,
      0,
      0,
      0,
    ],
    t,
  );
  b.set(SYN_OPTIONS, t + 20);
  b[t + 22] = mss >> 8;
  b[t + 23] = mss & 0xff;
  b.set(payload, t + tcpLen);
  return {
    bytes: b,
    l4Offset: ipLen,
    linearLen: tcpLen + payload.length,
    len: tcpLen + payload.length,
    ethProtocol: v6 ? 0x86dd : 0x0800,
    mac: v6 ? LOOPBACK_MAC_V6 : LOOPBACK_MAC_V4,
  };
}
