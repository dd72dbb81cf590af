// UDP scenarios through `baton simulate`: the regression pairs in scenarios/udp-*.json, the
// receive queue under a slow reader, determinism, and located errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { UdpSimResult } from "../../src/model/udp-sim.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}
const sim = async (file: string, ...more: string[]): Promise<UdpSimResult> => {
  const r = await cli("simulate", file, "--json", ...more);
  expect(r.err).toBe("");
  return JSON.parse(r.out) as UdpSimResult;
};
const flow = (r: UdpSimResult, name: string) => r.flows.find((f) => f.name === name)!;
const dir = mkdtempSync(join(tmpdir(), "baton-udp-sim-"));
const write = (name: string, v: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof v === "string" ? v : JSON.stringify(v, null, 2));
  return p;
};

describe("UDP regression scenarios", () => {
  it("socks[] renumbering breaks classic index steering, a sockarray does not", async () => {
    const bad = await sim("scenarios/udp-slot-renumbering-cbpf.json");
    const good = await sim("scenarios/udp-slot-renumbering-sockarray.json");
    expect(flow(bad, "to-w3").misrouted).toBeGreaterThan(0);
    expect(flow(good, "to-w3").misrouted).toBe(0);
    expect(flow(bad, "to-w0").misrouted).toBe(0);
    // w1's own flows have nowhere to go after it closes, either way
    expect(flow(good, "to-w1").misrouted).toBe(flow(bad, "to-w1").misrouted);
  });

  it("a new process's program replaces the group's; prefilled maps avoid the scatter", async () => {
    expect((await sim("scenarios/udp-program-replaced.json")).datagrams.misrouted).toBeGreaterThan(0);
    expect((await sim("scenarios/udp-program-replaced-prefilled.json")).datagrams.misrouted).toBe(0);
  });

  it("socket cookies as connection handles go stale across a reload; worker ids do not", async () => {
    const bad = await sim("scenarios/udp-stale-cookie.json");
    const good = await sim("scenarios/udp-stale-cookie-worker-id.json");
    expect(bad.datagrams.misrouted).toBeGreaterThan(0);
    expect(good.datagrams.misrouted).toBe(0);
    // with worker ids every connection is on its new socket from the reload on
    expect(flow(good, "conn-1").bySocket).toEqual({ o0: 40, n0: 60 });
  });

  it("a rolling restart keeps connections on their DCID's socket", async () => {
    const r = await sim("scenarios/udp-quic-rolling-restart.json");
    expect(flow(r, "conn-a").bySocket).toEqual({ o0: 200, n0: 300 });
    expect(r.datagrams.dropped).toEqual({});
  });

  it("the same seed gives the same result; another seed another hash spread", async () => {
    const a = await sim("scenarios/udp-slot-renumbering-cbpf.json");
    expect(await sim("scenarios/udp-slot-renumbering-cbpf.json")).toEqual(a);
    const b = await sim("scenarios/udp-slot-renumbering-cbpf.json", "--seed", "99");
    expect(flow(b, "to-w3").bySocket).not.toEqual(flow(a, "to-w3").bySocket);
  });
});

describe("UDP receive queues in scenarios", () => {
  it("a slow reader overflows sk_rcvbuf: drops counted per socket and as RcvbufErrors/InErrors", async () => {
    const p = write("slow.json", {
      name: "slow",
      durationMs: 1000,
      udp: {
        sockets: [{ name: "s", rcvbuf: 20000, readRate: 100 }],
        flows: [{ count: 10, rate: 1000, datagramsPerFlow: 100, payload: "00".repeat(100) }],
      },
    });
    const r = await sim(p);
    const s = r.sockets[0]!;
    expect(s.rcvbufDrops).toBeGreaterThan(0);
    expect(r.counters.UdpRcvbufErrors).toBe(s.rcvbufDrops);
    expect(r.counters.UdpInErrors).toBe(s.rcvbufDrops);
    expect(r.datagrams.dropped.rcvbuf).toBe(s.rcvbufDrops);
    expect(s.read).toBeGreaterThanOrEqual(99);
    expect(s.read).toBeLessThanOrEqual(101);
  });

  it("a connected socket gets its peer's flow and no other", async () => {
    const p = write("conn.json", {
      name: "conn",
      durationMs: 100,
      udp: {
        sockets: [{ name: "a" }, { name: "b" }, { name: "c" }],
        flows: [
          { name: "peer", count: 1, srcPort: 7777, rate: 1000, datagramsPerFlow: 50, startMs: 10 },
          { name: "others", count: 50, srcPort: 8000, rate: 1000, datagramsPerFlow: 1, startMs: 10 },
        ],
        events: [{ at: 0, do: "connect", socket: "b", peer: "127.0.0.1", port: 7777 }],
      },
    });
    const r = await sim(p);
    expect(flow(r, "peer").bySocket).toEqual({ b: 50 });
    expect(flow(r, "others").bySocket.b).toBeUndefined();
  });

  it("datagrams with no socket count UdpNoPorts", async () => {
    const p = write("gone.json", {
      name: "gone",
      durationMs: 100,
      udp: {
        sockets: [{ name: "s" }],
        flows: [{ count: 1, rate: 100, datagramsPerFlow: 10 }],
        events: [{ at: 50, do: "close", socket: "s" }],
      },
    });
    const r = await sim(p);
    expect(r.counters.UdpNoPorts).toBe(r.datagrams.dropped["no-socket"]);
    expect(r.datagrams.delivered + (r.datagrams.dropped["no-socket"] ?? 0)).toBe(r.datagrams.sent);
  });
});

describe("UDP scenario errors are located", () => {
  const cases: [string, string, RegExp][] = [
    [
      "a truncated hex payload",
      '{ "udp": { "sockets": [{ "name": "s" }], "flows": [{ "payload": "abc" }] } }',
      /:1:65: error: \/udp\/flows\/0\/payload: hex 'abc' has an odd number of digits/,
    ],
    [
      "an unknown socket",
      '{ "udp": {\n  "sockets": [{ "name": "s" }], "flows": [],\n  "events": [{ "at": 1, "do": "close", "socket": "t" }] } }',
      /:3:50: error: \/udp\/events\/0\/socket: no socket named "t" \(sockets: s\)/,
    ],
    [
      "an unknown event",
      '{ "udp": { "sockets": [{ "name": "s" }], "flows": [], "events": [{ "at": 1, "do": "fly" }] } }',
      /\/udp\/events\/0\/do: expected close, bind, connect, attach, detach or map/,
    ],
    [
      "a bad address",
      '{ "udp": { "sockets": [{ "name": "s", "address": "1.2.3" }], "flows": [] } }',
      /\/udp\/sockets\/0\/address: '1.2.3' is not an IPv4 or IPv6 address/,
    ],
  ];
  for (const [what, text, re] of cases) {
    it(what, async () => {
      const r = await cli("simulate", write(`${what.replace(/ /g, "-")}.json`, text));
      expect(r.code).toBe(1);
      expect(r.err).toMatch(re);
    });
  }
});
