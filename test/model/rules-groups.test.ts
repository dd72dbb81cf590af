// R1–R8, R9–R11: socks[] maintenance and normal selection, one test (or table) per rule.
import { describe, expect, it } from "vitest";
import { INIT_SOCKS, NO_GROUP, reuseportGrow } from "../../src/model/group.js";
import { receiveSyn } from "../../src/model/tcp-input.js";
import { TCP_CLOSE, TCP_LISTEN } from "../../src/vm/socket.js";
import { flow, hashFor, names, prog, setup, sock, PORT } from "./helpers.js";

describe("socks[] maintenance", () => {
  it("R1 the first listener creates a group of 128 with itself at socks[0] and no prog", () => {
    const { ls } = setup(["A"]);
    const g = ls[0]!.group;
    expect([g.maxSocks, g.numSocks, g.numClosedSocks, g.prog, names(g.listening())]).toEqual([
      INIT_SOCKS,
      1,
      0,
      null,
      ["A"],
    ]);
    expect(ls[0]!.reuseportGroupId).toBe(g.id);
  });

  it("R2 listeners join by appending; a socket in a multi-member group cannot join another (EBUSY)", () => {
    const { st, ls } = setup(["A", "B", "C"]);
    const g = ls[0]!.group;
    expect(names(g.listening())).toEqual(["A", "B", "C"]);
    expect(ls.every((l) => l.group === g)).toBe(true);
    // A second port: X and Y form a group; moving X's membership is refused.
    const x = st.socket("X");
    st.bind(x, 0, PORT + 1);
    st.listen(x, 10);
    expect(x.group).not.toBe(g);
    // A socket that owns a singleton group (prog attached before listen) joins, its group freed.
    const s = st.socket("S");
    st.bind(s, 0, PORT);
    st.attachProgram(
      s,
      prog(39, () => ({ ret: 1, selected: null })),
    );
    const own = s.group;
    expect(own.numSocks).toBe(1);
    st.listen(s, 10);
    expect(s.group).toBe(g);
    expect(own.freed).toBe(true);
    expect(names(g.listening())).toEqual(["A", "B", "C", "S"]);
  });

  it("R2 a socket already in a group with more than one member gets EBUSY", () => {
    const { st, ls } = setup(["A", "B"]);
    const g = ls[0]!.group;
    const x = sock(st, "X", 10, false);
    x.group = g; // forced: membership elsewhere with 2 members
    expect(() => st.listen(x, 10)).toThrow(/EBUSY/);
  });

  it("R3 growth doubles capacity keeping both sections and the id; past the u16 ceiling it evicts or fails", () => {
    const many = Array.from({ length: 129 }, (_, i) => `L${i}`);
    const { st, ls } = setup(many, { tcp_migrate_req: 1 });
    const g = ls[0]!.group;
    const id = g.id;
    expect([g.maxSocks, g.numSocks, g.id]).toEqual([256, 129, id]);
    st.shutdown(ls[0]!, "rdwr");
    st.shutdown(ls[1]!, "rdwr");
    expect(reuseportGrow(g)).toBe(true);
    expect(g.maxSocks).toBe(512);
    expect(names(g.closed())).toEqual(["L1", "L0"]);
    expect(g.socks[510]?.name).toBe("L1");
  });

  it("R3 at the u16 ceiling: a full group of 32768 evicts the most recently closed socket, then fails", () => {
    // Built through listen()/shutdown() only: 32768 members, two of them shut down (L0, then L1).
    const { st, ls } = setup(
      Array.from({ length: 32768 }, (_, i) => `L${i}`),
      { tcp_migrate_req: 1 },
    );
    const g = ls[0]!.group;
    st.shutdown(ls[0]!, "rdwr");
    st.shutdown(ls[1]!, "rdwr");
    expect([g.maxSocks, g.numSocks, g.numClosedSocks, names(g.closed())]).toEqual([32768, 32766, 2, ["L1", "L0"]]);
    // Capacity 32768 cannot double; the most recently closed (L1) is evicted.
    expect(reuseportGrow(g)).toBe(true);
    expect([g.maxSocks, g.numClosedSocks, ls[1]!.group, names(g.closed())]).toEqual([32768, 1, NO_GROUP, ["L0"]]);
    expect(reuseportGrow(g)).toBe(true);
    expect(g.numClosedSocks).toBe(0);
    expect(reuseportGrow(g)).toBe(false); // ENOMEM
  });

  it("R4 capable stop-listen: move-last-into-hole, closed section at the tail, sockarray hook, then CLOSE", () => {
    const { st, ls } = setup(["A", "B", "C", "D"], { tcp_migrate_req: 1 });
    const removed: string[] = [];
    st.onRemoveFromMaps((s) => removed.push(`${s.name}:${s.state === TCP_LISTEN ? "LISTEN" : "CLOSE"}`));
    st.shutdown(ls[0]!, "rdwr");
    const g = ls[0]!.group;
    expect(names(g.listening())).toEqual(["D", "B", "C"]);
    expect(g.socks[127]?.name).toBe("A");
    expect(removed).toEqual(["A:LISTEN"]); // unhash runs while still LISTEN
    expect(ls[0]!.state).toBe(TCP_CLOSE);
    st.shutdown(ls[1]!, "wr"); // SHUT_WR does nothing
    expect(ls[1]!.state).toBe(TCP_LISTEN);
  });

  it("R4 not capable (sysctl 0, no prog or a type-39 prog): full detach, group id null", () => {
    for (const attach of [null, 39] as const) {
      const { st, ls } = setup(["A", "B"]);
      if (attach !== null)
        st.attachProgram(
          ls[0]!,
          prog(attach, () => ({ ret: 1, selected: null })),
        );
      const g = ls[0]!.group;
      st.close(ls[0]!);
      expect([ls[0]!.group, ls[0]!.reuseportGroupId, names(g.listening()), g.numClosedSocks]).toEqual([
        NO_GROUP,
        null,
        ["B"],
        0,
      ]);
    }
  });

  it("R5 removal from the closed section fills the hole with the lowest-index closed entry", () => {
    const { st, ls } = setup(["A", "B", "C", "D"], { tcp_migrate_req: 1 });
    const g = ls[0]!.group;
    st.shutdown(ls[0]!, "rdwr"); // 127:A
    st.shutdown(ls[1]!, "rdwr"); // 126:B
    st.shutdown(ls[2]!, "rdwr"); // 125:C
    st.close(ls[0]!); // A freed: hole at 127 gets socks[125] = C
    expect([g.socks[126]?.name, g.socks[127]?.name, g.numClosedSocks]).toEqual(["B", "C", 2]);
  });

  it("R6 a closed listener stays in the closed section until its last request is gone, then the group is freed when empty", () => {
    const { st, ls } = setup(["A"], { tcp_migrate_req: 1 });
    const g = ls[0]!.group;
    const f = flow(5);
    receiveSyn(st, f); // a request holds A
    st.close(ls[0]!);
    expect([g.numClosedSocks, g.freed]).toEqual([1, false]);
    st.release(f.ehash as never);
    expect([g.numClosedSocks, g.freed, ls[0]!.group]).toEqual([0, true, NO_GROUP]);
  });

  it("R7 listen() again: same group → appended; no live group → fresh group without prog; other group → moves", () => {
    const { st, ls } = setup(["A", "B", "C", "D"], { tcp_migrate_req: 1 });
    const g = ls[0]!.group;
    st.shutdown(ls[1]!, "rdwr");
    st.listen(ls[1]!, 10);
    expect([names(g.listening()), g.numClosedSocks]).toEqual([["A", "D", "C", "B"], 0]);
    // No live group: everyone shuts down, then one re-listens.
    const p = prog(40, () => ({ ret: 1, selected: null }));
    st.attachProgram(ls[0]!, p);
    for (const l of ls) st.shutdown(l, "rdwr");
    st.listen(ls[2]!, 10);
    const fresh = ls[2]!.group;
    expect([fresh === g, fresh.prog, names(fresh.listening()), g.numClosedSocks]).toEqual([false, null, ["C"], 3]);
    // A member of the old group re-listens: moves into the live group (fresh).
    st.listen(ls[3]!, 10);
    expect([ls[3]!.group === fresh, names(fresh.listening()), g.numClosedSocks]).toEqual([true, ["C", "D"], 2]);
  });

  it("R8 attach replaces, attach types other than 39/40 are EINVAL, detach errors", () => {
    const { st, ls } = setup(["A", "B"]);
    const p1 = prog(39, () => ({ ret: 1, selected: null }));
    const p2 = prog(40, () => ({ ret: 1, selected: null }));
    st.attachProgram(ls[0]!, p1);
    st.attachProgram(ls[1]!, p2);
    expect(ls[0]!.group.prog).toBe(p2);
    expect(() => st.attachProgram(ls[0]!, { attachType: 41 as 40, run: () => ({ ret: 1, selected: null }) })).toThrow(
      /expected attach type 39 or 40, got 41 \(EINVAL\)/,
    );
    st.detachProgram(ls[0]!);
    expect(() => st.detachProgram(ls[0]!)).toThrow(/has no program \(ENOENT\)/);
    const nr = st.socket("N", false);
    expect(() => st.attachProgram(nr, p1)).toThrow(/no SO_REUSEPORT \(EINVAL\)/);
    expect(() => st.detachProgram(nr)).toThrow(/EINVAL/);
    const lone = st.socket("U");
    expect(() => st.detachProgram(lone)).toThrow(/ENOENT/);
  });
});

