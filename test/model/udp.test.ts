// UDP reuseport groups in the model: group membership, slot renumbering on close, dual-stack
// lookup, program verdicts and receive-queue drops.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UdpStack, type UdpProgram, type UdpVerdict } from "../../src/model/udp.js";
import { parseAddress, type Address } from "../../src/model/udp-packet.js";

const A = (t: string): Address => parseAddress(t, "test");
const lo4 = A("127.0.0.1");
const d4 = (srcPort: number, payload = new Uint8Array(4)) => ({ src: lo4, srcPort, dst: lo4, dstPort: 4433, payload });

function fixed(v: UdpVerdict): UdpProgram {
  return { attachType: 39, name: "fixed", select: () => v };
}

describe("UDP groups", () => {
  it("sockets with SO_REUSEPORT on one address and port share a group, in bind order", () => {
    const st = new UdpStack();
    const s = [0, 1, 2].map((i) => st.bind({ name: `w${i}`, addr: lo4, port: 4433 }));
    expect(s[0]!.group).toBe(s[2]!.group);
    expect(s[0]!.group!.socks.map((x) => x.name)).toEqual(["w0", "w1", "w2"]);
    expect(s[0]!.group!.bindInany).toBe(false);
    const any = st.bind({ addr: A("0.0.0.0"), port: 4433 });
    expect(any.group).not.toBe(s[0]!.group);
    expect(any.group!.bindInany).toBe(true);
    const v6 = st.bind({ addr: A("::"), port: 4433 });
    expect(v6.group).not.toBe(any.group); // families never share a group
  });

  it("an overlapping bind without SO_REUSEPORT on both is EADDRINUSE", () => {
    const st = new UdpStack();
    st.bind({ addr: A("0.0.0.0"), port: 53, reuseport: false });
    expect(() => st.bind({ addr: lo4, port: 53 })).toThrow(/EADDRINUSE/);
    expect(() => st.bind({ addr: A("::"), port: 53 })).toThrow(/EADDRINUSE/); // dual-stack overlaps 0.0.0.0
    expect(() => st.bind({ addr: A("::"), port: 53, v6only: true })).not.toThrow();
  });

  it("closing a socket moves the last member into its slot, for any order of binds and closes", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat(20)), { minLength: 1, maxLength: 60 }), (ops) => {
        const st = new UdpStack();
        const ref: string[] = [];
        let n = 0;
        const open = new Map<string, ReturnType<UdpStack["bind"]>>();
        for (const op of ops) {
          if (op === -1 || ref.length === 0) {
            const name = `s${n++}`;
            open.set(name, st.bind({ name, addr: lo4, port: 9000 }));
            ref.push(name);
          } else {
            const i = op % ref.length;
            st.close(open.get(ref[i]!)!);
            const last = ref.pop()!;
            if (i < ref.length) ref[i] = last;
          }
        }
        const g = [...open.values()].find((s) => !s.closed)?.group;
        expect(g?.socks.map((s) => s.name) ?? []).toEqual(ref);
      }),
    );
  });

  it("the hash pick scales over socks[] and skips connected sockets", () => {
    const st = new UdpStack(7);
    const s = [0, 1, 2, 3].map(() => st.bind({ addr: lo4, port: 4433 }));
    for (let h = 0; h < 4; h++) expect(st.select({ ...d4(1000), hash: h * 0x40000000 }).socket).toBe(s[h]);
    st.connect(s[1]!, lo4, 7777);
    expect(st.select({ ...d4(1000), hash: 0x40000000 }).socket).toBe(s[2]);
    // the connected socket gets its own peer's datagrams
    expect(st.select(d4(7777)).how).toBe("connected");
  });

  it("IPv4 datagrams reach a dual-stack v6 group unless a v4 socket or v6only says otherwise", () => {
    const st = new UdpStack();
    const v6 = st.bind({ addr: A("::"), port: 4433 });
    expect(st.select(d4(1)).socket).toBe(v6);
    const v4 = st.bind({ addr: A("0.0.0.0"), port: 4433 });
    expect(st.select(d4(1)).socket).toBe(v4);
    const st2 = new UdpStack();
    st2.bind({ addr: A("::"), port: 4433, v6only: true });
    expect(st2.select(d4(1)).drop).toBe("no-socket");
    expect(
      st2.select({ src: A("::1"), srcPort: 1, dst: A("::1"), dstPort: 4433, payload: new Uint8Array(1) }).socket,
    ).not.toBeNull();
  });

  it("an exact address beats the wildcard", () => {
    const st = new UdpStack();
    st.bind({ addr: A("0.0.0.0"), port: 4433 });
    const exact = st.bind({ addr: lo4, port: 4433 });
    expect(st.select(d4(5)).socket).toBe(exact);
  });

  it("program verdicts: selection, pass → hash pick, drop → UdpNoPorts, classic index", () => {
    const st = new UdpStack(3);
    const s = [0, 1, 2].map(() => st.bind({ addr: lo4, port: 4433 }));
    st.attach(s[0]!, fixed({ kind: "selected", socket: s[2]! }));
    expect(st.deliver(d4(1)).socket).toBe(s[2]);
    st.attach(s[1]!, fixed({ kind: "pass" }));
    const r = st.deliver({ ...d4(1), hash: 0 });
    expect([r.socket, r.how]).toEqual([s[0], "hash"]);
    st.attach(s[1]!, fixed({ kind: "drop", ret: 0 }));
    expect(st.deliver(d4(1)).drop).toBe("program-drop");
    expect(st.counters.UdpNoPorts).toBe(1);
    st.attach(s[1]!, fixed({ kind: "index", index: 1 }));
    expect(st.deliver(d4(1)).socket).toBe(s[1]);
    st.attach(s[1]!, fixed({ kind: "index", index: 3 }));
    expect(st.deliver({ ...d4(1), hash: 0xffffffff }).how).toBe("hash");
  });

  it("a full receive queue drops and counts RcvbufErrors and InErrors; reading frees it", () => {
    const st = new UdpStack();
    const sk = st.bind({ addr: lo4, port: 4433, rcvbuf: 4000 });
    const results = Array.from({ length: 10 }, (_, i) => st.deliver(d4(i, new Uint8Array(100))));
    const kept = results.filter((r) => r.drop === null).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(10);
    expect(st.counters.UdpRcvbufErrors).toBe(10 - kept);
    expect(st.counters.UdpInErrors).toBe(10 - kept);
    expect(st.recv(sk)).toBe(kept);
    expect(st.counters.UdpInDatagrams).toBe(kept);
    expect(st.deliver(d4(99)).drop).toBeNull();
  });

  it("closing the last member frees the group's program", () => {
    const st = new UdpStack();
    const a = st.bind({ addr: lo4, port: 4433 });
    st.attach(a, fixed({ kind: "pass" }));
    const g = a.group!;
    st.close(a);
    expect(g.prog).toBeNull();
    expect(st.select(d4(1)).drop).toBe("no-socket");
  });
});
