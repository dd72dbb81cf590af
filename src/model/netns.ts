/**
 * A network namespace's TCP knobs and counters, as the model reads and bumps them.
 * Sysctls are re-read on every use (R12 step 4: "checked again on every attempt").
 * Counters carry the kernel's /proc names (TcpExt from /proc/net/netstat, `OutRsts` from
 * Tcp in /proc/net/snmp) so a real run's deltas compare field by field.
 * Omitted: every sysctl the migration rules do not read (tcp_max_syn_backlog is not
 * modelled: the SYN queue is bounded by the listener backlog, as with syncookies on).
 */
import { ModelError } from "../errors.js";

export interface Sysctls {
  /** net.ipv4.tcp_migrate_req, 0 or 1 (spec §0). */
  tcp_migrate_req: number;
  /** net.ipv4.tcp_synack_retries (R15 step 3). */
  tcp_synack_retries: number;
  /** net.ipv4.tcp_syn_retries: the client's SYN retransmissions before it gives up. */
  tcp_syn_retries: number;
  /** net.core.somaxconn: listen() caps its backlog at this. */
  somaxconn: number;
  /** net.ipv4.tcp_fastopen bit mask: 0x2 server enable, 0x200 no cookie needed. */
  tcp_fastopen: number;
  /** net.ipv4.tcp_abort_on_overflow (R16). */
  tcp_abort_on_overflow: number;
  /** net.ipv4.tcp_syncookies: 0 off, 1 when the SYN queue is full, 2 always. */
  tcp_syncookies: number;
  /** net.ipv4.tcp_timestamps: non-zero puts the 12-byte timestamp option in every segment (ctx `len`). */
  tcp_timestamps: number;
}

export const DEFAULT_SYSCTLS: Readonly<Sysctls> = {
  tcp_migrate_req: 0,
  tcp_synack_retries: 5,
  tcp_syn_retries: 6,
  somaxconn: 4096,
  tcp_fastopen: 1,
  tcp_abort_on_overflow: 0,
  tcp_syncookies: 1,
  tcp_timestamps: 1,
};

/** Allowed ranges, as the kernel's proc handlers enforce them. */
const SYSCTL_RANGES: Readonly<Record<keyof Sysctls, readonly [number, number]>> = {
  tcp_migrate_req: [0, 1],
  tcp_synack_retries: [0, 255],
  tcp_syn_retries: [1, 127],
  somaxconn: [0, 2147483647],
  tcp_fastopen: [0, 2147483647],
  tcp_abort_on_overflow: [0, 1],
  tcp_syncookies: [0, 2],
  tcp_timestamps: [0, 2],
};

export const SYSCTL_NAMES = Object.keys(DEFAULT_SYSCTLS) as (keyof Sysctls)[];

export function isSysctlName(name: string): name is keyof Sysctls {
  return Object.prototype.hasOwnProperty.call(DEFAULT_SYSCTLS, name);
}

export function sysctlRange(name: keyof Sysctls): readonly [number, number] {
  return SYSCTL_RANGES[name];
}

/** The counters, named as in /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp OutRsts). */
export interface Counters {
  TCPMigrateReqSuccess: number;
  TCPMigrateReqFailure: number;
  ListenOverflows: number;
  ListenDrops: number;
  TCPReqQFullDoCookies: number;
  TCPReqQFullDrop: number;
  TCPDeferAcceptDrop: number;
  EmbryonicRsts: number;
  TCPFastOpenPassive: number;
  TCPFastOpenListenOverflow: number;
  SyncookiesSent: number;
  SyncookiesRecv: number;
  OutRsts: number;
}

export const COUNTER_NAMES: readonly (keyof Counters)[] = [
  "TCPMigrateReqSuccess",
  "TCPMigrateReqFailure",
  "ListenOverflows",
  "ListenDrops",
  "TCPReqQFullDoCookies",
  "TCPReqQFullDrop",
  "TCPDeferAcceptDrop",
  "EmbryonicRsts",
  "TCPFastOpenPassive",
  "TCPFastOpenListenOverflow",
  "SyncookiesSent",
  "SyncookiesRecv",
  "OutRsts",
];

export function zeroCounters(): Counters {
  const c = {} as Counters;
  for (const n of COUNTER_NAMES) c[n] = 0;
  return c;
}

export class Netns {
  readonly sysctl: Sysctls;
  readonly counters: Counters = zeroCounters();

  constructor(sysctls: Partial<Sysctls> = {}) {
    this.sysctl = { ...DEFAULT_SYSCTLS };
    for (const [k, v] of Object.entries(sysctls)) {
      if (v !== undefined) this.setSysctl(k, v);
    }
  }

  /** `sysctl -w`: rejects unknown names and out-of-range values like the proc handler (EINVAL). */
  setSysctl(name: string, value: number): void {
    if (!isSysctlName(name)) {
      throw new ModelError(
        "model.sysctl-unknown",
        `unknown sysctl '${name}'; expected one of ${SYSCTL_NAMES.join(", ")}`,
      );
    }
    const [lo, hi] = SYSCTL_RANGES[name];
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new ModelError(
        "model.sysctl-range",
        `sysctl ${name}: expected an integer from ${lo} to ${hi}, got ${value}`,
      );
    }
    this.sysctl[name] = value;
  }
}
