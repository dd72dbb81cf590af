/**
 * Test-time build and run of test/elf/native/elf_attach.c (libbpf loader + SO_REUSEPORT
 * attach). `nativeAvailability()` says why kernel tests must skip: not Linux, not root, no
 * gcc/libbpf headers/unshare/ip, or the build failing.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), "native", "elf_attach.c");

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

let cached: { available: boolean; reason: string; binary: string } | undefined;

export function nativeAvailability(): { available: boolean; reason: string; binary: string } {
  if (cached !== undefined) return cached;
  const no = (reason: string) => (cached = { available: false, reason, binary: "" });
  if (process.platform !== "linux") return no("not Linux");
  if (process.getuid?.() !== 0) return no("not root (libbpf load and netns need CAP_BPF/CAP_SYS_ADMIN)");
  for (const c of ["gcc", "unshare", "ip"]) if (!has(c)) return no(`${c} not installed`);
  if (!existsSync("/usr/include/bpf/libbpf.h")) return no("libbpf headers missing (apt-get install libbpf-dev)");
  const src = readFileSync(SOURCE);
  const dir = join(tmpdir(), "baton-elf-native");
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, `elf_attach-${createHash("sha256").update(src).digest("hex").slice(0, 12)}`);
  if (!existsSync(binary)) {
    const r = spawnSync("gcc", ["-O1", "-Wall", "-o", binary, SOURCE, "-lbpf"], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) return no(`building elf_attach failed: ${r.stderr}`);
  }
  return (cached = { available: true, reason: "", binary });
}

export interface AttachRun {
  readonly lines: string[];
  readonly loaded?: string;
  readonly attached: boolean;
  readonly select?: number;
  readonly migrate?: number | "none";
  readonly error?: string;
}

/** Run the loader in a fresh network namespace with loopback up. */
export function runAttach(object: string, args: readonly string[] = []): AttachRun {
  const a = nativeAvailability();
  const r = spawnSync(
    "unshare",
    ["--net", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', a.binary, object, ...args],
    { encoding: "utf8", timeout: 20_000 },
  );
  const lines = (r.stdout ?? "").split("\n").filter((l) => l !== "");
  const field = (k: string): string | undefined => lines.find((l) => l.startsWith(`${k} `))?.slice(k.length + 1);
  const sel = field("select");
  const mig = field("migrate");
  return {
    lines,
    ...(field("loaded") !== undefined ? { loaded: field("loaded")! } : {}),
    attached: lines.includes("attached"),
    ...(sel !== undefined ? { select: Number(sel) } : {}),
    ...(mig !== undefined ? { migrate: mig === "none" ? ("none" as const) : Number(mig) } : {}),
    ...(field("error") !== undefined ? { error: field("error")! } : {}),
  };
}
