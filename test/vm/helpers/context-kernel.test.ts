/**
 * Cross-check of the sk_reuseport context against the running kernel: fixtures/ctx-kernel.c
 * loads one program that copies ctx fields, ctx sk's bpf_sock fields, packet bytes and
 * skb_load_bytes[_relative] results into an array map, and triggers it with one SYN. The test
 * decodes the very same bytecode, runs it in Baton on an equivalent SYN and compares the map.
 * Needs root, gcc and unshare (else skipped); the C side runs in its own netns on loopback.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createInterpreter } from "../../../src/vm/interpreter.js";
import { decode } from "../../../src/vm/isa.js";
import { AddressSpace } from "../../../src/vm/memory.js";
import { lookupU64, MapTable, u32Key } from "../../../src/vm/maps/index.js";
import { SkReuseportRuntime } from "../../../src/vm/reuseport-runtime.js";
import { StaticSocket, TCP_LISTEN } from "../../../src/vm/socket.js";

const PORT = 31337;

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  for (const tool of ["gcc", "unshare", "ip"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} missing`;
  return null;
}
const why = unavailable();
if (why !== null) console.log(`kernel context cross-check skipped: ${why}`);
const work = why === null ? mkdtempSync(join(tmpdir(), "baton-ctx-")) : "";
afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("sk_reuseport context agrees with the Linux kernel (spec §F)", () => {
  it.skipIf(why !== null)("same bytecode, same values for a SYN (needs root, gcc, unshare)", () => {
    const bin = join(work, "ctx-kernel");
    execFileSync("gcc", ["-O1", "-o", bin, join(dirname(fileURLToPath(import.meta.url)), "fixtures", "ctx-kernel.c")], {
      timeout: 60_000,
    });
    const res = spawnSync("unshare", ["--net", "sh", "-c", `ip link set lo up && exec ${bin}`], {
      timeout: 30_000,
      encoding: "utf8",
    });
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split("\n");
    if (lines[0] === "setup-failed") {
      console.log(`kernel context cross-check skipped: program load failed\n${res.stderr}`);
      return;
    }
    const fd = Number(lines[0]!.split(" ")[1]);
    const hex = lines[1]!.split(" ")[1]!;
    const kernel = new Map(lines.slice(2).map((l) => l.split(" ").map(Number) as [number, number]));

    const maps = new MapTable(new AddressSpace());
    const out = maps.create({ fd, type: 2, keySize: 4, valueSize: 8, maxEntries: 16 });
    const insns = decode(Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))));
    const rt = new SkReuseportRuntime({ insns, maps, engine: createInterpreter });
    // IPv4 header (20 bytes) + a TCP SYN header of skb->len bytes: src port 40000, dst PORT.
    const tcpLen = kernel.get(0)!;
    const packet = new Uint8Array(20 + tcpLen);
    packet[0] = 0x45;
    packet[9] = 6;
    new DataView(packet.buffer).setUint16(20, 40000, false);
    new DataView(packet.buffer).setUint16(22, PORT, false);
    const listener = new StaticSocket(7n, TCP_LISTEN, 1, 2, 1, 6, 0x7f000001, PORT, 0, 0);
    expect(rt.select({ sk: listener, migratingSk: null, hash: 0x1234, packet, l4Offset: 20 }).ret).toBe(1);

    const ours = (k: number): number => Number(BigInt.asIntN(64, lookupU64(out, u32Key(k)) as bigint));
    const names = [
      "len",
      "eth_protocol",
      "ip_protocol",
      "bind_inany",
      "sk.src_ip4",
      "sk.src_port",
      "sk.state",
      "sk.family",
      "sk.dst_port",
      "packet tcp dport",
      "load_relative ret",
      "ip header byte 0",
      "load ret",
      "tcp ports (dport half)",
      "load past end ret",
      "migrating_sk",
    ];
    const diff: string[] = [];
    for (let k = 0; k < 16; k++) {
      let want = kernel.get(k)!;
      let got = ours(k);
      if (k === 13) {
        want = (want >>> 0) >>> 16; // the source port is random; compare the dport half
        got = (got >>> 0) >>> 16;
      }
      if (want !== got) diff.push(`${names[k]}: kernel ${want}, baton ${got}`);
    }
    expect(diff).toEqual([]);
  });
});
