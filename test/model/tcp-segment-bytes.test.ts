// TCP segments carry bytes in the program's context: ctx `data` at the TCP header (options as
// ctx `len` says), the payload paged (bpf_skb_load_bytes reaches it, direct access does not),
// eth_protocol by the segment's family, and the empty skb (len 0) at close and in the timer.
// The layout follows what Linux 6.18 showed an sk_reuseport probe over loopback.
import { describe, expect, it } from "vitest";
import { ModelMaps } from "../../src/model/model-maps.js";
import { Netns, type Sysctls } from "../../src/model/netns.js";
import { readsPacket, runtimeProgram, type RuntimeProgram } from "../../src/model/runtime-adapter.js";
import { Flow, type Listener } from "../../src/model/sockets.js";
import { TcpStack } from "../../src/model/stack.js";
import { receiveAck, receiveSyn, requestTimer } from "../../src/model/tcp-input.js";
import { tcpSegment } from "../../src/model/tcp-packet.js";
import { parseAddress } from "../../src/model/udp-packet.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { engineByName } from "../../src/vm/engines.js";
import { decode } from "../../src/vm/isa.js";
import { AF_INET6 } from "../../src/vm/socket.js";

// Stores into map "probe"[0]: the first 4 header bytes (ports), bytes 12–15 (data offset, flags,
// window) when 20 bytes are linear, data_end - data, len, eth_protocol, bpf_skb_load_bytes(32, 4)'s
// result and bytes. Returns SK_PASS without selecting.
const PROBE = `
  mov %r6, %r1
  stw [%r10-4], 0
  mov %r2, %r10
  add %r2, -4
  lddw %r1, map_fd(1)
  call 1
  jeq %r0, 0, out
  mov %r7, %r0
  ldxdw %r2, [%r6+0]
  ldxdw %r3, [%r6+8]
  mov %r5, %r3
  sub %r5, %r2
  stxw [%r7+8], %r5
  mov %r4, %r2
  add %r4, 20
  jgt %r4, %r3, nohdr
  ldxw %r5, [%r2+0]
  stxw [%r7+0], %r5
  ldxw %r5, [%r2+12]
  stxw [%r7+4], %r5
nohdr:
  ldxw %r5, [%r6+16]
  stxw [%r7+12], %r5
  ldxw %r5, [%r6+20]
  stxw [%r7+16], %r5
  mov %r1, %r6
  mov %r2, 32
  mov %r3, %r7
  add %r3, 28
  mov %r4, 4
  call 26
  stxw [%r7+20], %r0
out:
  mov %r0, 1
  exit
`;

interface Probe {
  sport: number;
  dport: number;
  doff: number;
  flags: number;
  window: number;
  linear: number;
  len: number;
  eth: number;
  loadRc: number;
  loaded: string;
}

function probed(p: RuntimeProgram): Probe {
  const hex = p.dumpMaps("t")[0]!.entries[0]!.value as string;
  const b = Buffer.from(hex, "hex");
  return {
    sport: b.readUInt16BE(0),
    dport: b.readUInt16BE(2),
    doff: b[4]! >> 4,
    flags: b[5]!,
    window: b.readUInt16BE(6),
    linear: b.readUInt32LE(8),
    len: b.readUInt32LE(12),
    eth: b.readUInt16BE(16), // __be16 skb->protocol: the two bytes as they are in memory
    loadRc: b.readInt32LE(20),
    loaded: b.subarray(28, 32).toString("hex"),
  };
}

const ADDR = { v4: "127.0.0.1", v6: "::1" } as const;

function world(
  family: "v4" | "v6",
  engine: string,
  sysctls: Partial<Sysctls> = {},
): { st: TcpStack; a: Listener; b: Listener; prog: RuntimeProgram; flow: Flow } {
  const st = new TcpStack(new Netns(sysctls));
  const prog = runtimeProgram(
    {
      name: "probe",
      insns: decode(assemble(PROBE)),
      maps: [{ fd: 1, name: "probe", type: 2, keySize: 4, valueSize: 32, maxEntries: 1 }],
      attachType: 40,
    },
    engineByName(engine),
    1,
    new ModelMaps([], st),
  );
  const addr = parseAddress(ADDR[family], "t");
  const mk = (name: string): Listener => {
    const s = st.socket(name, true, addr.family);
    st.bind(s, addr, 8080);
    st.setDeferAccept(s, 5); // the bare ACK leaves the request in NEW_SYN_RECV
    return s;
  };
  const a = mk("a");
  st.listen(a, 128);
  st.attachProgram(a, prog);
  const b = mk("b");
  const v6 = addr.family === AF_INET6 ? { local: addr.bytes, remote: addr.bytes } : null;
  const flow = new Flow(1, 0x7f000001, 8080, 0x7f000001, 40000, 0x12345678, v6);
  return { st, a, b, prog, flow };
}

