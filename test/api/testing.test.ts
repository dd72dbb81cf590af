// The testing API on the real C programs of test/fixtures/udp (the same objects the kernel
// comparison loads) and on the other program sources.
import { describe, expect, it } from "vitest";
import { ReuseportTestGroup } from "../../src/testing.js";

const F = "test/fixtures/udp";
const workers = ["w0", "w1", "w2", "w3"];

describe("QUIC DCID through a SOCKHASH", () => {
  it("steers known DCIDs, short and long headers, and falls back to the kernel pick", async () => {
    for (const engine of ["interp", "jit"]) {
      const g = new ReuseportTestGroup({ sockets: workers, engine });
      await g.load({ file: `${F}/quic_dcid_sockhash.o` });
      g.setMap("dcid_socks", "0102030405060708", { socket: "w2" });
      g.setMap("dcid_socks", "a1a2a3a4a5a6a7a8", { socket: "w3" });
      expect(g.send({ quic: { dcid: "0102030405060708" } }).socket).toBe("w2");
      expect(g.send({ quic: { dcid: "0102030405060708", form: "handshake" } }).socket).toBe("w2");
      expect(g.send({ quic: { dcid: "a1a2a3a4a5a6a7a8" }, srcPort: 999 })).toMatchObject({
        socket: "w3",
        how: "program",
      });
      const unknown = g.send({ quic: { dcid: "ffffffffffffffff" } });
      expect(unknown.how).toBe("hash");
      expect(g.send({ payload: "40" }).how).toBe("hash"); // too short for a DCID
      // a closed worker leaves the SOCKHASH: its flows go to the kernel pick
      g.close("w3");
      expect(g.lookupMap("dcid_socks", "a1a2a3a4a5a6a7a8")).toBeNull();
      expect(g.send({ quic: { dcid: "a1a2a3a4a5a6a7a8" } }).how).toBe("hash");
    }
  });

  it("a payload beyond the linear part is invisible to direct packet access", async () => {
    const g = new ReuseportTestGroup({ sockets: workers });
    await g.load({ file: `${F}/quic_dcid_sockhash.o` });
    g.setMap("dcid_socks", "0102030405060708", { socket: "w1" });
    const big = "40" + "0102030405060708" + "00".repeat(17000);
    expect(g.send({ payload: big }).how).toBe("hash");
    expect(g.send({ payload: big.slice(0, 2 * 16004) }).socket).toBe("w1");
  });
});

describe("worker index in the CID", () => {
  it("selects workers[cid[0]], Initial packets and stale slots fall back; stats count both", async () => {
    const g = new ReuseportTestGroup({ sockets: workers, address: "::1" });
    await g.load({ file: `${F}/quic_worker_index.o` });
    workers.forEach((w, i) => g.setMap("workers", i, { socket: w }));
    for (let i = 0; i < 4; i++) expect(g.send({ quic: { dcid: `0${i}00000000000000` } }).socket).toBe(workers[i]);
    expect(g.send({ quic: { dcid: "0200000000000000", form: "initial" } }).how).toBe("hash");
    expect(g.send({ quic: { dcid: "0900000000000000" } }).how).toBe("hash");
    // paged payloads are read with bpf_skb_load_bytes, so they still steer
    expect(g.send({ payload: "4002" + "00".repeat(20000) }).socket).toBe("w2");
    expect(g.lookupNumber("stats", 0)).toBe(5n);
    expect(g.lookupNumber("stats", 1)).toBe(2n);
  });

  it("closing a middle socket renumbers socks[] but the sockarray keeps indexes", async () => {
    const g = new ReuseportTestGroup({ sockets: workers });
    await g.load({ file: `${F}/quic_worker_index.o` });
    workers.forEach((w, i) => g.setMap("workers", i, { socket: w }));
    g.close("w1");
    expect(g.slots).toEqual(["w0", "w3", "w2"]);
    expect(g.send({ quic: { dcid: "0300000000000000" } }).socket).toBe("w3");
    expect(g.send({ quic: { dcid: "0100000000000000" } }).how).toBe("hash");
  });
});

describe("CPU steering", () => {
  it("eBPF and classic pick by CPU", async () => {
    const e = new ReuseportTestGroup({ sockets: workers });
    await e.load({ file: `${F}/cpu_steer.o` });
    workers.forEach((w, i) => e.setMap("workers", i, { socket: w }));
    e.setMap("config", 0, 4);
    const c = new ReuseportTestGroup({ sockets: workers });
    await c.load({ file: `${F}/cpu_steer.bpf` });
    for (let cpu = 0; cpu < 8; cpu++) {
      expect(e.send({ cpu }).socket).toBe(workers[cpu % 4]);
      const v = c.send({ cpu });
      if (cpu < 4) expect(v).toMatchObject({ socket: workers[cpu], how: "program-index" });
      else expect(v.how).toBe("hash");
    }
  });
});

describe("generation switch with an LRU flow table", () => {
  it("existing flows stay on the old generation, new ones go to the new", async () => {
    const g = new ReuseportTestGroup({ sockets: ["old", "new"] });
    await g.load({ file: `${F}/generation_lru.o` });
    g.setMap("gens", 0, { socket: "old" });
    g.setMap("gens", 1, { socket: "new" });
    g.setMap("config", 0, 0);
    for (let p = 1000; p < 1010; p++) expect(g.send({ srcPort: p }).socket).toBe("old");
    g.setMap("config", 0, 1);
    for (let p = 1000; p < 1010; p++) expect(g.send({ srcPort: p }).socket).toBe("old");
    for (let p = 2000; p < 2010; p++) expect(g.send({ srcPort: p }).socket).toBe("new");
    g.close("old");
    expect(g.send({ srcPort: 1000 }).socket).toBe("new"); // gens[0] is empty: hash pick over what is left
  });
});

describe("other sources", () => {
  it("asm, bytes and policies load; TCP groups select and migrate", async () => {
    const g = new ReuseportTestGroup({ sockets: 2 });
    await g.load({ asm: "mov %r0, 0\nexit\n", attachType: 39 });
    expect(g.send().drop).toBe("program-drop");
    expect(g.counters.UdpNoPorts).toBe(1);
    const p = new ReuseportTestGroup({ protocol: "tcp", sockets: ["l0", "l1", "l2"] });
    await p.load({ file: "policies/cpu_affinity.baton" });
    p.setMap("by_cpu", 3, { socket: "l2" });
    expect(p.send({ cpu: 3 }).socket).toBe("l2");
    expect(p.send({ cpu: 1 }).how).toBe("hash");
    const t = new ReuseportTestGroup({ protocol: "tcp", sockets: ["a", "b", "c"] });
    await t.load({ bytes: new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]), attachType: 40 });
    expect(t.send().drop).toBe("program-drop");
    expect(t.migrate({ from: "a" }).drop).toBe("not-migrated");
    expect(t.slots).toEqual(["c", "b"]);
  });

  it("a socket that does not exist is named in the error", () => {
    const g = new ReuseportTestGroup({ sockets: 2 });
    expect(() => g.socket("zz")).toThrow(/no socket named 'zz'.*s0, s1/);
  });
});
