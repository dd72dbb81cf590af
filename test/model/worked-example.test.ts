// Spec §3 (kernel hash fallback with exact targets by hash range) and §4 (the kernel
// selftest's migrate_reuseport dance, with its BPF program written as a plain TS program).
import { describe, expect, it } from "vitest";
import type { ReuseportProgram } from "../../src/model/program.js";
import { type Listener, RequestSock } from "../../src/model/sockets.js";
import type { TcpStack } from "../../src/model/stack.js";
import { receiveAck, receiveSyn, requestTimer } from "../../src/model/tcp-input.js";
import { TCP_ESTABLISHED, TCP_SYN_RECV, type VmSocket } from "../../src/vm/socket.js";
import { flow, names, prog, setup } from "./helpers.js";

describe("spec §3 worked example", () => {
  it("closing A then B spreads children by scale(hash, n) over the section at that moment; B re-listens at the tail", () => {
    const { st, ls, log } = setup(["A", "B", "C", "D"], { tcp_migrate_req: 1 });
    const [a, b] = [ls[0]!, ls[1]!];
    // A type-39 prog pins every new SYN on A while A listens (migration still uses the hash, R12 step 4).
    st.attachProgram(
      a,
      prog(39, () => ({ ret: 1, selected: a.state === 10 ? a : null })),
    );
    const hs = [0, 0x55555555, 0x55555556, 0xaaaaaaaa, 0xaaaaaaab, 0xffffffff];
    const fs = hs.map((h) => {
      const f = flow(h);
      receiveSyn(st, f);
      receiveAck(st, f);
      return f;
    });
    const pending = flow(0x10); // a NEW_SYN_RECV request on A
    receiveSyn(st, pending);
    const where = () => fs.map((f) => ls.find((l) => l.acceptQueue.toArray().some((r) => r.flow === f))?.name ?? "?");
    expect(where()).toEqual(["A", "A", "A", "A", "A", "A"]);

    st.close(a);
    const g = b.group;
    expect(names(g.listening())).toEqual(["D", "B", "C"]);
    expect(g.socks[127]!.name).toBe("A");
    expect(where()).toEqual(["D", "D", "B", "B", "C", "C"]);

    st.shutdown(b, "rdwr");
    expect(names(g.listening())).toEqual(["D", "C"]);
    expect([g.socks[126]!.name, g.socks[127]!.name]).toEqual(["B", "A"]);
    expect(where()).toEqual(["D", "D", "D", "C", "C", "C"]);

    requestTimer(st, pending.ehash as RequestSock); // A's request splits by the current section
    expect((pending.ehash as RequestSock).listener.name).toBe("D");
    expect(a.destroyed).toBe(true); // A's last reference dropped
    expect([g.numClosedSocks, g.socks[127]!.name]).toEqual([1, "B"]);

    st.listen(b, 10);
    expect([names(g.listening()), g.numClosedSocks]).toEqual([["D", "C", "B"], 0]);
    expect(log.migrations.map((m) => `${m.point}:${m.from}>${m.to}`)).toEqual([
      "close:A>D",
      "close:A>D",
      "close:A>B",
      "close:A>B",
      "close:A>C",
      "close:A>C",
      "close:B>D",
      "close:B>C",
      "timer:A>D",
    ]);
  });
});

/** test_migrate_reuseport.c as TS: a sockarray with auto-clear, a cookie → index map, four counters. */
function selftestProgram(st: TcpStack) {
  const reuseportMap = new Map<number, Listener>(); // REUSEPORT_SOCKARRAY[256]
  const migrateMap = new Map<bigint, number>(); // HASH u64 → int
  const counters = {
    migrated_at_close: 0,
    migrated_at_close_fastopen: 0,
    migrated_at_send_synack: 0,
    migrated_at_recv_ack: 0,
  };
  st.onRemoveFromMaps((sk) => {
    for (const [k, v] of reuseportMap) if (v === sk) reuseportMap.delete(k); // R22 auto-clear
  });
  // bpf_sk_select_reuseport (R21) on a sockarray.
  const select = (groupId: number, key: number): { err: number; sk: VmSocket | null } => {
    const e = reuseportMap.get(key);
    if (e === undefined || e.reuseportGroupId === null) return { err: -2, sk: null }; // -ENOENT
    if (e.reuseportGroupId !== groupId) return { err: -77, sk: null }; // -EBADFD
    return { err: 0, sk: e };
  };
  const p: ReuseportProgram = {
    attachType: 40,
    run(i) {
      if (i.migratingSk === null) return { ret: 1, selected: null };
      const state = i.migratingSk.state;
      const key = migrateMap.get(i.sk.cookie);
      if (key === undefined) return { ret: 0, selected: null };
      const r = select(i.groupId, key);
      if (r.err !== 0) return { ret: 1, selected: null };
      if (state === TCP_ESTABLISHED) counters.migrated_at_close++;
      else if (state === TCP_SYN_RECV) counters.migrated_at_close_fastopen++;
      else if (i.len === 0) counters.migrated_at_send_synack++;
      else counters.migrated_at_recv_ack++;
      return { ret: 1, selected: r.sk };
    },
  };
  return { p, reuseportMap, migrateMap, counters };
}

