// The simulator: determinism, scenario validation messages, the shipped scenarios, replayed hashes.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../src/errors.js";
import { EventQueue } from "../../src/model/event-queue.js";
import { parseScenario, validateScenario } from "../../src/model/scenario.js";
import type { ConnRecord } from "../../src/model/sim-result.js";
import { simulate } from "../../src/model/simulator.js";
import { isUdpScenarioText } from "../../src/model/udp-scenario.js";

const base = {
  name: "t",
  durationMs: 5000,
  listeners: [
    { name: "A", listenAt: 0, acceptRate: 1000 },
    { name: "B", listenAt: 0, acceptRate: 1000 },
  ],
  clients: [{ count: 200, rate: 200, ackDelayMs: 0.1 }],
  events: [{ at: 500, do: "close", listener: "A" }],
};

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  return "(no error)";
}

describe("scenario validation", () => {
  const with_ = (patch: Record<string, unknown>) => ({ ...base, ...patch });
  it.each<[string, unknown, string]>([
    [
      "bad time",
      with_({ events: [{ at: "soon", do: "close", listener: "A" }] }),
      'x.json: /events/0/at: expected a number from 0 to 86400000, got "soon"',
    ],
    [
      "negative time",
      with_({ events: [{ at: -1, do: "close", listener: "A" }] }),
      "x.json: /events/0/at: expected a number from 0 to 86400000, got -1",
    ],
    [
      "unknown action",
      with_({ events: [{ at: 1, do: "explode" }] }),
      'x.json: /events/0/do: expected one of listen, close, shutdown, attach, detach, sysctl, map, map-delete, accept-rate, got "explode"',
    ],
    [
      "unknown listener",
      with_({ events: [{ at: 1, do: "close", listener: "Z" }] }),
      'x.json: /events/0/listener: expected a listener name (A, B), got "Z"',
    ],
    [
      "unknown field",
      with_({ events: [{ at: 1, do: "close", listener: "A", how: "rd" }] }),
      "x.json: /events/0/how: unknown field; expected one of at, do, listener",
    ],
    [
      "bad shutdown how",
      with_({ events: [{ at: 1, do: "shutdown", listener: "A", how: "up" }] }),
      'x.json: /events/0/how: expected "rd", "wr" or "rdwr", got "up"',
    ],
    [
      "sysctl range",
      with_({ sysctls: { tcp_migrate_req: 2 } }),
      "x.json: /sysctls/tcp_migrate_req: expected an integer from 0 to 1, got 2",
    ],
    [
      "unknown sysctl",
      with_({ sysctls: { tcp_foo: 1 } }),
      "x.json: /sysctls/tcp_foo: unknown sysctl; expected one of tcp_migrate_req, tcp_synack_retries, tcp_syn_retries, somaxconn, tcp_fastopen, tcp_abort_on_overflow, tcp_syncookies, tcp_timestamps",
    ],
    [
      "duplicate listener",
      with_({ listeners: [{ name: "A" }, { name: "A" }] }),
      'x.json: /listeners/1/name: duplicate listener name "A"',
    ],
    ["missing duration", { listeners: [] }, "x.json: /durationMs: expected a number from 0 to 86400000, got nothing"],
    ["not an object", [], "x.json: /: expected an object, got []"],
    [
      "hash count",
      with_({ clients: [{ count: 2, hashes: [1] }] }),
      "x.json: /clients/0/hashes: expected 2 hashes (one per connection), got 1",
    ],
    [
      "bad ip",
      with_({ clients: [{ count: 1, src: "10.0.0.256" }] }),
      'x.json: /clients/0/src: expected an IPv4 (dotted-quad) or IPv6 address, got "10.0.0.256"',
    ],
    [
      "map value xor listener",
      with_({ maps: [{ name: "m", type: "array", maxEntries: 4 }], events: [{ at: 0, do: "map", map: "m", key: 1 }] }),
      'x.json: /events/0: expected exactly one of "listener" or "value"',
    ],
    [
      "undeclared map",
      with_({ events: [{ at: 0, do: "map-delete", map: "m", key: 1 }] }),
      'x.json: /events/0/map: expected a declared map name, got "m"',
    ],
  ])("%s", (_, json, msg) => {
    expect(messageOf(() => validateScenario(json, "x.json"))).toBe(msg);
  });

  it("invalid JSON names the file", () => {
    expect(messageOf(() => parseScenario("{", "y.json"))).toMatch(/^y\.json: \/: invalid JSON: /);
  });

  it("a runtime failure names the event (EBADF on a second close)", () => {
    const sc = validateScenario(
      {
        ...base,
        events: [
          { at: 1, do: "close", listener: "A" },
          { at: 2, do: "close", listener: "A" },
        ],
      },
      "x.json",
    );
    expect(messageOf(() => simulate(sc))).toBe("/events/1 (close at 2 ms): socket A is already closed (EBADF)");
  });

  it("a policy that was not loaded is reported clearly", () => {
    const sc = validateScenario(
      { ...base, events: [{ at: 0, do: "attach", via: "A", policy: "policies/x.baton" }] },
      "x.json",
    );
    expect(messageOf(() => simulate(sc))).toBe('/events/0 (attach at 0 ms): policy "policies/x.baton" was not loaded');
  });
});

