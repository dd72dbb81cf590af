import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { ETH_P_IP, ETH_P_IPV6, ReuseportContext } from "../../src/vm/context.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { BPF_SOCK_FIELDS, BPF_SOCK_SIZE, SK_REUSEPORT, SK_REUSEPORT_CTX_FIELDS } from "../../src/vm/program-type.js";
import { AF_INET6, StaticSocket, TCP_CLOSE, TCP_ESTABLISHED, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";

/** Read `size` bytes at `offset` as a little-endian unsigned number (what a load sees). */
function load(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i]!);
  return v;
}
const ctxField = (c: ReuseportContext, name: string, size?: number): bigint => {
  const f = SK_REUSEPORT_CTX_FIELDS.find((x) => x.name === name)!;
  return load(c.ctx.bytes, f.offset, size ?? f.size);
};
const sockField = (bytes: Uint8Array, name: string): bigint => {
  const f = BPF_SOCK_FIELDS.find((x) => x.name === name)!;
  return load(bytes, f.offset, f.size);
};
const addr = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

// listener 10.0.0.1:8080 (a listener's "dst" is unset: 0)
const listener = new StaticSocket(0x1234n, TCP_CLOSE, 1, 2, 1, 6, 0x0a000001, 8080, 0, 0);
// child 10.0.0.1:8080 ← 192.168.1.2:40000
const child = new StaticSocket(0x99n, TCP_ESTABLISHED, null, 2, 1, 6, 0x0a000001, 8080, 0xc0a80102, 40000);

