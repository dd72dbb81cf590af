// The control plane in scenarios: periodic publishing into a policy's map at each
// listener's slot, map writes naming listeners (cookies; the socket itself in socket maps),
// every map kind, and the checks that a written map is one the policy declares, with matching
// kind and sizes. Plus what the result shows: socks[] snapshots, program calls, SYN-ACKs per
// connection, per-listener resets and cookies, map contents at the end.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/compiler/compile.js";
import type { ModelMaps } from "../../src/model/model-maps.js";
import type { ReuseportProgram } from "../../src/model/program.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { parseScenario, validateScenario } from "../../src/model/scenario.js";
import { mapsTable } from "../../src/model/sim-trace.js";
import { simulate } from "../../src/model/simulator.js";
import { engineByName } from "../../src/vm/engines.js";

type Factory = (maps: ModelMaps) => ReuseportProgram;

function policy(source: string, file: string, engine = "interp"): Factory {
  const p = compilePolicy(source, file);
  return (maps) =>
    runtimeProgram(
      { name: file, insns: p.insns, maps: p.maps, attachType: p.attachType },
      engineByName(engine),
      1,
      maps,
    );
}

const LEAST = "policies/least_loaded.baton";
const leastLoaded = (engine = "interp"): Factory => policy(readFileSync(LEAST, "utf8"), LEAST, engine);
const scenarioJson = (): Record<string, unknown> =>
  JSON.parse(readFileSync("scenarios/least-loaded-published.json", "utf8")) as Record<string, unknown>;

