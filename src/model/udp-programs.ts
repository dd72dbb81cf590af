/**
 * Programs for UDP groups: an eBPF sk_reuseport program on the VM runtime (with the datagram's
 * bytes in the context) and a classic one (SO_ATTACH_REUSEPORT_CBPF) on the cbpf module.
 * The kernel runs a classic filter after pulling skb->data past the UDP header
 * (run_bpf_filter's pskb_pull), so its offset 0 is the payload; an eBPF program's `data` is
 * the UDP header.
 */
import type { ClassicPacket } from "../vm/cbpf/packet.js";
import type { ClassicProgram } from "../vm/cbpf/program.js";
import type { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import type { MapTable } from "../vm/maps/table.js";
import type { UdpProgram, UdpSelectInput, UdpSocket, UdpVerdict } from "./udp.js";

const SK_PASS = 1;

/** An eBPF program on the VM runtime, whose maps (`maps`) forget sockets as they close. */
export function ebpfUdpProgram(
  name: string,
  attachType: number,
  runtime: SkReuseportRuntime,
  maps: MapTable,
): UdpProgram {
  return {
    attachType,
    name,
    select(i: UdpSelectInput): UdpVerdict {
      const p = i.packet;
      const r = runtime.select({
        sk: i.sk,
        migratingSk: null,
        hash: i.hash,
        packet: p.bytes,
        l4Offset: p.l4Offset,
        linearLen: p.linearLen,
        len: p.len,
        ethProtocol: p.ethProtocol,
        mac: p.mac,
        bindInany: i.group.bindInany,
        cpu: i.cpu,
      });
      if (r.ret !== SK_PASS) return { kind: "drop", ret: r.ret };
      return r.selected === null ? { kind: "pass" } : { kind: "selected", socket: r.selected };
    },
    socketClosed(sk: UdpSocket): void {
      maps.closeSocket(sk);
    },
  };
}

/** The skb a classic filter sees for a datagram: a zero Ethernet header (loopback), skb->data at the payload. */
export function classicPacketOf(i: UdpSelectInput): ClassicPacket {
  const p = i.packet;
  const eth = 14;
  const bytes = new Uint8Array(eth + p.bytes.length);
  bytes[12] = p.ethProtocol >> 8;
  bytes[13] = p.ethProtocol & 0xff;
  bytes.set(p.bytes, eth);
  const pagedLen = p.len - p.linearLen;
  return {
    bytes,
    macOffset: 0,
    networkOffset: eth,
    dataOffset: eth + p.l4Offset + 8,
    pagedLen,
    protocol: p.ethProtocol,
    hash: i.hash,
    cpu: i.cpu,
    // SKF_AD_PAY_OFFSET as the kernel gives it for a datagram (reuseport-packets.ts): the UDP length.
    payOffset: p.len,
  };
}

export function classicUdpProgram(name: string, prog: ClassicProgram): UdpProgram {
  return {
    attachType: 0,
    name,
    select(i: UdpSelectInput): UdpVerdict {
      return { kind: "index", index: prog.run(classicPacketOf(i)) };
    },
  };
}
