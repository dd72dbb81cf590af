// The UDP fixtures' placements on this machine's kernel against Baton's predictions: each
// program is loaded with libbpf, attached to a real UDP SO_REUSEPORT group on loopback (IPv4,
// IPv6 and dual-stack) in a private network namespace, and sent the same datagrams. Where Baton
// says the program chose, the kernel must deliver to the same socket; where Baton says the
// kernel's hash pick (whose secret user space cannot know), the kernel must deliver somewhere;
// where Baton says drop, nowhere. Map contents afterwards are compared too.
import { cpus } from "node:os";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReuseportTestGroup } from "../../src/testing.js";
import { placeAvailability, runPlace } from "./udp-place.js";

const avail = placeAvailability();
if (!avail.available) console.warn(`UDP kernel comparison skipped: ${avail.reason}`);
const F = "test/fixtures/udp";

type Step =
  | { readonly op: "sockmap"; readonly map: string; readonly key: string; readonly socket: number }
  | { readonly op: "mapset"; readonly map: string; readonly key: string; readonly value: string }
  | { readonly op: "close"; readonly socket: number }
  | { readonly op: "send"; readonly srcPort: number; readonly payload: string; readonly cpu?: number }
  | { readonly op: "mapget"; readonly map: string; readonly key: string };

interface Trial {
  readonly name: string;
  readonly file: string;
  readonly sockets: number;
  /** Bind address of the group; `from` the senders' address. */
  readonly bind: string;
  readonly from: string;
  readonly steps: readonly Step[];
}

const PORT = 4433;
const dst = (t: Trial): string => (t.from.includes(":") ? "::1" : "127.0.0.1");

async function compare(t: Trial): Promise<void> {
  const names = Array.from({ length: t.sockets }, (_, i) => `w${i}`);
  const g = new ReuseportTestGroup({ sockets: names, address: t.bind, port: PORT });
  const classic = t.file.endsWith(".bpf");
  const lines: string[] = [
    classic
      ? `cbpf ${(await import("../../src/vm/cbpf/filter.js"))
          .formatDecimal(
            (await import("../../src/vm/cbpf/assembler.js")).assembleClassic(
              (await import("node:fs")).readFileSync(t.file, "utf8"),
            ),
            false,
          )
          .split("\n")
          .join(" ")}`
      : `obj ${t.file} -`,
    `sockets ${t.sockets} ${t.bind} ${PORT} 0`,
    "attach 0",
  ];
  await g.load({ file: t.file });
  const expected: (
    { kind: "socket"; name: string } | { kind: "any" } | { kind: "none" } | { kind: "val"; hex: string | null } | null
  )[] = [null, null, null];
  for (const s of t.steps) {
    switch (s.op) {
      case "sockmap":
        g.setMap(s.map, s.key, { socket: names[s.socket]! });
        lines.push(`sockmap ${s.map} ${s.key} ${s.socket}`);
        expected.push(null);
        break;
      case "mapset":
        g.setMap(s.map, s.key, s.value);
        lines.push(`mapset ${s.map} ${s.key} ${s.value}`);
        expected.push(null);
        break;
      case "close":
        g.close(names[s.socket]!);
        lines.push(`close ${s.socket}`);
        expected.push(null);
        break;
      case "send": {
        const v = g.send({
          from: t.from,
          to: dst(t),
          srcPort: s.srcPort,
          payload: s.payload,
          ...(s.cpu !== undefined ? { cpu: s.cpu } : {}),
        });
        if (s.cpu !== undefined) {
          lines.push(`cpu ${s.cpu}`);
          expected.push(null);
        }
        lines.push(`send ${t.from} ${s.srcPort} ${dst(t)} ${s.payload}`);
        expected.push(
          v.socket === null
            ? { kind: "none" }
            : v.how === "hash"
              ? { kind: "any" }
              : { kind: "socket", name: v.socket },
        );
        break;
      }
      case "mapget": {
        const v = g.lookupMap(s.map, s.key);
        lines.push(`mapget ${s.map} ${s.key}`);
        expected.push({ kind: "val", hex: v === null ? null : Buffer.from(v as Uint8Array).toString("hex") });
        break;
      }
    }
  }
  const out = runPlace(lines);
  expect(out.length).toBe(expected.length);
  out.forEach((line, i) => {
    const e = expected[i];
    const where = `${t.name}: reply ${i} to '${lines[i]!.slice(0, 60)}'`;
    if (e === null || e === undefined) return expect(line, where).toBe("ok");
    if (e.kind === "none") return expect(line, where).toBe("none");
    if (e.kind === "any") return expect(line, where).toMatch(/^recv \d+ /);
    if (e.kind === "socket")
      return expect(line.split(" ").slice(0, 2).join(" "), where).toBe(`recv ${e.name.slice(1)}`);
    return expect(line, where).toBe(e.hex === null ? "val none" : `val ${e.hex}`);
  });
}