describe("publishing load into a least-loaded policy's map", () => {
  it("spreads connections over listeners by their published queues; without it all go to slot 0", () => {
    const run = (json: object, engine: string): ReturnType<typeof simulate> =>
      simulate(parseScenario(JSON.stringify(json), "ll.json"), { programs: new Map([[LEAST, leastLoaded(engine)]]) });
    const withPub = run(scenarioJson(), "interp");
    const total = withPub.connections.total;
    expect(withPub.connections.accepted).toBe(total);
    // Every worker takes a real share, and a faster worker (higher acceptRate) takes more.
    const shares = withPub.listeners.map((l) => l.syns / total);
    for (const s of shares) expect(s).toBeGreaterThan(0.05);
    for (let i = 1; i < shares.length; i++) expect(shares[i]!).toBeGreaterThan(shares[i - 1]!);
    expect(Math.max(...withPub.listeners.map((l) => l.maxQueue))).toBeLessThan(64);
    // The same bytes on the JIT.
    expect(JSON.stringify(run(scenarioJson(), "jit"))).toBe(JSON.stringify(withPub));

    const noPub = scenarioJson();
    delete noPub.publish;
    const piled = run(noPub, "interp");
    expect(piled.listeners[0]!.syns).toBeGreaterThan(0);
    expect(piled.listeners.slice(1).map((l) => l.syns)).toEqual([0, 0, 0]);
  });

  it("publishes accepted counts and active connections (accepted within the lifetime)", () => {
    for (const lifetimeMs of [50, 400, 1500]) {
      const sc = validateScenario(
        {
          durationMs: 2000,
          listeners: [0, 1, 2].map((i) => ({ name: `L${i}`, acceptRate: 100 * (i + 1), listenAt: 0 })),
          clients: [{ count: 900, rate: 700, ackDelayMs: 0.1 }],
          maps: [
            { name: "acc", type: "array", maxEntries: 4 },
            { name: "act", type: "hash", maxEntries: 4 },
          ],
          publish: [
            { map: "acc", everyMs: 1, value: "accepted" },
            { map: "act", everyMs: 1, value: "active", lifetimeMs },
          ],
        },
        "pub.json",
      );
      const r = simulate(sc, { keepConnections: true });
      const acc = r.maps.find((m) => m.name === "acc")!;
      const act = r.maps.find((m) => m.name === "act")!;
      r.listeners.forEach((l, i) => {
        const mine = r.connectionRecords!.filter((c) => c.by === l.name);
        expect(acc.entries.find((e) => e.key === i)?.value).toBe(mine.length);
        // The last publish is at 2000 ms: open are those accepted after 2000 - lifetime.
        expect(act.entries.find((e) => e.key === i)?.value).toBe(
          mine.filter((c) => c.endAtMs > 2000 - lifetimeMs).length,
        );
      });
    }
  });

  it("refuses publishing into a socket map, an unknown map, or a lifetime without active", () => {
    const bad = (
      pub: object,
      maps: object[] = [
        { name: "s", type: "sockarray", maxEntries: 2 },
        { name: "n", type: "array", maxEntries: 2 },
      ],
    ): string => {
      try {
        validateScenario({ durationMs: 10, listeners: [{ name: "L" }], maps, publish: [pub] }, "p.json");
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad({ map: "s", everyMs: 5, value: "queue" })).toContain(
      'p.json: /publish/0/map: expected a map of numbers (array, hash, lru_hash), got socket map "s"',
    );
    expect(bad({ map: "x", everyMs: 5, value: "queue" })).toContain("/publish/0/map: expected a declared map name");
    expect(bad({ map: "n", everyMs: 5, value: "queue", lifetimeMs: 5 })).toContain(
      '/publish/0/lifetimeMs: only "value": "active"',
    );
    expect(bad({ map: "n", everyMs: 5, value: "active" })).toContain("/publish/0/lifetimeMs: expected a number");
    expect(bad({ map: "n", everyMs: 5, value: "queue", slotsFrom: "n" })).toContain(
      "/publish/0/slotsFrom: expected the name of a declared sockarray",
    );
    expect(bad({ map: "n", everyMs: 5, value: "queue" })).toBe("accepted");
    // The work: one write per listener per interval, at most 50,000,000 over the run.
    const many = (): string => {
      try {
        validateScenario(
          {
            durationMs: 86_400_000,
            listeners: [{ name: "L" }, { name: "M" }],
            maps: [{ name: "n", type: "array", maxEntries: 2 }],
            publish: [{ map: "n", everyMs: 1, value: "queue" }],
          },
          "p.json",
        );
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(many()).toBe(
      "p.json: /publish/0/everyMs: publishing implies 172,800,002 map writes (listeners × intervals); the limit is 50,000,000: raise everyMs",
    );
  });
});

const DEMO = `policy demo
map listeners: reuseport_sockarray<u32>[4]
map pinned: lru_hash<u64, u32>[8]
map counts: hash<u32, u64>[8]

on select {
  let slot = pinned[ctx.hash] ?? 0
  select listeners[slot] else pass
}
`;

describe("scenario maps against the policy's", () => {
  const base = (maps: object[], events: object[]): Record<string, unknown> => ({
    durationMs: 100,
    listeners: [
      { name: "A", listenAt: 0 },
      { name: "B", listenAt: 0 },
    ],
    clients: [{ count: 3, ackDelayMs: 0.1 }],
    maps,
    events: [{ at: 0, do: "attach", via: "A", policy: "demo.baton" }, ...events],
  });
  const run = (json: object): ReturnType<typeof simulate> =>
    simulate(validateScenario(json, "m.json"), { programs: new Map([["demo.baton", policy(DEMO, "demo.baton")]]) });
  const err = (json: object): string => {
    try {
      run(json);
    } catch (e) {
      return (e as Error).message;
    }
    return "ran";
  };

  it("writes every kind, names listeners by cookie or socket, and shows the policy's maps at the end", () => {
    const r = run(
      base(
        [
          { name: "listeners", type: "sockarray", maxEntries: 4 },
          { name: "pinned", type: "lru_hash", maxEntries: 8, keySize: 8, valueSize: 4 },
          { name: "counts", type: "hash", maxEntries: 8, valueSize: 8 },
        ],
        [
          { at: 0, do: "map", map: "listeners", key: 1, value: { listener: "B" } },
          { at: 0, do: "map", map: "counts", key: 7, value: { listener: "A" } },
          { at: 0, do: "map", map: "counts", key: { listener: "B" }, value: 2 ** 40 },
          ...Array.from({ length: 10 }, (_, k) => ({ at: 0, do: "map", map: "pinned", key: k, value: 1 })),
        ],
      ),
    );
    const [a, b] = r.listeners;
    expect(a!.cookie).toBeGreaterThan(0);
    expect(b!.cookie).not.toBe(a!.cookie);
    const policyMap = (name: string): NonNullable<ReturnType<typeof r.maps.find>> =>
      r.maps.find((m) => m.owner === "demo.baton" && m.name === name)!;
    expect(policyMap("listeners").entries).toEqual([{ key: 1, value: { listener: "B", cookie: b!.cookie } }]);
    expect(policyMap("counts").entries).toEqual(
      expect.arrayContaining([
        { key: 7, value: a!.cookie },
        { key: b!.cookie, value: 2 ** 40 },
      ]),
    );
    expect(policyMap("pinned").entries.length).toBe(8); // lru_hash: 10 writes into 8 entries
    expect(mapsTable(r.maps)).toContain(
      `map listeners (sockarray, demo.baton): 1 entry\n    1  B (cookie ${b!.cookie})`,
    );
  });

  it("refuses a map the policy does not declare, another kind, other sizes, a value too wide", () => {
    expect(err(base([{ name: "nope", type: "array", maxEntries: 1 }], []))).toBe(
      '/maps/0/name: no policy in this scenario declares a map named "nope" (demo.baton declares listeners, pinned, counts), so nothing would read what is written to it',
    );
    expect(err(base([{ name: "pinned", type: "hash", maxEntries: 8 }], []))).toBe(
      "/maps/0/type: policy demo.baton declares pinned as a lru_hash, the scenario as a hash",
    );
    expect(err(base([{ name: "pinned", type: "lru_hash", maxEntries: 8, keySize: 4 }], []))).toBe(
      "/maps/0/keySize: policy demo.baton declares pinned with 8-byte keys, the scenario with 4",
    );
    expect(err(base([{ name: "counts", type: "hash", maxEntries: 8, valueSize: 4 }], []))).toContain(
      "/maps/0/valueSize",
    );
    expect(
      err(
        base(
          [{ name: "pinned", type: "lru_hash", maxEntries: 8 }],
          [{ at: 0, do: "map", map: "pinned", key: 1, value: 2 ** 33 }],
        ),
      ),
    ).toBe("/events/1 (map at 0 ms): map pinned: value 8589934592 does not fit its 4-byte value");
    expect(() =>
      validateScenario(
        base(
          [{ name: "listeners", type: "sockarray", maxEntries: 4 }],
          [{ at: 0, do: "map", map: "listeners", key: 0, value: 3 }],
        ),
        "m.json",
      ),
    ).toThrow('m.json: /events/1/value: map "listeners" is a socket map: expected {"listener": NAME}, got 3');
  });
});

describe("socket maps other than the sockarray", () => {
  it("sockhash and sockmap entries name listeners; the program selects through them", () => {
    const src =
      "policy sh\nmap by_port: sockhash<u32>[8]\nmap slots: sockmap<u32>[4]\n\non select {\n  select by_port[1] else pass\n}\n";
    for (const engine of ["interp", "jit"]) {
      const sc = validateScenario(
        {
          durationMs: 100,
          listeners: ["A", "B", "C"].map((name) => ({ name, listenAt: 0 })),
          clients: [{ count: 30, rate: 1000, ackDelayMs: 0.1 }],
          maps: [
            { name: "by_port", type: "sockhash", maxEntries: 8 },
            { name: "slots", type: "sockmap", maxEntries: 4 },
          ],
          events: [
            { at: 0, do: "attach", via: "A", policy: "sh.baton" },
            { at: 0, do: "map", map: "by_port", key: 1, value: { listener: "C" } },
            { at: 0, do: "map", map: "slots", key: 2, value: { listener: "B" } },
          ],
        },
        "sh.json",
      );
      const r = simulate(sc, { programs: new Map([["sh.baton", policy(src, "sh.baton", engine)]]) });
      expect(r.listeners.map((l) => l.syns)).toEqual([0, 0, 30]);
      const own = r.maps.filter((m) => m.owner === "sh.baton").map((m) => [m.name, m.type, m.entries]);
      expect(own).toEqual([
        ["by_port", "sockhash", [{ key: 1, value: { listener: "C", cookie: r.listeners[2]!.cookie } }]],
        ["slots", "sockmap", [{ key: 2, value: { listener: "B", cookie: r.listeners[1]!.cookie } }]],
      ]);
    }
  });
});

describe("what the result shows", () => {
  it("socks[] after listens and closes, program calls, SYN-ACKs, resets per listener", () => {
    const sc = validateScenario(
      {
        durationMs: 5000,
        sysctls: { tcp_migrate_req: 0 },
        listeners: [
          { name: "A", listenAt: 0, acceptRate: 0 },
          { name: "B", listenAt: 0, acceptRate: 0 },
          { name: "C", acceptRate: 0 },
        ],
        clients: [
          { count: 20, rate: 1000, ackDelayMs: 0.1 },
          { name: "silent", count: 2, startMs: 100, ackDelayMs: null },
        ],
        events: [
          { at: 1, do: "attach", via: "A", policy: "builtin:pass" },
          { at: 50, do: "listen", listener: "C" },
          { at: 200, do: "close", listener: "A" },
        ],
      },
      "t.json",
    );
    const r = simulate(sc, { keepConnections: true });
    expect(
      r.trace.socks.map((s) => [s.atMs, s.after, s.groups.map((g) => [g.listening.join(","), g.closed.join(",")])]),
    ).toEqual([
      [0, "listen A", [["A", ""]]],
      [0, "listen B", [["A,B", ""]]],
      [50, "listen C", [["A,B,C", ""]]],
      // A capable close (an attach-type-40 program) keeps A in the closed section while the silent
      // clients' requests still refer to it (R4, R6); C fills A's hole (move-last-into-hole).
      [200, "close A", [["C,B", "A"]]],
    ]);
    const calls = r.trace.programCalls;
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toMatchObject({
      hook: "select",
      policy: "builtin:pass",
      verdict: 1,
      selected: null,
      ctx: { len: 40, bindInany: true, sk: expect.any(String), migratingSk: null },
    });
    // A's queue migrates at close (attach type 40 "pass": hash pick); each call names its connection.
    const migrations = calls.filter((c) => c.hook === "migrate" && c.atMs === 200);
    expect(migrations.length).toBe(r.migrations.close);
    for (const m of migrations) expect(m).toMatchObject({ ctx: { len: 0, sk: "A", migratingSk: "child" } });
    // Later ones are the silent clients' requests at their SYN-ACK timers (R15).
    for (const m of calls.filter((c) => c.hook === "migrate" && c.atMs !== 200))
      expect(m).toMatchObject({ ctx: { len: 0, sk: "A", migratingSk: "request" } });
    expect(new Set(migrations.map((m) => m.connection)).size).toBe(migrations.length);
    // The silent clients never ack: the SYN-ACK, then resends at 1 s and 3 s within the 5 s run.
    expect(r.synAcks).toEqual({ "1": 20, "3": 2 });
    expect(r.listeners.reduce((n, l) => n + l.reset, 0)).toBe(r.connections.reset);
  });
});
