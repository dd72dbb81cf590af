// What a datagram charges against sk_rcvbuf in the UDP model (datagramTruesize) against the
// kernel's skb->truesize for the same datagram over loopback, read back from /proc/net/udp in a
// private network namespace. The lengths sit on both sides of every allocation step.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { datagramTruesize } from "../../src/model/udp.js";
import { AF_INET, AF_INET6 } from "../../src/vm/socket.js";

const SCRIPT = new URL("./udp-truesize.py", import.meta.url).pathname;

function availability(): { available: boolean; reason: string } {
  if (process.platform !== "linux") return { available: false, reason: "not Linux" };
  if (process.getuid?.() !== 0) return { available: false, reason: "not root (needs unshare --net)" };
  const probe = spawnSync("unshare", ["--net", "python3", "-c", "print(1)"], { encoding: "utf8" });
  if (probe.status !== 0) return { available: false, reason: `unshare --net python3 failed: ${probe.stderr}` };
  return { available: true, reason: "" };
}
const avail = availability();
if (!avail.available) console.warn(`UDP truesize comparison skipped: ${avail.reason}`);

// Step edges for IPv4 (59 bytes before the payload) and IPv6 (72), then page-fragment sizes.
const LENGTHS = [0, 1, 184, 185, 197, 198, 632, 633, 645, 646, 1472, 1656, 1657, 1669, 1670, 3704, 3705, 3717, 3718];
const MORE = [7800, 7801, 7813, 7814, 15991, 15992, 16004, 16005, 20000, 65000];

describe("datagramTruesize", () => {
  it("follows the allocation steps", () => {
    expect([0, 197, 198, 645, 646].map((n) => datagramTruesize(n, AF_INET))).toEqual([832, 832, 1280, 1280, 2304]);
    expect([184, 185, 15991, 15992].map((n) => datagramTruesize(n, AF_INET6))).toEqual([832, 1280, 16640, 16824]);
    expect(datagramTruesize(16005, AF_INET)).toBe(832 + 16005);
  });
});

describe.skipIf(!avail.available)(
  `UDP truesize: the model's equals the kernel's${avail.available ? "" : ` (skipped: ${avail.reason})`}`,
  () => {
    it("for IPv4 and IPv6 datagrams of every step's edge", () => {
      const input = [...LENGTHS, ...MORE].flatMap((n) => [`4 ${n}`, `6 ${n}`]).join("\n") + "\n";
      const r = spawnSync("unshare", ["--net", "python3", SCRIPT], { input, encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const rows = r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" ").map(Number));
      expect(rows).toHaveLength(2 * (LENGTHS.length + MORE.length));
      for (const [fam, n, kernel] of rows)
        expect({ fam, n, size: datagramTruesize(n!, fam === 6 ? AF_INET6 : AF_INET) }).toEqual({
          fam,
          n,
          size: kernel,
        });
    }, 90_000);
  },
);
