/**
 * Every shipped policy run in the socket model: compiled, attached to a real reuseport group
 * of model listeners, its maps filled through the control-plane path (ModelMaps, mirrored into
 * the policy's maps by runtime-adapter.ts), driven with SYN/ACKs, closes and SYN-ACK timers,
 * and checked for exactly where each connection lands. Expected targets are computed here from
 * the policy's own rule and the model's hash (reciprocal_scale over the listening section,
 * R11; move-last-into-hole on stop, R4 b), never copied from a run. Each scenario runs on the
 * interpreter and the JIT and both must agree.
 * Omitted: the kernel itself (test/policies/policies.test.ts loads them into the kernel).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { compilePolicy, type CompiledPolicy } from "../../src/compiler/index.js";
import { reciprocalScale, flowHash } from "../../src/model/hash.js";
import { ModelMaps } from "../../src/model/model-maps.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import type { MapDecl } from "../../src/model/scenario.js";
import type { Flow, Listener } from "../../src/model/sockets.js";
import type { TcpStack } from "../../src/model/stack.js";
import { receiveAck, receiveSyn, requestTimer } from "../../src/model/tcp-input.js";
import { engineByName } from "../../src/vm/engines.js";
import { lookupU64, u32Key, u64Key } from "../../src/vm/maps/control.js";
import type { BpfMap } from "../../src/vm/maps/types.js";
import { MapTable } from "../../src/vm/maps/table.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { Rng } from "../../src/vm/rng.js";
import { verify } from "../../src/verifier/index.js";
import { LOCAL, PORT, flow, setup, type Log } from "../model/helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const cache = new Map<string, CompiledPolicy>();
function policy(name: string): CompiledPolicy {
  let p = cache.get(name);
  if (p === undefined) {
    const file = `policies/${name}.baton`;
    p = compilePolicy(readFileSync(join(ROOT, file), "utf8"), file);
    // The model runs only verified programs (runtime-adapter.ts leaves that to its caller).
    const v = verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps, sourceMap: p.sourceMap });
    if (!v.accepted) throw v.error ?? new Error(`${name}: rejected`);
    cache.set(name, p);
  }
  return p;
}

// The policy's own maps are private to the runtime adapter; spying on MapTable.create lets a
// test read the counters a policy keeps (drain_accounting, shed_on_overload) without changing it.
const createSpy = vi.spyOn(MapTable.prototype, "create");
afterAll(() => createSpy.mockRestore());

const SEED = 7;
interface World {
  st: TcpStack;
  l: Record<string, Listener>;
  maps: ModelMaps;
  log: Log;
  /** The policy's maps by name (as the VM sees them). */
  pm: Map<string, BpfMap>;
  /** Every flow driven, and where each ended: a listener name, "rst:<cause>" or "drop:<cause>". */
  flows: Flow[];
  out: Map<Flow, string>;
}

function world(name: string, engine: string, listeners: string[], decls: MapDecl[]): World {
  const { st, ls, log } = setup(listeners);
  const maps = new ModelMaps(decls, st);
  const before = createSpy.mock.results.length;
  const p = policy(name);
  const prog = runtimeProgram(
    { name: p.name ?? name, insns: p.insns, maps: p.maps, attachType: p.attachType },
    engineByName(engine),
    SEED,
    maps,
  );
  const pm = new Map<string, BpfMap>();
  for (const r of createSpy.mock.results.slice(before))
    if (r.type === "return") pm.set((r.value as BpfMap).name, r.value as BpfMap);
  st.attachProgram(ls[0] as Listener, prog);
  return { st, l: Object.fromEntries(ls.map((s) => [s.name, s])), maps, log, pm, flows: [], out: new Map() };
}

const sa = (name: string, n: number): MapDecl => ({ name, type: "sockarray", maxEntries: n });
const arr = (name: string, n: number): MapDecl => ({ name, type: "array", maxEntries: n });

/** Hashes the model gives 4-tuples from 10.0.0.1:<port> (hash.ts), one per connection. */
const hashes = (n: number, base = 20000): number[] =>
  Array.from({ length: n }, (_, i) => flowHash(SEED, LOCAL, PORT, 0x0a000001, base + i));