describe.each(["interp", "jit"])("segment bytes in the context (%s)", (engine) => {
  for (const family of ["v4", "v6"] as const) {
    const eth = family === "v4" ? 0x0800 : 0x86dd;
    it(`${family}: a SYN shows its TCP header, all linear, and eth_protocol ${eth.toString(16)}`, () => {
      const { st, prog, flow } = world(family, engine);
      expect(receiveSyn(st, flow).kind).toBe("synack");
      expect(probed(prog)).toEqual({
        sport: 40000,
        dport: 8080,
        doff: 10,
        flags: 0x02,
        window: family === "v4" ? 65495 : 65476,
        linear: 40,
        len: 40,
        eth,
        loadRc: 0,
        loaded: "00000000", // TSecr of a SYN
      });
    });

    it(`${family}: the data segment that migrates a request shows ACK|PSH, 32 linear bytes, the payload paged`, () => {
      const { st, a, b, prog, flow } = world(family, engine);
      receiveSyn(st, flow);
      expect(receiveAck(st, flow).kind).toBe("kept"); // deferred bare ACK
      st.listen(b, 128);
      st.close(a);
      const out = receiveAck(st, flow, { dataLen: 5, data: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01) });
      expect(out).toMatchObject({ kind: "queued", listener: b });
      expect(probed(prog)).toMatchObject({
        sport: 40000,
        dport: 8080,
        doff: 8,
        flags: 0x18,
        window: 64,
        linear: 32,
        len: 37,
        eth,
        loadRc: 0,
        loaded: "deadbeef",
      });
    });

    it(`${family}: the SYN-ACK timer migrates with the empty skb: data == data_end, len 0, no eth_protocol`, () => {
      const { st, a, b, prog, flow } = world(family, engine);
      receiveSyn(st, flow);
      st.listen(b, 128);
      st.close(a);
      st.now += 1_000_000;
      expect(requestTimer(st, flow.ehash as never)).toBe(true);
      expect(probed(prog)).toMatchObject({ linear: 0, len: 0, eth: 0, loadRc: -14 });
    });
  }

  it("an IPv4 SYN to a dual-stack listener is an IPv4 segment: eth_protocol ETH_P_IP", () => {
    const st = new TcpStack(new Netns());
    const prog = runtimeProgram(
      {
        name: "probe",
        insns: decode(assemble(PROBE)),
        maps: [{ fd: 1, name: "probe", type: 2, keySize: 4, valueSize: 32, maxEntries: 1 }],
        attachType: 39,
      },
      engineByName(engine),
      1,
      new ModelMaps([], st),
    );
    const s = st.socket("dual", true, AF_INET6);
    st.bind(s, parseAddress("::", "t"), 8080);
    st.listen(s, 16);
    st.attachProgram(s, prog);
    expect(receiveSyn(st, new Flow(1, 0x7f000001, 8080, 0x0a000001, 4000, 1)).kind).toBe("synack");
    expect(probed(prog)).toMatchObject({ sport: 4000, eth: 0x0800, len: 40, linear: 40 });
  });

  it("without timestamps the SYN has 12 option bytes and a data segment none", () => {
    const { st, a, b, prog, flow } = world("v4", engine, { tcp_timestamps: 0 });
    receiveSyn(st, flow);
    expect(probed(prog)).toMatchObject({ doff: 8, linear: 32, len: 32 });
    receiveAck(st, flow);
    st.listen(b, 128);
    st.close(a);
    receiveAck(st, flow, { dataLen: 16 });
    // offset 32 is inside the (zero) payload of a 20-byte header
    expect(probed(prog)).toMatchObject({ doff: 5, flags: 0x18, linear: 20, len: 36, loaded: "00000000" });
  });
});

describe("which programs get bytes", () => {
  it("only a program that reads data, data_end, eth_protocol or calls skb_load_bytes", () => {
    const p = (src: string): boolean => readsPacket(decode(assemble(src)));
    expect(p("mov %r0, 1\nexit")).toBe(false);
    expect(p("ldxw %r2, [%r1+32]\nmov %r0, 1\nexit")).toBe(false); // hash only
    expect(p("ldxdw %r2, [%r1+0]\nmov %r0, 1\nexit")).toBe(true);
    expect(p("ldxw %r2, [%r1+20]\nmov %r0, 1\nexit")).toBe(true);
    expect(p(`mov %r2, 0\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 4\ncall 26\nmov %r0, 1\nexit`)).toBe(true);
  });

  it("a TFO SYN's data is paged, and the checksum field holds the pseudo-header sum (as measured)", () => {
    // Linux 6.18 over loopback, 127.0.0.1 and ::1 to themselves: a 25-byte TFO SYN has len 65
    // and 40 linear bytes; the checksum field of a bare SYN reads fe30 (IPv4) and 0030 (IPv6).
    for (const [a, sum] of [
      ["127.0.0.1", 0xfe30],
      ["::1", 0x0030],
    ] as const) {
      const at = parseAddress(a, "t");
      const spec = { addrs: { src: at, dst: at, srcPort: 5000, dstPort: 8080 }, syn: true, timestamps: true };
      const ids = { isn: 1, ack: 0, tsVal: 1, tsEcr: 0 };
      const tfo = tcpSegment({ ...spec, ...ids, payloadLen: 25 });
      expect([tfo.len, tfo.linearLen]).toEqual([65, 40]);
      const syn = tcpSegment({ ...spec, ...ids, payloadLen: 0 });
      const t = syn.l4Offset;
      expect((syn.bytes[t + 16]! << 8) | syn.bytes[t + 17]!).toBe(sum);
      expect(syn.bytes.length).toBe(t + 40);
    }
  });
});
