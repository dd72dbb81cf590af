/**
 * `baton simulate UDP-SCENARIO.json`: a scenario with a top-level `udp` section runs through
 * the UDP model (src/model/udp-sim.ts). Programs named by `attach` events are files (.o, .s,
 * .bin, .baton, or a classic .bpf/.cbpf), loaded and verified like every command's (or the
 * `--policy` file for all of them); `FILE#label` is another instance of FILE, with maps of its
 * own (a second process loading the same object). Prints a summary, the result as JSON (`--json`), or one
 * line per datagram (`--datagrams`).
 */
import { ModelError } from "../errors.js";
import { ClassicProgram } from "../vm/cbpf/program.js";
import { u32Key } from "../vm/maps/control.js";
import { MapTable } from "../vm/maps/table.js";
import { AddressSpace } from "../vm/memory.js";
import { SkReuseportRuntime } from "../vm/reuseport-runtime.js";
import { parseUdpScenario } from "../model/udp-scenario.js";
import { simulateUdp, type UdpSimProgram, type UdpSimResult } from "../model/udp-sim.js";
import { classicUdpProgram, ebpfUdpProgram } from "../model/udp-programs.js";
import { UdpSocket } from "../model/udp.js";
import { loadSource } from "../testing/load.js";
import { toBytes } from "../testing/group.js";
import type { CliIO } from "./command.js";
import { engineFor } from "./verified-program.js";

export interface UdpSimulateOptions {
  readonly engine: string;
  readonly seed?: number;
  readonly policy?: string;
  readonly json: boolean;
  readonly datagrams: boolean;
}

async function programFor(file: string, engine: string, seed: number): Promise<() => UdpSimProgram> {
  const src = await loadSource({ file });
  if (src.kind === "cbpf") {
    return () => {
      const prog = classicUdpProgram(
        src.name,
        new ClassicProgram(src.filter, { engine: engine === "jit" ? "jit" : "interp", seed, file: src.name }),
      );
      return {
        program: prog,
        writeMap: (map) => {
          throw new ModelError("udp-sim.map", `a classic filter has no maps (map ${map})`);
        },
      };
    };
  }
  const p = src.program;
  const factory = engineFor(p, engine).factory;
  return () => {
    const maps = new MapTable(new AddressSpace());
    for (const spec of p.maps) maps.create(spec);
    for (const g of p.globalData ?? []) {
      const m = maps.byFd(g.fd);
      if (m !== undefined && m.kind === "data") m.update(u32Key(0), g.data, 0);
    }
    const runtime = new SkReuseportRuntime({ insns: p.insns, maps, engine: factory, seed });
    const name = p.programName ?? file;
    return {
      program: ebpfUdpProgram(name, p.attachType, runtime, maps),
      writeMap(mapName, key, value) {
        const m = maps.list.find((x) => x.name === mapName);
        if (m === undefined)
          throw new ModelError(
            "udp-sim.map",
            `program ${name} has no map '${mapName}' (maps: ${maps.list.map((x) => x.name).join(", ")})`,
          );
        const k = toBytes(key, m.keySize, `map ${mapName} key`);
        let rc: number;
        if (value === null) rc = m.delete(k);
        else if (value instanceof UdpSocket) rc = m.kind === "socket" ? m.updateSocket(k, value, 0) : -22;
        else rc = m.kind === "data" ? m.update(k, toBytes(value, m.valueSize, `map ${mapName} value`), 0) : -22;
        if (rc < 0 && !(value === null && rc === -2))
          throw new ModelError("udp-sim.map", `map ${mapName}: the write was refused (errno ${-rc})`);
      },
    };
  };
}

export function udpSummary(r: UdpSimResult): string {
  const out: string[] = [];
  const d = r.datagrams;
  out.push(`scenario ${r.scenario}  seed ${r.seed}  ${r.durationMs} ms simulated`);
  const drops = Object.entries(d.dropped)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  out.push(
    `datagrams ${d.sent}: delivered ${d.delivered}, dropped ${Object.values(d.dropped).reduce((a, b) => a + b, 0)}${drops !== "" ? ` (${drops})` : ""}, misrouted ${d.misrouted}`,
  );
  const w = Math.max(8, ...r.sockets.map((s) => s.name.length));
  out.push("");
  out.push(
    `${"socket".padEnd(w)}  ${"received".padStart(9)} ${"read".padStart(9)} ${"rcvbuf".padStart(7)} ${"maxq".padStart(6)}  state`,
  );
  for (const s of r.sockets)
    out.push(
      `${s.name.padEnd(w)}  ${String(s.received).padStart(9)} ${String(s.read).padStart(9)} ${String(s.rcvbufDrops).padStart(7)} ${String(s.maxQueue).padStart(6)}  ${s.state}`,
    );
  out.push("");
  out.push("flows:");
  for (const f of r.flows)
    out.push(
      `  ${f.name}: sent ${f.sent}, delivered ${f.delivered}, misrouted ${f.misrouted}; ${Object.entries(f.bySocket)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  out.push("counters (non-zero):");
  for (const [k, v] of Object.entries(r.counters)) if (v !== 0) out.push(`  ${k.padEnd(32)} ${v}`);
  return out.join("\n");
}

export async function runUdpSimulate(file: string, text: string, o: UdpSimulateOptions, io: CliIO): Promise<number> {
  const sc = parseUdpScenario(text, file);
  const seed = o.seed ?? sc.seed;
  const programs = new Map<string, () => UdpSimProgram>();
  for (const e of sc.events) {
    const ref = e.do === "attach" ? e.program : e.do === "map" ? e.program : null;
    if (ref !== null && !programs.has(ref))
      programs.set(ref, await programFor(o.policy ?? ref.replace(/#[^#/]*$/, ""), o.engine, seed));
  }
  const lines: string[] = [];
  const result = simulateUdp(sc, {
    seed,
    programs,
    ...(o.datagrams
      ? {
          onDatagram: (r) =>
            void lines.push(
              `${r.t.toFixed(3)} ${r.flow}[${r.index}] :${r.srcPort} -> ${r.socket ?? "-"} ${r.drop ?? r.how}${r.misrouted ? " MISROUTED" : ""}`,
            ),
        }
      : {}),
  });
  if (o.json) io.out(JSON.stringify(result, null, 2));
  else io.out(o.datagrams ? `${lines.join("\n")}\n\n${udpSummary(result)}` : udpSummary(result));
  return 0;
}