type Case = "ESTABLISHED" | "SYN_RECV" | "NEW_SYN_RECV timer" | "NEW_SYN_RECV ack";

describe("spec §4 selftest migrate_reuseport", () => {
  it.each<[Case, keyof ReturnType<typeof selftestProgram>["counters"]]>([
    ["ESTABLISHED", "migrated_at_close"],
    ["SYN_RECV", "migrated_at_close_fastopen"],
    ["NEW_SYN_RECV timer", "migrated_at_send_synack"],
    ["NEW_SYN_RECV ack", "migrated_at_recv_ack"],
  ])("%s: 25 connections end on S4, counter %s = 25", (kind, counter) => {
    const tfo = kind === "SYN_RECV";
    const { st } = setup([], tfo ? { tcp_fastopen: 519 } : {});
    const { p, reuseportMap, migrateMap, counters } = selftestProgram(st);
    const s = [0, 1, 2, 3, 4].map((i) => st.socket(`S${i}`));
    st.bind(s[0]!, 0x7f000001, 0);
    st.attachProgram(s[0]!, p); // before listen: S0 gets its own group
    for (const x of s.slice(1)) st.bind(x, 0x7f000001, s[0]!.srcPort);
    for (const x of s.slice(0, 4)) {
      if (tfo) st.setFastOpen(x, 125);
      st.listen(x, 125);
    }
    expect(s[0]!.srcPort).toBeGreaterThan(0);
    const fs = Array.from({ length: 25 }, (_, i) => {
      const f = flow((i * 0x0a3d70a3) >>> 0);
      Object.assign(f, { localPort: s[0]!.srcPort });
      return f;
    });
    for (const f of fs) {
      const out = receiveSyn(st, f, { fastOpen: tfo, dataLen: 12 });
      expect(out.kind).toBe(tfo ? "tfo" : "synack");
      if (kind === "ESTABLISHED") receiveAck(st, f, { dataLen: 12 });
    }
    st.listen(s[4]!, 125);
    s.forEach((x, i) => {
      reuseportMap.set(i, x);
      migrateMap.set(x.cookie, 4);
    });
    for (const x of s.slice(0, 4)) st.shutdown(x, "rdwr");
    expect(names(s[4]!.group.listening())).toEqual(["S4"]);
    if (kind === "NEW_SYN_RECV timer") {
      st.now = 1_000_000;
      for (const f of fs) requestTimer(st, f.ehash as RequestSock);
    }
    if (kind.startsWith("NEW_SYN_RECV")) {
      for (const f of fs) expect(receiveAck(st, f, { dataLen: 12 }).kind).toBe("queued");
    } else {
      st.listen(s[1]!, 125); // 1. resurrect: [S4, S1]
      expect(names(s[4]!.group.listening())).toEqual(["S4", "S1"]);
      st.shutdown(s[4]!, "rdwr"); // 2. slot 4 cleared → -ENOENT → hash → S1
      expect(reuseportMap.has(4)).toBe(false);
      expect(s[1]!.ackBacklog).toBe(25);
      st.listen(s[4]!, 125); // 3.
      st.shutdown(s[1]!, "rdwr"); // 4. hash → S4
      if (tfo) {
        for (const f of fs) expect(receiveAck(st, f, { dataLen: 12 }).kind).toBe("established");
        // reqsk_fastopen_remove decrements the current rsk_listener (S4 after the moves), as the kernel does.
        expect([s.slice(0, 4).reduce((n, x) => n + x.fastOpenQlen, 0), s[4]!.fastOpenQlen]).toEqual([25, -25]);
      }
    }
    const accepted = Array.from({ length: 25 }, () => st.accept(s[4]!));
    expect(accepted.every((c) => c !== null && c.state === TCP_ESTABLISHED)).toBe(true);
    expect(st.accept(s[4]!)).toBe(null);
    expect(counters[counter]).toBe(25);
    expect(Object.values(counters).reduce((x, y) => x + y)).toBe(25);
    expect(st.ns.counters.TCPMigrateReqFailure).toBe(0);
  });
});
