/**
 * Builds the native bridges (`native/*.c`) with gcc on first use, never at import time.
 * Binaries are cached under `node_modules/.cache/baton-native/` (or the OS temp directory
 * when that is not writable), named by a hash of the sources and the compiler flags, so an
 * edited source rebuilds and concurrent test workers share one binary (atomic rename).
 *
 * Deliberately absent: cross-compilation and any build system; one `gcc` call per tool.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { InputError } from "../errors.js";

const run = promisify(execFile);

/** The tools under `native/`: each is one C file plus the shared header. */
export type NativeTool = "bpf_verify" | "reuseport_harness";

const CFLAGS = ["-O2", "-Wall", "-Wextra", "-std=gnu11"];
/** Headers any tool may include: all of them key every tool's cache entry (cheap, and never stale). */
const SHARED_HEADERS = ["bpf_common.h", "harness_io.h"];

/** `native/` next to `src/` (or `dist/`) — the repository root's `native` directory. */
export function nativeDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "native");
}

function cacheDir(): string {
  const candidates = [
    resolve(nativeDir(), "..", "node_modules", ".cache", "baton-native"),
    join(tmpdir(), "baton-native"),
  ];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // not writable: try the next candidate
    }
  }
  throw new InputError(
    "kernel.cache",
    `cannot create a cache directory for native tools (tried ${candidates.join(", ")})`,
  );
}

const inFlight = new Map<NativeTool, Promise<string>>();

/** Path of the built tool, compiling it first if the cached binary is missing or stale. */
export function buildNative(tool: NativeTool): Promise<string> {
  let p = inFlight.get(tool);
  if (p === undefined) {
    p = compile(tool);
    inFlight.set(tool, p);
    p.catch(() => inFlight.delete(tool));
  }
  return p;
}

let tmpSeq = 0;

interface Plan {
  readonly source: string;
  readonly out: string;
  readonly tmp: string;
}

function plan(tool: NativeTool): Plan {
  const dir = nativeDir();
  const hash = createHash("sha256");
  hash.update(CFLAGS.join(" "));
  for (const f of [`${tool}.c`, ...SHARED_HEADERS]) hash.update(readFileSync(join(dir, f)));
  const out = join(cacheDir(), `${tool}-${hash.digest("hex").slice(0, 16)}`);
  // pid + sequence: concurrent builders (test workers, or a sync and an async build) never share a temp file.
  return { source: join(dir, `${tool}.c`), out, tmp: `${out}.${process.pid}.${++tmpSeq}.tmp` };
}

function buildFailure(tool: NativeTool, p: Plan, e: unknown): InputError {
  rmSync(p.tmp, { force: true });
  const err = e as { stderr?: string | Buffer; message: string };
  const text = (err.stderr !== undefined && err.stderr.length > 0 ? err.stderr.toString() : err.message).trim();
  return new InputError(
    "kernel.build",
    `gcc could not build native/${tool}.c: ${text.split("\n").slice(0, 5).join(" | ")}`,
  );
}

async function compile(tool: NativeTool): Promise<string> {
  const p = plan(tool);
  if (existsSync(p.out)) return p.out;
  try {
    await run("gcc", [...CFLAGS, "-o", p.tmp, p.source], { timeout: 120_000 });
    renameSync(p.tmp, p.out);
  } catch (e) {
    throw buildFailure(tool, p, e);
  }
  return p.out;
}

/** Synchronous `buildNative`, for the one-time availability probe. */
export function buildNativeSync(tool: NativeTool): string {
  const p = plan(tool);
  if (existsSync(p.out)) return p.out;
  try {
    execFileSync("gcc", [...CFLAGS, "-o", p.tmp, p.source], { timeout: 120_000, stdio: ["ignore", "ignore", "pipe"] });
    renameSync(p.tmp, p.out);
  } catch (e) {
    throw buildFailure(tool, p, e);
  }
  return p.out;
}
