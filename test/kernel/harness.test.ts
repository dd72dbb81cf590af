// Kernel socket harness: real SO_REUSEPORT migration on loopback, each run in its own network
// namespace. The figures asserted here are what Linux 6.18 did; the socket model is compared
// with them. Queue lengths depend on the boot-time hash secret, so expectations are written in
// terms of the `queues` step taken just before a listener stops (never as fixed client ids).
import { describe, expect, it } from "vitest";
import {
  kernelNamespaceAvailability,
  queueOf,
  runKernelScenario,
  scaleHash,
  type KernelScenarioResult,
} from "../../src/kernel/harness.js";
import type { KernelStep } from "../../src/kernel/scenario.js";
import { BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../../src/vm/program-type.js";
import { dropOnMigrate, migrateToSlot, passAll, returnConst } from "../../src/kernel/programs.js";

const avail = kernelNamespaceAvailability();
if (!avail.available) console.warn(`kernel harness tests skipped: ${avail.reason}`);
const skip = !avail.available;

const MIGRATE = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
const migrateReq = (v: 0 | 1): KernelStep => ({ op: "sysctl", name: "net.ipv4.tcp_migrate_req", value: v });
const fourListeners: KernelStep[] = [0, 1, 2, 3].map((listener) => ({ op: "listen", listener }));

const count = (r: KernelScenarioResult, pred: (c: KernelScenarioResult["clients"][number]) => boolean): number =>
  r.clients.filter(pred).length;
const byListener = (r: KernelScenarioResult, l: number): number => count(r, (c) => c.acceptedBy === l);
const delta = (r: KernelScenarioResult) => r.counters.delta;

describe(`kernel reuseport harness${skip ? ` (skipped: ${avail.reason})` : ""}`, () => {
  // 4 listeners, 20 clients (handshake complete, in accept queues), listener 0 stops.
  const stopL0 = (pre: KernelStep[], stop: "close" | "shutdown" = "close", setup: KernelStep[] = []): KernelStep[] => [
    ...pre,
    ...fourListeners,
    ...setup,
    { op: "connect", count: 20 },
    { op: "queues" },
    { op: stop, listener: 0 },
    { op: "accept" },
  ];
  const qIndex = (steps: KernelStep[]): number => steps.findIndex((s) => s.op === "queues");

  it.skipIf(skip)(
    "(a) tcp_migrate_req=0: close resets listener 0's queued children; no migration counter moves",
    async () => {
      const steps = stopL0([migrateReq(0)]);
      const r = await runKernelScenario({ steps });
      const q0 = queueOf(r, qIndex(steps), 0);
      expect(count(r, (c) => c.connected)).toBe(20);
      expect(count(r, (c) => c.status === "reset")).toBe(q0);
      expect(count(r, (c) => c.status === "accepted")).toBe(20 - q0);
      // Not migration-capable (R4): the listener is fully detached, so R12 step 1 counts nothing.
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([0, 0]);
      expect(delta(r).OutRsts).toBe(q0);
    },
  );

  it.skipIf(skip).each(["close", "shutdown"] as const)(
    "(b) tcp_migrate_req=1: %s migrates every queued child (Success = queue length)",
    async (stop) => {
      const steps = stopL0([migrateReq(1)], stop);
      const r = await runKernelScenario({ steps });
      const qi = qIndex(steps);
      const q0 = queueOf(r, qi, 0);
      expect(count(r, (c) => c.status === "accepted")).toBe(20);
      expect(byListener(r, 0)).toBe(0);
      for (const l of [1, 2, 3]) expect(byListener(r, l)).toBeGreaterThanOrEqual(queueOf(r, qi, l));
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure, delta(r).OutRsts]).toEqual([q0, 0, 0]);
    },
  );

  it.skipIf(skip)(
    "(c) a SELECT_OR_MIGRATE program returning SK_DROP on migration: Failure = queue length, those clients reset",
    async () => {
      const steps = stopL0([], "close", [{ op: "attach", listener: 0, attachType: MIGRATE, program: dropOnMigrate() }]);
      const r = await runKernelScenario({ steps });
      expect(r.steps[4]).toMatchObject({ op: "attach", ok: true });
      const q0 = queueOf(r, qIndex(steps), 0);
      expect(count(r, (c) => c.status === "reset")).toBe(q0);
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure, delta(r).OutRsts]).toEqual([0, q0, q0]);
    },
  );

  it.skipIf(skip)(
    "(c') tcp_migrate_req=0 but an attach-type-40 program returning SK_PASS without selecting: hash migration (R12 step 6)",
    async () => {
      const steps = stopL0([migrateReq(0)], "close", [
        { op: "attach", listener: 0, attachType: MIGRATE, program: passAll() },
      ]);
      const r = await runKernelScenario({ steps });
      const q0 = queueOf(r, qIndex(steps), 0);
      expect(count(r, (c) => c.status === "accepted")).toBe(20);
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([q0, 0]);
    },
  );

  it.skipIf(skip)(
    "(d) a program selecting listener 2 through a sockarray: every migrated child lands on 2",
    async () => {
      const steps: KernelStep[] = [
        ...fourListeners,
        { op: "sockarray", map: 1, maxEntries: 4 },
        ...[0, 1, 2, 3].map((l): KernelStep => ({ op: "slot", map: 1, key: l, listener: l })),
        { op: "attach", listener: 0, attachType: MIGRATE, program: migrateToSlot(1, 2) },
        { op: "connect", count: 20 },
        { op: "queues" },
        { op: "close", listener: 0 },
        { op: "accept" },
      ];
      const r = await runKernelScenario({ steps });
      expect(r.steps.every((s) => s.ok !== false)).toBe(true);
      const qi = qIndex(steps);
      const q0 = queueOf(r, qi, 0);
      expect(byListener(r, 2)).toBe(queueOf(r, qi, 2) + q0);
      expect(byListener(r, 1)).toBe(queueOf(r, qi, 1));
      expect(byListener(r, 3)).toBe(queueOf(r, qi, 3));
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([q0, 0]);
    },
  );

  // (e) Requests held in NEW_SYN_RECV by TCP_DEFER_ACCEPT (the bare ACK is dropped: TCPDeferAcceptDrop),
  // all on listener 0 (alone at connect time); then listener 1 starts and listener 0 closes.
  const deferred = (migrate: 0 | 1, waitBeforeData: number): KernelStep[] => [
    migrateReq(migrate),
    { op: "listen", listener: 0, deferAcceptSec: 5 },
    { op: "connect", count: 10, waitMs: 500 },
    { op: "queues" },
    { op: "listen", listener: 1, deferAcceptSec: 5 },
    { op: "close", listener: 0 },
    ...(waitBeforeData > 0 ? [{ op: "sleep", ms: waitBeforeData } as const] : []),
    { op: "send" },
    { op: "sleep", ms: 300 },
    { op: "accept" },
  ];

  it.skipIf(skip).each([
    ["data right after close (final ACK, R16)", 0],
    ["data after the first SYN-ACK timer (R15)", 1800],
  ])("(e) tcp_migrate_req=1, deferred requests migrate: %s", async (_name, wait) => {
    const r = await runKernelScenario({ steps: deferred(1, wait) });
    expect(queueOf(r, 3, 0)).toBe(0); // nothing reached the accept queue
    expect(r.steps[3]!.counters.TCPDeferAcceptDrop).toBe(10);
    expect(byListener(r, 1)).toBe(10);
    expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([10, 0]);
  });

  it.skipIf(skip)(
    "(e') tcp_migrate_req=0: deferred requests are not migrated; the data is answered with RST",
    async () => {
      const r = await runKernelScenario({ steps: deferred(0, 0) });
      expect(count(r, (c) => c.status === "reset")).toBe(10);
      expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure, delta(r).OutRsts]).toEqual([0, 0, 10]);
    },
  );

  it.skipIf(skip)(
    "(e'') final ACK into a full target queue (R16): 2 fit (queue > backlog 1 is the full test), 4 fail with ListenOverflows",
    async () => {
      const r = await runKernelScenario({
        steps: [
          migrateReq(1),
          { op: "listen", listener: 0, deferAcceptSec: 5 },
          { op: "connect", count: 6, waitMs: 500 },
          { op: "listen", listener: 1, backlog: 1, deferAcceptSec: 5 },
          { op: "close", listener: 0 },
          { op: "send" },
          { op: "sleep", ms: 100 },
          { op: "queues" },
        ],
      });
      const c = r.steps[6]!.counters;
      expect(r.steps[7]!.queues!.map((q) => [q.acceptQueue, q.backlog])).toEqual([[2, 1]]);
      expect(c.TCPMigrateReqSuccess).toBe(2);
      // Each refused final ACK counts Failure and ListenOverflows once (client retransmissions add more).
      expect(c.TCPMigrateReqFailure).toBeGreaterThanOrEqual(4);
      expect(c.ListenOverflows).toBe(c.TCPMigrateReqFailure);
    },
  );

  it.skipIf(skip)("(f) an attach-type-39 program does not make close migration-capable (R4)", async () => {
    const steps = stopL0([], "close", [
      { op: "attach", listener: 0, attachType: BPF_SK_REUSEPORT_SELECT, program: passAll() },
    ]);
    const r = await runKernelScenario({ steps });
    const q0 = queueOf(r, qIndex(steps), 0);
    expect(count(r, (c) => c.status === "reset")).toBe(q0);
    expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([0, 0]);
  });

  it.skipIf(skip)("(g) a program returning 2 (accepted by the verifier) refuses every SYN with RST (R10)", async () => {
    const r = await runKernelScenario({
      steps: [
        { op: "listen", listener: 0 },
        { op: "listen", listener: 1 },
        { op: "attach", listener: 0, attachType: MIGRATE, program: returnConst(2) },
        { op: "connect", count: 4, waitMs: 300 },
        { op: "accept" },
      ],
    });
    expect(r.clients.map((c) => c.status)).toEqual(["refused", "refused", "refused", "refused"]);
    expect([delta(r).OutRsts, delta(r).AttemptFails]).toEqual([4, 4]);
  });

  it.skipIf(skip)(
    "(h) migration at close ignores the target's backlog (R14): 6 children into a backlog-1 listener",
    async () => {
      const r = await runKernelScenario({
        steps: [
          migrateReq(1),
          { op: "listen", listener: 0 },
          { op: "connect", count: 6 },
          { op: "listen", listener: 1, backlog: 1 },
          { op: "close", listener: 0 },
          { op: "queues" },
          { op: "accept" },
        ],
      });
      expect(r.steps[5]!.queues).toEqual([{ listener: 1, port: r.port, state: "LISTEN", acceptQueue: 6, backlog: 1 }]);
      expect(byListener(r, 1)).toBe(6);
      expect([delta(r).TCPMigrateReqSuccess, delta(r).ListenOverflows]).toEqual([6, 0]);
    },
  );

  it.skipIf(skip)("(i) a program returning 2 at migration counts as a refusal: Failure = queue length", async () => {
    const steps: KernelStep[] = [
      { op: "listen", listener: 0 },
      { op: "listen", listener: 1 },
      { op: "connect", count: 8 },
      { op: "attach", listener: 0, attachType: MIGRATE, program: returnConst(2) },
      { op: "queues" },
      { op: "close", listener: 0 },
      { op: "accept" },
    ];
    const r = await runKernelScenario({ steps });
    const q0 = queueOf(r, 4, 0);
    expect(count(r, (c) => c.status === "reset")).toBe(q0);
    expect([delta(r).TCPMigrateReqSuccess, delta(r).TCPMigrateReqFailure]).toEqual([0, q0]);
  });

  it.skipIf(skip)(
    "(j) a port-0 listener re-listening after shutdown lands on a new port, outside the group (R7)",
    async () => {
      const r = await runKernelScenario({
        steps: [
          migrateReq(1),
          { op: "listen", listener: 0 },
          { op: "listen", listener: 1 },
          { op: "connect", count: 6 },
          { op: "shutdown", listener: 0 },
          { op: "listen", listener: 0 },
          { op: "connect", count: 6 },
          { op: "queues" },
          { op: "shutdown", listener: 1 },
          { op: "accept" },
        ],
      });
      const q = r.steps[7]!.queues!;
      expect(q[0]!.port).not.toBe(r.port);
      expect(q.map((x) => x.acceptQueue)).toEqual([0, 12]);
      // Listener 1 was alone in its group: every child fails at R12 step 2 (num_socks == 0).
      expect(count(r, (c) => c.status === "reset")).toBe(12);
      expect(r.steps[8]!.counters.TCPMigrateReqFailure).toBe(12);
    },
  );

  // Exact, per client: the recorded SYN hash predicts the listener (R11) and, after stops, the
  // migration target over the listening section rearranged by move-last-into-hole (R4b, R12 step 7).
  it.skipIf(skip)("(k) hash pick and migration targets follow scale(hash, n) over socks[] exactly", async () => {
    const r = await runKernelScenario({
      steps: [
        migrateReq(1),
        ...fourListeners,
        { op: "hashes", listener: 0 },
        { op: "connect", count: 40 },
        { op: "queues" },
        { op: "close", listener: 0 },
        { op: "close", listener: 1 },
        { op: "accept" },
      ],
    });
    expect(r.steps[5]).toMatchObject({ op: "hashes", ok: true });
    const before = [0, 0, 0, 0];
    const predicted = r.clients.map((c) => {
      expect(c.hash).toBeGreaterThanOrEqual(0);
      let at = [0, 1, 2, 3][scaleHash(c.hash, 4)]!; // socks = [0,1,2,3]
      before[at]!++;
      if (at === 0) at = [3, 1, 2][scaleHash(c.hash, 3)]!; // close 0: socks[0] = socks[3]
      if (at === 1) at = [3, 2][scaleHash(c.hash, 2)]!; // close 1: socks[1] = socks[2]
      return at;
    });
    expect([0, 1, 2, 3].map((l) => queueOf(r, 7, l))).toEqual(before);
    expect(r.clients.map((c) => c.acceptedBy)).toEqual(predicted);
    // Children of 0 that went to 1 migrate again when 1 closes: each move counts once.
    const moved0 = before[0]!;
    const via1 = r.clients.filter((c) => scaleHash(c.hash, 4) === 0 && [3, 1, 2][scaleHash(c.hash, 3)] === 1).length;
    expect(delta(r).TCPMigrateReqSuccess).toBe(moved0 + before[1]! + via1);
  });

  it.skipIf(skip)("(l) TCP Fast Open clients (data in the SYN) are children like any other at close", async () => {
    const steps: KernelStep[] = [
      { op: "sysctl", name: "net.ipv4.tcp_fastopen", value: 0x207 }, // client+server, no cookie needed
      migrateReq(1),
      { op: "listen", listener: 0, fastOpenQlen: 16 },
      { op: "listen", listener: 1, fastOpenQlen: 16 },
      { op: "connect", count: 6, fastOpen: true },
      { op: "queues" },
      { op: "close", listener: 0 },
      { op: "accept" },
    ];
    const r = await runKernelScenario({ steps });
    expect(r.steps[4]!.counters.TCPFastOpenPassive).toBe(6);
    expect(byListener(r, 1)).toBe(6);
    expect(delta(r).TCPMigrateReqSuccess).toBe(queueOf(r, 5, 0));
  });

  it.skipIf(skip)(
    "reports a failed step with its errno instead of stopping (bind of a second listener 0)",
    async () => {
      const r = await runKernelScenario({
        steps: [
          { op: "listen", listener: 0 },
          { op: "listen", listener: 0 },
          { op: "close", listener: 3 },
        ],
      });
      expect(r.steps.map((s) => [s.op, s.ok, s.errno])).toEqual([
        ["listen", true, 0],
        ["listen", false, 114],
        ["close", false, 9],
      ]);
    },
  );
});
