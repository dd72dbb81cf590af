// The hash pick's integer form of reciprocal_scale (ReuseportGroup.pickByHash) must agree exactly
// with hash.ts's reciprocalScale for every u32 hash and every u16 group size (R11, R3).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReuseportGroup } from "../../src/model/group.js";
import { reciprocalScale } from "../../src/model/hash.js";
import { CookieJar, Listener } from "../../src/model/sockets.js";
import { TCP_ESTABLISHED, TCP_LISTEN } from "../../src/vm/socket.js";
import { runs } from "../support/runs.js";

function group(n: number, established: readonly number[] = []): ReuseportGroup {
  const g = new ReuseportGroup(1, true);
  const jar = new CookieJar();
  g.socks = Array.from({ length: Math.max(n, 1) }, (_, i) => {
    const l = new Listener(jar, `l${i}`, i);
    l.state = established.includes(i) ? TCP_ESTABLISHED : TCP_LISTEN;
    return l;
  });
  g.maxSocks = g.socks.length;
  g.numSocks = n;
  return g;
}

describe("pickByHash = socks[reciprocal_scale(hash, num_socks)]", () => {
  it("agrees with reciprocalScale for any u32 hash and u16 size (property)", () => {
    // One group of 65535 listening sockets; each run looks at its first n (num_socks = n).
    const g = group(65535);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 65535 }), (h, n) => {
        g.numSocks = n;
        expect(g.pickByHash(h)).toBe(g.socks[reciprocalScale(h, n)]);
      }),
      { numRuns: runs(300), seed: 6 },
    );
  });

  it.each([
    [0, 1, 0],
    [0xffffffff, 1, 0],
    [0xffffffff, 16, 15],
    [0x80000000, 16, 8],
    [0x7fffffff, 16, 7],
    [0xffffffff, 65535, 65534],
    [0x10000, 65535, 0],
    [0x10001, 65535, 0],
    [0x10002, 65535, 1],
  ])("hash %d over %d sockets → index %d", (h, n, want) => {
    expect(reciprocalScale(h, n)).toBe(want);
    const g = group(n);
    expect(g.pickByHash(h)).toBe(g.socks[want]);
  });

  it("skips ESTABLISHED sockets, wrapping around; none left → null (R11)", () => {
    const g = group(4, [3, 0]);
    expect(g.pickByHash(0xffffffff)!.name).toBe("l1"); // 3 → 0 → 1
    expect(group(2, [0, 1]).pickByHash(5)).toBeNull();
    expect(group(0).pickByHash(5)).toBeNull();
  });
});