/** A full handshake; an RST is recorded as the flow's outcome. */
function connect(w: World, h: number): Flow {
  const f = flow(h);
  w.flows.push(f);
  const s = receiveSyn(w.st, f);
  if (s.kind === "rst") w.out.set(f, `rst:${s.cause}`);
  else if (s.kind !== "synack" || receiveAck(w.st, f).kind !== "queued") throw new Error(`unexpected ${s.kind}`);
  return f;
}
function halfOpen(w: World, h: number): Flow {
  const f = flow(h);
  w.flows.push(f);
  if (receiveSyn(w.st, f).kind !== "synack") throw new Error("expected synack");
  return f;
}
/**
 * Move each flow's request on: its SYN-ACK timer fires (R15; a resent SYN-ACK is then acked),
 * or, where `byAck(i)`, the final ACK arrives first (R16). Either migrates a closed listener's request.
 */
function advance(w: World, fs: Flow[], byAck: (i: number) => boolean = () => false): void {
  fs.forEach((f, i) => {
    const req = f.ehash;
    if (req === null || !("listener" in req)) throw new Error("no request");
    if (byAck(i) || requestTimer(w.st, req)) receiveAck(w.st, f);
  });
  for (const d of w.log.drops) for (const f of fs) if (f.id === d.flow) w.out.set(f, `drop:${d.cause}`);
}
/** accept() everything: each child's flow is mapped to the listener that accepted it. */
function drain(w: World): void {
  for (const s of w.st.sockets) for (let c = w.st.accept(s); c !== null; c = w.st.accept(s)) w.out.set(c.flow, s.name);
  for (const r of w.log.resets) for (const f of w.flows) if (f.id === r.flow) w.out.set(f, `rst:${r.cause}`);
}
const where = (w: World, fs: Flow[]): string[] => fs.map((f) => w.out.get(f) ?? "?");

/** R11: the kernel's pick over the listening section `order`. */
const kernelPick = (order: readonly string[], h: number): string => order[reciprocalScale(h, order.length)] as string;
/** R4 (b): the stopped socket's slot takes the last listening socket. */
function afterStop(order: readonly string[], name: string): string[] {
  const o = [...order];
  o[o.indexOf(name)] = o.pop() as string;
  return o.filter((x) => x !== name);
}
/** Migrations seen by the stack observer, per migration point (spec §D). */
const points = (w: World) => ({
  close: 0,
  timer: 0,
  ack: 0,
  ...Object.fromEntries(
    ["close", "timer", "ack"].map((p) => [p, w.log.migrations.filter((m) => m.point === p).length]),
  ),
});
const counters = (w: World) => ({
  ok: w.st.ns.counters.TCPMigrateReqSuccess,
  fail: w.st.ns.counters.TCPMigrateReqFailure,
});
const u64 = (w: World, map: string, key: bigint | number): number => {
  const m = w.pm.get(map) as BpfMap;
  const v = lookupU64(m, m.keySize === 8 ? u64Key(BigInt(key)) : u32Key(Number(key)));
  return typeof v === "bigint" ? Number(v) : 0; // a missing key reads as 0 (like `?? 0`)
};