describe("struct sk_reuseport_md", () => {
  it("has the regions the spec names: 56-byte ctx, 80-byte read-only bpf_sock views", () => {
    const c = new ReuseportContext(new AddressSpace());
    expect(c.ctx.size).toBe(SK_REUSEPORT.ctxSize);
    expect(c.ctx.writable).toBe(false);
    expect(c.skView.size).toBe(BPF_SOCK_SIZE);
    expect(c.migratingView.writable).toBe(false);
    expect(c.packet.writable).toBe(false);
  });

  it("new connection: every field at its offset, migrating_sk NULL", () => {
    const c = new ReuseportContext(new AddressSpace());
    const pkt = new Uint8Array(60);
    c.fill({ sk: listener, migratingSk: null, hash: 0xcafef00d, packet: pkt, l4Offset: 20, bindInany: true });
    // [field, expected value]
    const want: [string, bigint][] = [
      ["data", addr(c.packet.id, 20)],
      ["data_end", addr(c.packet.id, 60)],
      ["len", 40n],
      ["eth_protocol", 0x0008n], // 0x0800 in network order, as a u32 load sees it
      ["ip_protocol", 6n],
      ["bind_inany", 1n],
      ["hash", 0xcafef00dn],
      ["sk", addr(c.skView.id, 0)],
      ["migrating_sk", 0n],
    ];
    for (const [name, v] of want) expect([name, ctxField(c, name)]).toEqual([name, v]);
    expect(ctxField(c, "eth_protocol", 2)).toBe(0x0008n);
    expect(ctxField(c, "len", 1)).toBe(40n);
    expect(load(c.ctx.bytes, 36, 4)).toBe(0n); // padding
  });

  it("migration: empty skb (data == data_end, len 0, eth_protocol 0), migrating_sk points at the child", () => {
    const c = new ReuseportContext(new AddressSpace());
    c.fill({ sk: listener, migratingSk: child, hash: 7 });
    expect(ctxField(c, "data")).toBe(ctxField(c, "data_end"));
    expect(ctxField(c, "len")).toBe(0n);
    expect(ctxField(c, "eth_protocol")).toBe(0n);
    expect(ctxField(c, "bind_inany")).toBe(0n);
    expect(ctxField(c, "migrating_sk")).toBe(addr(c.migratingView.id, 0));
  });

  it("bpf_sock views use the kernel's byte orders", () => {
    const c = new ReuseportContext(new AddressSpace());
    c.fill({ sk: listener, migratingSk: child, hash: 7 });
    const m = c.migratingView.bytes;
    const want: [string, bigint][] = [
      ["bound_dev_if", 0n],
      ["family", 2n],
      ["type", 1n],
      ["protocol", 6n],
      ["mark", 0n],
      ["priority", 0n],
      ["src_ip4", 0x0100000an], // 10.0.0.1 in network order
      ["src_ip6", 0n],
      ["src_port", 8080n], // host order
      ["dst_port", 0x409cn], // 40000 = 0x9c40, network order in the low 16 bits
      ["dst_ip4", 0x0201a8c0n], // 192.168.1.2
      ["dst_ip6", 0n],
      ["state", 1n],
      ["rx_queue_mapping", 0xffffffffn],
    ];
    for (const [name, v] of want) expect([name, sockField(m, name)]).toEqual([name, v]);
    expect(sockField(c.skView.bytes, "state")).toBe(7n);
    expect(sockField(c.skView.bytes, "dst_ip4")).toBe(0n);
  });

  it("reuses its regions across runs and re-reads the state of the same socket", () => {
    const mem = new AddressSpace();
    const c = new ReuseportContext(mem);
    const n = mem.regions.length;
    const req = new StaticSocket(5n, TCP_NEW_SYN_RECV, null);
    c.fill({ sk: listener, migratingSk: req, hash: 1 });
    req.state = TCP_ESTABLISHED;
    c.fill({ sk: listener, migratingSk: req, hash: 2 });
    expect(sockField(c.migratingView.bytes, "state")).toBe(1n);
    c.fill({ sk: listener, migratingSk: null, hash: 3 });
    expect(ctxField(c, "migrating_sk")).toBe(0n);
    expect(mem.regions.length).toBe(n);
  });

  it("defaults: eth_protocol by family for a non-empty packet; explicit values win", () => {
    const c = new ReuseportContext(new AddressSpace());
    const v6 = new StaticSocket(3n, 10, 1, AF_INET6);
    c.fill({ sk: v6, migratingSk: null, hash: 0, packet: new Uint8Array(4) });
    expect(ctxField(c, "eth_protocol")).toBe(BigInt(((ETH_P_IPV6 & 0xff) << 8) | (ETH_P_IPV6 >> 8)));
    c.fill({
      sk: v6,
      migratingSk: null,
      hash: 0,
      packet: new Uint8Array(4),
      ethProtocol: ETH_P_IP,
      ipProtocol: 17,
      len: 1500,
    });
    expect(ctxField(c, "eth_protocol")).toBe(0x0008n);
    expect(ctxField(c, "ip_protocol")).toBe(17n);
    expect(ctxField(c, "len")).toBe(1500n);
  });

  it("an l4Offset past the packet is an InputError", () => {
    const c = new ReuseportContext(new AddressSpace());
    expect(() =>
      c.fill({ sk: listener, migratingSk: null, hash: 0, packet: new Uint8Array(10), l4Offset: 11 }),
    ).toThrow(InputError);
    expect(() =>
      c.fill({ sk: listener, migratingSk: null, hash: 0, packet: new Uint8Array(10), l4Offset: 11 }),
    ).toThrow("l4Offset 11 is outside the 10-byte packet; expected 0..10");
  });

  it("ctx sk has two views: alternating sockets keep theirs (pointer, bytes, cookie); a third replaces the older", () => {
    const c = new ReuseportContext(new AddressSpace());
    const a = new StaticSocket(0xan, TCP_CLOSE, 1, 2, 1, 6, 0x0a000001, 8080, 0, 0);
    const b = new StaticSocket(0xbn, TCP_CLOSE, 1, 2, 1, 6, 0x0a000002, 9090, 0, 0);
    const third = new StaticSocket(0xcn, TCP_CLOSE, 1, 2, 1, 17, 0x0a000003, 7070, 0, 0);
    const skPtr = (): bigint => ctxField(c, "sk");
    c.fillArgs(a, null, 1, 0, false);
    const pa = skPtr();
    const viewA = c.skView;
    c.fillArgs(b, child, 2, 0, false);
    const pb = skPtr();
    const viewB = c.skView;
    expect(pb).not.toBe(pa); // two sockets, two pointers, as in the kernel
    for (let i = 0; i < 3; i++) {
      c.fillArgs(a, null, 3, 0, false);
      expect([skPtr(), c.skView, c.sk, c.migratingSk]).toEqual([pa, viewA, a, null]);
      expect(sockField(c.skView.bytes, "src_port")).toBe(8080n);
      c.fill({ sk: b, migratingSk: child, hash: 4 });
      expect([skPtr(), c.skView, c.sk, c.migratingSk]).toEqual([pb, viewB, b, child]);
      expect(sockField(c.skView.bytes, "src_port")).toBe(9090n);
    }
    // b was used last: the third socket takes a's view, and ip_protocol follows the socket.
    c.fillArgs(third, null, 5, 0, false);
    expect([skPtr(), c.sk, ctxField(c, "ip_protocol")]).toEqual([pa, third, 17n]);
    expect(sockField(c.skView.bytes, "src_port")).toBe(7070n);
    c.fillArgs(b, null, 6, 0, false);
    expect([skPtr(), c.sk, ctxField(c, "ip_protocol")]).toEqual([pb, b, 6n]);
  });

  it("a socket view's cookie is converted once and kept while the view shows that socket", () => {
    let reads = 0;
    const counted = (cookie: bigint): StaticSocket =>
      Object.defineProperty(new StaticSocket(0n), "cookie", {
        get: () => {
          reads++;
          return cookie;
        },
      });
    const a = counted(0x1_0000_0002n);
    const b = counted(7n);
    const c = new ReuseportContext(new AddressSpace());
    const cookieOf = (): [number, number] => {
      const v = c.viewAt(c.skView.id)!;
      v.cookieHalves();
      return [v.cookieLo, v.cookieHi];
    };
    for (let i = 0; i < 4; i++) {
      c.fillArgs(a, null, 0, 0, false);
      expect(cookieOf()).toEqual([2, 1]);
      c.fillArgs(b, null, 0, 0, false);
      expect(cookieOf()).toEqual([7, 0]);
    }
    expect(reads).toBe(2);
    expect(c.viewAt(c.migratingView.id)).toBeNull(); // migrating_sk is NULL in these runs
  });

  it("a program that cannot load ctx sk still gets the right socket and cookie from a helper", () => {
    const c = new ReuseportContext(new AddressSpace());
    c.setReadWords(0); // loads nothing: no view work per run
    const a = new StaticSocket(0x1_0000_0005n);
    const b = new StaticSocket(9n);
    for (const [sk, lo, hi] of [
      [a, 5, 1],
      [b, 9, 0],
      [a, 5, 1],
    ] as const) {
      c.fillArgs(sk, null, 0, 0, false);
      expect(c.sk).toBe(sk);
      const v = c.viewAt(c.skView.id)!;
      v.cookieHalves();
      expect([v.cookieLo, v.cookieHi]).toEqual([lo, hi]);
    }
  });

  it("ip_protocol: an explicit value holds for its run only; the next fill (either kind) takes the socket's", () => {
    const c = new ReuseportContext(new AddressSpace());
    c.fill({ sk: listener, migratingSk: null, hash: 0, ipProtocol: 17 });
    expect(ctxField(c, "ip_protocol")).toBe(17n);
    c.fill({ sk: listener, migratingSk: null, hash: 0 });
    expect(ctxField(c, "ip_protocol")).toBe(6n);
    c.fill({ sk: listener, migratingSk: null, hash: 0, ipProtocol: 17 });
    c.fillArgs(listener, null, 0, 0, false);
    expect(ctxField(c, "ip_protocol")).toBe(6n);
  });
});
