// R12–R19: the migration decision, the three migration points and exactly where counters move.
import { describe, expect, it } from "vitest";
import { NO_GROUP } from "../../src/model/group.js";
import { RequestSock } from "../../src/model/sockets.js";
import { receiveAck, receiveSyn, requestTimer } from "../../src/model/tcp-input.js";
import { TCP_ESTABLISHED, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";
import { connect, flow, halfOpen, hashFor, prog, setup } from "./helpers.js";

const counts = (c: { TCPMigrateReqSuccess: number; TCPMigrateReqFailure: number }) => [
  c.TCPMigrateReqSuccess,
  c.TCPMigrateReqFailure,
];

describe("R12 reuseport_migrate_sock", () => {
  // Each row: setup → expected target name (or null) and the Failure delta.
  const cases: [
    string,
    { sysctl: number; attach: 39 | 40 | null; ret?: number; select?: string; detach?: boolean; empty?: boolean },
    string | null,
    number,
  ][] = [
    ["step 1 detached group: none, no count", { sysctl: 0, attach: null, detach: true }, null, 0],
    ["step 2 num_socks == 0: Failure", { sysctl: 1, attach: null, empty: true }, null, 1],
    ["step 4 no prog, sysctl 0: Failure", { sysctl: 0, attach: null }, null, 1],
    ["step 4 type-39 prog, sysctl 0: Failure", { sysctl: 0, attach: 39 }, null, 1],
    ["step 4 no prog, sysctl 1: hash", { sysctl: 1, attach: null }, "C", 0],
    ["step 4 type-39 prog, sysctl 1: hash, prog not run", { sysctl: 1, attach: 39, ret: 0 }, "C", 0],
    ["step 6 SK_PASS with selection", { sysctl: 0, attach: 40, ret: 1, select: "B" }, "B", 0],
    ["step 6 SK_PASS without selection: hash even with sysctl 0", { sysctl: 0, attach: 40, ret: 1 }, "C", 0],
    ["step 6 SK_DROP: Failure", { sysctl: 1, attach: 40, ret: 0 }, null, 1],
    ["step 6 other value: Failure", { sysctl: 1, attach: 40, ret: 2, select: "B" }, null, 1],
  ];
  it.each(cases)("%s", (_, c, want, fail) => {
    const { st, ls } = setup(["A", "B", "C"], { tcp_migrate_req: c.sysctl });
    const [a, b] = [ls[0]!, ls[1]!];
    const p =
      c.attach === null ? null : prog(c.attach, () => ({ ret: c.ret ?? 1, selected: c.select === "B" ? b : null }));
    if (p !== null) st.attachProgram(a, p);
    st.ns.sysctl.tcp_migrate_req = 1; // make A capable so it lands in the closed section
    st.shutdown(a, "rdwr"); // [C,B]
    st.ns.sysctl.tcp_migrate_req = c.sysctl; // re-read at each attempt
    if (c.detach === true) a.group = NO_GROUP;
    if (c.empty === true) {
      st.shutdown(b, "rdwr");
      st.shutdown(ls[2]!, "rdwr");
    }
    const req = new RequestSock(st.jar, flow(hashFor(0, 2)), a);
    const before = st.ns.counters.TCPMigrateReqFailure;
    const got = st.reuseportMigrate(a, req, req.flow.hash, 0);
    expect(got?.name ?? null).toBe(want);
    expect(st.ns.counters.TCPMigrateReqFailure - before).toBe(fail);
    if (p !== null && c.attach === 40 && c.detach !== true && c.empty !== true) {
      const call = p.calls.at(-1)!;
      expect([call.sk, call.migratingSk, call.hash, call.len]).toEqual([a, req, req.flow.hash, 0]);
    }
  });
});

describe("migration points", () => {
  it("R13 a clone keeps num_timeout, num_retrans, acked, hash and cookie and points at the target", () => {
    const { st, ls } = setup(["A", "B"]);
    const f = halfOpen(st, hashFor(0, 2));
    const r = f.ehash as RequestSock;
    Object.assign(r, { num_timeout: 2, num_retrans: 3, acked: true });
    const cookie = r.cookie;
    const n = st.cloneRequest(r, ls[1]!);
    expect([n.num_timeout, n.num_retrans, n.acked, n.hash, n.cookie, n.listener.name]).toEqual([
      2,
      3,
      true,
      r.hash,
      cookie,
      "B",
    ]);
  });

  it("R14 the accept queue migrates FIFO, appended at the target's tail with no backlog check; Success per child", () => {
    const { st, ls, log } = setup(["A", "B"], { tcp_migrate_req: 1 }, 2);
    const [a, b] = [ls[0]!, ls[1]!];
    const onB = [connect(st, hashFor(1, 2)), connect(st, hashFor(1, 2))];
    const onA = [1, 2, 3].map(() => connect(st, hashFor(0, 2)).f);
    expect([a.ackBacklog, b.ackBacklog, onB.map((x) => x.l)]).toEqual([3, 2, ["B", "B"]]);
    st.close(a);
    expect(b.acceptQueue.toArray().map((r) => r.flow.id)).toEqual([...onB.map((x) => x.f.id), ...onA.map((f) => f.id)]);
    expect(b.ackBacklog).toBe(5); // backlog 2, no check
    expect(counts(st.ns.counters)).toEqual([3, 0]);
    expect(log.migrations.map((m) => m.point)).toEqual(["close", "close", "close"]);
    expect(b.acceptQueue.at(4)!.child!.state).toBe(TCP_ESTABLISHED);
  });

  it("R14 no target: each child is reset; NEW_SYN_RECV requests are not touched at close", () => {
    const { st, ls, log } = setup(["A", "B"]);
    const a = ls[0]!;
    connect(st, hashFor(0, 2));
    const h = halfOpen(st, hashFor(0, 2));
    st.close(a);
    expect(log.resets).toEqual([{ flow: log.resets[0]!.flow, cause: "not-migrated" }]);
    expect(counts(st.ns.counters)).toEqual([0, 0]); // not capable: A was detached at R4, so R12 step 1 counts nothing
    expect((h.ehash as RequestSock).state).toBe(TCP_NEW_SYN_RECV);
  });

  it("R15 SYN-ACK timer of a request whose listener closed: clone on the target, qlen moved, Success", () => {
    const { st, ls, log } = setup(["A", "B"], { tcp_migrate_req: 1 });
    const [a, b] = [ls[0]!, ls[1]!];
    const f = halfOpen(st, hashFor(0, 2));
    st.close(a);
    expect([a.qlen, a.young, b.qlen]).toEqual([1, 1, 0]);
    st.now = 1_000_000;
    const resent = requestTimer(st, f.ehash as RequestSock);
    const r = f.ehash as RequestSock;
    expect([resent, r.listener.name, r.num_timeout, r.num_retrans, r.timerAt]).toEqual([true, "B", 1, 1, 3_000_000]);
    expect([a.qlen, a.young, b.qlen, b.young]).toEqual([0, 0, 1, 0]);
    expect(counts(st.ns.counters)).toEqual([1, 0]);
    expect(log.migrations).toEqual([{ flow: f.id, point: "timer", from: "A", to: "B" }]);
    expect(a.destroyed).toBe(true); // its last request left (R6)
  });

  it("R15 no target: silent drop from the old listener (qlen--, young--)", () => {
    const { st, ls, log } = setup(["A", "B"], { tcp_migrate_req: 1 });
    const f = halfOpen(st, hashFor(0, 2));
    st.close(ls[0]!);
    st.ns.sysctl.tcp_migrate_req = 0;
    requestTimer(st, f.ehash as RequestSock);
    expect([f.ehash, ls[0]!.qlen, ls[0]!.young, log.drops[0]!.cause]).toEqual([null, 0, 0, "not-migrated"]);
    expect(counts(st.ns.counters)).toEqual([0, 1]);
  });

  it("R15 expiry on the target: Failure, clone discarded, original dropped; retries use the target's TCP_SYNCNT", () => {
    const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1 });
    st.setSynRetries(ls[1]!, 2);
    const f = halfOpen(st, hashFor(0, 2));
    (f.ehash as RequestSock).num_timeout = 2;
    st.close(ls[0]!);
    requestTimer(st, f.ehash as RequestSock);
    expect([f.ehash, ls[1]!.qlen, ls[0]!.qlen]).toEqual([null, 0, 0]);
    expect(counts(st.ns.counters)).toEqual([0, 1]);
  });

  it("R15 backoff: 1 s, then min(1 s << num_timeout, 120 s); synack_retries expiry drops the request", () => {
    const { st } = setup(["A"], { tcp_synack_retries: 8 });
    const f = halfOpen(st, 1);
    const at: number[] = [(f.ehash as RequestSock).timerAt];
    while (f.ehash !== null) {
      st.now = (f.ehash as RequestSock).timerAt;
      requestTimer(st, f.ehash as RequestSock);
      if (f.ehash !== null) at.push((f.ehash as RequestSock).timerAt - st.now);
    }
    expect(at).toEqual([1e6, 2e6, 4e6, 8e6, 16e6, 32e6, 64e6, 120e6, 120e6]);
  });

  it("R15 young/qlen pruning lowers the retry budget when old requests clog the queue", () => {
    const { st, ls } = setup(["A"], { tcp_synack_retries: 5 }, 8);
    const fs = Array.from({ length: 8 }, (_, i) => halfOpen(st, i));
    for (const f of fs.slice(1)) requestTimer(st, f.ehash as RequestSock); // 7 old, 1 young
    expect([ls[0]!.qlen, ls[0]!.young]).toEqual([8, 1]);
    const r = fs[1]!.ehash as RequestSock;
    r.num_timeout = 3; // qlen 8*2 > 8; young 2,4,8: max 5→4→3→2? stops at qlen < young(16): max 3
    requestTimer(st, r);
    expect(fs[1]!.ehash).toBe(null);
  });

  it("R16 final ACK to a request whose listener closed: migrated to the target's accept queue, Success", () => {
    const { st, ls, log } = setup(["A", "B"], { tcp_migrate_req: 1 });
    const f = halfOpen(st, hashFor(0, 2));
    st.close(ls[0]!);
    const p = prog(40, () => ({ ret: 1, selected: null }));
    st.attachProgram(ls[1]!, p);
    const out = receiveAck(st, f, { dataLen: 12 });
    expect(out.kind === "queued" && out.listener.name).toBe("B");
    expect(p.calls[0]!.len).toBe(32 + 12); // ctx len: header with the timestamp option + payload
    expect([ls[1]!.ackBacklog, ls[0]!.qlen, log.migrations[0]!.point]).toEqual([1, 0, "ack"]);
    expect(counts(st.ns.counters)).toEqual([1, 0]);
  });

  it("R16 no target: the request is dropped and the ACK looked up again → RST", () => {
    const { st, ls } = setup(["A", "B"]);
    const f = halfOpen(st, hashFor(0, 2));
    st.close(ls[0]!);
    const out = receiveAck(st, f);
    expect(out).toEqual({ kind: "rst", cause: "no-request" });
    expect([ls[0]!.qlen, st.ns.counters.OutRsts]).toEqual([0, 1]);
  });

  it("R16 target accept queue full: Failure + ListenOverflows; abort_on_overflow 0 keeps the request acked on the old listener, 1 resets", () => {
    for (const abort of [0, 1]) {
      const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1, tcp_abort_on_overflow: abort }, 1);
      const b = ls[1]!;
      connect(st, hashFor(1, 2));
      connect(st, hashFor(1, 2)); // B: ack_backlog 2 > 1 → full
      const f = halfOpen(st, hashFor(0, 2));
      st.close(ls[0]!);
      const out = receiveAck(st, f);
      const c = st.ns.counters;
      expect([out.kind, c.TCPMigrateReqFailure, c.ListenOverflows, c.TCPMigrateReqSuccess]).toEqual([
        abort === 0 ? "kept" : "rst",
        1,
        1,
        0,
      ]);
      if (abort === 0)
        expect([(f.ehash as RequestSock).acked, (f.ehash as RequestSock).listener.name]).toEqual([true, "A"]);
      else expect([f.ehash, b.qlen]).toEqual([null, -1]); // accounted against the target (spec §6)
    }
  });

  it("R16 the target's TCP_DEFER_ACCEPT applies: a bare ACK is held, data completes it", () => {
    const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1 });
    st.setDeferAccept(ls[1]!, 5);
    const f = halfOpen(st, hashFor(0, 2));
    st.close(ls[0]!);
    expect(receiveAck(st, f).kind).toBe("kept");
    expect(counts(st.ns.counters)).toEqual([0, 0]);
    expect(receiveAck(st, f, { dataLen: 12 }).kind).toBe("queued");
    expect(counts(st.ns.counters)).toEqual([1, 0]);
  });

  it("R17 syncookie connections have no request: the ACK takes the normal lookup", () => {
    const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1, tcp_syncookies: 2 });
    const f = flow(hashFor(0, 2));
    expect(receiveSyn(st, f).kind).toBe("cookie");
    st.close(ls[0]!);
    const out = receiveAck(st, f, { dataLen: 12 });
    expect(out.kind === "queued" && out.listener.name).toBe("B");
    expect([st.ns.counters.SyncookiesSent, st.ns.counters.SyncookiesRecv, ...counts(st.ns.counters)]).toEqual([
      1, 1, 0, 0,
    ]);
  });

  it("R18 Success counts only at commit: close queue-add, hashdance queue-add, timer ehash replace", () => {
    const { st, ls } = setup(["A", "B", "C"], { tcp_migrate_req: 1 });
    connect(st, hashFor(0, 3));
    const t = halfOpen(st, hashFor(0, 3));
    const k = halfOpen(st, hashFor(0, 3));
    st.close(ls[0]!);
    expect(st.ns.counters.TCPMigrateReqSuccess).toBe(1);
    requestTimer(st, t.ehash as RequestSock);
    expect(st.ns.counters.TCPMigrateReqSuccess).toBe(2);
    receiveAck(st, k);
    expect(counts(st.ns.counters)).toEqual([3, 0]);
  });

  it("R19 Failure: target not LISTEN at queue-add (close and hashdance), overflow on a target; none for a detached group", () => {
    const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1 });
    const notListening = st.socket("Z"); // a never-listening member selected by the prog
    const p = prog(40, (i) => ({ ret: 1, selected: i.migratingSk !== null ? notListening : null }));
    st.attachProgram(ls[0]!, p);
    const c1 = connect(st, hashFor(0, 2));
    const k = halfOpen(st, hashFor(0, 2));
    st.close(ls[0]!);
    expect(counts(st.ns.counters)).toEqual([0, 1]);
    expect(receiveAck(st, k).kind).toBe("rst");
    expect(counts(st.ns.counters)).toEqual([0, 2]);
    expect(c1.f.ehash).toBe(null);
    // Detached group (not capable at close): no Failure at the timer.
    const s2 = setup(["X", "Y"]);
    const h = halfOpen(s2.st, hashFor(0, 2));
    s2.st.close(s2.ls[0]!);
    requestTimer(s2.st, h.ehash as RequestSock);
    expect(counts(s2.st.ns.counters)).toEqual([0, 0]);
  });
});
