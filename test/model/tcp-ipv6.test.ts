// IPv6 and dual-stack TCP listeners: which bucket and group a listener joins (R2 with the
// family, IPV6_V6ONLY and exact address as keys), where IPv4 and IPv6 connections land (R9's
// scoring: an AF_INET listener outranks a dual-stack AF_INET6 one for IPv4; only AF_INET6
// listeners take IPv6), bind conflicts across families, and the scenario format's addresses.
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dualStackSockHash, flowHash, foldIp6, reciprocalScale } from "../../src/model/hash.js";
import { NdjsonWriter } from "../../src/model/ndjson.js";
import { Netns } from "../../src/model/netns.js";
import type { ReuseportRunInput } from "../../src/model/program.js";
import { parseScenario, validateScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";
import { ChildSock, Flow, type Listener } from "../../src/model/sockets.js";
import { TcpStack } from "../../src/model/stack.js";
import { receiveAck, receiveSyn } from "../../src/model/tcp-input.js";
import { parseAddress, v4Mapped } from "../../src/model/udp-packet.js";
import { AF_INET, AF_INET6 } from "../../src/vm/socket.js";

const PORT = 8080;
const LO4 = 0x7f000001;

function listener(st: TcpStack, name: string, bind: string, opts: { v6only?: boolean; reuseport?: boolean } = {}) {
  const a = parseAddress(bind, "t");
  const s = st.socket(name, opts.reuseport ?? true, a.family, opts.v6only ?? false);
  st.bind(s, a, PORT);
  st.listen(s, 128);
  return s;
}

let ids = 0;
function flow4(hash: number, dst = LO4): Flow {
  ids++;
  return new Flow(ids, dst, PORT, 0x0a000001, 10000 + ids, hash >>> 0);
}
function flow6(hash: number, dst = "::1", src = "2001:db8::7"): Flow {
  ids++;
  const local = parseAddress(dst, "t").bytes;
  const remote = parseAddress(src, "t").bytes;
  return new Flow(ids, 0x7f000006, PORT, 0x7f000006, 10000 + ids, hash >>> 0, { local, remote });
}

/** The listener a completed handshake queues the child on, or the outcome's kind. */
function land(st: TcpStack, f: Flow): string {
  const s = receiveSyn(st, f);
  if (s.kind !== "synack") return s.kind === "rst" ? `rst:${s.cause}` : s.kind;
  const a = receiveAck(st, f);
  return a.kind === "queued" ? a.listener.name : a.kind;
}

/** A hash that reciprocal_scale puts on index i of n. */
const hashFor = (i: number, n: number): number => Math.floor(((i + 0.5) * 2 ** 32) / n);

describe("groups across families (R2)", () => {
  it("0.0.0.0 and :: share a bucket but form two groups; each family's segments go to its own", () => {
    const st = new TcpStack(new Netns());
    const v4 = [listener(st, "a4", "0.0.0.0"), listener(st, "b4", "0.0.0.0")];
    const v6 = [listener(st, "a6", "::", { v6only: true }), listener(st, "b6", "::", { v6only: true })];
    expect(v4[0]!.group).toBe(v4[1]!.group);
    expect(v6[0]!.group).toBe(v6[1]!.group);
    expect(v4[0]!.group).not.toBe(v6[0]!.group);
    expect([v4[0]!.group.bindInany, v6[0]!.group.bindInany]).toEqual([true, true]);
    expect(
      st
        .bucket(0, PORT)!
        .toArray()
        .map((s) => s.name),
    ).toEqual(["b4", "a4", "a6", "b6"]);
    for (let i = 0; i < 2; i++) {
      expect(land(st, flow4(hashFor(i, 2)))).toBe(v4[i]!.name);
      expect(land(st, flow6(hashFor(i, 2)))).toBe(v6[i]!.name);
    }
  });

  it("IPV6_V6ONLY is part of the key: :: with and without it are two groups", () => {
    const st = new TcpStack(new Netns());
    const dual = listener(st, "dual", "::");
    const only = listener(st, "only", "::", { v6only: true });
    expect(dual.group).not.toBe(only.group);
    // The first AF_INET6 listener in the bucket selects: the dual-stack one, added first.
    expect(land(st, flow6(1))).toBe("dual");
  });

  it("127.0.0.1 and ::ffff:127.0.0.1 share the IPv4 bucket, in two groups; IPv4 prefers the AF_INET one", () => {
    const st = new TcpStack(new Netns());
    const mapped = listener(st, "mapped", "::ffff:127.0.0.1");
    expect(land(st, flow4(5))).toBe("mapped"); // alone, a v4-mapped listener takes IPv4
    const plain = listener(st, "plain", "127.0.0.1");
    expect(plain.group).not.toBe(mapped.group);
    expect([mapped.bindInany, plain.bindInany]).toEqual([false, false]);
    expect(land(st, flow4(5))).toBe("plain"); // compute_score: AF_INET 2, dual-stack AF_INET6 1
    expect(land(st, flow6(5))).toBe("rst:no-listener"); // a v4-mapped bind takes no IPv6
  });

  it("an exact IPv6 address is looked up before ::", () => {
    const st = new TcpStack(new Netns());
    listener(st, "any", "::");
    listener(st, "exact", "::1");
    expect(land(st, flow6(9))).toBe("exact");
    expect(land(st, flow6(9, "2001:db8::1"))).toBe("any");
    expect(land(st, flow4(9))).toBe("any"); // ::1 is not an IPv4 address; :: takes IPv4 too
  });
});

describe("dual-stack listeners", () => {
  it("take IPv4 connections by the hash pick, and their children are AF_INET6 with v4-mapped addresses", () => {
    const st = new TcpStack(new Netns());
    const ls = ["a", "b", "c"].map((n) => listener(st, n, "::"));
    for (let i = 0; i < 3; i++) {
      const f = flow4(hashFor(i, 3));
      expect(land(st, f)).toBe(ls[i]!.name);
      const child = f.ehash as ChildSock;
      expect(child.family).toBe(AF_INET6);
      expect(Array.from(child.srcIp6)).toEqual(Array.from(v4Mapped(parseAddress("127.0.0.1", "t")).bytes));
      expect(child.srcIp4).toBe(LO4);
    }
    const f6 = flow6(hashFor(1, 3));
    land(st, f6);
    expect((f6.ehash as ChildSock).family).toBe(AF_INET6);
    const f4 = flow4(1);
    const st4 = new TcpStack(new Netns());
    listener(st4, "v4", "0.0.0.0");
    land(st4, f4);
    expect((f4.ehash as ChildSock).family).toBe(AF_INET);
  });

  it("with IPV6_V6ONLY take no IPv4: the SYN finds no listener", () => {
    const st = new TcpStack(new Netns());
    listener(st, "only", "::", { v6only: true });
    expect(land(st, flow4(1))).toBe("rst:no-listener");
    expect(land(st, flow6(1))).toBe("only");
  });

  it("ctx sk is the most recent IPv4 member and the earliest IPv6 member (head vs tail of the bucket)", () => {
    const seen: string[] = [];
    const rec = {
      attachType: 39 as const,
      run(i: ReuseportRunInput) {
        seen.push((i.sk as Listener).name);
        return { ret: 1, selected: null };
      },
    };
    const st = new TcpStack(new Netns());
    const v6 = ["x6", "y6", "z6"].map((n) => listener(st, n, "::1"));
    const v4 = ["x4", "y4", "z4"].map((n) => listener(st, n, "127.0.0.1"));
    st.attachProgram(v6[0]!, rec);
    st.attachProgram(v4[0]!, rec);
    land(st, flow6(1));
    land(st, flow4(1));
    expect(seen).toEqual(["x6", "z4"]);
  });

  it("hash an IPv4 connection's request and child apart from its SYN (measured on Linux 6.18)", () => {
    const st = new TcpStack(new Netns({ tcp_migrate_req: 1 }));
    const [a, b, c] = ["a", "b", "c"].map((n) => listener(st, n, "::"));
    // Every connection lands on a (index 0 of 3); after a closes, socks[] is [c, b].
    const hashes = [0x10000000, 0x20000000, 0x30000000, 0x40000000, 0x50000000];
    const f4 = hashes.map((h) => flow4(h));
    const f6 = hashes.map((h) => flow6(h));
    for (const f of [...f4, ...f6]) expect(land(st, f)).toBe("a");
    for (const f of f4) expect(f.sockHash).toBe(dualStackSockHash(f.hash));
    for (const f of f6) expect(f.sockHash).toBe(f.hash);
    const target = (h: number): string => [c!, b!][reciprocalScale(h, 2)]!.name;
    const want = new Map<number, string>([
      ...f4.map((f): [number, string] => [f.id, target(dualStackSockHash(f.hash))]),
      ...f6.map((f): [number, string] => [f.id, target(f.hash)]),
    ]);
    const got = new Map<number, string>();
    st.observer = { migrated: (f, _p, _from, to) => got.set(f.id, to.name) };
    st.close(a!);
    expect(got).toEqual(want);
    expect(new Set(f4.map((f) => want.get(f.id)))).toEqual(new Set(["b", "c"])); // the derived hash spreads too
  });

  it("migrate within their group at close like IPv4 listeners (R14)", () => {
    const st = new TcpStack(new Netns({ tcp_migrate_req: 1 }));
    const [a, b] = [listener(st, "a", "::"), listener(st, "b", "::")];
    const fs = [flow6(hashFor(0, 2)), flow4(hashFor(0, 2))];
    for (const f of fs) expect(land(st, f)).toBe("a");
    st.close(a);
    expect(b.acceptQueue.length).toBe(2);
    expect(st.ns.counters.TCPMigrateReqSuccess).toBe(2);
  });
});

describe("bind conflicts across families", () => {
  const tryBind = (st: TcpStack, name: string, bind: string, reuseport: boolean, v6only = false): string => {
    const a = parseAddress(bind, "t");
    const s = st.socket(name, reuseport, a.family, v6only);
    try {
      st.bind(s, a, PORT);
      return "ok";
    } catch (e) {
      return (e as Error).message.includes("EADDRINUSE") ? "EADDRINUSE" : String(e);
    }
  };

  it("a dual-stack :: overlaps every IPv4 bind; IPV6_V6ONLY and other IPv6 addresses do not", () => {
    const st = new TcpStack(new Netns());
    expect(tryBind(st, "v4", "0.0.0.0", false)).toBe("ok");
    expect(tryBind(st, "dual", "::", false)).toBe("EADDRINUSE");
    expect(tryBind(st, "only", "::", false, true)).toBe("ok");
    expect(tryBind(st, "only2", "::1", false)).toBe("EADDRINUSE"); // :: (v6only) covers ::1
    const st2 = new TcpStack(new Netns());
    expect(tryBind(st2, "lo4", "127.0.0.1", false)).toBe("ok");
    expect(tryBind(st2, "lo6", "::1", false)).toBe("ok"); // its sk_rcv_saddr is 127.0.0.6
    expect(tryBind(st2, "mapped", "::ffff:127.0.0.1", false)).toBe("EADDRINUSE");
    expect(tryBind(st2, "mapped-r", "::ffff:127.0.0.1", true)).toBe("EADDRINUSE"); // lo4 has no SO_REUSEPORT
  });

  it("SO_REUSEPORT on both sides shares any overlap", () => {
    const st = new TcpStack(new Netns());
    expect(tryBind(st, "v4", "0.0.0.0", true)).toBe("ok");
    expect(tryBind(st, "dual", "::", true)).toBe("ok");
    expect(tryBind(st, "mapped", "::ffff:10.1.2.3", true)).toBe("ok");
  });

  it("an AF_INET socket refuses an IPv6 address", () => {
    const st = new TcpStack(new Netns());
    const s = st.socket("v4");
    expect(() => st.bind(s, parseAddress("::1", "t"), PORT)).toThrow(/EAFNOSUPPORT/);
    expect(s.bound).toBe(false);
  });
});

describe("scenarios with IPv6", () => {
  const run = (json: object) =>
    simulate(validateScenario({ durationMs: 100, port: PORT, ...json }, "t.json"), { keepConnections: true });

  it("IPv6 clients land where reciprocal_scale of the IPv6 4-tuple hash says", () => {
    const r = run({
      seed: 7,
      listeners: ["a", "b", "c"].map((name) => ({ name, bind: "::", listenAt: 0 })),
      clients: [{ name: "c6", count: 30, src: "2001:db8::10", dst: "::1", srcPort: 5000 }],
    });
    const names = ["a", "b", "c"];
    const dst = parseAddress("::1", "t").bytes;
    r.connectionRecords!.forEach((c, i) => {
      const src = parseAddress("2001:db8::10", "t").bytes;
      const h = flowHash(7, foldIp6(dst), PORT, foldIp6(src), 5000 + i);
      expect(c.hash).toBe(h);
      expect(c.src).toBe(`[2001:db8::10]:${5000 + i}`);
      expect(c.by).toBe(names[reciprocalScale(h, 3)]);
    });
    expect(new Set(r.connectionRecords!.map((c) => c.by)).size).toBe(3);
  });

  it("IPv4 clients reach a dual-stack group unless an IPv4 listener shares the port", () => {
    const base = { clients: [{ name: "c4", count: 10, src: "10.0.0.1", dst: "127.0.0.1" }] };
    const dual = run({ ...base, listeners: [{ name: "d", bind: "::", listenAt: 0 }] });
    expect(dual.connectionRecords!.every((c) => c.by === "d")).toBe(true);
    const both = run({
      ...base,
      listeners: [
        { name: "d", bind: "::", listenAt: 0 },
        { name: "v4", bind: "0.0.0.0", listenAt: 0 },
      ],
    });
    expect(both.connectionRecords!.every((c) => c.by === "v4")).toBe(true);
    const only = run({ ...base, listeners: [{ name: "o", bind: "::", v6only: true, listenAt: 0 }] });
    expect(only.connectionRecords!.every((c) => c.fate === "reset" && c.cause === "no-listener")).toBe(true);
  });

  it("a v4-mapped client pair is IPv4, as its segments are", () => {
    const r = run({
      listeners: [{ name: "v4", bind: "127.0.0.1", listenAt: 0 }],
      clients: [{ count: 2, src: "::ffff:10.0.0.1", dst: "::ffff:127.0.0.1" }],
    });
    expect(r.connectionRecords!.map((c) => [c.by, c.src])).toEqual([
      ["v4", "10.0.0.1:1024"],
      ["v4", "10.0.0.1:1025"],
    ]);
  });

  it("refuses bad addresses and combinations with located messages", () => {
    const bad = (json: object): string => {
      try {
        validateScenario({ durationMs: 10, listeners: [{ name: "l" }], ...json }, "f.json");
        return "accepted";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(bad({ listeners: [{ name: "l", bind: "::1::2" }] })).toMatch(
      /^f\.json: \/listeners\/0\/bind: expected an IPv4 \(dotted-quad\) or IPv6 address, got "::1::2"/,
    );
    expect(bad({ listeners: [{ name: "l", bind: "0.0.0.0", v6only: true }] })).toMatch(
      /^f\.json: \/listeners\/0\/v6only: IPV6_V6ONLY needs an IPv6 "bind" address/,
    );
    expect(bad({ clients: [{ count: 1, src: "2001:db8::1", dst: "127.0.0.1" }] })).toMatch(
      /^f\.json: \/clients\/0\/src: expected "src" and "dst" of one family/,
    );
    expect(bad({ clients: [{ count: 1, dst: "::1" }] })).toMatch(
      /^f\.json: \/clients\/0\/dst: expected "src" and "dst"/,
    );
    expect(bad({ clients: [{ count: 1, payload: "abc" }] })).toMatch(/^f\.json: \/clients\/0\/payload: expected hex/);
    expect(bad({ clients: [{ count: 1, payload: "abcd", dataBytes: 3 }] })).toMatch(
      /^f\.json: \/clients\/0\/dataBytes: expected 2 \(the length of "payload"\), got 3/,
    );
    expect(
      bad({
        listeners: [{ name: "l", bind: "::", v6only: true }],
        clients: [{ count: 1, src: "::2", dst: "::1", payload: "00ff" }],
      }),
    ).toBe("accepted");
  });

  it("keeps IPv4-only scenarios as they were: the same records with and without the new fields' defaults", () => {
    const json = {
      seed: 3,
      listeners: [
        { name: "a", listenAt: 0 },
        { name: "b", listenAt: 0 },
      ],
      clients: [{ count: 20, dataBytes: 4 }],
    };
    const r1 = run(json);
    const r2 = run({ ...json, listeners: json.listeners.map((l) => ({ ...l, v6only: false })) });
    expect(r2.connectionRecords).toEqual(r1.connectionRecords);
    expect(r1.connectionRecords![0]!.src).toBe("10.0.0.1:1024");
  });
});

describe("scenarios/dual-stack-cutover.json", () => {
  it("keeps each family in its group: closing the IPv4 group resets its last queue, later IPv4 goes dual-stack", () => {
    const text = readFileSync(new URL("../../scenarios/dual-stack-cutover.json", import.meta.url), "utf8");
    const r = simulate(parseScenario(text, "dual-stack-cutover.json"), { keepConnections: true });
    const recs = r.connectionRecords!;
    const v4 = recs.filter((c) => c.client === "ipv4");
    const v6 = recs.filter((c) => c.client === "ipv6");
    expect(v6.every((c) => c.fate === "accepted" && c.by!.startsWith("dual-"))).toBe(true);
    expect(v4.filter((c) => c.synAtMs < 1500).every((c) => c.listener!.startsWith("v4-"))).toBe(true);
    expect(v4.filter((c) => c.synAtMs > 1500).every((c) => c.by!.startsWith("dual-"))).toBe(true);
    expect(r.causes["reset:not-migrated"]).toBeGreaterThan(0);
    expect(r.listeners.find((l) => l.name === "v6only")!.syns).toBe(0);
  });
});

describe("--ndjson with IPv6 clients", () => {
  it("writes exactly the kept records, IPv6 sources in brackets", () => {
    const sc = validateScenario(
      {
        durationMs: 50,
        port: PORT,
        listeners: [
          { name: "a", bind: "::", listenAt: 0 },
          { name: "b", bind: "::", listenAt: 0 },
        ],
        clients: [
          { name: "c6", count: 5, src: "2001:db8::10", dst: "::1" },
          { name: "c4", count: 3, src: "10.0.0.1", dst: "127.0.0.1" },
          { name: "c6b", count: 2, src: "fe80::1", dst: "::1", startMs: 1 },
        ],
      },
      "t.json",
    );
    const f = join(mkdtempSync(join(tmpdir(), "baton-v6-")), "s.ndjson");
    const fd = openSync(f, "w");
    const w = new NdjsonWriter(fd);
    simulate(sc, { sink: w });
    w.flush();
    closeSync(fd);
    const kept = simulate(sc, { keepConnections: true }).connectionRecords!;
    expect(readFileSync(f, "utf8")).toBe(kept.map((x) => `${JSON.stringify(x)}\n`).join(""));
    expect(kept.map((x) => x.src)).toContain("[fe80::1]:1025");
  });
});
