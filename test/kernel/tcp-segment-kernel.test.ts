// The TCP segment bytes of the model's program context against the kernel's: one sk_reuseport
// program (below) runs on a real IPv4 and IPv6 connection over loopback
// (test/kernel/tcp-native/tcp_probe.c, raw bpf(2), built with gcc) and on the same connection
// in the model. It records, for the SYN's selection (entry 0) and for the final-ACK migration
// carrying 25 bytes (entry 1): which of 1/20/32/40/52/65 bytes are linear, len, eth_protocol,
// bpf_skb_load_bytes(0, 40)'s result and the 40 bytes. Only the sender's random values differ:
// sequence numbers and TCP timestamps are masked.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kernelNamespaceAvailability } from "../../src/kernel/harness.js";
import { ModelMaps } from "../../src/model/model-maps.js";
import { Netns } from "../../src/model/netns.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import { Flow, type RequestSock } from "../../src/model/sockets.js";
import { TcpStack } from "../../src/model/stack.js";
import { receiveAck, receiveSyn, requestTimer } from "../../src/model/tcp-input.js";
import { parseAddress } from "../../src/model/udp-packet.js";
import { assemble } from "../../src/vm/asm/assembler.js";
import { engineByName } from "../../src/vm/engines.js";
import { decode } from "../../src/vm/isa.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "tcp-native", "tcp_probe.c");
const NATIVE = join(HERE, "..", "..", "native");

const chk = (n: number, bit: number): string => `mov %r4, %r2\nadd %r4, ${n}\njgt %r4, %r3, +1\nor %r9, ${bit}\n`;
// Both probes write into map entry 0 for a new connection, 1 for a migration (r8 = the entry).
const ENTRY = `
  mov %r6, %r1
  mov %r7, 0
  ldxdw %r1, [%r6+48]
  jeq %r1, 0, key
  mov %r7, 1
key:
  stxw [%r10-4], %r7
  mov %r2, %r10
  add %r2, -4
  lddw %r1, map_fd(1)
  call 1
  jeq %r0, 0, out
  mov %r8, %r0
`;
const PROBE = `${ENTRY}  ldxdw %r2, [%r6+0]
  ldxdw %r3, [%r6+8]
  mov %r9, 0
${chk(1, 1)}${chk(20, 2)}${chk(32, 4)}${chk(40, 8)}${chk(52, 16)}${chk(65, 32)}
  stxw [%r8+0], %r9
  ldxw %r2, [%r6+16]
  stxw [%r8+4], %r2
  ldxw %r2, [%r6+20]
  stxw [%r8+8], %r2
  mov %r1, %r6
  mov %r2, 0
  mov %r3, %r8
  add %r3, 16
  mov %r4, 40
  call 26
  stxw [%r8+12], %r0
out:
  mov %r0, 1
  exit
`;
const CODE = assemble(PROBE);

// Stores ctx sk's family (entry 0) and, for a migration (entry 1), the migrating socket's
// bpf_sock: family, src_ip6, dst_ip6, src_ip4, dst_ip4, src_port, state.
const SOCK_FIELDS = [4, 28, 32, 36, 40, 56, 60, 64, 68, 24, 52, 44, 72];
const SOCKS = assemble(`${ENTRY}  ldxdw %r1, [%r6+40]
  ldxw %r2, [%r1+4]
  stxw [%r8+0], %r2
  ldxdw %r1, [%r6+48]
  jeq %r1, 0, out
${SOCK_FIELDS.map((off, i) => `  ldxw %r2, [%r1+${off}]\n  stxw [%r8+${4 + 4 * i}], %r2`).join("\n")}
out:
  mov %r0, 1
  exit
`);

function build(): { binary: string } | { reason: string } {
  const a = kernelNamespaceAvailability();
  if (!a.available) return { reason: a.reason };
  const src = readFileSync(SOURCE);
  const dir = join(tmpdir(), "baton-tcp-probe");
  mkdirSync(dir, { recursive: true });
  const tag = createHash("sha256")
    .update(src)
    .update(readFileSync(join(NATIVE, "bpf_common.h")))
    .digest("hex");
  const binary = join(dir, `tcp_probe-${tag.slice(0, 12)}`);
  if (!existsSync(binary)) {
    const tmp = `${binary}.${process.pid}`;
    const r = spawnSync("gcc", ["-O2", "-Wall", `-I${NATIVE}`, "-o", tmp, SOURCE], { encoding: "utf8" });
    if (r.status !== 0) return { reason: `building tcp_probe failed: ${r.stderr}` };
    renameSync(tmp, binary);
  }
  return { binary };
}
const tool = build();

type Family = "4" | "6" | "dual";

type Mode = "data" | "timer" | "close";

