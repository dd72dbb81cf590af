/**
 * Runs a bytecode policy inside the model: wraps the VM's `SkReuseportRuntime` as a
 * `ReuseportProgram`, creates the policy's maps, mirrors the scenario's control-plane map
 * writes into them by map name, and clears sockarray entries when the model unhashes a
 * listener (R4 a, R6, R22). The virtual clock follows the simulation.
 * A program that can read packet data (ctx data, data_end or eth_protocol, or a
 * bpf_skb_load_bytes[_relative] call) gets the segment's bytes (tcp-packet.ts) on the packet
 * paths; with len 0 (close, the SYN-ACK timer) it gets the kernel's empty skb. Any other
 * program runs without building bytes.
 * Omitted: CPU numbers.
 * Callers verify the program first (the model never imports the verifier).
 */
import { ModelError } from "../errors.js";
import type { EngineFactory } from "../vm/engine.js";
import type { Insn } from "../vm/isa.js";
import type { VmSocket } from "../vm/socket.js";
import type { MapSpec } from "../vm/map-spec.js";
import { mapKeys, u32Key, u64Bytes, valueBytes } from "../vm/maps/control.js";
import { MapTable } from "../vm/maps/table.js";
import { AddressSpace } from "../vm/memory.js";
import { BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE } from "../vm/program-type.js";
import { VirtualClock } from "../vm/helpers/env.js";
import { ctxReadWords } from "../vm/ctx-reads.js";
import { HELPER } from "../vm/program-type.js";
import { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import type { ModelMaps } from "./model-maps.js";
import type { ReuseportAttachType, ReuseportProgram } from "./program.js";
import { TRACE_LIMIT, type MapContents, type MapValueOut } from "./sim-trace.js";
import { Listener } from "./sockets.js";
import { SegmentBytes } from "./tcp-packet.js";

export interface BytecodePolicy {
  readonly name: string;
  readonly insns: readonly Insn[];
  readonly maps: readonly MapSpec[];
  readonly attachType: number;
  /**
   * Map contents a loader writes before attaching (an ELF object's .rodata/.data/.bss live in
   * single-entry array maps): `value` goes to key 0 of the data map with that fd.
   */
  readonly initialValues?: readonly { readonly fd: number; readonly value: Uint8Array }[];
}

/** The fields of `ReuseportInput` the model sets, writable so one object serves every run. */
interface MutableInput {
  sk: VmSocket;
  migratingSk: VmSocket | null;
  hash: number;
  len: number;
  bindInany: boolean;
}

/** The input of a run with packet bytes, rewritten per run. */
interface MutablePacketInput extends MutableInput {
  packet: Uint8Array;
  l4Offset: number;
  linearLen: number;
  ethProtocol: number;
  mac: Uint8Array;
}

/** ctx words a program reads packet data through: data (0–1), data_end (2–3), eth_protocol (5). */
const PACKET_WORDS = 0b101111;
const OP_CALL = 0x85;
const EMPTY = new Uint8Array(0);

/** Whether the program can see packet bytes (ctx-reads.ts answers "all words" when unsure). */
export function readsPacket(insns: readonly Insn[]): boolean {
  if ((ctxReadWords(insns) & PACKET_WORDS) !== 0) return true;
  return insns.some(
    (i) =>
      i.opcode === OP_CALL &&
      i.src === 0 &&
      (i.imm === HELPER.skb_load_bytes || i.imm === HELPER.skb_load_bytes_relative),
  );
}

/** Little-endian key bytes of the map's key size (u32 and u64 keys, or any other width). */
function keyBytes(key: number, size: number): Uint8Array {
  return size === 8 ? u64Bytes(BigInt(key)) : size === 4 ? u32Key(key) : valueBytes(key, size);
}

/** A `ReuseportProgram` backed by the VM. */
export interface RuntimeProgram extends ReuseportProgram {
  /** The VM runtime behind it (benchmarks time its engine alone, on the same code and maps). */
  readonly runtime: SkReuseportRuntime;
  /** The policy's maps as they are now (what the program and the control plane wrote). */
  dumpMaps(owner: string): MapContents[];
}

/** Little-endian bytes as a number when exact (up to 2^53), else hex. */
function bytesOut(b: Uint8Array): number | string {
  if (b.length <= 8) {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  }
  // Not Buffer: the model also runs in the browser playground (web/), which has none.
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const MAP_KIND_NAMES: Readonly<Record<number, string>> = {
  1: "hash",
  2: "array",
  9: "lru_hash",
  15: "sockmap",
  18: "sockhash",
  20: "sockarray",
};

/** A `ReuseportProgram` backed by the VM, wired to the simulation's maps. */
export function runtimeProgram(
  policy: BytecodePolicy,
  engine: EngineFactory,
  seed: number,
  maps: ModelMaps,
): RuntimeProgram {
  if (policy.attachType !== BPF_SK_REUSEPORT_SELECT && policy.attachType !== BPF_SK_REUSEPORT_SELECT_OR_MIGRATE) {
    const want = `${BPF_SK_REUSEPORT_SELECT} or ${BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}`;
    throw new ModelError(
      "model.attach-type",
      `policy ${policy.name}: expected attach type ${want}, got ${policy.attachType}`,
    );
  }
  const table = new MapTable(new AddressSpace());
  for (const spec of policy.maps) table.create(spec);
  for (const init of policy.initialValues ?? []) {
    const m = table.byFd(init.fd);
    const rc = m !== undefined && m.kind === "data" ? m.update(u32Key(0), init.value, 0) : -22;
    if (rc < 0)
      throw new ModelError(
        "model.map-init",
        `policy ${policy.name}: the initial value of map fd ${init.fd} was refused (errno ${-rc})`,
      );
  }
  const byName = new Map(table.list.map((m) => [m.name, m]));
  maps.subscribe({
    write(name, key, value) {
      const m = byName.get(name);
      if (m === undefined) return; // another policy's map (the simulator checks every map has one)
      const fits = (n: number, size: number): boolean => size >= 8 || n <= 2 ** (8 * size) - 1;
      if (!fits(key, m.keySize))
        throw new ModelError("model.map-key-size", `map ${name}: key ${key} does not fit its ${m.keySize}-byte key`);
      if (typeof value === "number" && !fits(value, m.valueSize))
        throw new ModelError(
          "model.map-value-size",
          `map ${name}: value ${value} does not fit its ${m.valueSize}-byte value`,
        );
      const k = keyBytes(key, m.keySize);
      let rc: number;
      if (value === undefined) rc = m.delete(k);
      else if (m.kind === "socket") rc = typeof value === "number" ? -22 : m.updateSocket(k, value, 0);
      else rc = typeof value === "number" ? m.update(k, valueBytes(value, m.valueSize), 0) : -22;
      if (rc < 0 && !(value === undefined && rc === -2)) {
        throw new ModelError(
          "model.map-write",
          `map ${name}[${key}]: the policy's map refused the write (errno ${-rc})`,
        );
      }
    },
    remove(sk) {
      table.detachSocket(sk);
    },
  });
  // Time is read from the model when a helper asks (ktime_get_ns and kin), not pushed per run.
  const clock = new VirtualClock(0, 250, () => maps.stack.nowNs());
  const rt = new SkReuseportRuntime({ insns: policy.insns, maps: table, engine, seed, clock });
  // Per run nothing is allocated: one mutable input (always the same shape, so the context
  // fill stays monomorphic) and the runtime's own reused result, which the group reads at once.
  const input: MutableInput = { sk: null as unknown as VmSocket, migratingSk: null, hash: 0, len: 0, bindInany: false };
  // A program reading packet data runs through `select` with the segment's bytes; one input
  // object, one buffer per segment length. Decided once, so the per-request call site sees a
  // single function.
  const segments = readsPacket(rt.insns) ? new SegmentBytes(maps.stack) : null;
  const pin: MutablePacketInput = {
    ...input,
    packet: EMPTY,
    l4Offset: 0,
    linearLen: 0,
    ethProtocol: 0,
    mac: EMPTY,
  };
  const runPacket = (
    seg: SegmentBytes,
    sk: VmSocket,
    m: VmSocket | null,
    hash: number,
    len: number,
    bindInany: boolean,
  ): ReturnType<SkReuseportRuntime["select"]> => {
    const p = len === 0 ? null : seg.current(); // len 0: the empty skb of close and the timer
    pin.sk = sk;
    pin.migratingSk = m;
    pin.hash = hash;
    pin.len = len;
    pin.bindInany = bindInany;
    pin.packet = p === null ? EMPTY : p.bytes;
    pin.l4Offset = p === null ? 0 : p.l4Offset;
    pin.linearLen = p === null ? 0 : p.linearLen;
    pin.ethProtocol = p === null ? 0 : p.ethProtocol;
    pin.mac = p === null ? EMPTY : p.mac;
    return rt.select(pin);
  };
  return {
    attachType: policy.attachType as ReuseportAttachType,
    name: policy.name,
    runtime: rt,
    maps: table.list.map((m) => ({
      name: m.name,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    })),
    dumpMaps(owner) {
      return table.list.map((m) => {
        const entries: MapContents["entries"][number][] = [];
        const keys = mapKeys(m);
        for (const k of keys.slice(0, TRACE_LIMIT)) {
          let value: MapValueOut | string;
          if (m.kind === "socket") {
            const sk = m.lookupSocket(k, 0);
            if (sk === null) continue; // an empty slot
            value = sk instanceof Listener ? { listener: sk.name, cookie: Number(sk.cookie) } : Number(sk.cookie);
          } else {
            const v = m.lookup(k);
            value = typeof v === "number" ? v : bytesOut(v);
          }
          entries.push({ key: bytesOut(k), value });
        }
        return {
          name: m.name,
          owner,
          type: MAP_KIND_NAMES[m.type] ?? `type ${m.type}`,
          entries,
          more: Math.max(0, keys.length - TRACE_LIMIT),
        };
      });
    },
    run(i) {
      clock.ns = i.nowNs; // this run's time, whatever the model's clock says
      try {
        if (segments !== null) return runPacket(segments, i.sk, i.migratingSk, i.hash, i.len, i.bindInany);
        input.sk = i.sk;
        input.migratingSk = i.migratingSk;
        input.hash = i.hash;
        input.len = i.len;
        input.bindInany = i.bindInany;
        return rt.select(input);
      } finally {
        clock.unpin();
      }
    },
    // The group's per-request path: the same run with no input object at all, and no time
    // (the clock follows the model's). The hash goes on as its int32 bit pattern (the ctx word
    // gets the same bits), which V8 passes as a small integer rather than boxing a u32 above
    // 2^31 at each call.
    runArgs:
      segments === null
        ? (sk, migratingSk, hash, len, bindInany) => rt.selectArgs(sk, migratingSk, hash | 0, len, bindInany)
        : (sk, migratingSk, hash, len, bindInany) => runPacket(segments, sk, migratingSk, hash, len, bindInany),
  };
}