const dcid = (id: string, long = false): string =>
  (long
    ? `c000000001 08${id} 00 0000000000000000000000000000000000000000`
    : `40${id}0000000000000000000000000000000000000000`
  ).replace(/ /g, "");
const families = [
  { tag: "IPv4", bind: "127.0.0.1", from: "127.0.0.1" },
  { tag: "IPv6", bind: "::1", from: "::1" },
  { tag: "dual-stack (v4 datagrams to [::])", bind: "::", from: "127.0.0.1" },
];

const trials: Trial[] = families.flatMap((f) => [
  {
    name: `quic_dcid_sockhash ${f.tag}`,
    file: `${F}/quic_dcid_sockhash.o`,
    sockets: 4,
    bind: f.bind,
    from: f.from,
    steps: [
      { op: "sockmap", map: "dcid_socks", key: "0102030405060708", socket: 2 },
      { op: "sockmap", map: "dcid_socks", key: "a1a2a3a4a5a6a7a8", socket: 3 },
      { op: "sockmap", map: "dcid_socks", key: "b1b2b3b4b5b6b7b8", socket: 1 },
      { op: "send", srcPort: 5000, payload: dcid("0102030405060708") },
      { op: "send", srcPort: 5001, payload: dcid("0102030405060708", true) },
      { op: "send", srcPort: 5002, payload: dcid("a1a2a3a4a5a6a7a8") },
      { op: "send", srcPort: 5003, payload: dcid("b1b2b3b4b5b6b7b8") },
      { op: "send", srcPort: 5004, payload: dcid("ffffffffffffffff") },
      { op: "send", srcPort: 5005, payload: "40" },
      { op: "close", socket: 1 },
      { op: "send", srcPort: 5003, payload: dcid("b1b2b3b4b5b6b7b8") },
      { op: "send", srcPort: 5002, payload: dcid("a1a2a3a4a5a6a7a8") },
      { op: "send", srcPort: 5006, payload: "40" + "0102030405060708" + "00".repeat(17000) },
    ],
  },
  {
    name: `quic_worker_index ${f.tag}`,
    file: `${F}/quic_worker_index.o`,
    sockets: 4,
    bind: f.bind,
    from: f.from,
    steps: [
      ...[0, 1, 2, 3].map((i): Step => ({ op: "sockmap", map: "workers", key: `0${i}000000`, socket: i })),
      ...[0, 1, 2, 3].map((i): Step => ({ op: "send", srcPort: 6000 + i, payload: dcid(`0${i}00000000000000`) })),
      { op: "send", srcPort: 6010, payload: `c000000001080200000000000000000000000000000000000000000000000000000000` },
      { op: "send", srcPort: 6011, payload: `e000000001080200000000000000000000000000000000000000000000000000000000` },
      { op: "close", socket: 1 },
      { op: "send", srcPort: 6012, payload: dcid("0100000000000000") },
      { op: "send", srcPort: 6013, payload: dcid("0300000000000000") },
      { op: "send", srcPort: 6014, payload: "4002" + "00".repeat(20000) },
      { op: "mapget", map: "stats", key: "00000000" },
      { op: "mapget", map: "stats", key: "01000000" },
    ],
  },
  {
    name: `generation_lru ${f.tag}`,
    file: `${F}/generation_lru.o`,
    sockets: 2,
    bind: f.bind,
    from: f.from,
    steps: [
      { op: "sockmap", map: "gens", key: "00000000", socket: 0 },
      { op: "sockmap", map: "gens", key: "01000000", socket: 1 },
      { op: "mapset", map: "config", key: "00000000", value: "00000000" },
      ...[7000, 7001, 7002].map((p): Step => ({ op: "send", srcPort: p, payload: "aa" })),
      { op: "mapset", map: "config", key: "00000000", value: "01000000" },
      ...[7000, 7001, 7002, 7100, 7101].map((p): Step => ({ op: "send", srcPort: p, payload: "bb" })),
    ],
  },
  {
    name: `conn_table ${f.tag}`,
    file: `${F}/conn_table.o`,
    sockets: 3,
    bind: f.bind,
    from: f.from,
    steps: [
      { op: "sockmap", map: "socks", key: "0100000000000000", socket: 1 },
      { op: "sockmap", map: "socks", key: "0200000000000000", socket: 2 },
      { op: "mapset", map: "conns", key: "0000000000000001", value: "0100000000000000" },
      { op: "mapset", map: "conns", key: "0000000000000002", value: "0200000000000000" },
      { op: "mapset", map: "conns", key: "0000000000000003", value: "0900000000000000" },
      ...[1, 2, 3, 4].map((c): Step => ({ op: "send", srcPort: 9000 + c, payload: dcid(`000000000000000${c}`) })),
      { op: "send", srcPort: 9010, payload: dcid("0000000000000001", true) },
      { op: "sockmap", map: "socks", key: "0100000000000000", socket: 0 },
      { op: "send", srcPort: 9011, payload: dcid("0000000000000001") },
      { op: "close", socket: 2 },
      { op: "send", srcPort: 9012, payload: dcid("0000000000000002") },
    ],
  },
  {
    // the classic filter of scenarios/udp-slot-renumbering-cbpf.json: after w1 closes, the
    // kernel moves w3 into slot 1, so index 1 reaches w3 and index 3 falls to the hash pick
    name: `udp-cid-index.bpf (classic, slot renumbering) ${f.tag}`,
    file: "scenarios/udp-cid-index.bpf",
    sockets: 4,
    bind: f.bind,
    from: f.from,
    steps: [
      ...[0, 1, 2, 3].map((i): Step => ({ op: "send", srcPort: 9100 + i, payload: dcid(`0${i}00000000000000`) })),
      { op: "close", socket: 1 },
      ...[0, 1, 2, 3].map((i): Step => ({ op: "send", srcPort: 9200 + i, payload: dcid(`0${i}00000000000000`) })),
    ],
  },
  {
    name: `cpu_steer ${f.tag}`,
    file: `${F}/cpu_steer.o`,
    sockets: 2,
    bind: f.bind,
    from: f.from,
    steps: [
      { op: "sockmap", map: "workers", key: "00000000", socket: 0 },
      { op: "sockmap", map: "workers", key: "01000000", socket: 1 },
      { op: "mapset", map: "config", key: "00000000", value: "02000000" },
      ...[0, 1, 0, 1].map((cpu, i): Step => ({ op: "send", srcPort: 8000 + i, payload: "cc", cpu })),
    ],
  },
  {
    name: `cpu_steer.bpf (classic) ${f.tag}`,
    file: `${F}/cpu_steer.bpf`,
    sockets: 2,
    bind: f.bind,
    from: f.from,
    steps: [0, 1, 1, 0].map((cpu, i): Step => ({ op: "send", srcPort: 8100 + i, payload: "dd", cpu })),
  },
]);

