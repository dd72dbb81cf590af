/**
 * The kernel side of the UDP comparisons: test/kernel/udp-native/udp_place.c (built with gcc
 * and libbpf at test time, cached by source hash) run inside `unshare --net` with lo up. It
 * loads an object with libbpf, binds a real SO_REUSEPORT group, fills maps, sends datagrams
 * and reports which socket received each.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "udp-native", "udp_place.c");
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

export interface PlaceAvailability {
  readonly available: boolean;
  readonly reason: string;
  readonly binary: string;
}

let cached: PlaceAvailability | undefined;

/** The tool, or why the comparison cannot run (not Linux, not root, no gcc/libbpf/unshare). */
export function placeAvailability(): PlaceAvailability {
  if (cached !== undefined) return cached;
  const no = (reason: string): PlaceAvailability => (cached = { available: false, reason, binary: "" });
  if (process.platform !== "linux") return no("not Linux");
  if (process.getuid?.() !== 0)
    return no("not root (loading programs and a private network namespace need CAP_BPF and CAP_SYS_ADMIN)");
  for (const c of ["gcc", "unshare", "ip"]) if (!has(c)) return no(`${c} not installed`);
  if (!existsSync("/usr/include/bpf/libbpf.h")) return no("libbpf-dev not installed (/usr/include/bpf/libbpf.h)");
  const src = readFileSync(SOURCE);
  const dir = join(tmpdir(), "baton-udp-place");
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `udp_place-${createHash("sha256").update(src).digest("hex").slice(0, 12)}`);
  if (!existsSync(binary)) {
    const tmp = `${binary}.${process.pid}`;
    const r = spawnSync("gcc", ["-O2", "-Wall", "-o", tmp, SOURCE, "-lbpf"], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) return no(`building udp_place failed: ${r.stderr}`);
    renameSync(tmp, binary);
  }
  const probe = spawnSync("unshare", ["--net", "true"], { encoding: "utf8" });
  if (probe.status !== 0) return no(`unshare --net failed: ${probe.stderr.trim()}`);
  return (cached = { available: true, reason: "", binary });
}

/** Run a udp_place script; returns one reply per command line (comments and blanks excluded). */
export function runPlace(lines: readonly string[]): string[] {
  const a = placeAvailability();
  const r = spawnSync("unshare", ["--net", "sh", "-c", 'ip link set lo up && exec "$0"', a.binary], {
    input: lines.join("\n") + "\n",
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  const out = (r.stdout ?? "").split("\n").filter((l) => l !== "");
  const err = out.find((l) => l.startsWith("err "));
  if (err !== undefined || r.status !== 0) throw new Error(`udp_place failed: ${err ?? ""} ${r.stderr ?? ""}`);
  return out;
}