function kernel(family: Family, mode: Mode = "data", code = CODE): { port: number; entries: string[] } {
  const bin = (tool as { binary: string }).binary;
  const hex = Buffer.from(code).toString("hex");
  const args = [bin, family, hex, mode];
  const r = spawnSync("unshare", ["--net", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = r.stdout.split("\n");
  if (r.status !== 0 || lines.some((l) => l.startsWith("err "))) throw new Error(`tcp_probe: ${r.stdout} ${r.stderr}`);
  if (mode !== "timer") expect(lines).toContain("accepted 1");
  return {
    port: Number(lines.find((l) => l.startsWith("port "))!.slice(5)),
    entries: lines.filter((l) => l.startsWith("entry ")).map((l) => l.split(" ")[2]!),
  };
}

/**
 * The same connection in the model: SYN to L0 (deferring), bare ACK, L1 listens, L0 closes,
 * then 25 bytes, or (`timer`) the SYN-ACK timer at 1 s.
 */
function model(family: Family, port: number, mode: Mode = "data", code = CODE): string[] {
  const st = new TcpStack(new Netns());
  const prog = runtimeProgram(
    {
      name: "probe",
      insns: decode(code),
      maps: [{ fd: 1, name: "probe", type: 2, keySize: 4, valueSize: 64, maxEntries: 2 }],
      attachType: 40,
    },
    engineByName("interp"),
    1,
    new ModelMaps([], st),
  );
  const addr = parseAddress(family === "6" ? "::1" : "127.0.0.1", "t");
  const bind = family === "dual" ? parseAddress("::", "t") : addr;
  const ls = [0, 1].map((i) => {
    const s = st.socket(`L${i}`, true, bind.family);
    st.bind(s, bind, 8080);
    if (mode !== "close") st.setDeferAccept(s, 5);
    return s;
  });
  st.listen(ls[0]!, 16);
  st.attachProgram(ls[0]!, prog);
  const v6 = family === "6" ? { local: addr.bytes, remote: addr.bytes } : null;
  // An IPv6 connection's sk_rcv_saddr and inet_daddr hold 127.0.0.6, as the simulator's flows do.
  const ip4 = family === "6" ? 0x7f000006 : 0x7f000001;
  const f = new Flow(1, ip4, 8080, ip4, port, 0x1234567, v6);
  expect(receiveSyn(st, f).kind).toBe("synack");
  expect(receiveAck(st, f).kind).toBe(mode === "close" ? "queued" : "kept");
  st.listen(ls[1]!, 16);
  st.close(ls[0]!);
  if (mode === "close") {
    expect(ls[1]!.acceptQueue.length).toBe(1);
  } else if (mode === "timer") {
    st.now = 1_000_000;
    requestTimer(st, f.ehash as RequestSock);
  } else
    expect(receiveAck(st, f, { dataLen: 25, data: new Uint8Array(25).fill(0xab) })).toMatchObject({
      kind: "queued",
    });
  const entries = prog.dumpMaps("t")[0]!.entries;
  return [0, 1].map((k) => entries.find((e) => e.key === k)!.value as string);
}

/** Blank what the sender makes up: sequence and acknowledgment numbers, TCP timestamps. */
function masked(hex: string, migrate: boolean): string {
  const b = Buffer.from(hex, "hex");
  const tcp = 16;
  b.fill(0, tcp + 4, tcp + 12);
  if (migrate)
    b.fill(0, tcp + 24, tcp + 32); // NOP NOP TS: TSval, TSecr
  else b.fill(0, tcp + 28, tcp + 32); // SYN: TSval (TSecr is 0)
  return b.toString("hex");
}

const skip = "reason" in tool;
describe(`TCP segment bytes: model vs kernel${skip ? ` (skipped: ${(tool as { reason: string }).reason})` : ""}`, () => {
  for (const family of ["4", "6", "dual"] as const) {
    it.skipIf(skip)(`${family}: the SYN and the migrating data segment read the same`, () => {
      const k = kernel(family);
      const m = model(family, k.port);
      expect(m.map((h, i) => masked(h, i === 1))).toEqual(k.entries.map((h, i) => masked(h, i === 1)));
      // And what they read: 40 linear bytes of SYN (bits 1|2|4|8), a 32-byte linear header.
      expect(Buffer.from(k.entries[0]!, "hex").readUInt32LE(0)).toBe(0b1111);
      expect(Buffer.from(k.entries[1]!, "hex").readUInt32LE(0)).toBe(0b111);
      expect(Buffer.from(k.entries[1]!, "hex").readUInt32LE(4)).toBe(57);
    });

    it.skipIf(skip)(
      `${family}: a migration at the SYN-ACK timer runs with the empty skb in both`,
      () => {
        const k = kernel(family, "timer");
        const m = model(family, k.port, "timer");
        expect(m[1]).toBe(k.entries[1]);
        const e = Buffer.from(k.entries[1]!, "hex");
        // nothing linear, len 0, eth_protocol 0, bpf_skb_load_bytes -EFAULT
        expect([e.readUInt32LE(0), e.readUInt32LE(4), e.readUInt32LE(8), e.readInt32LE(12)]).toEqual([0, 0, 0, -14]);
      },
      30_000,
    );

    it.skipIf(skip)(`${family}: ctx sk and the migrating request read the same bpf_sock fields`, () => {
      const k = kernel(family, "data", SOCKS);
      expect(model(family, k.port, "data", SOCKS)).toEqual(k.entries);
      const e = Buffer.from(k.entries[1]!, "hex");
      expect([e.readUInt32LE(0), e.readUInt32LE(4)]).toEqual(family === "4" ? [2, 2] : [10, 10]);
    });

    it.skipIf(skip)(`${family}: the child migrating at close reads the same bpf_sock fields`, () => {
      const k = kernel(family, "close", SOCKS);
      expect(model(family, k.port, "close", SOCKS)).toEqual(k.entries);
      expect(Buffer.from(k.entries[1]!, "hex").readUInt32LE(52)).toBe(1); // TCP_ESTABLISHED
    });
  }
});