// CPU steering pins the sender to CPUs 0 and 1 (loopback delivery runs on the sending CPU).
const twoCpus = cpus().length >= 2;
if (!twoCpus) console.warn("UDP kernel comparison: CPU steering trials skipped (one CPU)");

describe.skipIf(!avail.available)(
  `UDP fixtures: Baton's placements equal the kernel's${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    for (const t of trials) it.skipIf(!twoCpus && t.name.startsWith("cpu_steer"))(t.name, () => compare(t), 60_000);
  },
);

/** probe_ctx's record (test/fixtures/udp/probe_ctx.c), as hex, with the bytes a sender sets differently blanked. */
function probeFields(hex: string, v6: boolean): string {
  const b = Buffer.from(hex, "hex");
  b.fill(0, 32 + 6, 32 + 8); // UDP checksum: the kernel's sender fills it, Baton leaves 0
  const net = 48;
  if (v6) {
    b.fill(0, net, net + 4); // version, traffic class, flow label (auto flow labels)
    b.fill(0, 96 + 15, 96 + 16); // the same flow label bits, read through the link-layer header
  } else {
    b.fill(0, net + 4, net + 8); // IP id and fragment field
    b.fill(0, net + 10, net + 12); // header checksum (follows the id)
  }
  return b.toString("hex");
}

describe.skipIf(!avail.available)(
  `probe_ctx: the context Baton builds equals the kernel's${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    for (const f of families) {
      it(
        f.tag,
        async () => {
          const v6 = f.from.includes(":");
          const max = v6 ? 15991 : 16004;
          const sizes = [0, 3, 100, max, max + 1, 30000];
          const g = new ReuseportTestGroup({ sockets: ["a", "b"], address: f.bind, port: PORT });
          await g.load({ file: `${F}/probe_ctx.o` });
          const lines = [`obj ${F}/probe_ctx.o -`, `sockets 2 ${f.bind} ${PORT} 0`, "attach 0"];
          const want: string[] = [];
          for (const n of sizes) {
            const payload = Buffer.alloc(n, 0xab).toString("hex");
            g.send({ from: f.from, to: v6 ? "::1" : "127.0.0.1", srcPort: 5000, payload });
            want.push(probeFields(Buffer.from(g.lookupMap("probe", "00000000") as Uint8Array).toString("hex"), v6));
            lines.push(`send ${f.from} 5000 ${v6 ? "::1" : "127.0.0.1"} ${payload}`, "mapget probe 00000000");
          }
          const got = runPlace(lines)
            .filter((l) => l.startsWith("val "))
            .map((l) => probeFields(l.slice(4), v6));
          expect(got).toEqual(want);
        },
        60_000,
      );
    }
  },
);

