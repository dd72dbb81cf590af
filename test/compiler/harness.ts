/**
 * Test helpers: compile a policy, run it once in the VM runtime and read back a map, and
 * check a compiled program with Baton's verifier and (when available) the kernel.
 */
import { compilePolicy, type CompiledPolicy } from "../../src/compiler/index.js";
import { engineByName } from "../../src/vm/engines.js";
import { VirtualClock } from "../../src/vm/helpers/env.js";
import { encode } from "../../src/vm/isa.js";
import { valueBytes } from "../../src/vm/maps/control.js";
import { MapTable } from "../../src/vm/maps/table.js";
import { AddressSpace } from "../../src/vm/memory.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";
import { SkReuseportRuntime } from "../../src/vm/reuseport-runtime.js";
import { StaticSocket, TCP_CLOSE, TCP_LISTEN, type VmSocket } from "../../src/vm/socket.js";
import { verify } from "../../src/verifier/verify.js";
import { kernelAvailability, kernelVerify } from "../../src/kernel/verifier.js";

export interface RunInput {
  hash?: number;
  len?: number;
  cpu?: number;
  seed?: number;
  time?: number;
  ethProtocol?: number;
  migrating?: { state: number; cookie?: bigint } | null;
  listenerCookie?: bigint;
  /** Control-plane map contents: map name → [key, value] (socket maps: value = cookie). */
  maps?: Record<string, [number | bigint, number | bigint][]>;
}

export interface RunOutput {
  ret: number;
  selected: bigint | null;
  /** Read a map value (u64, or the signed value for signed maps); null when absent. */
  read(map: string, key: number | bigint): bigint | null;
}

export function run(p: CompiledPolicy, input: RunInput = {}, engine = "interp"): RunOutput {
  const table = new MapTable(new AddressSpace());
  for (const m of p.maps) table.create(m);
  const socks = new Map<bigint, StaticSocket>();
  const sock = (c: bigint): StaticSocket => {
    let s = socks.get(c);
    if (s === undefined) socks.set(c, (s = new StaticSocket(c, TCP_LISTEN, 1)));
    return s;
  };
  const info = (name: string) => p.mapInfo.find((m) => m.name === name)!;
  for (const [name, entries] of Object.entries(input.maps ?? {})) {
    const mi = info(name);
    const m = table.byFd(mi.fd)!;
    for (const [k, v] of entries) {
      const key = valueBytes(BigInt(k), mi.keySize);
      const rc =
        m.kind === "socket"
          ? m.updateSocket(key, sock(BigInt(v)), 0)
          : m.update(key, valueBytes(BigInt.asUintN(mi.valueSize * 8, BigInt(v)), mi.valueSize), 0);
      if (rc !== 0) throw new Error(`map ${name} update failed: ${rc}`);
    }
  }
  const sk = sock(input.listenerCookie ?? 1n);
  sk.state = input.migrating ? TCP_CLOSE : TCP_LISTEN;
  const mig: VmSocket | null = input.migrating
    ? new StaticSocket(input.migrating.cookie ?? 999n, input.migrating.state, null)
    : null;
  const rt = new SkReuseportRuntime({
    insns: p.insns,
    maps: table,
    engine: engineByName(engine),
    seed: input.seed ?? 0,
    clock: new VirtualClock(input.time ?? 0),
  });
  const r = rt.select({
    sk,
    migratingSk: mig,
    hash: input.hash ?? 0,
    ...(input.len !== undefined ? { len: input.len } : {}),
    ...(input.cpu !== undefined ? { cpu: input.cpu } : {}),
    ...(input.ethProtocol !== undefined ? { ethProtocol: input.ethProtocol } : {}),
  });
  const ret = r.ret;
  const selected = r.selected?.cookie ?? null;
  return {
    ret,
    selected,
    read(name, key) {
      const mi = info(name);
      const v = table.byFd(mi.fd)!.lookup(valueBytes(BigInt(key), mi.keySize));
      if (typeof v === "number") return null;
      let out = 0n;
      for (let i = mi.valueSize - 1; i >= 0; i--) out = (out << 8n) | BigInt(v[i]!);
      return mi.valueTy?.signed === true ? BigInt.asIntN(mi.valueSize * 8, out) : out;
    },
  };
}

export function compile(source: string, file = "test.baton"): CompiledPolicy {
  return compilePolicy(source, file);
}

export function batonVerify(p: CompiledPolicy) {
  return verify(p.insns, { type: SK_REUSEPORT, attachType: p.attachType, maps: p.maps, sourceMap: p.sourceMap });
}

export const kernel = kernelAvailability();

export async function kernelCheck(p: CompiledPolicy): Promise<{ accepted: boolean; log: string }> {
  const v = await kernelVerify(encode(p.insns), { attachType: p.attachType, maps: p.maps });
  return { accepted: v.accepted, log: v.log };
}
