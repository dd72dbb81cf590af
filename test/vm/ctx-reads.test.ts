// ctx-reads.ts: which sk_reuseport_md words a program can load, and (property) that filling
// only those words never changes what a program computes: every policy in policies/ runs
// with the masked context and with a fully filled one, on the same inputs, with equal results.
import fc from "fast-check";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadHookPolicy } from "../../src/cli/hook-bench.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { ALL_CTX_WORDS, MIG_VIEW_LOADED, SK_VIEW_LOADED, ctxReadWords } from "../../src/vm/ctx-reads.js";
import { engineByName } from "../../src/vm/engines.js";
import { decode } from "../../src/vm/isa.js";
import { MapTable } from "../../src/vm/maps/table.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { SkReuseportRuntime } from "../../src/vm/reuseport-runtime.js";
import { StaticSocket, TCP_ESTABLISHED, TCP_LISTEN, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";
import { runs } from "../support/runs.js";

const words = (src: string): number => ctxReadWords(decode(assemble(src.split(";").join("\n"))));
const bits = (...ws: number[]): number => ws.reduce((a, w) => a | (1 << w), 0);

describe("ctxReadWords", () => {
  it.each([
    ["mov %r0, 1; exit", 0],
    ["ldxw %r0, [%r1+32]; exit", bits(8)], // hash
    ["ldxb %r0, [%r1+33]; exit", bits(8)],
    ["ldxdw %r0, [%r1+48]; exit", bits(12, 13)], // migrating_sk
    ["ldxdw %r2, [%r1+0]; ldxdw %r3, [%r1+8]; mov %r0, 1; exit", bits(0, 1, 2, 3)], // data, data_end
    ["mov %r6, %r1; mov %r1, 0; ldxw %r0, [%r6+16]; exit", bits(4)], // through a copy; r1 reused
    ["mov %r6, %r1; call 7; ldxw %r0, [%r6+24]; exit", bits(6)], // r6 survives a helper call
    ["jeq %r2, 0, +1; ldxw %r0, [%r1+20]; ldxw %r0, [%r1+28]; exit", bits(5, 7)], // both paths
    ["call 7; ldxw %r0, [%r1+32]; exit", 0], // r1 is clobbered by the call: not the ctx any more
    ["ldxw %r1, [%r1+32]; ldxw %r0, [%r1+0]; exit", bits(8)], // r1 overwritten by the load
  ])("%s → %d", (src, want) => {
    expect(words(src)).toBe(want);
  });

  it.each([
    ["ldxdw %r2, [%r1+48]; jeq %r2, 0, +1; mov %r0, 1; exit", bits(12, 13)], // the NULL test reads no socket bytes
    ["ldxdw %r2, [%r1+48]; jeq %r2, 0, +1; ldxw %r0, [%r2+72]; exit", bits(12, 13) | MIG_VIEW_LOADED],
    ["ldxdw %r2, [%r1+40]; ldxw %r0, [%r2+4]; exit", bits(10, 11) | SK_VIEW_LOADED],
    ["ldxdw %r2, [%r1+40]; mov %r3, %r2; mov %r2, 0; ldxw %r0, [%r3+4]; exit", bits(10, 11) | SK_VIEW_LOADED], // through a copy
    ["ldxdw %r2, [%r1+48]; stxdw [%r10-8], %r2; mov %r0, 1; exit", bits(12, 13) | MIG_VIEW_LOADED], // spilled: may be reloaded
    ["ldxdw %r1, [%r1+40]; call 7; exit", bits(10, 11) | SK_VIEW_LOADED], // given to a helper
    ["ldxdw %r2, [%r1+40]; add %r2, 4; mov %r0, 1; exit", bits(10, 11) | SK_VIEW_LOADED], // arithmetic
    ["ldxdw %r6, [%r1+48]; call 7; ldxw %r0, [%r6+72]; exit", bits(12, 13) | MIG_VIEW_LOADED], // r6 survives a call
    ["ldxdw %r0, [%r1+48]; call 7; ldxw %r0, [%r0+0]; exit", bits(12, 13)], // r0 is the helper's result after it
    ["ldxdw %r2, [%r1+48]; mov %r2, 0; ldxw %r0, [%r2+0]; exit", bits(12, 13)], // overwritten first
    ["ldxdw %r2, [%r1+48]; jeq %r3, 0, +1; mov %r2, 0; ldxw %r0, [%r2+72]; exit", bits(12, 13) | MIG_VIEW_LOADED], // one path keeps it
    ["ldxw %r2, [%r1+48]; ldxw %r0, [%r2+0]; exit", bits(12)], // a 4-byte load is not the pointer
    ["ldxdw %r1, [%r1+40]; call 46; exit", bits(10, 11)], // get_socket_cookie only names the socket
    ["ldxdw %r1, [%r1+48]; call 46; exit", bits(12, 13)],
    ["ldxdw %r6, [%r1+40]; mov %r1, %r6; call 46; ldxw %r0, [%r6+4]; exit", bits(10, 11) | SK_VIEW_LOADED], // loaded after the cookie
    ["ldxdw %r1, [%r1+40]; call 26; exit", bits(10, 11) | SK_VIEW_LOADED], // any other helper may read through it
  ])("socket views: %s → %d", (src, want) => {
    expect(words(src)).toBe(want);
  });

  it("a program that loads through migrating_sk sees each run's state; one that only tests it for NULL needs no view refresh", () => {
    const prog = (src: string) => decode(assemble(src.split(";").join("\n")));
    const rt = (src: string) =>
      new SkReuseportRuntime({
        insns: prog(src),
        maps: new MapTable(new AddressSpace()),
        engine: engineByName("interp"),
      });
    const reads = rt("ldxdw %r2, [%r1+48]; mov %r0, 99; jeq %r2, 0, +1; ldxw %r0, [%r2+72]; exit");
    const tests = rt("ldxdw %r2, [%r1+48]; mov %r0, 0; jeq %r2, 0, +1; mov %r0, 1; exit");
    const sk = new StaticSocket(1n, TCP_LISTEN);
    const req = new StaticSocket(2n, TCP_NEW_SYN_RECV);
    const states: number[] = [];
    /** The `state` word (offset 72) of the runtime's migrating_sk view. */
    const viewState = (r: SkReuseportRuntime): number => {
      const b = r.context.migratingView.bytes;
      return new DataView(b.buffer, b.byteOffset, b.length).getUint32(72, true);
    };
    for (const st of [TCP_NEW_SYN_RECV, TCP_ESTABLISHED, TCP_NEW_SYN_RECV]) {
      req.state = st;
      states.push(reads.selectArgs(sk, req, 0, 0, false).ret);
      expect(tests.selectArgs(sk, req, 0, 0, false).ret).toBe(1);
      expect([viewState(reads), viewState(tests)]).toEqual([st, 0]); // the NULL test's view is never written
    }
    expect(states).toEqual([TCP_NEW_SYN_RECV, TCP_ESTABLISHED, TCP_NEW_SYN_RECV]);
    expect(reads.selectArgs(sk, null, 0, 0, false).ret).toBe(99);
    expect(tests.selectArgs(sk, null, 0, 0, false).ret).toBe(0);
  });

  it("a program that only takes ctx sk's cookie gets each socket's cookie and never has the view's bytes written", () => {
    const insns = decode(assemble("ldxdw %r1, [%r1+40]; call 46; exit".split(";").join("\n")));
    const rt = new SkReuseportRuntime({ insns, maps: new MapTable(new AddressSpace()), engine: engineByName("jit") });
    const socks = [11n, 12n, 13n].map((c) => new StaticSocket(c, TCP_LISTEN, 1, 2, 1, 6, 0x7f000001, 8080));
    const got: bigint[] = [];
    // Alternating two sockets, then a third that replaces one of the two views, then back.
    for (const i of [0, 1, 0, 1, 2, 0, 2]) {
      got.push(BigInt(rt.selectArgs(socks[i]!, null, 0, 0, false).ret));
      expect(rt.context.skView.bytes.every((b) => b === 0)).toBe(true);
    }
    expect(got).toEqual([11n, 12n, 11n, 12n, 13n, 11n, 13n]);
  });

  it.each([
    ["add %r1, 8; ldxw %r0, [%r1+0]; exit"], // pointer arithmetic
    ["stxdw [%r10-8], %r1; mov %r0, 1; exit"], // spill
    ["jeq %r1, 0, +0; mov %r0, 1; exit"], // compared
    ["mov32 %r2, %r1; mov %r0, 1; exit"], // truncated copy
    ["mov %r2, %r1; add %r3, %r2; mov %r0, 1; exit"], // used as an operand
    ["ldxw %r0, [%r1+60]; exit"], // beyond the struct
    ["ldxw %r0, [%r1-4]; exit"],
  ])("unmodelled use → every word: %s", (src) => {
    expect(words(src)).toBe(ALL_CTX_WORDS);
  });
});

const dir = "policies/";
const policies = readdirSync(dir)
  .filter((f) => f.endsWith(".baton"))
  .sort();
const cache = new Map<string, Promise<Awaited<ReturnType<typeof loadHookPolicy>> | null>>();
/** Each policy is compiled and verified once for both engines. */
const loaded = (f: string) => {
  let p = cache.get(f);
  if (p === undefined) cache.set(f, (p = loadHookPolicy(`${dir}${f}`).catch(() => null)));
  return p;
};

describe("masked context = full context (property, every policy, both engines)", () => {
  for (const f of policies) {
    it.each(["interp", "jit"])(`${f} (%s)`, async (engine) => {
      const p = await loaded(f);
      if (p === null) return; // a policy that does not compile or verify right now is another test's failure
      // Each runtime gets its own equal sockets: a socket may sit in one sockarray only (R22).
      const mk = (full: boolean) => {
        const socks = Array.from(
          { length: 8 },
          (_, i) => new StaticSocket(BigInt(100 + i), TCP_LISTEN, 1, 2, 1, 6, 0x7f000001, 8080),
        );
        const reqs = [new StaticSocket(7n, TCP_NEW_SYN_RECV), new StaticSocket(8n, TCP_ESTABLISHED)];
        const table = new MapTable(new AddressSpace());
        let next = 0;
        for (const m of p.maps) {
          const map = table.create(m);
          if (map.kind !== "socket") continue;
          for (let k = 0; k < m.maxEntries && next < socks.length; k++) {
            const key = new Uint8Array(m.keySize);
            key[0] = k;
            expect(map.updateSocket(key, socks[next++]!, 0)).toBe(0);
          }
        }
        const rt = new SkReuseportRuntime({
          insns: p.insns,
          maps: table,
          engine: engineByName(engine),
          seed: 3,
          fullContext: full,
        });
        return { rt, socks, reqs };
      };
      const masked = mk(false);
      const full = mk(true);
      const run = (r: ReturnType<typeof mk>, hash: number, s: number, mig: number, len: number) => {
        const out = r.rt.select({
          sk: r.socks[s]!,
          migratingSk: mig === 2 ? null : r.reqs[mig]!,
          hash,
          len,
          bindInany: (hash & 1) === 0,
        });
        return { ret: out.ret, selected: out.selected?.cookie ?? null };
      };
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 0xffffffff }),
          fc.integer({ min: 0, max: 7 }),
          fc.integer({ min: 0, max: 2 }),
          fc.integer({ min: 0, max: 1500 }),
          (hash, s, mig, len) => {
            expect(run(masked, hash, s, mig, len)).toEqual(run(full, hash, s, mig, len));
          },
        ),
        { numRuns: runs(150), seed: 11 },
      );
    });
  }
});