describe.skipIf(!avail.available)(
  `probe_ctx on a TCP SYN: the testing API's context equals the kernel's${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    for (const addr of ["127.0.0.1", "::1"]) {
      it(
        addr,
        async () => {
          const v6 = addr.includes(":");
          const g = new ReuseportTestGroup({ protocol: "tcp", sockets: ["a", "b"], address: addr, port: 8080 });
          await g.load({ file: `${F}/probe_ctx.o` });
          g.send({ from: addr, to: addr, srcPort: 5000 });
          const blank = (hex: string): string => {
            const b = Buffer.from(probeFields(hex, v6), "hex");
            b.fill(0, 32 + 4, 32 + 8); // the SYN's sequence number (random in the kernel)
            return b.toString("hex");
          };
          const want = blank(Buffer.from(g.lookupMap("probe", "00000000") as Uint8Array).toString("hex"));
          const out = runPlace([
            `obj ${F}/probe_ctx.o -`,
            `tcpsockets 2 ${addr} 8080 0`,
            "attach 0",
            `connect ${addr} 5000 ${addr}`,
            "mapget probe 00000000",
          ]);
          expect(out[3]).toMatch(/^recv \d 0$/);
          expect(blank(out[4]!.slice(4))).toBe(want);
        },
        60_000,
      );
    }
  },
);

describe.skipIf(!avail.available)(
  `connected UDP sockets in a group${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    it("get their peer's datagrams and no one else's, in the kernel as in Baton", () => {
      const g = new ReuseportTestGroup({ sockets: ["w0", "w1", "w2", "w3"] });
      g.connect("w1", "127.0.0.1", 7777);
      const ports = [7777, ...Array.from({ length: 40 }, (_, i) => 7000 + i)];
      const baton = ports.map((p) => g.send({ srcPort: p, payload: "aa" }));
      const lines = [
        "sockets 4 127.0.0.1 4433 0",
        "udpconnect 1 127.0.0.1 7777",
        ...ports.map((p) => `send 127.0.0.1 ${p} 127.0.0.1 aa`),
      ];
      const kernel = runPlace(lines).slice(2);
      expect(baton[0]).toMatchObject({ socket: "w1", how: "connected" });
      expect(kernel[0]).toBe("recv 1 1");
      expect(baton.slice(1).every((v) => v.socket !== null && v.socket !== "w1")).toBe(true);
      expect(kernel.slice(1).every((l) => /^recv [023] 1$/.test(l))).toBe(true);
    }, 60_000);
  },
);

