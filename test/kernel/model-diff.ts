/**
 * Random kernel scenarios for the socket model's differential test against the kernel
 * (`model-fuzz.test.ts`, `model-fuzz.ts`): listeners of one SO_REUSEPORT group (IPv4, IPv6 or
 * dual-stack) with the hash recorder attached, clients, listeners that start, shut down or close
 * between connects, then optionally a built-in program and more stops, and a final accept. Only
 * forms whose outcome does not depend on timing: every connect waits for its handshakes, the
 * backlog never overflows (128 per listener, at most 100 clients), and no SYN-ACK timer is
 * reached. `compareWithModel` runs a script (these or hand-written ones: model-vs-kernel.test.ts,
 * tcp-ipv6-kernel.test.ts) on the kernel and in the model and lists every difference in the
 * migration counters and in each connection's fate (matched by its recorded hash).
 *
 * Dual-stack groups stop a listener after the first connect only when at most one other stays
 * open: the child of an IPv4 connection on an AF_INET6 listener is hashed on addresses its SYN
 * did not carry (the model's `dualStackSockHash`), so the recorded SYN hashes cannot predict a
 * migration's hash pick there, only a forced one.
 */
import { runKernelScenario } from "../../src/kernel/harness.js";
import { KERNEL_BUILTINS } from "../../src/kernel/programs.js";
import type { KernelScenario, KernelStep } from "../../src/kernel/scenario.js";
import { toModelScenario } from "../../src/kernel/to-model.js";
import { simulate } from "../../src/model/simulator.js";

/** A small xorshift32: the same seed gives the same scenario on every machine. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

export function randomScenario(seed: number): KernelScenario {
  const r = random(seed);
  const steps: KernelStep[] = [];
  const family = (["4", "4", "6", "dual"] as const)[r(4)]!;
  if (family !== "4") steps.push({ op: "family", family });
  steps.push({ op: "sysctl", name: "net.ipv4.tcp_migrate_req", value: r(2) });
  const open: number[] = [];
  let next = 0;
  const listen = (): void => {
    steps.push({ op: "listen", listener: next });
    open.push(next++);
  };
  for (let n = 1 + r(4); n > 0; n--) listen();
  steps.push({ op: "hashes", listener: 0 });
  let clients = 0;
  const canStop = (min: number): boolean =>
    open.length > min && (family !== "dual" || clients === 0 || open.length <= 2);
  const stop = (): void => {
    const i = r(open.length);
    steps.push({ op: r(3) === 0 ? "shutdown" : "close", listener: open[i]! });
    open.splice(i, 1);
  };
  // While the recorder is the group's program, every connect's hashes are known.
  for (let events = 2 + r(6); events > 0; events--) {
    const k = r(4);
    if (k <= 1 && clients < 100) {
      const count = Math.min(100 - clients, 1 + r(24));
      steps.push({ op: "connect", count });
      clients += count;
    } else if (k === 2 && next < 10) listen();
    else if (canStop(1)) stop();
  }
  if (clients === 0) {
    clients = 1 + r(24);
    steps.push({ op: "connect", count: clients });
  }
  if (r(2) === 0) {
    const names = Object.keys(KERNEL_BUILTINS) as (keyof typeof KERNEL_BUILTINS)[];
    const b = KERNEL_BUILTINS[names[r(names.length)]!];
    steps.push({ op: "attach", listener: open[r(open.length)]!, attachType: b.attachType, program: b.program });
  }
  for (let stops = r(3); stops > 0 && canStop(0); stops--) stop();
  steps.push({ op: "accept" });
  return { steps };
}

/** Counters compared (the rest either never move here or are not modelled). */
const COMPARED = [
  "TCPMigrateReqSuccess",
  "TCPMigrateReqFailure",
  "OutRsts",
  "ListenOverflows",
  "TCPDeferAcceptDrop",
] as const;

export interface Comparison {
  /** False when the kernel had no clients or did not record every client's hash (nothing to compare). */
  readonly compared: boolean;
  readonly differences: readonly string[];
}

export async function compareWithModel(ks: KernelScenario): Promise<Comparison> {
  const k = await runKernelScenario(ks);
  if (k.clients.length === 0 || !k.clients.every((c) => c.hash >= 0)) return { compared: false, differences: [] };
  const failed = k.steps.filter((s) => s.ok === false);
  if (failed.length > 0) return { compared: true, differences: failed.map((s) => `kernel step failed: ${s.line}`) };
  const m = simulate(toModelScenario(ks, { hashes: k.clients.map((c) => c.hash) }), { keepConnections: true });
  const differences: string[] = [];
  const mc: Record<string, number> = { ...m.counters };
  const kc: Record<string, number> = { ...k.counters.delta };
  for (const n of COMPARED)
    if ((mc[n] ?? 0) !== (kc[n] ?? 0)) differences.push(`${n}: model ${mc[n] ?? 0}, kernel ${kc[n] ?? 0}`);
  const kernelFate = new Map(k.clients.map((c) => [c.hash, c.status === "accepted" ? `L${c.acceptedBy}` : c.status]));
  const modelFate = new Map((m.connectionRecords ?? []).map((c) => [c.hash, c.fate === "accepted" ? c.by : c.fate]));
  for (const [hash, fate] of kernelFate)
    if (modelFate.get(hash) !== fate)
      differences.push(`hash ${hash}: model ${modelFate.get(hash) ?? "absent"}, kernel ${fate}`);
  if (modelFate.size !== kernelFate.size)
    differences.push(`connections: model ${modelFate.size}, kernel ${kernelFate.size}`);
  return { compared: true, differences };
}
