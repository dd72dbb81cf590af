/**
 * Cross-check against the running kernel: the same map script runs through Baton's maps and
 * through bpf() (fixtures/map-script.c, compiled with gcc, run as root in its own network
 * namespace, loopback only). Skips without root, gcc, unshare or bpf(). Hash iteration order
 * is not compared (the kernel walks buckets; Baton uses insertion order).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { AddressSpace } from "../../../src/vm/memory.js";
import { type BpfMap, MapTable, readU32, u32Key, valueBytes } from "../../../src/vm/maps/index.js";
import { StaticSocket, TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN } from "../../../src/vm/socket.js";

const SCRIPT = `
create 2 4 4 2 0
create 2 8 4 2 0
create 2 4 0 2 0
create 2 4 4 0 0
create 2 4 4 2 1
create 1 0 4 2 0
create 1 4 4 2 2
create 1 513 4 2 0
create 9 4 4 2 1
create 9 4 4 2 2
create 20 4 2 2 0
create 20 8 8 2 0
create 15 4 16 2 0
create 18 600 8 2 0
create 18 4 8 0 0
update 0 0 11 0
update 0 1 12 1
update 0 2 13 0
update 0 2 13 3
update 0 1 14 2
lookup 0 1
lookup 0 5
delete 0 0
next 0 -
next 0 0
next 0 1
next 0 9
create 1 4 8 2 0
update 3 10 1 2
update 3 10 1 0
update 3 10 2 1
update 3 11 3 0
update 3 12 4 0
update 3 10 5 2
update 3 10 5 4
lookup 3 10
delete 3 12
delete 3 11
update 3 12 6 0
create 9 4 4 2 0
update 4 1 1 0
update 4 2 2 0
update 4 3 3 0
lookup 4 1
lookup 4 3
tcp l1 listen
tcp l2 listen
tcp b bound
tcp u unbound
tcp e established
create 20 4 8 2 0
create 20 4 8 2 0
create 15 4 8 2 0
create 20 4 4 2 0
supd 5 0 l1 3
supd 5 2 l1 0
supd 5 0 l1 2
supd 5 0 b 0
supd 5 0 u 0
supd 5 0 e 0
supd 5 0 l1 0
supd 5 0 l2 1
supd 5 1 l1 0
supd 6 0 l1 0
slookup 5 0
slookup 5 1
delete 5 1
delete 5 7
next 5 -
supd 7 0 l1 0
supd 7 0 e 0
supd 7 1 u 0
supd 7 5 e 0
supd 7 5 u 3
supd 7 0 e 1
slookup 7 0
slookup 7 1
delete 7 1
delete 7 9
supd 6 0 e 0
supd 8 0 l2 0
slookup 8 0
slookup 8 1
`.trim();

/** The same script through Baton. Socket states mirror what map-script.c creates. */
function baton(script: string): string[] {
  const t = new MapTable(new AddressSpace());
  const maps: BpfMap[] = [];
  const socks = new Map<string, StaticSocket>();
  let cookie = 1n;
  const out: string[] = [];
  for (const line of script.split("\n")) {
    const [cmd, ...a] = line.trim().split(/\s+/);
    const n = a.map((x) => Number(x));
    const key = (m: BpfMap, k: number): Uint8Array => (m.keySize === 4 ? u32Key(k) : valueBytes(k, m.keySize));
    switch (cmd) {
      case "create": {
        const r = t.tryCreate({
          fd: 100 + maps.length + out.length,
          type: n[0]!,
          keySize: n[1]!,
          valueSize: n[2]!,
          maxEntries: n[3]!,
          flags: n[4]!,
        });
        if ("errno" in r) out.push(String(r.errno));
        else {
          maps.push(r);
          out.push("0");
        }
        break;
      }
      case "update": {
        const m = maps[n[0]!]!;
        if (m.kind !== "data") throw new Error("update on a socket map");
        out.push(String(m.update(key(m, n[1]!), valueBytes(n[2]!, m.valueSize), n[3]!)));
        break;
      }
      case "supd": {
        const m = maps[n[0]!]!;
        if (m.kind !== "socket") throw new Error("supd on a data map");
        out.push(String(m.updateSocket(key(m, n[1]!), socks.get(a[2]!)!, n[3]!)));
        break;
      }
      case "delete":
        out.push(String(maps[n[0]!]!.delete(key(maps[n[0]!]!, n[1]!))));
        break;
      case "lookup":
      case "slookup": {
        const m = maps[n[0]!]!;
        const v = m.lookup(key(m, n[1]!));
        if (typeof v === "number") out.push(String(v));
        else if (cmd === "slookup") out.push("0 cookie");
        else
          out.push(
            `0 ${new DataView(valueBytes(0, 8).buffer).getBigUint64(0, true) + BigInt(readU32(v, 0)) + (v.length >= 8 ? BigInt(readU32(v, 4)) << 32n : 0n)}`,
          );
        break;
      }
      case "next": {
        const m = maps[n[0]!]!;
        const r = m.getNextKey(a[1] === "-" ? null : key(m, n[1]!));
        out.push(typeof r === "number" ? String(r) : `0 ${readU32(r, 0)}`);
        break;
      }
      case "tcp": {
        const how = a[1];
        const state = how === "listen" ? TCP_LISTEN : how === "established" ? TCP_ESTABLISHED : TCP_CLOSE;
        socks.set(a[0]!, new StaticSocket(cookie++, state, how === "listen" ? 1 : null));
        out.push("ok");
        break;
      }
      default:
        throw new Error(`bad command ${cmd}`);
    }
  }
  return out;
}

function kernelAvailable(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  for (const tool of ["gcc", "unshare", "ip"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} missing`;
  return null;
}

const why = kernelAvailable();
if (why !== null) console.log(`kernel map cross-check skipped: ${why}`);
const work = why === null ? mkdtempSync(join(tmpdir(), "baton-maps-")) : "";
afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("maps agree with the Linux kernel's bpf() results", () => {
  it.skipIf(why !== null)("map script (needs root, gcc, unshare; runs in its own netns)", () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "map-script.c");
    const bin = join(work, "map-script");
    execFileSync("gcc", ["-O1", "-o", bin, src], { timeout: 60_000 });
    const res = spawnSync("unshare", ["--net", "sh", "-c", `ip link set lo up && exec ${bin}`], {
      input: `${SCRIPT}\n`,
      timeout: 30_000,
      encoding: "utf8",
    });
    expect(res.status).toBe(0);
    const kernel = res.stdout.trim().split("\n");
    const ours = baton(SCRIPT);
    const lines = SCRIPT.split("\n");
    const diffs = lines
      .map((l, i) => `${l} → kernel ${kernel[i]}, baton ${ours[i]}`)
      .filter((_, i) => kernel[i] !== ours[i]);
    if (kernel[0] === "-1" || kernel.every((k) => k === "-1")) {
      console.log("kernel map cross-check skipped: bpf() refused (EPERM)");
      return;
    }
    expect(diffs).toEqual([]);
  });
});
