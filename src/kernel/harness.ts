/**
 * Runs a `KernelScenario` on the machine's kernel: `native/reuseport_harness` inside its own
 * network namespace (`unshare --net`; the harness brings `lo` up and refuses to run in a
 * namespace with other interfaces), so sysctls it writes and the TcpExt counters it reads are
 * private to the run. The result is the ground truth the socket model is compared with.
 *
 * Deliberately absent: retries on timing-dependent outcomes (SYN-ACK timer vs final ACK);
 * callers assert only what does not depend on timing.
 */
import { spawn, spawnSync } from "node:child_process";
import { InputError, ModelError } from "../errors.js";
import { buildNative } from "./build.js";
import { renderScript, validateScenario, type KernelScenario } from "./scenario.js";
import { kernelAvailability, type KernelAvailability } from "./verifier.js";

export type { KernelScenario } from "./scenario.js";

/** Counter deltas, named as in /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp). */
export interface KernelCounters {
  readonly TCPMigrateReqSuccess: number;
  readonly TCPMigrateReqFailure: number;
  readonly ListenOverflows: number;
  readonly ListenDrops: number;
  readonly TCPReqQFullDoCookies: number;
  readonly TCPReqQFullDrop: number;
  readonly TCPDeferAcceptDrop: number;
  readonly EmbryonicRsts: number;
  readonly TCPFastOpenPassive: number;
  readonly TCPFastOpenListenOverflow: number;
  readonly SyncookiesSent: number;
  readonly SyncookiesRecv: number;
  readonly OutRsts: number;
  readonly TCPAbortOnClose: number;
  readonly EstabResets: number;
  readonly AttemptFails: number;
}

export interface KernelQueue {
  readonly listener: number;
  /** The port it is bound to now (a port-0 listener that re-listens after shutdown gets a new one, R7). */
  readonly port: number;
  /** TCP state name of the listener socket: LISTEN, or CLOSE after shutdown. */
  readonly state: string;
  /** Accept-queue length (TCP_INFO tcpi_unacked on a listener). */
  readonly acceptQueue: number;
  /** Its limit (tcpi_sacked): min(backlog, somaxconn). */
  readonly backlog: number;
}

export interface KernelStepResult {
  readonly index: number;
  /** Line of the rendered script. */
  readonly line: number;
  readonly op: string;
  readonly ok?: boolean;
  readonly errno?: number;
  readonly listener?: number;
  /** connect: the first client id of this step, how many, how many completed the handshake. */
  readonly first?: number;
  readonly count?: number;
  readonly connected?: number;
  /** accept: client ids accepted per listener (-1 = a peer that is no scenario client). */
  readonly accepted?: readonly {
    readonly listener: number;
    readonly clients: readonly number[];
    readonly errno: number;
  }[];
  /** queues: each open listener's accept queue. */
  readonly queues?: readonly KernelQueue[];
  /** attach: the verifier log when loading failed. */
  readonly log?: string;
  /** Counter deltas since the scenario started, read after this step. */
  readonly counters: KernelCounters;
}

export type ClientStatus = "accepted" | "reset" | "timeout" | "refused" | "pending" | "connecting" | "eof" | "error";

export interface KernelClientResult {
  readonly id: number;
  readonly port: number;
  /** Completed the handshake within the connect step's wait. */
  readonly connected: boolean;
  /** At the end: accepted by a listener; reset (RST); pending (open but never accepted) … */
  readonly status: ClientStatus;
  readonly acceptedBy: number;
  /** Index of the accept step that returned it (-1 if never). */
  readonly acceptStep: number;
  /** The client socket's TCP state at the end. */
  readonly tcpState: string;
  readonly errno: number;
  /** The connection hash the kernel computed for its SYN (ctx->hash, = sk_hash), recorded by a
   *  `hashes` step; -1 when not recorded. Migration targets follow it (R11, R12 step 7). */
  readonly hash: number;
}

export interface KernelScenarioResult {
  readonly port: number;
  readonly steps: readonly KernelStepResult[];
  readonly listeners: readonly { readonly id: number; readonly state: "listen" | "shutdown" | "closed" }[];
  readonly clients: readonly KernelClientResult[];
  readonly counters: {
    readonly before: KernelCounters;
    readonly after: KernelCounters;
    readonly delta: KernelCounters;
  };
}

/** Bound on a whole run: the harness's own bound (20 s of waits) plus slack for a loaded machine. */
const RUN_TIMEOUT_MS = 60_000;

let cachedNs: KernelAvailability | undefined;

/** Whether scenarios can run: the kernel bridge works and `unshare --net` is permitted. */
export function kernelNamespaceAvailability(): KernelAvailability {
  if (cachedNs !== undefined) return cachedNs;
  const k = kernelAvailability();
  if (!k.available) return (cachedNs = k);
  const r = spawnSync("unshare", ["--net", "--", "true"], { timeout: 10_000 });
  if (r.error !== undefined) return (cachedNs = { available: false, reason: `cannot run unshare: ${r.error.message}` });
  if (r.status !== 0)
    return (cachedNs = { available: false, reason: `unshare --net failed: ${r.stderr.toString().trim()}` });
  return (cachedNs = { available: true, reason: "bpf() works and unshare --net is permitted" });
}

/** Run `scenario` on real sockets in a fresh network namespace. */
export async function runKernelScenario(scenario: KernelScenario): Promise<KernelScenarioResult> {
  validateScenario(scenario);
  const tool = await buildNative("reuseport_harness");
  const script = renderScript(scenario);
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>(
    (resolvePromise, reject) => {
      const child = spawn("unshare", ["--net", "--", tool], {
        stdio: ["pipe", "pipe", "pipe"],
        timeout: RUN_TIMEOUT_MS,
        killSignal: "SIGKILL",
      });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      child.on("error", (e) => reject(new InputError("kernel.spawn", `cannot run unshare ${tool}: ${e.message}`)));
      child.on("close", (c, signal) => {
        if (signal !== null)
          reject(
            new InputError("kernel.harness", `reuseport_harness was stopped by ${signal} (bound ${RUN_TIMEOUT_MS} ms)`),
          );
        else resolvePromise({ stdout: out, stderr: err, code: c });
      });
      child.stdin.end(script);
    },
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new InputError(
      "kernel.harness",
      `reuseport_harness (exit ${code}) printed no JSON: ${(stdout + stderr).trim().slice(0, 300)}`,
    );
  }
  if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
    throw new ModelError(
      "kernel.harness",
      `reuseport_harness refused the scenario: ${String((parsed as { error: unknown }).error)}`,
    );
  }
  return parsed as KernelScenarioResult;
}

/** `reciprocal_scale(hash, n)`: the index the kernel's hash pick takes among n listening sockets. */
export function scaleHash(hash: number, n: number): number {
  // hash < 2^32 and n ≤ 2^16, so the product is exact in a double.
  return Math.floor((hash * n) / 0x1_0000_0000);
}

/** A listener's accept-queue length at a `queues` step. */
export function queueOf(result: KernelScenarioResult, stepIndex: number, listener: number): number {
  const q = result.steps[stepIndex]?.queues?.find((x) => x.listener === listener);
  if (q === undefined) throw new ModelError("kernel.result", `step ${stepIndex} has no queue for listener ${listener}`);
  return q.acceptQueue;
}
