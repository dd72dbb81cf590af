// The `--ndjson` path writes records straight from the simulator's fields (ConnectionSink), and
// clients waiting to resend a dropped SYN are parked as typed-array rows in one FIFO per SYN
// count (SynRetries): neither may change a byte. Random scenarios (retries, cookies, migrations,
// clients still waiting at the end) are run once keeping every record and once through the
// writer; the file must be exactly the kept records, JSON.stringify'd one per line, in order.
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NdjsonWriter } from "../../src/model/ndjson.js";
import { validateScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";
import { type ParkedRow, SynRetries } from "../../src/model/syn-retries.js";
import { runs } from "../support/runs.js";

const dir = mkdtempSync(join(tmpdir(), "baton-sink-"));

function viaSink(sc: ReturnType<typeof validateScenario>, seed?: number): string {
  const f = join(dir, "s.ndjson");
  const fd = openSync(f, "w");
  const w = new NdjsonWriter(fd);
  try {
    simulate(sc, { sink: w, ...(seed !== undefined ? { seed } : {}) });
  } finally {
    w.flush();
    closeSync(fd);
  }
  return readFileSync(f, "utf8");
}

function kept(sc: ReturnType<typeof validateScenario>, seed?: number): string {
  const r = simulate(sc, { keepConnections: true, ...(seed !== undefined ? { seed } : {}) });
  return r.connectionRecords!.map((x) => `${JSON.stringify(x)}\n`).join("");
}

const scenarioArb = fc.record({
  listeners: fc.array(
    fc.record({
      backlog: fc.constantFrom(1, 2, 8, 64),
      acceptRate: fc.constantFrom(null, 0, 20, 500),
      deferAcceptSec: fc.constantFrom(0, 0, 2),
      closeAt: fc.option(fc.integer({ min: 0, max: 4000 })),
      name: fc.constantFrom("a", "old-worker", 'q"uote', "é", "x".repeat(200)),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  clients: fc.array(
    fc.record({
      count: fc.integer({ min: 0, max: 150 }),
      rate: fc.constantFrom(0, 50, 1000),
      startMs: fc.integer({ min: 0, max: 2000 }),
      ackDelayMs: fc.constantFrom(0, 0.1, 7, 1500, null),
      dataBytes: fc.constantFrom(0, 100),
      src: fc.constantFrom("10.0.0.1", "192.168.255.254", "255.255.255.250"),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  sysctls: fc.record({
    tcp_syncookies: fc.constantFrom(0, 1, 2),
    tcp_migrate_req: fc.constantFrom(0, 1),
    tcp_syn_retries: fc.constantFrom(1, 3, 6),
  }),
  durationMs: fc.constantFrom(500, 3000, 9000),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
});

describe("ndjson through the simulator's sink", () => {
  it("gives exactly the kept records' JSON, in order (property)", () => {
    let parkedAtEnd = 0;
    let retried = 0;
    fc.assert(
      fc.property(scenarioArb, (g) => {
        const names = g.listeners.map((l, i) => `${l.name}${i}`);
        const sc = validateScenario(
          {
            durationMs: g.durationMs,
            sampleMs: 100,
            seed: g.seed,
            sysctls: g.sysctls,
            listeners: g.listeners.map((l, i) => ({
              name: names[i],
              backlog: l.backlog,
              acceptRate: l.acceptRate,
              deferAcceptSec: l.deferAcceptSec,
              listenAt: 0,
            })),
            clients: g.clients.map((c, i) => ({ name: `c${i}`, ...c, srcPort: 60000 + i })),
            events: g.listeners.flatMap((l, i) =>
              l.closeAt === null ? [] : [{ at: l.closeAt, do: "close", listener: names[i] }],
            ),
          },
          "prop.json",
        );
        const text = viaSink(sc);
        expect(text).toBe(kept(sc));
        // What the property reached: clients that resent a SYN, and ones still waiting at the end.
        const r = simulate(sc);
        if (r.counters.TCPReqQFullDrop + r.counters.ListenOverflows > 0) retried++;
        if (text.includes('"listener":null,"migrations":[],"fate":"open"')) parkedAtEnd++;
      }),
      { numRuns: runs(120), seed: 1919 },
    );
    expect(retried).toBeGreaterThan(10);
    expect(parkedAtEnd).toBeGreaterThan(3);
  });

  it("keeps a waiting client's id, source, hash and first-SYN time across its retries", () => {
    const sc = validateScenario(
      {
        durationMs: 20_000,
        sysctls: { tcp_syncookies: 0, tcp_syn_retries: 4 },
        listeners: [{ name: "L", backlog: 2, acceptRate: 1, listenAt: 0 }],
        clients: [{ name: "burst", count: 40, rate: 0, ackDelayMs: 0.1 }],
      },
      "retry.json",
    );
    const recs = simulate(sc, { keepConnections: true }).connectionRecords!;
    expect(recs.length).toBe(40);
    const retriedLater = recs.filter((r) => r.fate === "accepted" && r.endAtMs >= 1000);
    expect(retriedLater.length).toBeGreaterThan(0);
    for (const r of recs) expect(r.synAtMs).toBe(0); // all first sent at 0, whatever the retries
    expect(new Set(recs.map((r) => r.src)).size).toBe(40);
    expect(recs.filter((r) => r.fate === "open").map((r) => r.id)).toEqual(
      recs
        .filter((r) => r.fate === "open")
        .map((r) => r.id)
        .sort((a, b) => a - b),
    );
    expect(viaSink(sc)).toBe(kept(sc));
  });
});

describe("flood clients answered with a syncookie", () => {
  it("wait as rows and end as open, in id order, with their listener and one SYN-ACK", () => {
    const sc = validateScenario(
      {
        durationMs: 3000,
        listeners: [
          { name: "L", backlog: 16, acceptRate: 10, listenAt: 0 },
          { name: "M", backlog: 16, acceptRate: 10, listenAt: 0 },
        ],
        clients: [
          { name: "flood", count: 3000, rate: 2000, ackDelayMs: null },
          { name: "real", count: 50, rate: 20, startMs: 5, ackDelayMs: 0.1, srcPort: 40000 },
        ],
      },
      "flood.json",
    );
    const r = simulate(sc, { keepConnections: true });
    const recs = r.connectionRecords!;
    const open = recs.filter((c) => c.fate === "open");
    expect(open.length).toBeGreaterThan(2500);
    expect(open.map((c) => c.id)).toEqual([...open.map((c) => c.id)].sort((a, b) => a - b));
    for (const c of open.filter((x) => x.client === "flood" && x.cause === "in-flight"))
      expect(["L", "M"]).toContain(c.listener);
    expect(r.counters.SyncookiesSent).toBeGreaterThan(2500);
    expect(viaSink(sc)).toBe(kept(sc));
  });
});

describe("SynRetries", () => {
  it("keeps one FIFO per SYN count and lists what is left by id (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 5 })), { maxLength: 40_000 }), (ops) => {
        const s = new SynRetries();
        const model = new Map<number, { id: number; group: number; index: number; seq: number }[]>();
        const row: ParkedRow = { id: 0, group: 0, index: 0, seq: 0, tries: 0 };
        let id = 0;
        for (const [add, tries] of ops) {
          const fifo = model.get(tries) ?? [];
          model.set(tries, fifo);
          if (add || fifo.length === 0) {
            id += 1 + (id % 3);
            const r = { id, group: id % 9000, index: (id * 7) >>> 0, seq: id * 2 + 1 };
            expect(s.park(tries, r.id, r.group, r.index, r.seq)).toBe(fifo.length === 0);
            fifo.push(r);
          } else {
            expect(s.front(tries, row)).toBe(true);
            expect(row).toEqual({ ...fifo[0], tries });
            s.shift(tries);
            fifo.shift();
          }
        }
        const left = [...model.entries()]
          .flatMap(([tries, f]) => f.map((r) => ({ ...r, tries })))
          .sort((a, b) => a.id - b.id);
        expect(s.size).toBe(left.length);
        const seen: ParkedRow[] = [];
        s.eachById(id + 1, row, () => seen.push({ ...row }));
        expect(seen).toEqual(left);
      }),
      { numRuns: runs(25), seed: 7 },
    );
  });

  it("crosses chunk boundaries: 50,000 rows in one FIFO, drained in order, chunks reused", () => {
    const s = new SynRetries();
    const row: ParkedRow = { id: 0, group: 0, index: 0, seq: 0, tries: 0 };
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i <= 50_000; i++) expect(s.park(2, i, i % 7, i * 3, i + 70_000)).toBe(i === 1);
      for (let i = 1; i <= 50_000; i++) {
        expect(s.front(2, row)).toBe(true);
        expect([row.id, row.group, row.index, row.seq]).toEqual([i, i % 7, i * 3, i + 70_000]);
        s.shift(2);
      }
      expect([s.size, s.front(2, row)]).toEqual([0, false]);
    }
  });
});

describe("parked rows' event numbers", () => {
  it("keep every value below 2^32, and a larger one is a located model error, not a wrap", () => {
    const s = new SynRetries();
    const row: ParkedRow = { id: 0, group: 0, index: 0, seq: 0, tries: 0 };
    s.park(1, 1, 0, 0, 0xffffffff);
    expect(s.front(1, row)).toBe(true);
    expect(row.seq).toBe(0xffffffff);
    expect(() => s.park(1, 2, 0, 0, 2 ** 32)).toThrow(/at most 2\^32 events fit/);
  });
});