describe("simulation", () => {
  it("same seed ⇒ byte-identical JSON; another seed changes hashes", () => {
    const sc = validateScenario({ ...base, sysctls: { tcp_migrate_req: 1 } }, "x.json");
    const a = JSON.stringify(simulate(sc, { keepConnections: true }));
    const b = JSON.stringify(simulate(sc, { keepConnections: true }));
    const c = JSON.stringify(simulate(sc, { keepConnections: true, seed: 99 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("streams one record per connection; fates add up", () => {
    const sc = validateScenario(base, "x.json");
    const recs: ConnRecord[] = [];
    const r = simulate(sc, { onConnection: (x) => recs.push(x) });
    expect(recs.length).toBe(200);
    expect(r.connectionRecords).toBeUndefined();
    const n = r.connections;
    expect(n.accepted + n.reset + n.timedOut + n.open).toBe(n.total);
    expect(r.listeners.map((l) => l.accepted).reduce((x, y) => x + y)).toBe(n.accepted);
  });

  it("replayed hashes decide the listener: scale(h, 2) < 2^31 → A, else B", () => {
    const sc = validateScenario(
      { ...base, events: [], clients: [{ count: 4, hashes: [0, 0x7fffffff, 0x80000000, 0xffffffff], ackDelayMs: 0 }] },
      "x.json",
    );
    const r = simulate(sc, { keepConnections: true });
    const recs = [...r.connectionRecords!].sort((x, y) => x.id - y.id);
    expect(recs.map((c) => [c.hash, c.listener, c.by])).toEqual([
      [0, "A", "A"],
      [0x7fffffff, "A", "A"],
      [0x80000000, "B", "B"],
      [0xffffffff, "B", "B"],
    ]);
  });

  it("a withheld ACK and a closing listener: lost without migration, migrated at the ACK with the sysctl", () => {
    const mk = (migrate: number) =>
      validateScenario(
        {
          ...base,
          sysctls: { tcp_migrate_req: migrate },
          clients: [{ count: 50, rate: 0, ackDelayMs: 800 }],
          events: [{ at: 100, do: "close", listener: "A" }],
        },
        "x.json",
      );
    const off = simulate(mk(0));
    const on = simulate(mk(1));
    expect(off.connections.reset).toBeGreaterThan(0);
    expect(off.causes["reset:no-request"]).toBe(off.connections.reset);
    expect(on.connections.accepted).toBe(50);
    expect(on.migrations.ack).toBe(off.connections.reset);
    expect(on.counters.TCPMigrateReqSuccess).toBe(on.migrations.ack);
  });
});

describe("event queue", () => {
  it("pops by time, then by insertion order", () => {
    const q = new EventQueue<string>();
    const items: [number, string][] = [
      [5, "a"],
      [1, "b"],
      [5, "c"],
      [0, "d"],
      [1, "e"],
      [5, "f"],
      [3, "g"],
    ];
    for (const [t, s] of items) q.push(t, 0, s);
    const out: string[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e[2]);
    expect(out).toEqual(["d", "b", "e", "g", "a", "c", "f"]);
  });
});

describe("shipped scenarios", () => {
  const dir = new URL("../../scenarios/", import.meta.url);
  // TCP scenarios only: UDP ones (a top-level "udp" section) have their own reader (udp-scenario.ts).
  const files = readdirSync(dir).filter(
    (f) =>
      f.endsWith(".json") && f !== "scenario.schema.json" && !isUdpScenarioText(readFileSync(new URL(f, dir), "utf8")),
  );
  it.each(files)("%s validates", (f) => {
    const sc = parseScenario(readFileSync(new URL(f, dir), "utf8"), `scenarios/${f}`);
    expect(sc.listeners.length).toBeGreaterThan(0);
  });

  it("rolling restarts: no-migration loses connections, kernel-pick and the built-in policy lose none", () => {
    const run = (f: string) => simulate(parseScenario(readFileSync(new URL(f, dir), "utf8"), f));
    const none = run("rolling-restart-no-migration.json");
    const kernel = run("rolling-restart-kernel-pick.json");
    const policy = run("rolling-restart.json");
    expect(none.connections.reset).toBeGreaterThan(0);
    expect(none.counters.TCPMigrateReqSuccess).toBe(0);
    expect([kernel.connections.reset, policy.connections.reset]).toEqual([0, 0]);
    expect(kernel.migrations.close).toBeGreaterThan(0);
    // The policy keeps every migration on the new generation.
    expect(policy.listeners.filter((l) => l.name.startsWith("old")).every((l) => l.migratedIn === 0)).toBe(true);
  });

  it("flood overflows the accept queue", () => {
    const r = simulate(parseScenario(readFileSync(new URL("flood.json", dir), "utf8"), "flood.json"));
    expect(r.counters.ListenOverflows).toBeGreaterThan(0);
    expect(r.counters.ListenDrops).toBeGreaterThanOrEqual(r.counters.ListenOverflows);
  });
});
