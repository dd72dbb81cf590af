/**
 * UDP through the reuseport hook. Suite `udp-hook`: one datagram through the UDP model's lookup
 * and each real program of test/fixtures/udp on the JIT (cpu_steer.bpf: the classic filter on
 * the JIT), against the kernel's hash pick with no program. Suite `udp-1m`: its check runs
 * 1,000,000 datagrams over 32 sockets with quic_worker_index.o attached and reports the wall
 * time and the heap sampled every 2^16 datagrams (flat memory: datagrams are counted, not
 * kept) on stderr and in bench/results/udp-1m.json; the timed case is 10,000 datagrams.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ReuseportTestGroup } from "../src/testing.js";
import { hookPacket, parseAddress } from "../src/model/udp-packet.js";
import { parseUdpScenario } from "../src/model/udp-scenario.js";
import { simulateUdp, type UdpSimProgram } from "../src/model/udp-sim.js";
import { ebpfUdpProgram } from "../src/model/udp-programs.js";
import { loadSource } from "../src/testing/load.js";
import { engineFor } from "../src/cli/verified-program.js";
import { MapTable } from "../src/vm/maps/table.js";
import { AddressSpace } from "../src/vm/memory.js";
import { SkReuseportRuntime } from "../src/vm/reuseport-runtime.js";
import { u32Key } from "../src/vm/maps/control.js";
import type { BenchCase, BenchSuite } from "./types.js";

const F = fileURLToPath(new URL("../test/fixtures/udp/", import.meta.url));
const lo = parseAddress("127.0.0.1", "bench");
const names = ["w0", "w1", "w2", "w3"];

/** A group with `file` loaded and its maps filled; returns one datagram's run. */
async function hookCase(
  label: string,
  file: string | null,
  payload: Uint8Array,
  fill: (g: ReuseportTestGroup) => void,
): Promise<BenchCase> {
  const g = new ReuseportTestGroup({ sockets: names, engine: "jit" });
  if (file !== null) await g.load({ file: F + file });
  fill(g);
  const d = { src: lo, srcPort: 40000, dst: lo, dstPort: g.port, payload, cpu: 1 };
  const pkt = hookPacket(d, payload);
  const st = g.udp;
  const how = st.select(d, pkt).how;
  // Each program must take its own path (not a fallback) on the timed datagram.
  if (how !== (file === null ? "hash" : file.endsWith(".bpf") ? "program-index" : "program"))
    throw new Error(`udp-hook/${label}: the datagram took the ${how} path`);
  return {
    name: `udp-hook/${label}`,
    engine: file === null ? "kernel-pick" : "jit",
    fn: () => void st.select(d, pkt),
    ...(file !== null ? { baseline: "udp-hook/no-program" } : {}),
  };
}

const short = (b0: number): Uint8Array =>
  Uint8Array.from([0x40, b0, 2, 3, 4, 5, 6, 7, 8, ...new Array<number>(20).fill(0)]);
const hookCases: BenchCase[] = [
  await hookCase("no-program", null, short(1), () => undefined),
  await hookCase("quic_dcid_sockhash", "quic_dcid_sockhash.o", short(1), (g) =>
    g.setMap("dcid_socks", Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), { socket: "w2" }),
  ),
  await hookCase("quic_worker_index", "quic_worker_index.o", short(2), (g) =>
    names.forEach((n, i) => g.setMap("workers", i, { socket: n })),
  ),
  await hookCase("cpu_steer", "cpu_steer.o", short(0), (g) => {
    names.forEach((n, i) => g.setMap("workers", i, { socket: n }));
    g.setMap("config", 0, 4);
  }),
  await hookCase("generation_lru", "generation_lru.o", short(0), (g) => {
    g.setMap("gens", 0, { socket: "w0" });
    g.setMap("config", 0, 0);
  }),
  await hookCase("conn_table", "conn_table.o", short(0), (g) => {
    g.setMap("conns", "0002030405060708", 1);
    g.setMap("socks", 1, { socket: "w1" });
  }),
  await hookCase("cpu_steer.bpf (classic)", "cpu_steer.bpf", short(0), () => undefined),
];

/** The 1M scenario: 32 sockets, 10,000 flows whose DCIDs name worker (flow mod 32). */
function scenarioText(datagrams: number): string {
  return JSON.stringify({
    name: `udp-${datagrams}`,
    seed: 1,
    durationMs: 86_400_000,
    udp: {
      sockets: Array.from({ length: 32 }, (_, i) => ({ name: `w${i}` })),
      flows: Array.from({ length: 32 }, (_, w) => ({
        name: `to-w${w}`,
        count: 1000,
        srcPort: 1024 + w * 1000,
        rate: 1_000_000,
        datagramsPerFlow: Math.ceil(datagrams / 32 / 1000),
        quic: { dcidPrefix: w.toString(16).padStart(2, "0") },
        owner: `w${w}`,
      })),
      events: [
        { at: 0, do: "attach", via: "w0", program: "worker" },
        ...Array.from({ length: 32 }, (_, i) => ({
          at: 0,
          do: "map",
          map: "workers",
          key: i % 16,
          socket: `w${i}`,
        })).slice(0, 16),
      ],
    },
  });
}

const loaded = await loadSource({ file: `${F}quic_worker_index.o` });
function workerProgram(): UdpSimProgram {
  if (loaded.kind !== "ebpf") throw new Error("quic_worker_index.o is eBPF");
  const p = loaded.program;
  const maps = new MapTable(new AddressSpace());
  for (const spec of p.maps) maps.create(spec);
  const runtime = new SkReuseportRuntime({ insns: p.insns, maps, engine: engineFor(p, "jit").factory });
  return {
    program: ebpfUdpProgram("worker", p.attachType, runtime, maps),
    writeMap(map, key, value) {
      const m = maps.list.find((x) => x.name === map)!;
      if (m.kind === "socket" && typeof value === "object" && value !== null)
        m.updateSocket(u32Key(Number(key)), value, 0);
    },
  };
}

function run(datagrams: number, onSample?: (n: number) => void): number {
  const sc = parseUdpScenario(scenarioText(datagrams), "bench");
  let n = 0;
  const r = simulateUdp(sc, {
    programs: new Map([["worker", workerProgram]]),
    ...(onSample !== undefined ? { onDatagram: () => void (++n % 65536 === 0 && onSample(n)) } : {}),
  });
  return r.datagrams.sent;
}

export const suites: BenchSuite[] = [
  { name: "udp-hook", cases: hookCases },
  {
    name: "udp-1m",
    check() {
      const heap: number[] = [];
      const t0 = performance.now();
      const sent = run(1_000_000, () => heap.push(process.memoryUsage().heapUsed / 1048576));
      const ms = performance.now() - t0;
      const out = {
        datagrams: sent,
        sockets: 32,
        wallMs: Math.round(ms),
        heapMBSamples: heap.map((h) => Math.round(h)),
      };
      process.stderr.write(
        `udp-1m: ${sent} datagrams over 32 sockets in ${out.wallMs} ms; heap MB every 65536: ${out.heapMBSamples.join(" ")}\n`,
      );
      mkdirSync(new URL("results/", import.meta.url), { recursive: true });
      writeFileSync(new URL("results/udp-1m.json", import.meta.url), JSON.stringify(out, null, 2) + "\n");
    },
    cases: [{ name: "udp-sim/10000-datagrams", engine: "jit", fn: () => void run(10_000) }],
  },
];
