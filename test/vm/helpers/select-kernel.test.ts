/**
 * Cross-check of sk_select_reuseport (R21) against the running kernel: fixtures/select-kernel.c
 * loads a real sk_reuseport program per scenario and reports the helper's return value; the
 * same scenarios run through Baton's helper. Root, gcc and unshare needed (else skipped);
 * the C side runs in its own network namespace on loopback and closes its sockets.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type SocketMap, u32Key } from "../../../src/vm/maps/index.js";
import { HELPER } from "../../../src/vm/program-type.js";
import {
  AF_INET6,
  IPPROTO_UDP,
  SOCK_DGRAM,
  StaticSocket,
  TCP_CLOSE,
  TCP_ESTABLISHED,
  TCP_LISTEN,
} from "../../../src/vm/socket.js";
import { fixture } from "./fixture.js";
import { ptr, r0, regs } from "./regs.js";

/** Scenario → (map type, entry socket or null); ctx sk is a TCP/IPv4 listener of group 1. */
const SCENARIOS: Record<string, [number, (() => StaticSocket) | null]> = {
  "sockarray-empty": [20, null],
  "sockarray-same-group": [20, () => new StaticSocket(2n, TCP_LISTEN, 1)],
  "sockarray-other-group-tcp4": [20, () => new StaticSocket(3n, TCP_LISTEN, 2)],
  "sockarray-other-group-tcp6": [20, () => new StaticSocket(4n, TCP_LISTEN, 3, AF_INET6)],
  "sockarray-other-group-udp4": [20, () => new StaticSocket(5n, TCP_CLOSE, 4, 2, SOCK_DGRAM, IPPROTO_UDP)],
  "sockmap-same-group": [15, () => new StaticSocket(6n, TCP_LISTEN, 1)],
  "sockmap-established-no-group": [15, () => new StaticSocket(7n, TCP_ESTABLISHED, null)],
  "sockhash-other-group-tcp4": [18, () => new StaticSocket(8n, TCP_LISTEN, 5)],
};

function baton(name: string): number {
  const [type, entry] = SCENARIOS[name]!;
  const f = fixture();
  const m = f.maps.create({ fd: 3, type, keySize: 4, valueSize: 8, maxEntries: 2 }) as SocketMap;
  if (entry !== null) expect(m.updateSocket(u32Key(0), entry(), 0)).toBe(0);
  f.fill({ sk: new StaticSocket(1n, TCP_LISTEN, 1) });
  f.scratch.view.setUint32(0, 0, true);
  const r = regs(ptr(f.ctx.ctx.id), ptr(m.handle.id), ptr(f.scratch.id), 0);
  f.helper(HELPER.sk_select_reuseport)(r, f.mem);
  return r0(r);
}

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  for (const tool of ["gcc", "unshare", "ip"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} missing`;
  return null;
}
const why = unavailable();
if (why !== null) console.log(`kernel sk_select_reuseport cross-check skipped: ${why}`);
const work = why === null ? mkdtempSync(join(tmpdir(), "baton-select-")) : "";
afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("sk_select_reuseport agrees with the Linux kernel (R21)", () => {
  it.skipIf(why !== null)("every scenario returns the kernel's value (needs root, gcc, unshare)", () => {
    const bin = join(work, "select-kernel");
    execFileSync(
      "gcc",
      ["-O1", "-o", bin, join(dirname(fileURLToPath(import.meta.url)), "fixtures", "select-kernel.c")],
      { timeout: 60_000 },
    );
    const res = spawnSync("unshare", ["--net", "sh", "-c", `ip link set lo up && exec ${bin}`], {
      timeout: 30_000,
      encoding: "utf8",
    });
    expect(res.status).toBe(0);
    const lines = res.stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    if (lines.some((l) => l[1] === "setup-failed")) {
      console.log(`kernel sk_select_reuseport cross-check skipped: program load failed\n${res.stderr}`);
      return;
    }
    expect(lines.map((l) => l[0])).toEqual(Object.keys(SCENARIOS));
    for (const [name, value] of lines) expect([name, baton(name!)]).toEqual([name, Number(value)]);
  });
});
