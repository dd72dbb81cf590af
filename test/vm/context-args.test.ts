/**
 * `ReuseportContext.fillArgs` (the socket model's allocation-free fill) must leave every region
 * exactly as `fill` does for the same packet-less input, for any read mask and any sequence of
 * runs — including sequences that mix in packet fills, socket changes and state changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReuseportContext } from "../../src/vm/context.js";
import { ALL_CTX_WORDS } from "../../src/vm/ctx-reads.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { StaticSocket, TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";
import { runs } from "../support/runs.js";

const socks = [
  new StaticSocket(0x11n, TCP_LISTEN, 1, 2, 1, 6, 0x0a000001, 8080, 0, 0),
  new StaticSocket(0x22n, TCP_CLOSE, 1, 2, 1, 17, 0x0a000002, 9090, 0, 0),
  new StaticSocket(0x33n, TCP_NEW_SYN_RECV, null, 2, 1, 6, 0x0a000001, 8080, 0xc0a80102, 40000),
  new StaticSocket(0x44n, TCP_ESTABLISHED, null, 2, 1, 6, 0x0a000001, 8080, 0xc0a80103, 40001),
];

type Step =
  | { kind: "args"; sk: number; mig: number; hash: number; len: number; bind: boolean }
  | { kind: "packet"; sk: number; hash: number; bytes: number; ip: number | null }
  | { kind: "state"; sk: number; state: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("args" as const),
      sk: fc.nat(3),
      mig: fc.integer({ min: -1, max: 3 }),
      hash: fc.nat(0xffffffff),
      len: fc.nat(1500),
      bind: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("packet" as const),
      sk: fc.nat(3),
      hash: fc.nat(0xffffffff),
      bytes: fc.nat(64),
      ip: fc.constantFrom(null, 17, 132),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("state" as const),
      sk: fc.nat(3),
      state: fc.constantFrom(TCP_LISTEN, TCP_CLOSE, TCP_ESTABLISHED, TCP_NEW_SYN_RECV),
    }),
  },
);

function snapshot(c: ReuseportContext): unknown {
  return {
    ctx: [...c.ctx.bytes],
    sk: [...c.skView.bytes],
    mig: [...c.migratingView.bytes],
    packet: c.packet.bytes,
    l4: c.l4Offset,
    skObj: c.sk,
    migObj: c.migratingSk,
  };
}

describe("ReuseportContext.fillArgs", () => {
  it("leaves the same bytes and state as fill, for any read mask and run sequence", () => {
    fc.assert(
      fc.property(fc.nat(ALL_CTX_WORDS), fc.array(step, { minLength: 1, maxLength: 30 }), (mask, steps) => {
        const a = new ReuseportContext(new AddressSpace());
        const b = new ReuseportContext(new AddressSpace());
        a.setReadWords(mask);
        b.setReadWords(mask);
        for (const s of steps) {
          if (s.kind === "state") {
            socks[s.sk]!.state = s.state;
            continue;
          }
          if (s.kind === "packet") {
            const input = {
              sk: socks[s.sk]!,
              migratingSk: null,
              hash: s.hash,
              packet: new Uint8Array(s.bytes).fill(7),
              ...(s.ip !== null ? { ipProtocol: s.ip } : {}),
            };
            a.fill(input);
            b.fill(input);
          } else {
            const m = s.mig < 0 ? null : socks[s.mig]!;
            a.fill({ sk: socks[s.sk]!, migratingSk: m, hash: s.hash, len: s.len, bindInany: s.bind });
            // the model passes a u32 hash as its int32 bit pattern too (runtime-adapter.ts)
            b.fillArgs(socks[s.sk]!, m, s.hash | 0, s.len, s.bind);
          }
          expect(snapshot(b)).toEqual(snapshot(a));
        }
        socks.forEach((x, i) => (x.state = [TCP_LISTEN, TCP_CLOSE, TCP_NEW_SYN_RECV, TCP_ESTABLISHED][i]!));
      }),
      { numRuns: runs(300), seed: 6 },
    );
  });
});
