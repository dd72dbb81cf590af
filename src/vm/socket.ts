/**
 * The socket interface that maps and helpers need. The VM defines it and the socket model
 * implements it; the VM never imports the model. Tests and the CLI may use `StaticSocket`.
 */

/** TCP states as `bpf_sock.state` reports them (BPF_TCP_*, spec §0). */
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_RECV = 3;
export const TCP_CLOSE = 7;
export const TCP_LISTEN = 10;
export const TCP_NEW_SYN_RECV = 12;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface VmSocket {
  /** `bpf_get_socket_cookie`: unique, non-zero, stable for the socket's life. */
  readonly cookie: bigint;
  readonly family: number;
  readonly type: number;
  readonly protocol: number;
  /** BPF_TCP_* state, read at the moment of the access. */
  readonly state: number;
  /** The reuseport group id the socket belongs to now, or null (unhashed / detached). */
  readonly reuseportGroupId: number | null;
  /** Host-order IPv4 addresses and ports (the context builder converts to the kernel's byte order). */
  readonly srcIp4: number;
  readonly srcPort: number;
  readonly dstIp4: number;
  readonly dstPort: number;
  /** Listening sockets: the group's bind_inany. */
  readonly bindInany?: boolean;
  /** IPv6 sockets: local and peer addresses, 16 bytes in network order (absent: all zero). */
  readonly srcIp6?: Uint8Array;
  readonly dstIp6?: Uint8Array;
}

/** A plain socket value, for tests and the CLI (no model behind it). */
export class StaticSocket implements VmSocket {
  constructor(
    readonly cookie: bigint,
    public state: number = TCP_LISTEN,
    public reuseportGroupId: number | null = 1,
    readonly family: number = AF_INET,
    readonly type: number = SOCK_STREAM,
    readonly protocol: number = IPPROTO_TCP,
    readonly srcIp4: number = 0x7f000001,
    readonly srcPort: number = 0,
    readonly dstIp4: number = 0,
    readonly dstPort: number = 0,
  ) {}
}
