// Property: any sequence of listen / shutdown / close / sysctl flips / prog attaches keeps
// socks[] consistent (R2–R7): sections disjoint and within capacity, every grouped socket in
// exactly one section of its own group, LISTEN sockets only in the listening section.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_GROUP, type ReuseportGroup } from "../../src/model/group.js";
import { ModelError } from "../../src/errors.js";
import type { Listener } from "../../src/model/sockets.js";
import { TCP_CLOSE, TCP_LISTEN } from "../../src/vm/socket.js";
import { prog, setup, sock } from "./helpers.js";
import { runs } from "../support/runs.js";

type Op =
  | { k: "listen" | "shutdown" | "close"; i: number }
  | { k: "sysctl"; v: number }
  | { k: "attach"; i: number; t: 39 | 40 };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constantFrom("listen" as const, "shutdown" as const, "close" as const), i: fc.nat(7) }),
  fc.record({ k: fc.constant("sysctl" as const), v: fc.nat(1) }),
  fc.record({ k: fc.constant("attach" as const), i: fc.nat(7), t: fc.constantFrom(39 as const, 40 as const) }),
);

function check(ls: Listener[]): void {
  const groups = new Set<ReuseportGroup>();
  for (const l of ls) if (l.group !== NO_GROUP) groups.add(l.group);
  for (const g of groups) {
    expect(g.freed).toBe(false);
    expect(g.numSocks + g.numClosedSocks).toBeLessThanOrEqual(g.maxSocks);
    const live = g.listening();
    const closed = g.closed();
    expect(new Set([...live, ...closed]).size).toBe(live.length + closed.length);
    for (const s of live) expect([s.group, s.state]).toEqual([g, TCP_LISTEN]);
    for (const s of closed) expect([s.group, s.state]).toEqual([g, TCP_CLOSE]);
    for (let i = g.numSocks; i < g.maxSocks - g.numClosedSocks; i++) expect(g.socks[i]).toBe(null);
    // The group's own index of its members (kept so a close needs no scan) matches socks[].
    live.forEach((s, i) => expect(g.indexOf(s, false)).toBe(i));
    closed.forEach((s, i) => expect(g.indexOf(s, true)).toBe(g.maxSocks - g.numClosedSocks + i));
  }
  // The "no group" sentinel is never written (R10/R12 read it as an empty, program-less group),
  // and derived section lists are plain arrays (socks[] keeps its own array class).
  expect([
    NO_GROUP.numSocks,
    NO_GROUP.numClosedSocks,
    NO_GROUP.prog,
    NO_GROUP.freed,
    NO_GROUP.socks.every((s) => s === null),
  ]).toEqual([0, 0, null, false, true]);
  for (const g of groups) expect([g.listening().constructor, g.closed().constructor]).toEqual([Array, Array]);
  for (const l of ls) {
    if (l.state === TCP_LISTEN) expect(l.group.indexOf(l, false)).toBeGreaterThanOrEqual(0);
    if (l.group !== NO_GROUP) expect(l.group.indexOf(l, false) >= 0 || l.group.indexOf(l, true) >= 0).toBe(true);
    if (l.destroyed) expect(l.group).toBe(NO_GROUP);
  }
}

describe("socks[] invariants", () => {
  it("hold after every step of random listen/shutdown/close/attach/sysctl sequences", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const { st } = setup([]);
        const ls = Array.from({ length: 8 }, (_, i) => sock(st, `S${i}`, 16, false));
        for (const o of ops) {
          try {
            if (o.k === "sysctl") st.ns.sysctl.tcp_migrate_req = o.v;
            else if (o.k === "attach") {
              if (ls[o.i]!.hashed)
                st.attachProgram(
                  ls[o.i]!,
                  prog(o.t, () => ({ ret: 1, selected: null })),
                );
            } else if (o.k === "listen") st.listen(ls[o.i]!, 16);
            else if (o.k === "shutdown") st.shutdown(ls[o.i]!, "rdwr");
            else st.close(ls[o.i]!);
          } catch (e) {
            // EBADF / ENOTCONN on closed or non-listening sockets are expected refusals.
            if (!(e instanceof ModelError)) throw e;
          }
          check(ls);
        }
      }),
      { numRuns: runs(100), seed: 20261201 },
    );
  });
});