describe.skipIf(!avail.available)(
  `random maps and datagrams: Baton's placements equal the kernel's${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString("hex"));
    it("quic_worker_index and quic_dcid_sockhash over random inputs", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...families),
          fc.integer({ min: 1, max: 6 }),
          fc.array(fc.tuple(fc.nat(7), fc.nat(5)), { maxLength: 6 }), // (key, socket) entries
          fc.array(fc.tuple(fc.nat(7), fc.constantFrom("short", "long", "initial", "junk"), hex(7)), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.option(fc.nat(5)), // a socket to close halfway
          fc.boolean(), // which program
          async (f, sockets, entries, sends, closeAt, worker) => {
            const steps: Step[] = [];
            const used = new Set<number>();
            for (const [k, sk] of entries) {
              if (sk >= sockets) continue;
              // a socket sits in at most one sockarray slot (a second update is EBUSY, in both)
              if (worker && used.has(sk)) continue;
              used.add(sk);
              steps.push(
                worker
                  ? { op: "sockmap", map: "workers", key: `0${k}000000`, socket: sk }
                  : { op: "sockmap", map: "dcid_socks", key: `0${k}00000000000000`, socket: sk },
              );
            }
            sends.forEach(([k, form, rest], i) => {
              if (closeAt !== null && closeAt < sockets && i === sends.length >> 1)
                steps.push({ op: "close", socket: closeAt });
              const id = `0${k}${rest}`;
              const payload =
                form === "short"
                  ? `40${id}00`
                  : form === "long"
                    ? `e000000001 08${id} 00 00`.replace(/ /g, "")
                    : form === "initial"
                      ? `c000000001 08${id} 00 00`.replace(/ /g, "")
                      : rest;
              steps.push({ op: "send", srcPort: 10000 + i, payload });
            });
            if (worker)
              steps.push(
                { op: "mapget", map: "stats", key: "00000000" },
                { op: "mapget", map: "stats", key: "01000000" },
              );
            await compare({
              name: `random ${worker ? "quic_worker_index" : "quic_dcid_sockhash"} ${f.tag}`,
              file: `${F}/${worker ? "quic_worker_index" : "quic_dcid_sockhash"}.o`,
              sockets,
              bind: f.bind,
              from: f.from,
              steps,
            });
          },
        ),
        { numRuns: 25, seed: 17 },
      );
    }, 300_000);
  },
);
