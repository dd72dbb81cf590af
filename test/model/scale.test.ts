// Regression tests for the socket model's cost at scale, by counting work rather than timing it:
// one listen or close touches a bounded number of socks[] slots and scans no socket list, however
// many listeners share the port, and a scenario past the group's limit is refused before any
// socket exists. Each would fail if a per-operation scan (O(N), so O(N²) for N listeners) came back.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ModelError } from "../../src/errors.js";
import { MAX_GROUP_SOCKS, type ReuseportGroup } from "../../src/model/group.js";
import { ListenBucket } from "../../src/model/lhash.js";
import { ModelMaps } from "../../src/model/model-maps.js";
import { validateScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";
import type { Listener } from "../../src/model/sockets.js";
import { TcpStack } from "../../src/model/stack.js";
import { setup, sock } from "./helpers.js";

/** Wrap an array so every indexed read or write is counted. */
function counted<T extends object>(target: T, count: { n: number }): T {
  return new Proxy(target, {
    get(t, k, r) {
      if (typeof k === "string" && /^\d+$/.test(k)) count.n++;
      return Reflect.get(t, k, r) as unknown;
    },
    set(t, k, v, r) {
      if (typeof k === "string" && /^\d+$/.test(k)) count.n++;
      return Reflect.set(t, k, v, r);
    },
  });
}

/**
 * Element accesses to the stack's socket list and the group's socks[] made by one listen of a
 * new socket, one capable close (R4) and one full detach (R6), in a group of `n` listeners.
 */
function accessesPerOperation(n: number): { listen: number; close: number; destroy: number } {
  const { st, ls } = setup(
    Array.from({ length: n }, (_, i) => `L${i}`),
    { tcp_migrate_req: 1 },
  );
  const g = ls[0]!.group as ReuseportGroup;
  const count = { n: 0 };
  (st as unknown as { sockets: Listener[] }).sockets = counted(st.sockets, count);
  g.socks = counted(g.socks, count);
  const measure = (f: () => void): number => {
    count.n = 0;
    f();
    return count.n;
  };
  const mid = ls[n >> 1]!; // a scan for it (the kernel's reuseport_sock_index) reads n/2 slots
  return {
    listen: measure(() => sock(st, "new")),
    close: measure(() => st.shutdown(mid, "rdwr")), // its hole is filled from the end
    destroy: measure(() => st.close(mid)), // out of the closed section, then freed
  };
}

describe("socket model cost per operation", () => {
  it("listen, stop-listen and detach touch a bounded number of slots, independent of the group's size", () => {
    const small = accessesPerOperation(200);
    const large = accessesPerOperation(5000);
    expect(large).toEqual(small);
    expect(Math.max(small.listen, small.close, small.destroy)).toBeLessThanOrEqual(8);
  });

  it("the bucket adds at the head and unlinks any member in place", () => {
    const { st } = setup([]);
    const ls = ["A", "B", "C", "D"].map((n) => st.socket(n));
    const b = new ListenBucket();
    for (const l of ls) b.addHead(l);
    expect(b.toArray().map((l) => l.name)).toEqual(["D", "C", "B", "A"]);
    expect([b.remove(ls[1]!), b.remove(ls[1]!)]).toEqual([true, false]);
    expect(b.remove(ls[3]!)).toBe(true); // the head
    expect([b.head?.name, b.size, b.toArray().map((l) => l.name)]).toEqual(["C", 2, ["C", "A"]]);
    expect(b.find((l) => l.name === "A")?.name).toBe("A");
  });

  it("bind conflicts are still found and name the first holder", () => {
    const { st } = setup([]);
    const a = st.socket("A", false);
    st.bind(a, 0, 9000);
    const b = st.socket("B");
    expect(() => st.bind(b, 0x7f000001, 9000)).toThrow(
      "port 9000 is held by socket A without SO_REUSEPORT on both (EADDRINUSE)",
    );
    const c = st.socket("C");
    st.bind(c, 0x7f000001, 9001);
    const d = st.socket("D");
    st.bind(d, 0, 9001); // both SO_REUSEPORT
    const e = st.socket("E", false);
    expect(() => st.bind(e, 0x7f000002, 9001)).toThrow(
      "port 9001 is held by socket D without SO_REUSEPORT on both (EADDRINUSE)",
    );
    st.close(d); // never listened: destroyed at once, its port released
    st.bind(e, 0x7f000002, 9001);
    expect(e.bound).toBe(true);
  });
});

describe("control-plane maps", () => {
  it("a close or a sockarray write finds the socket's slot without walking the maps", () => {
    const n = 300;
    const { st, ls } = setup(
      Array.from({ length: n }, (_, i) => `L${i}`),
      { tcp_migrate_req: 1 },
    );
    const maps = new ModelMaps([{ name: "socks", type: "sockarray", maxEntries: n }], st);
    ls.forEach((l, i) => maps.update("socks", i, l));
    const entries = maps.get("socks")!.entries;
    let walks = 0;
    // Count every iteration of the sockarray (the old R4 a / R22 scans walked it per operation).
    Object.defineProperty(entries, Symbol.iterator, { value: () => (walks++, Map.prototype.entries.call(entries)) });
    Object.defineProperty(entries, "entries", { value: () => (walks++, Map.prototype.entries.call(entries)) });
    st.close(ls[7]!); // R4 (a): out of the sockarray
    expect(entries.has(7)).toBe(false);
    expect(() => maps.update("socks", 7, ls[8]!)).toThrow("map socks: socket L8 is already in map socks (EBUSY)");
    maps.delete("socks", 9);
    maps.update("socks", 8, ls[9]!); // L8's slot now holds L9: L8 may go elsewhere
    maps.update("socks", 7, ls[8]!);
    expect(() => maps.update("socks", 9, ls[9]!)).toThrow("(EBUSY)");
    expect([entries.get(7), entries.get(8)]).toEqual([ls[8], ls[9]]);
    expect(walks).toBe(0);
  });
});

describe("group limit", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const scenario = (n: number, bind = "0.0.0.0"): ReturnType<typeof validateScenario> =>
    validateScenario(
      { durationMs: 10, listeners: Array.from({ length: n }, (_, i) => ({ name: `l${i}`, bind, listenAt: 0 })) },
      "big.json",
    );

  it(`refuses ${MAX_GROUP_SOCKS + 1} listeners before building any socket`, () => {
    expect(MAX_GROUP_SOCKS).toBe(32768);
    const built = vi.spyOn(TcpStack.prototype, "socket");
    // A scenario file: the validator's listener count (scenario-limits.ts) refuses it.
    expect(() => scenario(MAX_GROUP_SOCKS + 1)).toThrow("big.json: /listeners: 32769 entries; the limit is 32768");
    // A Scenario built in code skips the validator: simulate's own check refuses it.
    const sc = scenario(MAX_GROUP_SOCKS);
    sc.listeners.push({ ...sc.listeners[0]!, name: "one-more" });
    let err: unknown;
    try {
      simulate(sc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe("scenario.group-too-large");
    expect((err as ModelError).message).toBe(
      "/listeners/32768: expected at most 32768 listeners bound to 0.0.0.0:8080 (one reuseport group), got 32769",
    );
    expect(built).not.toHaveBeenCalled();
  });

  it(`accepts ${MAX_GROUP_SOCKS} listeners, and more spread over two addresses`, () => {
    const full = simulate(scenario(MAX_GROUP_SOCKS));
    expect(full.listeners.filter((l) => l.state === "LISTEN").length).toBe(MAX_GROUP_SOCKS);
    const sc = scenario(MAX_GROUP_SOCKS);
    sc.listeners.push({ ...sc.listeners[0]!, name: "other", bind: "127.0.0.1" });
    expect(simulate(sc).listeners.at(-1)?.state).toBe("LISTEN");
  });
});
