// Clients that complete the handshake with a bare ACK and send data later (TCP_DEFER_ACCEPT as the
// kernel's tcp_check_req and reqsk_timer_handler do it), and ctx `len` as the real segment length
// (TCP header with options plus payload; measured on this machine's kernel: SYN 40, a 25-byte
// data segment 57, and 32 / 45 with tcp_timestamps=0).
import { describe, expect, it } from "vitest";
import type { ReuseportProgram, ReuseportRunInput } from "../../src/model/program.js";
import { validateScenario } from "../../src/model/scenario.js";
import { simulate } from "../../src/model/simulator.js";

const run = (json: object): ReturnType<typeof simulate> =>
  simulate(validateScenario({ durationMs: 20_000, ...json }, "t.json"), { keepConnections: true });

describe("data after a bare ACK", () => {
  it("a deferring listener drops the bare ACK, then makes the child when the data comes", () => {
    for (const after of [1, 250, 999, 2500]) {
      const r = run({
        listeners: [{ name: "L", deferAcceptSec: 5, listenAt: 0 }],
        clients: [{ count: 3, rate: 100, ackDelayMs: 0.1, dataBytes: 100, dataAfterMs: after }],
      });
      expect(r.counters.TCPDeferAcceptDrop).toBe(3); // one bare ACK each: 5 s is 3 retransmits, none resent before 7 s
      for (const c of r.connectionRecords!) {
        expect(c.fate).toBe("accepted");
        expect(c.endAtMs).toBeCloseTo(c.synAtMs + 0.1 + after, 3);
      }
    }
  });

  it("with no data in time, the SYN-ACK resent at num_timeout = defer-1 draws a bare ACK that makes the child", () => {
    // deferAcceptSec 3 -> 2 retransmits (secs_to_retrans): timers at 1 s (no resend) and 3 s (resend).
    const r = run({
      listeners: [{ name: "L", deferAcceptSec: 3, listenAt: 0 }],
      clients: [{ count: 1, ackDelayMs: 0.1, dataBytes: 100, dataAtMs: 15_000 }],
    });
    expect(r.connectionRecords![0]).toMatchObject({ fate: "accepted", endAtMs: 3000 });
    expect(r.counters.TCPDeferAcceptDrop).toBe(1);
  });

  it("a listener without defer-accept makes the child at the bare ACK, as before", () => {
    const r = run({
      listeners: [{ name: "L", listenAt: 0 }],
      clients: [{ count: 2, rate: 10, ackDelayMs: 2, dataBytes: 10, dataAfterMs: 700 }],
    });
    expect(r.connectionRecords!.map((c) => c.endAtMs)).toEqual([2, 102]);
    expect(r.counters.TCPDeferAcceptDrop).toBe(0);
  });

  it("a held request migrates at its SYN-ACK timer to a listener without defer-accept and completes there", () => {
    const r = run({
      sysctls: { tcp_migrate_req: 1 },
      listeners: [
        { name: "old", deferAcceptSec: 10, listenAt: 0 },
        { name: "new", listenAt: 0 },
      ],
      clients: [{ count: 40, rate: 0, ackDelayMs: 0.1, dataBytes: 10, dataAfterMs: 5000 }],
      events: [{ at: 200, do: "close", listener: "old" }],
    });
    const onOld = r.connectionRecords!.filter((c) => c.listener === "old");
    expect(onOld.length).toBeGreaterThan(5);
    for (const c of onOld) {
      // Timer at 1 s: migrated (R15), SYN-ACK resent from "new", the bare ACK makes the child there.
      expect(c).toMatchObject({ fate: "accepted", by: "new", endAtMs: 1000 });
      expect(c.migrations.map((m) => m.point)).toEqual(["timer"]);
    }
    expect(r.counters.TCPDeferAcceptDrop).toBe(onOld.length);
    expect(r.counters.TCPMigrateReqSuccess).toBe(onOld.length);
  });

  it("refuses data timing without data, with TFO, or both fields at once (JSON pointer)", () => {
    const bad = (c: object): string => {
      try {
        validateScenario({ durationMs: 10, listeners: [{ name: "L" }], clients: [{ count: 1, ...c }] }, "x.json");
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad({ dataAfterMs: 5 })).toBe(
      'x.json: /clients/0/dataAfterMs: a client that sends data later needs "dataBytes" > 0',
    );
    expect(bad({ dataAtMs: 5, dataBytes: 1, fastOpen: true })).toContain("/clients/0/dataAtMs: a TFO client");
    expect(bad({ dataAtMs: 5, dataAfterMs: 1, dataBytes: 1 })).toContain(
      "/clients/0/dataAfterMs: expected at most one",
    );
  });
});

describe("ctx len", () => {
  /** A program that records every run's (migrating?, len) and passes. */
  function recorder(): { prog: ReuseportProgram; seen: string[] } {
    const seen: string[] = [];
    const prog: ReuseportProgram = {
      attachType: 40,
      run(i: ReuseportRunInput) {
        seen.push(`${i.migratingSk === null ? "select" : "migrate"} ${i.len}`);
        return { ret: 1, selected: null };
      },
    };
    return { prog, seen };
  }

  for (const ts of [1, 0]) {
    it(`SYN, ACK and data segments with tcp_timestamps=${ts}`, () => {
      const { prog, seen } = recorder();
      const sc = validateScenario(
        {
          durationMs: 10_000,
          sysctls: { tcp_migrate_req: 1, tcp_timestamps: ts },
          listeners: [
            { name: "a", deferAcceptSec: 10, listenAt: 0 },
            { name: "b", listenAt: 0 },
          ],
          clients: [
            { name: "later", count: 20, rate: 0, ackDelayMs: 1, dataBytes: 25, dataAfterMs: 300 },
            { name: "with-ack", count: 20, rate: 0, startMs: 1, ackDelayMs: 1, dataBytes: 7 },
          ],
          events: [
            { at: 0, do: "attach", via: "a", policy: "rec" },
            { at: 100, do: "close", listener: "a" },
          ],
        },
        "len.json",
      );
      simulate(sc, { programs: new Map([["rec", prog]]) });
      const syn = ts ? 40 : 32;
      const seg = ts ? 32 : 20;
      expect(new Set(seen.filter((x) => x.startsWith("select")))).toEqual(new Set([`select ${syn}`]));
      // Deferred requests on "a" migrate when their data segment (25 bytes) arrives at 301 ms (R16).
      expect(seen).toContain(`migrate ${seg + 25}`);
      expect(seen.every((x) => x.startsWith("select") || x === `migrate ${seg + 25}` || x === "migrate 0")).toBe(true);
    });
  }
});