/** A u32 mix and score exactly as consistent_hash.baton spells them. */
function mix(x: number): number {
  let h = x >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
function rendezvous(h: number, n: number): number {
  let best = 0;
  let bestScore = 0;
  for (let i = 0; i < n; i++) {
    const s = mix((h ^ mix(i + 1)) >>> 0);
    if (s > bestScore) [best, bestScore] = [i, s];
  }
  return best;
}

/** Run `scenario` on both engines; they must agree. Returns the interpreter's result. */
function bothEngines<T>(scenario: (engine: string) => T): T {
  const a = scenario("interp");
  expect(scenario("jit")).toEqual(a);
  return a;
}

describe("policies in the socket model (interp and jit agree)", () => {
  it("kernel_default: SYNs, closed-listener children and requests land on the kernel's hash pick", () => {
    const order = ["a", "b", "c", "d"];
    const hs = hashes(48);
    const r = bothEngines((e) => {
      const w = world("kernel_default", e, order, []);
      const est = hs.map((h) => connect(w, h));
      const reqs = hashes(16, 30000).map((h) => halfOpen(w, h));
      const onB = reqs.filter((f) => kernelPick(order, f.hash) === "b");
      const inB = est.filter((f) => kernelPick(order, f.hash) === "b").length;
      w.st.close(w.l.b as Listener); // tcp_migrate_req=0, but attach type 40 + SK_PASS → hash pick (R12 step 6)
      advance(w, reqs, (i) => i % 2 === 1);
      drain(w);
      const odd = onB.filter((f) => reqs.indexOf(f) % 2 === 1).length;
      return { est: where(w, est), reqs: where(w, reqs), onB: onB.length, inB, odd, points: points(w), ...counters(w) };
    });
    const left = afterStop(order, "b");
    expect(left).toEqual(["a", "d", "c"]);
    expect(r.est).toEqual(hs.map((h) => (kernelPick(order, h) === "b" ? kernelPick(left, h) : kernelPick(order, h))));
    expect(r.reqs).toEqual(
      hashes(16, 30000).map((h) => (kernelPick(order, h) === "b" ? kernelPick(left, h) : kernelPick(order, h))),
    );
    expect(r.inB).toBeGreaterThan(0);
    expect(r.onB).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: r.inB + r.onB, fail: 0, points: { close: r.inB, timer: r.onB - r.odd, ack: r.odd } });
    expect(r.odd).toBeGreaterThan(0);
  });

  it("consistent_hash: rendezvous slot per hash; removing the last slot moves only its connections", () => {
    const order = ["w0", "w1", "w2", "w3"];
    const hs = hashes(64);
    const later = hashes(32, 40000);
    const r = bothEngines((e) => {
      const w = world("consistent_hash", e, order, [sa("listeners", 16), arr("count", 1)]);
      order.forEach((n, i) => w.maps.update("listeners", i, w.l[n] as Listener));
      w.maps.update("count", 0, 4);
      const est = hs.map((h) => connect(w, h));
      const reqs = hashes(16, 30000).map((h) => halfOpen(w, h));
      // Scale down: unpublish the last slot first, then close its listener.
      w.maps.update("count", 0, 3);
      w.maps.delete("listeners", 3);
      w.st.close(w.l.w3 as Listener);
      advance(w, reqs);
      const after = later.map((h) => connect(w, h));
      drain(w);
      return { est: where(w, est), reqs: where(w, reqs), after: where(w, after), ...counters(w) };
    });
    const moved = (h: number) => `w${rendezvous(h, 4) === 3 ? rendezvous(h, 3) : rendezvous(h, 4)}`;
    expect(r.est).toEqual(hs.map(moved));
    expect(r.reqs).toEqual(hashes(16, 30000).map(moved));
    expect(r.after).toEqual(later.map((h) => `w${rendezvous(h, 3)}`));
    // Only w3's connections changed listener; at least one of each kind moved.
    const m =
      hs.filter((h) => rendezvous(h, 4) === 3).length + hashes(16, 30000).filter((h) => rendezvous(h, 4) === 3).length;
    expect(m).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: m, fail: 0 });
  });

  it("cpu_affinity: the model's SYNs arrive on CPU 0, so by_cpu[0] takes them; otherwise the hash pick", () => {
    const order = ["cpu0", "cpu1", "cpu2", "cpu3"];
    const hs = hashes(24);
    const r = bothEngines((e) => {
      const w = world("cpu_affinity", e, order, [sa("by_cpu", 256)]);
      order.forEach((n, i) => w.maps.update("by_cpu", i, w.l[n] as Listener));
      const pinned = hs.map((h) => connect(w, h));
      w.maps.delete("by_cpu", 0); // no worker on CPU 0 any more
      const unpinned = hs.map((h) => connect(w, h));
      w.st.close(w.l.cpu0 as Listener); // no `on migrate`: its children go by hash (R12 step 6)
      drain(w);
      return { pinned: where(w, pinned), unpinned: where(w, unpinned), ...counters(w) };
    });
    const left = afterStop(order, "cpu0");
    const inCpu0 = hs.length + hs.filter((h) => kernelPick(order, h) === "cpu0").length;
    expect(r.pinned).toEqual(hs.map((h) => kernelPick(left, h)));
    expect(r.unpinned).toEqual(
      hs.map((h) => (kernelPick(order, h) === "cpu0" ? kernelPick(left, h) : kernelPick(order, h))),
    );
    expect(r).toMatchObject({ ok: inCpu0, fail: 0 });
  });

  it("drain_accounting: slot = hash % n, selections counted per cookie, migrations per closing cookie", () => {
    const order = ["a", "b", "c"];
    const hs = hashes(60);
    const r = bothEngines((e) => {
      const w = world("drain_accounting", e, order, [sa("listeners", 16), arr("cookies", 16), arr("count", 1)]);
      order.forEach((n, i) => {
        w.maps.update("listeners", i, w.l[n] as Listener);
        w.maps.update("cookies", i, Number((w.l[n] as Listener).cookie));
      });
      w.maps.update("count", 0, 3);
      const est = hs.map((h) => connect(w, h));
      const selected = order.map((n) => u64(w, "selected", (w.l[n] as Listener).cookie));
      const reqs = hashes(12, 30000).map((h) => halfOpen(w, h));
      const cookieB = (w.l.b as Listener).cookie;
      w.st.close(w.l.b as Listener);
      const afterClose = u64(w, "migrated_from", cookieB);
      advance(w, reqs);
      drain(w);
      return {
        est: where(w, est),
        reqs: where(w, reqs),
        selected,
        afterClose,
        migrated: u64(w, "migrated_from", cookieB),
        ...counters(w),
      };
    });
    const left = afterStop(order, "b");
    const slot = (h: number) => order[h % 3] as string;
    const land = (h: number) => (slot(h) === "b" ? kernelPick(left, h) : slot(h)); // on migrate: pass → hash pick
    expect(r.est).toEqual(hs.map(land));
    expect(r.reqs).toEqual(hashes(12, 30000).map(land));
    expect(r.selected).toEqual(order.map((n) => hs.filter((h) => slot(h) === n).length));
    const kids = hs.filter((h) => slot(h) === "b").length;
    const halfs = hashes(12, 30000).filter((h) => slot(h) === "b").length;
    expect(r.afterClose).toBe(kids);
    expect(r.migrated).toBe(kids + halfs);
    expect(r).toMatchObject({ ok: kids + halfs, fail: 0 });
  });

  it("least_loaded: each SYN goes to the lowest published load (ties to the lower slot)", () => {
    const order = ["a", "b", "c"];
    const hs = hashes(30);
    const r = bothEngines((e) => {
      const w = world("least_loaded", e, order, [sa("listeners", 32), arr("load", 32), arr("count", 1)]);
      order.forEach((n, i) => w.maps.update("listeners", i, w.l[n] as Listener));
      [10, 4, 7].forEach((v, i) => w.maps.update("load", i, v));
      w.maps.update("count", 0, 3);
      const fs: Flow[] = [];
      for (const h of hs) {
        fs.push(connect(w, h));
        // Each worker publishes base load + its accept-queue length.
        order.forEach((n, i) => w.maps.update("load", i, [10, 4, 7][i]! + (w.l[n] as Listener).ackBacklog));
      }
      drain(w);
      return where(w, fs);
    });
    const load = [10, 4, 7];
    const expected = hs.map(() => {
      const i = load.indexOf(Math.min(...load)); // first minimum = lowest slot
      load[i]!++;
      return order[i];
    });
    expect(r).toEqual(expected);
    expect(expected.slice(0, 3)).toEqual(["b", "b", "b"]);
  });

  it("migrate_to_newest: closing generation 0 moves every child and request to listeners[8 + hash % 3]", () => {
    const gen0 = ["a0", "a1"];
    const gen1 = ["b0", "b1", "b2"];
    const hs = hashes(40);
    const hr = hashes(16, 30000);
    const r = bothEngines((e) => {
      const w = world(
        "migrate_to_newest",
        e,
        [...gen0, ...gen1],
        [sa("listeners", 32), arr("generation", 1), arr("workers", 4)],
      );
      const all = [...gen0, ...gen1];
      gen0.forEach((n, i) => w.maps.update("listeners", i, w.l[n] as Listener));
      gen1.forEach((n, i) => w.maps.update("listeners", 8 + i, w.l[n] as Listener));
      w.maps.update("workers", 0, 2);
      w.maps.update("workers", 1, 3);
      w.maps.update("generation", 0, 1);
      const est = hs.map((h) => connect(w, h)); // no `on select`: hash pick over all five
      const reqs = hr.map((h) => halfOpen(w, h));
      w.st.close(w.l.a0 as Listener);
      w.st.close(w.l.a1 as Listener);
      advance(w, reqs, (i) => i % 2 === 1);
      drain(w);
      return { all, est: where(w, est), reqs: where(w, reqs), ...counters(w) };
    });
    const order = [...gen0, ...gen1];
    const land = (h: number) => (kernelPick(order, h).startsWith("a") ? (gen1[h % 3] as string) : kernelPick(order, h));
    expect(r.est).toEqual(hs.map(land));
    expect(r.reqs).toEqual(hr.map(land));
    const moved = [...hs, ...hr].filter((h) => kernelPick(order, h).startsWith("a")).length;
    expect(moved).toBeGreaterThan(0);
    expect([...r.est, ...r.reqs].every((x) => x.startsWith("b"))).toBe(true);
    expect(r).toMatchObject({ ok: moved, fail: 0 });
  });

  it("newest_generation: SYNs go to listeners[gen*8 + hash % n]; the old generation drains by hash", () => {
    const order = ["a0", "a1", "b0", "b1", "b2"];
    const hs = hashes(30);
    const r = bothEngines((e) => {
      const w = world("newest_generation", e, order, [sa("listeners", 32), arr("generation", 1), arr("workers", 4)]);
      const before = hs.map((h) => connect(w, h)); // nothing published: kernel pick
      w.maps.update("listeners", 0, w.l.a0 as Listener);
      w.maps.update("listeners", 1, w.l.a1 as Listener);
      w.maps.update("workers", 0, 2);
      const g0 = hs.map((h) => connect(w, h));
      ["b0", "b1", "b2"].forEach((n, i) => w.maps.update("listeners", 8 + i, w.l[n] as Listener));
      w.maps.update("workers", 1, 3);
      w.maps.update("generation", 0, 1);
      const g1 = hs.map((h) => connect(w, h));
      w.st.close(w.l.a0 as Listener); // no `on migrate`: hash pick over what still listens
      drain(w);
      return { before: where(w, before), g0: where(w, g0), g1: where(w, g1), ...counters(w) };
    });
    const left = afterStop(order, "a0");
    const fix = (n: string, h: number) => (n === "a0" ? kernelPick(left, h) : n);
    expect(r.before).toEqual(hs.map((h) => fix(kernelPick(order, h), h)));
    expect(r.g0).toEqual(hs.map((h) => fix(`a${h % 2}`, h)));
    expect(r.g1).toEqual(hs.map((h) => `b${h % 3}`));
    const inA0 = hs.filter((h) => kernelPick(order, h) === "a0").length + hs.filter((h) => h % 2 === 0).length;
    expect(r).toMatchObject({ ok: inA0, fail: 0 });
  });

  it("power_of_two: the less loaded of two seeded random slots; an emptied slot falls back to the other", () => {
    const order = ["a", "b", "c"];
    const hs = hashes(40);
    const r = bothEngines((e) => {
      const w = world("power_of_two", e, order, [sa("listeners", 64), arr("load", 64), arr("count", 1)]);
      order.forEach((n, i) => w.maps.update("listeners", i, w.l[n] as Listener));
      [1000, 0, 500].forEach((v, i) => w.maps.update("load", i, v));
      w.maps.update("count", 0, 3);
      const full = hs.map((h) => connect(w, h));
      w.st.shutdown(w.l.b as Listener, "rdwr"); // b leaves the sockarray (R4 a); count stays 3
      const holed = hs.map((h) => connect(w, h));
      drain(w);
      return { full: where(w, full), holed: where(w, holed), ...counters(w) };
    });
    // Replay bpf_get_prandom_u32: the runtime's Rng seeded like the adapter, two draws per SYN.
    const rng = new Rng(SEED);
    const load = [1000, 0, 500];
    const pick = (alive: (i: number) => boolean, h: number, left: string[]): string => {
      const a = rng.nextU32() % 3;
      const b = rng.nextU32() % 3;
      const [first, second] = load[b]! < load[a]! ? [b, a] : [a, b];
      if (alive(first)) return order[first] as string;
      if (alive(second)) return order[second] as string;
      return kernelPick(left, h);
    };
    const left = afterStop(order, "b");
    const full = hs.map((h) => pick(() => true, h, order));
    const inB = full.filter((x) => x === "b").length;
    const holed = hs.map((h) => pick((i) => i !== 1, h, left));
    // b's children migrate by hash (no `on migrate`) when it shuts down.
    expect(r.full).toEqual(full.map((x, i) => (x === "b" ? kernelPick(left, hs[i]!) : x)));
    expect(r.holed).toEqual(holed);
    expect(inB).toBeGreaterThan(0);
    expect(full.filter((x) => x === "a").length).toBeLessThan(inB); // the busiest wins only when drawn twice
    expect(r).toMatchObject({ ok: inB, fail: 0 });
  });

  it("shed_on_overload: over the limit SYNs are reset and counted, requests dropped, children still migrate", () => {
    const order = ["a", "b", "c"];
    const hs = hashes(30);
    const hr = hashes(16, 30000);
    const r = bothEngines((e) => {
      const w = world("shed_on_overload", e, order, [arr("inflight", 1), arr("limits", 1)]);
      w.maps.update("inflight", 0, 10);
      w.maps.update("limits", 0, 100);
      const calm = hs.map((h) => connect(w, h));
      const reqs = hr.map((h) => halfOpen(w, h));
      w.maps.update("inflight", 0, 101);
      const shed = hs.slice(0, 5).map((h) => connect(w, h));
      w.st.close(w.l.b as Listener);
      advance(w, reqs);
      drain(w);
      return {
        calm: where(w, calm),
        reqs: where(w, reqs),
        shed: where(w, shed),
        count: u64(w, "shed", 0),
        ...counters(w),
      };
    });
    const left = afterStop(order, "b");
    const land = (h: number) => (kernelPick(order, h) === "b" ? kernelPick(left, h) : kernelPick(order, h));
    expect(r.calm).toEqual(hs.map(land));
    expect(r.reqs).toEqual(hr.map((h) => (kernelPick(order, h) === "b" ? "drop:program-drop" : kernelPick(order, h))));
    expect(r.shed).toEqual(Array(5).fill("rst:program-refused"));
    expect(r.count).toBe(5);
    const kids = hs.filter((h) => kernelPick(order, h) === "b").length;
    const halfs = hr.filter((h) => kernelPick(order, h) === "b").length;
    expect(halfs).toBeGreaterThan(0);
    expect(r).toMatchObject({ ok: kids, fail: halfs });
  });

  it("weighted_canary: hash % 100 < pct goes to canary[(hash/100) % nc], the rest to stable[(hash/100) % ns]", () => {
    const order = ["s0", "s1", "c0"];
    const hs = [...hashes(60), 5, 15, 115, 109];
    const r = bothEngines((e) => {
      const w = world("weighted_canary", e, order, [sa("stable", 16), sa("canary", 16), arr("config", 3)]);
      w.maps.update("stable", 0, w.l.s0 as Listener);
      w.maps.update("stable", 1, w.l.s1 as Listener);
      w.maps.update("canary", 0, w.l.c0 as Listener);
      w.maps.update("config", 1, 2);
      w.maps.update("config", 2, 1);
      const zero = hs.map((h) => connect(w, h));
      w.maps.update("config", 0, 10);
      const split = hs.map((h) => connect(w, h));
      drain(w);
      const pending = hs.map((h) => connect(w, h));
      w.st.close(w.l.c0 as Listener); // canary withdrawn: its queued children migrate by hash
      const after = hs.map((h) => connect(w, h));
      drain(w);
      return {
        zero: where(w, zero),
        split: where(w, split),
        pending: where(w, pending),
        after: where(w, after),
        ...counters(w),
      };
    });
    const left = afterStop(order, "c0");
    const stable = (h: number) => `s${Math.floor(h / 100) % 2}`;
    const canary = (h: number) => h % 100 < 10;
    expect(r.zero).toEqual(hs.map(stable));
    expect(r.split).toEqual(hs.map((h) => (canary(h) ? "c0" : stable(h))));
    expect(r.split.slice(-4)).toEqual(["c0", "s0", "s1", "c0"]); // the policy's own examples
    expect(r.pending).toEqual(hs.map((h) => (canary(h) ? kernelPick(left, h) : stable(h))));
    expect(r.after).toEqual(hs.map((h) => (canary(h) ? kernelPick(left, h) : stable(h))));
    expect(hs.filter(canary).length).toBeGreaterThan(2);
    expect(r).toMatchObject({ ok: hs.filter(canary).length, fail: 0 });
  });
});
