/**
 * The kernel as an oracle for classic programs, through test/vm/cbpf/native/cbpf_oracle.c
 * (built with gcc at test time, cached by source hash): the checker's verdict from
 * setsockopt(SO_ATTACH_REUSEPORT_CBPF), which needs no privileges, and which socket of a real
 * UDP SO_REUSEPORT group on loopback receives each datagram, which needs root for a private
 * network namespace (`unshare --net`, lo up).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatDecimal, type SockFilter } from "../../../src/vm/cbpf/filter.js";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "native", "cbpf_oracle.c");
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
  readonly binary: string;
}

let built: Availability | undefined;

/** The oracle binary, or why there is none (not Linux, no gcc, build failure). */
export function oracleAvailability(): Availability {
  if (built !== undefined) return built;
  const no = (reason: string): Availability => (built = { available: false, reason, binary: "" });
  if (process.platform !== "linux") return no("not Linux");
  if (!has("gcc")) return no("gcc not installed");
  const src = readFileSync(SOURCE);
  const dir = join(tmpdir(), "baton-cbpf-oracle");
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `cbpf_oracle-${createHash("sha256").update(src).digest("hex").slice(0, 12)}`);
  if (!existsSync(binary)) {
    const tmp = `${binary}.${process.pid}`;
    const r = spawnSync("gcc", ["-O1", "-Wall", "-o", tmp, SOURCE], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) return no(`building cbpf_oracle failed: ${r.stderr}`);
    renameSync(tmp, binary);
  }
  return (built = { available: true, reason: "", binary });
}

/** Placements need the oracle plus root, unshare and ip. */
export function placementAvailability(): Availability {
  const a = oracleAvailability();
  if (!a.available) return a;
  if (process.getuid?.() !== 0)
    return { ...a, available: false, reason: "not root (a private network namespace needs CAP_SYS_ADMIN)" };
  for (const c of ["unshare", "ip"]) if (!has(c)) return { ...a, available: false, reason: `${c} not installed` };
  // Root without CAP_SYS_ADMIN (some containers) cannot make a network namespace.
  const ns = spawnSync("unshare", ["--net", "true"], { encoding: "utf8", timeout: 10_000 });
  if (ns.status !== 0) return { ...a, available: false, reason: `unshare --net fails: ${(ns.stderr ?? "").trim()}` };
  return a;
}

const line = (prog: readonly SockFilter[]): string => formatDecimal(prog, false).split("\n").join(" ");

/** The kernel's verdict per program: "ok", or the errno setsockopt returned. */
export function kernelVerdicts(progs: readonly (readonly SockFilter[])[]): ("ok" | number)[] {
  const a = oracleAvailability();
  const r = spawnSync(a.binary, ["check"], {
    input: progs.map(line).join("\n") + "\n",
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  const out = (r.stdout ?? "").split("\n").filter((l) => l !== "");
  if (out.length !== progs.length)
    throw new Error(`cbpf_oracle check answered ${out.length} of ${progs.length} programs: ${r.stderr}`);
  return out.map((l) => (l === "ok" ? "ok" : Number(l.split(" ")[1])));
}

export interface Datagram {
  readonly srcPort: number;
  readonly payload: Uint8Array;
}

/**
 * Which of `nsocks` sockets received each datagram (null: none), in a private netns; for TCP,
 * which listener accepted a connection from each datagram's source port.
 */
export function kernelPlacements(
  prog: readonly SockFilter[],
  nsocks: number,
  datagrams: readonly Datagram[],
  port: number,
  cpu = -1,
  family: 4 | 6 = 4,
  protocol: "udp" | "tcp" = "udp",
): (number | null)[] {
  const a = placementAvailability();
  const input = datagrams.map((d) => `${d.srcPort} ${Buffer.from(d.payload).toString("hex")}`).join("\n") + "\n";
  const r = spawnSync(
    "unshare",
    [
      "--net",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" "$@"',
      a.binary,
      "place",
      String(port),
      String(nsocks),
      String(cpu),
      `${family}${protocol === "tcp" ? "t" : ""}`,
      line(prog),
    ],
    { input, encoding: "utf8", timeout: 60_000 },
  );
  const out = (r.stdout ?? "").split("\n").filter((l) => l !== "");
  if (out[0] !== "attached") throw new Error(`cbpf_oracle place failed: ${out.join(" | ")} ${r.stderr}`);
  return out.slice(1).map((l) => (l === "none" ? null : Number(l)));
}
