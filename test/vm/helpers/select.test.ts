import { describe, expect, it } from "vitest";
import { VmTrap } from "../../../src/errors.js";
import { HELPER } from "../../../src/vm/program-type.js";
import { errnoName, type SocketMap, u32Key } from "../../../src/vm/maps/index.js";
import {
  AF_INET6,
  IPPROTO_UDP,
  SOCK_DGRAM,
  StaticSocket,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../../../src/vm/socket.js";
import { fixture } from "./fixture.js";
import { ptr, r0, regs } from "./regs.js";

// R21: sk_select_reuseport(ctx, map, key, flags)
type Entry = () => StaticSocket;
const ctxSk = new StaticSocket(100n, TCP_LISTEN, 1);
const sameGroup: Entry = () => new StaticSocket(101n, TCP_LISTEN, 1);
const otherGroupTcp4: Entry = () => new StaticSocket(102n, TCP_LISTEN, 2);
const otherGroupTcp6: Entry = () => new StaticSocket(103n, TCP_LISTEN, 2, AF_INET6);
const otherGroupUdp: Entry = () => new StaticSocket(104n, TCP_LISTEN, 2, AF_INET6, SOCK_DGRAM, IPPROTO_UDP);

function setup(mapType: number, entry: Entry | null, unhash = false) {
  const f = fixture();
  const m = f.maps.create({ fd: 3, type: mapType, keySize: 4, valueSize: 8, maxEntries: 4 }) as SocketMap;
  let sk: StaticSocket | null = null;
  if (entry !== null) {
    sk = entry();
    expect(m.updateSocket(u32Key(1), sk, 0)).toBe(0);
    if (unhash) sk.reuseportGroupId = null; // unhashed after insertion (close())
  }
  f.fill({ sk: ctxSk });
  f.scratch.view.setUint32(0, 1, true);
  const select = (flags = 0): number => {
    const r = regs(ptr(f.ctx.ctx.id), ptr(m.handle.id), ptr(f.scratch.id), flags);
    f.helper(HELPER.sk_select_reuseport)(r, f.mem);
    return r0(r);
  };
  return { f, m, sk, select };
}

describe("sk_select_reuseport (R21)", () => {
  // [map type, entry, unhash after insert, expected]
  const cases: [string, number, Entry | null, boolean, string][] = [
    ["sockarray: no entry", 20, null, false, "-ENOENT"],
    ["sockarray: entry unhashed", 20, sameGroup, true, "-ENOENT"],
    ["sockmap: entry without a group", 15, () => new StaticSocket(5n, TCP_ESTABLISHED, null), false, "-EINVAL"],
    ["sockhash: entry without a group", 18, () => new StaticSocket(5n, TCP_ESTABLISHED, null), false, "-EINVAL"],
    ["sockmap: no entry", 15, null, false, "-ENOENT"],
    ["sockhash: no entry", 18, null, false, "-ENOENT"],
    ["other group, other protocol", 15, otherGroupUdp, false, "-EPROTOTYPE"],
    ["other group, same protocol, other family", 20, otherGroupTcp6, false, "-EAFNOSUPPORT"],
    ["other group, same protocol and family", 20, otherGroupTcp4, false, "-EBADFD"],
    ["sockarray: same group", 20, sameGroup, false, "0"],
    ["sockmap: same group", 15, sameGroup, false, "0"],
    ["sockhash: same group", 18, sameGroup, false, "0"],
  ];
  it.each(cases)("%s → %s", (_d, type, entry, unhash, want) => {
    const { f, sk, select } = setup(type, entry, unhash);
    expect(errnoName(select())).toBe(want);
    expect(f.env.selected).toBe(want === "0" ? sk : null);
  });

  it("the last successful call wins; a failed call keeps the earlier selection; flags are ignored", () => {
    const { f, m, sk, select } = setup(20, sameGroup);
    expect(select(0xffff)).toBe(0);
    expect(f.env.selected).toBe(sk);
    f.scratch.view.setUint32(0, 2, true); // empty slot
    expect(errnoName(select())).toBe("-ENOENT");
    expect(f.env.selected).toBe(sk);
    const other = new StaticSocket(200n, TCP_LISTEN, 1);
    expect(m.updateSocket(u32Key(2), other, 0)).toBe(0);
    expect(select()).toBe(0);
    expect(f.env.selected).toBe(other);
  });

  it("a data map traps (the verifier only allows types 20, 15, 18)", () => {
    const f = fixture();
    const a = f.maps.create({ fd: 3, type: 2, keySize: 4, valueSize: 8, maxEntries: 4 });
    f.fill();
    const r = regs(ptr(f.ctx.ctx.id), ptr(a.handle.id), ptr(f.scratch.id), 0);
    expect(() => f.helper(HELPER.sk_select_reuseport)(r, f.mem)).toThrow(VmTrap);
    expect(() => f.helper(HELPER.sk_select_reuseport)(r, f.mem)).toThrow(
      "expected a reuseport_sockarray, sockmap or sockhash (types 20, 15, 18), not map fd 3 of type 2",
    );
  });
});