describe("normal selection", () => {
  it("R9 the exact-address bucket is tried before INADDR_ANY; ctx sk is the bucket head", () => {
    const { st, ls } = setup(["ANY1"]);
    const exact = st.socket("EXACT");
    st.bind(exact, 0x7f000001, PORT);
    st.listen(exact, 10);
    const out = receiveSyn(st, flow(1));
    expect(out.kind === "synack" && out.listener.name).toBe("EXACT");
    // With a prog on the wildcard group, ctx sk is the most recent listener (bucket head).
    sock(st, "ANY2");
    const p = prog(39, () => ({ ret: 1, selected: null }));
    st.attachProgram(ls[0]!, p);
    st.close(exact);
    receiveSyn(st, flow(2));
    expect((p.calls[0]!.sk as unknown as { name: string }).name).toBe("ANY2");
    expect([p.calls[0]!.migratingSk, p.calls[0]!.len > 0]).toEqual([null, true]);
  });

  it.each([
    ["SK_PASS with a selection", 1, "C", "C"],
    ["SK_PASS without a selection → hash", 1, null, "B"],
    ["SK_DROP → RST", 0, null, "rst"],
    ["any other value → RST", 7, "C", "rst"],
  ])("R10 %s", (_, ret, sel, want) => {
    const { st, ls } = setup(["A", "B", "C"]);
    const target = sel === null ? null : ls.find((l) => l.name === sel)!;
    st.attachProgram(
      ls[0]!,
      prog(39, () => ({ ret, selected: target })),
    );
    const before = st.ns.counters.OutRsts;
    const out = receiveSyn(st, flow(hashFor(1, 3)));
    expect(out.kind === "rst" ? "rst" : out.kind === "synack" ? out.listener.name : out.kind).toBe(want);
    expect(st.ns.counters.OutRsts - before).toBe(want === "rst" ? 1 : 0);
  });

  it("R10 a refusal in the exact-address bucket ends the lookup: the INADDR_ANY bucket is not tried", () => {
    const { st } = setup(["ANY"]);
    const exact = st.socket("EXACT");
    st.bind(exact, 0x7f000001, PORT);
    st.listen(exact, 10);
    st.attachProgram(
      exact,
      prog(39, () => ({ ret: 0, selected: null })),
    );
    expect(receiveSyn(st, flow(1))).toEqual({ kind: "rst", cause: "program-refused" });
  });

  it("R10 a classic/socket-filter prog returns an index; out of range falls back to the hash", () => {
    const { st, ls } = setup(["A", "B", "C"]);
    st.attachProgram(ls[0]!, {
      attachType: 39,
      progType: 1,
      run: (i) => ({ ret: i.hash === 1 ? 2 : 9, selected: null }),
    });
    const a = receiveSyn(st, flow(1));
    const b = receiveSyn(st, flow(hashFor(1, 3)));
    expect([a.kind === "synack" && a.listener.name, b.kind === "synack" && b.listener.name]).toEqual(["C", "B"]);
  });

  it("R11 hash pick: scale(hash, num_socks) over the listening section only", () => {
    const { st, ls } = setup(["A", "B", "C", "D"], { tcp_migrate_req: 1 });
    st.shutdown(ls[0]!, "rdwr"); // [D,B,C]
    const g = ls[1]!.group;
    const table: [number, string][] = [
      [0, "D"],
      [0x55555555, "D"],
      [0x55555556, "B"],
      [0xaaaaaaaa, "B"],
      [0xaaaaaaab, "C"],
      [0xffffffff, "C"],
    ];
    expect(table.map(([h]) => g.pickByHash(h)!.name)).toEqual(table.map(([, n]) => n));
  });
});
